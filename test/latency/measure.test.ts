// Measuring cells on a real backend (wasm, or TN_BACKEND's): positive medians, counts that agree
// with the analytic ones, every tensor freed, and blocks measured once per key.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { generateCells, type Cell } from "../../lib/latency/cells";
import { analyticCounts } from "../../lib/latency/features";
import { blockModel } from "../../lib/latency/blocks";
import { environment, measureBlocks, measureCell, timeRuns } from "../../lib/latency/measure";
import { backendUnderTest } from "../backends";

const small = (): Cell[] => generateCells(4, { seed: 2, channels: [8, 16] });

test("measureCell: positive median latency and peak memory, counts equal to the analytic ones, no tensor left", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const before = tf.memory().numTensors;
  for (let round = 0; round < 2; round++) {
    for (const c of small()) {
      const r = await measureCell(c, { warmup: 1, repeats: 3 });
      assert.ok(r.latencyMs > 0 && Number.isFinite(r.latencyMs), `latency ${r.latencyMs}`);
      assert.ok(r.iqrMs >= 0);
      assert.deepEqual({ macs: r.macs, params: r.params }, analyticCounts(c), "lib/flops on the built model = the hand count");
      // At least the weights and the 32×32×C stem output are alive at the peak.
      assert.ok(r.peakBytes >= 4 * (32 * 32 * c.channels) + 4 * r.params, `peak ${r.peakBytes}`);
      assert.equal(r.blocks[0], `stem/${c.channels}`);
      assert.equal(tf.memory().numTensors, before, `tensor count after cell ${r.hash}, round ${round}`);
    }
  }
});

test("measureBlocks: every distinct key once, keys already in the table kept, no tensor left", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const before = tf.memory().numTensors;
  const table: Record<string, number> = { "conv3x3/8": -1 };
  const keys = ["stem/8", "conv3x3/8", "conv1x1/8", "maxpool3x3/8", "add/2/8", "concat/3/8", "head/24", "stem/8"];
  const out = await measureBlocks(keys, { warmup: 0, repeats: 2 }, table);
  assert.equal(out, table, "fills the table it was given");
  assert.equal(table["conv3x3/8"], -1, "a cached key is not measured again");
  assert.deepEqual(Object.keys(table).sort(), [...new Set(keys)].sort());
  for (const k of keys.filter((k) => k !== "conv3x3/8")) assert.ok(table[k] > 0, `${k}: ${table[k]}`);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => blockModel("conv5x5/8"), /block key = "conv5x5\/8": expected one of stem\/C/);
  assert.throws(() => blockModel("add/0/8"), /block key = "add\/0\/8"/);
});

test("timing and environment: bad counts are named; the environment names engine, threads, machine, load", { timeout: 30_000 }, async () => {
  await use(backendUnderTest("wasm"));
  assert.throws(() => timeRuns(() => {}, { warmup: 0, repeats: 0 }), /repeats = 0: expected a whole number of timed runs >= 1/);
  assert.throws(() => timeRuns(() => {}, { warmup: -1, repeats: 1 }), /warmup = -1/);
  let calls = 0;
  const t = timeRuns(() => void calls++, { warmup: 2, repeats: 5 });
  assert.equal(calls, 7);
  assert.ok(t.medianMs >= 0);
  const e = await environment();
  assert.equal(e.backend, tf.getBackend());
  assert.ok(e.threads >= 1);
  assert.match(e.machine, /· \d+ CPUs$/);
  assert.equal(e.load.length, 3);
  assert.ok(!Number.isNaN(Date.parse(e.date)));
});
