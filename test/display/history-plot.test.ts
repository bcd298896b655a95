// tn.plot.history: one call draws per-epoch curves of several runs, one trace per run (and per
// metric), with the runs' own values.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tn from "../../lib";
import { use } from "../../lib/backend";
import { fit } from "../../lib/train";
import { mnistSmall, smallNet } from "../train/mnist-small";

const runA = { label: "NetBase", epochs: [{ epoch: 1, trainLoss: 0.9, testLoss: 0.5, testAcc: 0.91 }, { epoch: 2, trainLoss: 0.4, testLoss: 0.3, testAcc: 0.95 }] };
const runB = { model: "R = 3", epochs: [{ epoch: 1, trainLoss: 1.2, testLoss: 0.8, testAcc: 0.85 }, { epoch: 2, trainLoss: 0.7, testAcc: 0.9 }, { epoch: 3, trainLoss: 0.6, testLoss: 0.4, testAcc: 0.92 }] };

test("plot.history: test accuracy in percent per run by default, named by label/model, x = epochs", () => {
  const fig = tn.plot.history([runA, runB], { title: "t" });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data.map((t) => t.name), ["NetBase", "R = 3"]);
  assert.deepEqual(fig.data[0].x, [1, 2]);
  assert.deepEqual(fig.data[0].y, [91, 95]);
  assert.deepEqual(fig.data[1].x, [1, 2, 3]);
  assert.deepEqual(fig.data[1].y, [85, 90, 92]);
  assert.equal((fig.layout.yaxis as { title: { text: string } }).title.text, "test accuracy (%)");
  assert.equal((fig.layout.xaxis as { title: { text: string } }).title.text, "epoch");
  assert.equal(tn.display.plot.history, tn.plot.history);
});

test("plot.history: several metrics give a trace per run and metric; losses scaled; gaps are NaN", () => {
  const fig = tn.plot.history({ a: runA, b: runB.epochs }, { metrics: ["trainLoss", "testLoss"], lossScale: 100 });
  assert.deepEqual(fig.data.map((t) => t.name), ["a train", "a test", "b train", "b test"]);
  assert.deepEqual(fig.data[1].y, [50, 30]);
  assert.deepEqual(fig.data[3].y, [80, NaN, 40]);
  assert.equal((fig.layout.yaxis as { title: { text: string } }).title.text, "loss (100 × cross-entropy)");
  const mixed = tn.plot.history([runA], { metrics: ["trainLoss", "testAcc"], percent: false });
  assert.deepEqual(mixed.data.map((t) => [t.name, t.y]), [["NetBase trainLoss", [0.9, 0.4]], ["NetBase testAcc", [0.91, 0.95]]]);
});

test("plot.history takes fit results as they come, and refuses what it cannot draw", { timeout: 60000 }, async () => {
  await use("cpu");
  const { train, test: t } = mnistSmall();
  const data = { train: train.subset(100, 51), test: t.subset(50, 52) };
  const r1 = await fit(smallNet(1, 8), data, { epochs: 2, batchSize: 50, progress: false });
  const r2 = await fit(smallNet(2, 8), data, { epochs: 2, batchSize: 50, progress: false });
  const fig = tn.plot.history({ first: r1, second: r2.history });
  assert.deepEqual(fig.data[0].y, r1.history.epochs.map((e) => 100 * e.testAcc!));
  assert.deepEqual(fig.data[1].y, r2.history.epochs.map((e) => 100 * e.testAcc!));
  assert.deepEqual(tn.plot.history([r1]).data[0].name, "run 1");
  const named = tn.plot.history([{ label: "tt", params: 1200, epochs: r1.history.epochs }], { name: (r, i) => `${r.label} (${r.params} params, #${i})` });
  assert.equal(named.data[0].name, "tt (1200 params, #0)");
  assert.throws(() => tn.plot.history([runA], { metrics: ["acc" as never] }), /plot\.history: metrics = \["acc"\]: expected a non-empty list of testAcc/);
  assert.throws(() => tn.plot.history({ x: { foo: 1 } as never }), /plot\.history: runs\["x"\] = \{"foo":1\}: expected epoch records/);
});
