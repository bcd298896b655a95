import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { engineLabel, use } from "../../lib/backend";
import { engineSegments, evaluate, fit, withSeed, type EpochRecord, type History } from "../../lib/train";
import { historyCsv, runStart, trainingSeconds } from "../../lib/train/history";
import { machineName } from "../../lib/machine";
import { mnistSmall, smallNet } from "./mnist-small";
import { backendUnderTest } from "../backends";

test("a small net on 2,000 MNIST images reaches >= 85 % test accuracy in 3 epochs; tensors do not grow per epoch", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  const model = smallNet(1, 128, 0.1);
  const counts: number[] = [];
  const seen: number[] = [];
  const before = tf.memory().numTensors;
  const r = await fit(model, { train, test: testSet }, {
    epochs: 3,
    batchSize: 50,
    optimizer: { name: "sgd", lr: 0.05, momentum: 0.9 },
    seed: 1,
    progress: false,
    onEpoch: (h: History) => {
      counts.push(tf.memory().numTensors);
      seen.push(h.epochs.length);
    },
  });
  assert.deepEqual(seen, [1, 2, 3]);
  // Optimizer state appears in epoch 1; after that an epoch leaves the tensor count unchanged.
  assert.equal(counts[1], counts[0]);
  assert.equal(counts[2], counts[0]);
  // fit frees the optimizer it made: nothing of the run outlives it.
  assert.ok(counts[0] > before, "optimizer state exists during the run");
  assert.equal(tf.memory().numTensors, before);
  const h = r.history;
  assert.equal(h.epochs.length, 3);
  assert.ok(r.selected!.testAcc! >= 0.85, `test accuracy ${r.selected!.testAcc}`);
  assert.ok(h.epochs[2].trainLoss < h.epochs[0].trainLoss);
  // "best-test": the best epoch's weights are restored at the end.
  const best = Math.max(...h.epochs.map((e) => e.testAcc!));
  assert.equal(r.selected!.testAcc, best);
  assert.equal((await evaluate(model, testSet)).acc, best);
});

test("same seed, same run: dropout, batch order and augmentation are seeded", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  const small = train.subset(400, 2);
  const once = async () => {
    const model = smallNet(3, 32, 0.5);
    const r = await fit(model, { train: small, test: testSet.subset(200, 1) }, { epochs: 2, batchSize: 40, optimizer: { name: "adam", lr: 0.003 }, augment: { padCrop: 2 }, seed: 4, select: "last", progress: false });
    const w = model.getWeights().map((t) => Array.from(t.dataSync()));
    return { w, loss: r.history.epochs.map((e) => e.trainLoss) };
  };
  const a = await once();
  const b = await once();
  assert.deepEqual(b.loss, a.loss);
  assert.deepEqual(b.w, a.w);
});

test("validation selection: a held-out split of the training set chooses the epoch; test is reported there", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  const r = await fit(smallNet(2, 32), { train: train.subset(600, 3), test: testSet.subset(300, 4) }, {
    epochs: 3,
    batchSize: 50,
    optimizer: { name: "rmsprop", lr: 0.002 },
    select: "validation",
    validationSplit: 100,
    seed: 2,
    progress: false,
  });
  const h = r.history;
  assert.equal(h.selection, "validation");
  for (const e of h.epochs) assert.ok(e.valAcc !== undefined && e.testAcc !== undefined);
  const bestVal = Math.max(...h.epochs.map((e) => e.valAcc!));
  assert.equal(r.selected!.valAcc, bestVal);
  assert.equal(h.bestEpoch, h.epochs.find((e) => e.valAcc === bestVal)!.epoch);
});

test("early stopping: no improvement for `patience` epochs ends the run; schedule rates recorded per epoch", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  // After epoch 1 the rate is negligible, so the test accuracy cannot improve any more
  // (no BatchNorm here: its moving statistics would keep changing).
  const model = withSeed(4, () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 32, activation: "relu" }), tf.layers.dense({ units: 10 })] }));
  const r = await fit(model, { train: train.subset(500, 5), test: testSet.subset(200, 6) }, {
    epochs: 6,
    batchSize: 50,
    optimizer: { name: "sgd", lr: 0.05 },
    schedule: { kind: "multistep", milestones: [1], gamma: 1e-12 },
    patience: 2,
    seed: 1,
    progress: false,
  });
  assert.equal(r.history.stoppedEarly, true);
  assert.equal(r.history.epochs.length, 3);
  assert.equal(r.history.epochs[0].lr, 0.05);
  assert.ok(Math.abs(r.history.epochs[1].lr - 5e-14) < 1e-20);
});

