// tt-fc.md Table 1's two-layer MNIST models, 262,144 units wide: FC-FC (208.9 M parameters),
// TT-TT and TT-FC. Each is built at full width and trains two steps at batch 4. FC-FC needs the
// native backend (its weights, gradients and the 784x262,144 product do not fit wasm's 4 GB heap);
// the TT models also run on wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { build } from "../../lib/experiments/tt-fc";
import { trainableParams } from "../../lib/models/count";
import { specParams, ttFcSpec } from "../../lib/models/tt-fc";
import { rng } from "../../lib/random";
import { onEachBackend } from "../backends";

const BATCH = 4;

/**
 * Two SGD steps on a fixed batch of random images and labels: the loss is finite, the weights
 * moved, and the second step leaves the tensor count where the first did.
 */
function trainSteps(id: string): { loss: number; params: number; growth: number } {
  const model = build(id, 1);
  const r = rng(7);
  const x = tf.tensor4d(Float32Array.from({ length: BATCH * 784 }, () => r.next()), [BATCH, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d([3, 1, 4, 1], "int32"), 10);
  const opt = tf.train.sgd(0.01);
  try {
    const params = trainableParams(model);
    const before = model.trainableWeights.map((w) => w.read().clone());
    const step = () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
      const l = loss.dataSync()[0];
      loss.dispose();
      return l;
    };
    const loss = step();
    const moved = model.trainableWeights.map((w, i) => tf.tidy(() => tf.any(tf.notEqual(w.read(), before[i])).dataSync()[0] === 1));
    tf.dispose(before);
    // A bias right before BatchNorm gets no gradient (BatchNorm subtracts the batch mean): every
    // layer here is followed by one, so only the biases may stay (tfjs numbers repeated names: bias_3).
    const still = model.trainableWeights.filter((w, i) => !moved[i] && !/\/bias(_\d+)?$/.test(w.name)).map((w) => w.name);
    assert.deepEqual(still, [], `${id}: weights that a step did not change`);
    const afterOne = tf.memory().numTensors;
    step();
    return { loss, params, growth: tf.memory().numTensors - afterOne };
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  }
}

test("the 262,144-wide tt-fc MNIST models build at full width and train (two steps at batch 4)", { timeout: 30 * 60_000 }, async (t) => {
  await onEachBackend(t, ["tensorflow", "wasm"], async (backend, st) => {
    const ids = ["ttfc.mnist.tt_tt", "ttfc.mnist.tt_fc", "ttfc.mnist.fc_fc"];
    for (const id of ids) {
      if (id === "ttfc.mnist.fc_fc" && backend !== "tensorflow") {
        await st.test(id, { skip: "FC-FC (208.9 M parameters, a 784x262,144 weight and its gradient) needs the native backend: wasm's heap is capped at 4 GB" }, () => {});
        continue;
      }
      const { loss, params, growth } = trainSteps(id);
      assert.ok(Number.isFinite(loss) && loss > 0, `${id}: loss ${loss}`);
      // The built model counts what the card's formula counts, minus BatchNorm's moving statistics.
      assert.equal(params, specParams(ttFcSpec(id)), `${id}: parameters`);
      assert.equal(growth, 0, `${id}: tensors grew by ${growth} in a training step`);
    }
  });
});
