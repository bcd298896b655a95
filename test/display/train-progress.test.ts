// fit in a notebook (a fake kernel hook, lib/display loaded): by default ONE progress output per
// run, replaced in place and small; live: true adds one chart output; an interrupt ends the run.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as display from "../../lib/display";
import { use } from "../../lib/backend";
import { fit } from "../../lib/train";
import { mnistSmall, smallNet } from "../train/mnist-small";

interface Sent {
  bundle: Record<string, unknown>;
  opts: { displayId?: string; update?: boolean };
}
const KEY = Symbol.for("tnlab.kernel");

function fakeKernel() {
  const sent: Sent[] = [];
  const hook = { interrupts: 0, session: "train-progress", display: (bundle: Record<string, unknown>, opts = {}) => sent.push({ bundle, opts }), clear: () => undefined };
  (globalThis as Record<symbol, unknown>)[KEY] = hook;
  return { sent, hook };
}
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KEY];
});

function data() {
  const { train, test } = mnistSmall();
  return { train: train.subset(200, 41), test: test.subset(100, 42) };
}

test("fit in a kernel shows one progress bar updated in place, small, ending with the run's summary", { timeout: 60000 }, async () => {
  await use("cpu");
  assert.equal(display.trainDisplay !== undefined, true);
  const { sent } = fakeKernel();
  const model = smallNet(1, 8);
  await fit(model, data(), { epochs: 3, batchSize: 50, optimizer: { name: "sgd", lr: 0.1 } });
  assert.ok(sent.length >= 2, `${sent.length} outputs`);
  assert.equal(new Set(sent.map((s) => s.opts.displayId)).size, 1, "one output for the run");
  assert.equal(sent[0].opts.update, false);
  assert.ok(sent.slice(1).every((s) => s.opts.update === true), "the rest replace it");
  const last = sent.at(-1)!.bundle;
  const html = String(last["text/html"]);
  assert.match(html, /<progress value="12" max="12"/);
  assert.match(String(last["text/plain"]), new RegExp(`${model.name}: 3/3 epochs in .*; epoch [123] \\(best-test\\): test \\d+\\.\\d\\d%`));
  assert.ok(html.length < 2000, `the kept output is ${html.length} characters`);
});

test("live: true adds one chart output; progress: false shows nothing else", { timeout: 60000 }, async () => {
  await use("cpu");
  const { sent } = fakeKernel();
  await fit(smallNet(2, 8), data(), { epochs: 2, batchSize: 100, live: true, progress: false });
  const ids = new Set(sent.map((s) => s.opts.displayId));
  assert.equal(ids.size, 1);
  assert.ok([...ids][0]!.startsWith("tnlive"));
  const fig = sent.at(-1)!.bundle["application/vnd.plotly.v1+json"] as { data: { name: string; y: number[] }[] };
  assert.deepEqual(fig.data.find((t) => t.name === "testAcc")!.y.length, 2);
  sent.length = 0;
  await fit(smallNet(2, 8), data(), { epochs: 1, batchSize: 100, progress: false });
  assert.equal(sent.length, 0);
});

test("a kernel interrupt during training ends fit with KernelInterruptedError, Math.random and tensors restored", { timeout: 60000 }, async () => {
  await use("cpu");
  const { hook } = fakeKernel();
  const random = Math.random;
  const model = smallNet(3, 8);
  const before = tf.memory().numTensors;
  await assert.rejects(
    fit(model, data(), { epochs: 3, batchSize: 50, onBatch: (b) => void (b.batch === 2 && hook.interrupts++) }),
    display.KernelInterruptedError,
  );
  assert.equal(Math.random, random);
  assert.equal(tf.memory().numTensors, before);
});