test("checkpoint folder: history JSON and CSV every epoch; an old checkpoint is not overwritten without resume", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  const dir = mkdtempSync(join(tmpdir(), "tn-fit-"));
  const data = { train: train.subset(200, 1), test: testSet.subset(100, 1) };
  const opts = { epochs: 2, batchSize: 50, seed: 1, progress: false, checkpointDir: dir };
  await fit(smallNet(1, 16), data, opts);
  assert.ok(existsSync(join(dir, "checkpoint.tnckpt")));
  const h = JSON.parse(readFileSync(join(dir, "history.json"), "utf8")) as History;
  assert.equal(h.epochs.length, 2);
  const csv = readFileSync(join(dir, "history.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "epoch,lr,trainLoss,trainAcc,valLoss,valAcc,testLoss,testAcc,seconds,engine,machine,ended");
  assert.equal(csv.length, 3);
  await assert.rejects(fit(smallNet(1, 16), data, opts), /checkpointDir = .*resume: true/);
  // Resuming a finished run trains nothing more and returns its history.
  const again = await fit(smallNet(1, 16), data, { ...opts, resume: true });
  assert.equal(again.history.epochs.length, 2);
  await assert.rejects(fit(smallNet(1, 16), data, { ...opts, seed: 2, resume: true }), /resume = true: expected the same seed/);
});

test("each epoch records its engine; a run resumed on another engine says which epochs ran where", async () => {
  const { train, test: testSet } = mnistSmall();
  const dir = mkdtempSync(join(tmpdir(), "tn-fit-engine-"));
  const data = { train: train.subset(100, 1), test: testSet.subset(50, 1) };
  const opts = { batchSize: 50, seed: 1, progress: false, checkpointDir: dir, resume: true };
  await use("cpu");
  await fit(smallNet(1, 8), data, { ...opts, epochs: 1 });
  await use(backendUnderTest("wasm"));
  const second = engineLabel();
  assert.notEqual(second, "cpu");
  const r = await fit(smallNet(1, 8), data, { ...opts, epochs: 3 });
  assert.deepEqual(r.history.epochs.map((e) => e.engine), ["cpu", second, second]);
  const here = machineName();
  assert.deepEqual(r.history.epochs.map((e) => e.machine), [here, here, here], "and the machine");
  assert.equal(engineSegments(r.history.epochs), `1 cpu on ${here}, 2-3 ${second} on ${here}`);
  const [head, ...rows] = readFileSync(join(dir, "history.csv"), "utf8").trim().split("\n");
  const col = head.split(",").indexOf("engine");
  assert.deepEqual(head.split(",").slice(col), ["engine", "machine", "ended"]);
  assert.deepEqual(rows.map((l) => l.split(",")[col]), ["cpu", second, second]);
  // The run's start is its first epoch's, from the process that ran it, not the one that resumed it.
  const ends = r.history.epochs.map((e) => Date.parse(e.ended!));
  assert.ok(ends.every((t, i) => Number.isFinite(t) && (i === 0 || t >= ends[i - 1])), "each epoch records when it ended, in order");
  assert.equal(runStart(r.history.epochs)!.getTime(), ends[0] - 1000 * r.history.epochs[0].seconds);
  assert.equal(trainingSeconds(r.history.epochs), r.history.seconds, "the history's seconds include the epoch before the resume");
});

test("engineSegments: runs of one engine, unrecorded epochs named, nothing when no epoch records one", () => {
  const ep = (epoch: number, engine?: string): EpochRecord => ({ epoch, lr: 0.1, trainLoss: 1, trainAcc: 0.5, seconds: 1, ...(engine ? { engine } : {}) });
  assert.equal(engineSegments([ep(1), ep(2)]), "");
  assert.equal(engineSegments([]), "");
  assert.equal(engineSegments([ep(1), ep(2), ep(3, "wasm+native"), ep(4, "wasm+native"), ep(5, "tensorflow")]), "1-2 unrecorded, 3-4 wasm+native, 5 tensorflow");
  assert.equal(engineSegments([ep(1, "cpu")]), "1 cpu");
  const on = (e: EpochRecord, machine: string): EpochRecord => ({ ...e, machine });
  assert.equal(
    engineSegments([ep(1, "tensorflow"), on(ep(2, "tensorflow"), "Xeon · 2 cores"), on(ep(3, "tensorflow"), "EPYC · 2 cores"), on(ep(4, "wasm+native"), "EPYC · 2 cores")]),
    "1 tensorflow, 2 tensorflow on Xeon · 2 cores, 3 tensorflow on EPYC · 2 cores, 4 wasm+native on EPYC · 2 cores",
    "one engine on two machines is two segments",
  );
  assert.equal(runStart([ep(1)]), undefined, "an epoch without its end time gives no start");
  const csv = historyCsv({ epochs: [on(ep(1, "cpu"), 'CPU "X", rev 2 · 2 cores')], selection: "last", bestEpoch: 1, bestMetric: 0, planned: 1, stoppedEarly: false, seconds: 1 });
  assert.equal(csv.trim().split("\n")[1].split(",").slice(-4).join(","), 'cpu,"CPU ""X"", rev 2 · 2 cores",', "a machine name with a comma or quote is one quoted field");
});

// The chart itself, drawn through lib/display in a kernel, is tested in test/display/train-progress.test.ts.
test("live: true with no display hooks (lib/display not loaded): fit trains and draws nothing", async () => {
  await use(backendUnderTest("wasm"));
  const { train, test: testSet } = mnistSmall();
  const r = await fit(smallNet(1, 8), { train: train.subset(100, 1), test: testSet.subset(50, 1) }, { epochs: 1, batchSize: 50, live: true, progress: false });
  assert.equal(r.history.epochs.length, 1);
});

test("bad options are refused with the argument, the value and what was expected", async () => {
  const { train } = mnistSmall();
  const m = smallNet(1, 8);
  await assert.rejects(fit(m, { train }, { epochs: 0 }), /epochs = 0: expected a positive integer/);
  await assert.rejects(fit(m, { train }, { epochs: 1, select: "best-test" }), /select = "best-test": expected a test set/);
  await assert.rejects(fit(m, { train }, { epochs: 1, schedule: { kind: "step", every: 0, gamma: 0.1 } }), /schedule.every = 0/);
  await assert.rejects(fit(m, { train }, { epochs: 1, resume: true }), /resume = true: expected a checkpointDir/);
});
