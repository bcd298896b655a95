// Weight averaging (TF's ExponentialMovingAverage with num_updates) and zero-debiased BatchNorm
// statistics, checked against the formulas computed by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { evaluate, fit, readCheckpoint, type History } from "../../lib/train";
import { debiasedBatchNorm, WeightAverage } from "../../lib/train/averaging";
import { backendUnderTest } from "../backends";
import { mnistSmall, smallNet } from "./mnist-small";

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

/** smallNet trained for `epochs` with both averages as callbacks; a checkpointDir makes it resume. */
async function averagedRun(epochs: number, dir?: string): Promise<{ history: History; averaged: Float32Array[]; weights: Float32Array[]; bnSteps: number; updates: number }> {
  const { train, test: testSet } = mnistSmall(400, 200);
  const model = smallNet(5, 16);
  const bn = debiasedBatchNorm(model, 0.99);
  const ema = new WeightAverage(model, { decay: 0.9 });
  try {
    const acc = async () => (await evaluate(model, testSet, { batchSize: 100 })).acc;
    const { history } = await fit(model, { train, test: testSet }, {
      epochs,
      batchSize: 50,
      optimizer: { name: "sgd", lr: 0.05, momentum: 0.9 },
      seed: 9,
      select: "last",
      progress: false,
      ...(dir ? { checkpointDir: dir, resume: true } : {}),
      callbacks: [bn, ema.callback({ name: "averagedTestAcc", fn: acc })],
    });
    const averaged = await ema.withAveraged(() => model.trainableWeights.map((w) => Float32Array.from(w.read().dataSync())));
    const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    return { history, averaged, weights, bnSteps: bn.steps, updates: ema.updates };
  } finally {
    ema.dispose();
    model.dispose();
  }
}

test("a run resumed from its checkpoint averages as the uninterrupted run: shadows, update count, BatchNorm steps and the per-epoch averaged accuracy", { timeout: 180000 }, async () => {
  await use(backendUnderTest("cpu"));
  const dir = mkdtempSync(join(tmpdir(), "tn-avg-"));
  try {
    const whole = await averagedRun(3);
    await averagedRun(1, dir);
    const ck = readCheckpoint(join(dir, "checkpoint.tnckpt"))!;
    assert.deepEqual(Object.keys(ck.header.callbacks ?? {}).sort(), ["debiasedBatchNorm", "weightAverage"], "both callbacks' state is in the checkpoint");
    assert.equal(ck.header.callbacks!.weightAverage.updates, 8, "400 images / 50 per batch = 8 updates in epoch 1");
    tf.dispose(ck.optimizer.map((o) => o.tensor));
    const resumed = await averagedRun(3, dir);
    assert.equal(resumed.updates, whole.updates);
    assert.equal(resumed.bnSteps, whole.bnSteps);
    assert.equal(resumed.updates, 24);
    resumed.weights.forEach((w, i) => assert.deepEqual(w, whole.weights[i], `weight ${i} (BatchNorm statistics included)`));
    resumed.averaged.forEach((w, i) => assert.deepEqual(w, whole.averaged[i], `averaged weight ${i}`));
    const metric = (h: History) => h.epochs.map((e) => e.metrics?.averagedTestAcc);
    assert.deepEqual(metric(resumed.history), metric(whole.history), "the averaged accuracy of every epoch, epoch 1 from before the resume");
    assert.ok(metric(whole.history).every((v) => typeof v === "number" && v > 0.3), `averaged accuracies ${metric(whole.history)}`);
    const csv = readFileSync(join(dir, "history.csv"), "utf8").trim().split("\n");
    assert.match(csv[0], /,averagedTestAcc$/, "the metric is a column of history.csv");
    assert.equal(csv.length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a checkpoint written before the averages kept state: the average restarts from the resumed weights, BatchNorm's count from 0", async () => {
  await use(backendUnderTest("cpu"));
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: "zeros" })] });
  const ema = new WeightAverage(m, { decay: 0.9 });
  const cb = ema.callback();
  const w = tf.tensor2d([[7]]);
  m.layers[0].setWeights([w]);
  w.dispose();
  cb.restoreState!(undefined, {} as never);
  assert.equal(ema.updates, 0);
  assert.equal(await ema.withAveraged(() => m.layers[0].getWeights()[0].dataSync()[0]), 7, "shadow = the resumed weight, not the one at construction");
  assert.throws(() => cb.restoreState!({ values: { updates: 3 }, tensors: { names: [], shapes: [], dtypes: [], values: [] } }, {} as never), /weight average state = "0 tensors, updates 3": expected the 1 shadows/);
  const bn = debiasedBatchNorm(tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [2] })] }), 0.99);
  bn.afterStep();
  bn.restoreState!(undefined, {} as never);
  assert.equal(bn.steps, 0);
  bn.restoreState!({ values: { steps: 17 }, tensors: { names: [], shapes: [], dtypes: [], values: [] } }, {} as never);
  assert.equal(bn.steps, 17);
  assert.throws(() => bn.restoreState!({ values: { steps: -1 }, tensors: { names: [], shapes: [], dtypes: [], values: [] } }, {} as never), /steps = -1: expected a whole number >= 0/);
  ema.dispose();
  m.dispose();
});
