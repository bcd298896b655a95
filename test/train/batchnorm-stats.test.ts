// Re-estimated BatchNorm statistics: with the whole set as the one batch, inference (moving
// statistics) must give exactly what training mode (batch statistics) gives on that set.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { batchNorm } from "../../lib/models/blocks";
import { batchNormSignal, reestimateBatchNorm, withSeed } from "../../lib/train";
import { backendUnderTest } from "../backends";
import { mnistSmall } from "./mnist-small";

function net(): tf.LayersModel {
  // A first layer with weights 1e-4 of the usual: its outputs' variance (~1e-9) is far below the
  // moving variance's start value 1, as with the thesis's TT layers after a short run.
  return withSeed(5, () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: 32, kernelInitializer: tf.initializers.randomNormal({ stddev: 1e-6, seed: 5 }) }),
        batchNorm("bn1"),
        tf.layers.reLU(),
        tf.layers.dense({ units: 10 }),
        batchNorm("bn2"),
        tf.layers.softmax(),
      ],
    }),
  );
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

test("reestimateBatchNorm: with the whole set as one batch, inference equals training mode on it; the tensor count is kept", { timeout: 120000 }, async () => {
  await use(backendUnderTest("cpu"));
  const { test: set } = mnistSmall(500, 200);
  const m = net();
  const [x] = (() => {
    const it = set.batches(set.size, { normalize: "scale" });
    const b = it.next().value!;
    b.y.dispose();
    return [b.x];
  })();
  const before = maxDiff(m.predict(x) as tf.Tensor, m.apply(x, { training: true }) as tf.Tensor);
  assert.ok(before > 0.05, `the moving statistics at their start give other outputs (max diff ${before})`);

  const count = tf.memory().numTensors;
  assert.equal(reestimateBatchNorm(m, set, { batches: 1, batchSize: set.size }), 2);
  assert.equal(tf.memory().numTensors, count, "no tensor left behind");
  const inference = m.predict(x) as tf.Tensor;
  const training = m.apply(x, { training: true }) as tf.Tensor;
  const after = maxDiff(inference, training);
  assert.ok(after < 1e-4, `inference equals training mode after the re-estimate (max diff ${after})`);
  const mv = m.getLayer("bn1").getWeights()[3].dataSync();
  assert.ok(Math.max(...mv) < 1e-6, `bn1's moving variance is its input's (~1e-9), not its start 1 (max ${Math.max(...mv)})`);
  tf.dispose([x, inference, training]);
  m.dispose();
});

test("reestimateBatchNorm and batchNormSignal: bad arguments name the argument and the value", { timeout: 60000 }, async () => {
  await use(backendUnderTest("cpu"));
  const { test: set } = mnistSmall(500, 200);
  const m = net();
  assert.throws(() => reestimateBatchNorm(m, set, { batches: 0 }), (e: Error) => /batches/.test(e.message) && /0/.test(e.message));
  const conv = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }), tf.layers.batchNormalization({ axis: 1 })] });
  assert.throws(() => reestimateBatchNorm(conv, set), (e: Error) => /axis/.test(e.message) && /last axis/.test(e.message));
  const z = tf.zeros([2, 28, 28, 1]);
  assert.throws(() => batchNormSignal(conv, z), (e: Error) => /axis/.test(e.message) && /last axis/.test(e.message));
  z.dispose();
  m.dispose();
  conv.dispose();
});

test("batchNormSignal: each feature leaves BatchNorm with variance v / (v + eps) in training mode; a tiny input's signal is lost, a usual one passes", { timeout: 60000 }, async () => {
  await use(backendUnderTest("cpu"));
  const { test: set } = mnistSmall(500, 200);
  const m = net();
  const b = set.batches(100, { normalize: "scale" }).next().value!;
  const count = tf.memory().numTensors;
  const s = batchNormSignal(m, b.x);
  assert.equal(tf.memory().numTensors, count, "no tensor left behind");
  assert.deepEqual(s.map((r) => r.layer), ["bn1", "bn2"]);
  // bn1's input, computed apart: the layers before it act alike in training and inference.
  const upTo = tf.model({ inputs: m.inputs, outputs: m.getLayer("bn1").input as tf.SymbolicTensor });
  const v = tf.tidy(() => Array.from(tf.moments(upTo.predict(b.x) as tf.Tensor, 0).variance.dataSync()));
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  assert.ok(Math.abs(s[0].inputVariance - mean) <= 1e-6 * mean, `input variance ${s[0].inputVariance} vs ${mean}`);
  const expected = v.reduce((a, x) => a + x / (x + 1e-5), 0) / v.length;
  assert.ok(Math.abs(s[0].outputVariance - expected) <= 1e-3 * expected, `output variance ${s[0].outputVariance} vs v / (v + eps) = ${expected}`);
  assert.ok(s[0].inputVariance < 1e-6 && s[0].outputVariance < 0.2, `bn1 passes little: ${JSON.stringify(s[0])}`);
  // The same first layer at the usual (Glorot) scale: its input is far above eps and passes whole.
  const usual = withSeed(5, () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 32 }), batchNorm("bn1")] }));
  const [u] = batchNormSignal(usual, b.x);
  assert.ok(u.inputVariance > 1e-3 && u.outputVariance > 0.99, `a usual layer's signal passes: ${JSON.stringify(u)}`);
  tf.dispose([b.x, b.y]);
  m.dispose();
  usual.dispose();
});
