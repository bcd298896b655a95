// Weight averaging (TF's ExponentialMovingAverage with num_updates) and zero-debiased BatchNorm
// statistics, checked against the formulas computed by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { debiasedBatchNorm, WeightAverage } from "../../lib/train/averaging";
import { backendUnderTest } from "../backends";

function close(a: number, b: number, tol = 1e-5, what = "") {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

test("WeightAverage: shadow = EMA with decay min(d, (1+t)/(10+t)); withAveraged swaps and restores", async () => {
  await use(backendUnderTest("cpu"));
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: "zeros" })] });
  const before = tf.memory().numTensors;
  const ema = new WeightAverage(m, { decay: 0.9 });
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  let expected = 0; // the shadow starts at the initial weight
  values.forEach((v, t) => {
    const w = tf.tensor2d([[v]]);
    m.layers[0].setWeights([w]);
    w.dispose();
    ema.update();
    const d = Math.min(0.9, (1 + t) / (10 + t));
    expected = d * expected + (1 - d) * v;
  });
  assert.equal(ema.updates, values.length);
  const seen = await ema.withAveraged(() => (m.layers[0].getWeights()[0].dataSync() as Float32Array)[0]);
  close(seen, expected, 1e-5, "averaged weight");
  assert.ok(Math.abs(expected - 25) > 1, "the average differs from the last weight");
  assert.equal(m.layers[0].getWeights()[0].dataSync()[0], 25, "trained weight restored");
  // withAveraged restores even when the callback throws.
  await assert.rejects(ema.withAveraged(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(m.layers[0].getWeights()[0].dataSync()[0], 25);
  ema.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  assert.throws(() => new WeightAverage(m, { decay: 1.5 }), /decay = 1.5: expected a number in \(0, 1\)/);
  m.dispose();
});

test("debiasedBatchNorm: the moving mean is the decay-weighted mean of the batch means, with no trace of the start", async () => {
  await use(backendUnderTest("cpu"));
  const m = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [2], momentum: 0.99 })] });
  const hook = debiasedBatchNorm(m, 0.99);
  const means = [5, -3, 10, 2];
  let num = 0;
  let den = 0;
  for (const mu of means) {
    tf.tidy(() => m.apply(tf.tensor2d([[mu - 1, 2 * mu], [mu + 1, 2 * mu]]), { training: true }));
    hook.afterStep();
    num = 0.99 * num + mu;
    den = 0.99 * den + 1;
  }
  const movingMean = m.layers[0].getWeights()[2].dataSync();
  close(movingMean[0], num / den, 1e-4, "moving mean, feature 0");
  close(movingMean[1], (2 * num) / den, 1e-4, "moving mean, feature 1");
  // A plain EMA with decay 0.99 would still be mostly the start value 0 after 4 steps.
  assert.ok(Math.abs(movingMean[0]) > 1);
  assert.throws(() => debiasedBatchNorm(m, 0), /decay = 0: expected a number in \(0, 1\)/);
  m.dispose();
});
