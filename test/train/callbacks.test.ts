// fit's callbacks option: hooks in order with the right arguments, stopTraining, callbacks that
// draw from Math.random cannot change a run, and without lib/display a plain line per epoch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { use } from "../../lib/backend";
import { fit, setDefaultTrainDisplay, type Callback } from "../../lib/train";
import { CASES, runCase } from "./fit-fixture";
import { mnistSmall, smallNet } from "./mnist-small";

function data() {
  const { train, test } = mnistSmall();
  return { train: train.subset(120, 31), test: test.subset(60, 32) };
}

test("user callbacks see train/epoch/batch hooks in order, after fit's own; stopTraining ends the run", { timeout: 60000 }, async () => {
  await use("cpu");
  const calls: string[] = [];
  const cb: Callback = {
    onTrainBegin: (s) => void calls.push(`begin ${s.history.epochs.length}`),
    onEpochBegin: (e) => void calls.push(`epoch ${e.epoch}/${e.epochs} ${e.batches} batches lr ${e.lr}`),
    onBatchEnd: (b) => void calls.push(`batch ${b.epoch}.${b.batch}/${b.batches}`),
    onEpochEnd: async (rec, s) => {
      // fit's selection callback has run already: the best epoch includes this one.
      calls.push(`end ${rec.epoch} best ${s.history.bestEpoch} recorded ${s.history.epochs.length}`);
      if (rec.epoch === 2) s.stopTraining = true;
    },
    onTrainEnd: (s) => void calls.push(`done ${s.history.epochs.length}`),
  };
  const r = await fit(smallNet(1, 8), data(), { epochs: 5, batchSize: 60, optimizer: { name: "sgd", lr: 0.1 }, select: "last", progress: false, callbacks: [cb] });
  assert.equal(r.history.epochs.length, 2);
  assert.deepEqual(calls, [
    "begin 0",
    "epoch 1/5 2 batches lr 0.1",
    "batch 1.1/2",
    "batch 1.2/2",
    "end 1 best 1 recorded 1",
    "epoch 2/5 2 batches lr 0.1",
    "batch 2.1/2",
    "batch 2.2/2",
    "end 2 best 2 recorded 2",
    "done 2",
  ]);
  await assert.rejects(fit(smallNet(1, 8), data(), { epochs: 1, callbacks: {} as never }), /callbacks = \[object Object\]: expected an array of callback objects/);
});

test("a callback that draws from Math.random leaves the run's numbers as recorded (dropout keeps its own stream)", { timeout: 120000 }, async () => {
  const name = "best-test, sgd, weight decay, step schedule, augment";
  const c = CASES[name];
  const plain = await runCase(c);
  const noisy: Callback = { onBatchEnd: () => void Math.random(), onEpochBegin: () => void Math.random() };
  const drawn = await runCase({ ...c, options: { ...c.options, callbacks: [noisy] } });
  assert.deepEqual(drawn, plain);
});

test("without lib/display, fit writes one plain line per epoch on stderr (and nothing under TN_QUIET)", { timeout: 60000 }, async () => {
  await use("cpu");
  setDefaultTrainDisplay(undefined);
  const lines: string[] = [];
  const write = process.stderr.write;
  const quiet = process.env.TN_QUIET;
  const run = async (q: string | undefined) => {
    if (q === undefined) delete process.env.TN_QUIET;
    else process.env.TN_QUIET = q;
    process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stderr.write;
    try {
      await fit(smallNet(2, 8), data(), { epochs: 2, batchSize: 60, optimizer: { name: "sgd", lr: 0.1 } });
    } finally {
      process.stderr.write = write;
      if (quiet === undefined) delete process.env.TN_QUIET;
      else process.env.TN_QUIET = quiet;
    }
  };
  await run(undefined);
  assert.equal(lines.length, 3, lines.join(""));
  assert.match(lines[0], /^epoch 1\/2 lr 0\.100 loss \d\.\d{4} acc \d+\.\d\d% test \d+\.\d\d% \(\d+\.\ds\)\n$/);
  assert.match(lines[1], /^epoch 2\/2 /);
  assert.match(lines[2], /^sequential_\d+: 2\/2 epochs in \d+\.\ds; epoch [12] \(best-test\): test \d+\.\d\d%\n$/);
  lines.length = 0;
  await run("1");
  assert.deepEqual(lines, []);
});
