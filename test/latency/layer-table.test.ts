// The lookup table of factorized layer variants: variants built alone count the multiply-adds of
// the hand formula and free every tensor; keys name geometry, form and rank; the FLOP-line
// smoothing recovers an exact linear law and is the least-squares line otherwise; the network
// prediction is the sum plus the median residual of the measured networks. No timing assertions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { LayerLatencyTable, measureVariants, variantKey, type ConvGeometry, type LayerVariant } from "../../lib/latency";
import { leastSquares } from "../../lib/latency/predictors";
import { backendUnderTest } from "../backends";

const conv: ConvGeometry = { kind: "conv", input: [8, 8, 6], filters: 10, kernel: [3, 3], strides: [1, 1], padding: "same", useBias: false, activation: "relu" };
const timing = { warmup: 1, repeats: 2 };

test("measureVariants: MACs of the hand formula for dense / Tucker-2 / CP3 / SVD variants, cached by key, no tensor left", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const vs: LayerVariant[] = [
    { geometry: conv, method: "dense", ranks: [] },
    { geometry: conv, method: "tucker2", ranks: [3, 4] },
    { geometry: conv, method: "cp3", ranks: [5] },
    { geometry: { kind: "dense", input: 40, units: 12, useBias: true, activation: "linear" }, method: "svd", ranks: [4] },
  ];
  const t = await measureVariants([...vs, vs[1]], timing);
  assert.equal(Object.keys(t).length, 4, "one entry per distinct key");
  const hw = 64;
  assert.equal(t[variantKey(vs[0])].macs, hw * 9 * 6 * 10);
  assert.equal(t[variantKey(vs[1])].macs, hw * (6 * 3 + 9 * 3 * 4 + 4 * 10));
  assert.equal(t[variantKey(vs[2])].macs, hw * (6 * 5 + 9 * 5 + 5 * 10));
  assert.equal(t[variantKey(vs[3])].macs, 40 * 4 + 4 * 12);
  for (const v of Object.values(t)) assert.ok(v.ms > 0 && v.iqrMs >= 0);
  assert.equal(variantKey(vs[1]), "tucker2[3,4]@conv/8x8x6/k3x3/s1x1/same/f10/relu");
  await assert.rejects(measureVariants([{ geometry: conv, method: "svd", ranks: [2] }], timing), /^TnArgumentError: variant.method = "svd": expected a method for a conv layer/);
  assert.equal(tf.memory().numTensors, before);
});

function synthetic(ms: (macs: number) => number): { table: LayerLatencyTable; vs: LayerVariant[] } {
  const vs = [2, 4, 6, 8].map((r): LayerVariant => ({ geometry: conv, method: "tucker2", ranks: [r, r] }));
  const measured = Object.fromEntries(vs.map((v, i) => [variantKey(v), { ms: ms(1000 * (i + 1)), iqrMs: 0, macs: 1000 * (i + 1) }]));
  return { table: new LayerLatencyTable({ timing, smooth: true }, measured), vs };
}

test("LayerLatencyTable: smoothing recovers an exact FLOP law and is the least-squares line otherwise", () => {
  const exact = synthetic((m) => 0.2 + 1e-4 * m);
  exact.vs.forEach((v, i) => assert.ok(Math.abs(exact.table.layerMs(v) - (0.2 + 0.1 * (i + 1))) < 1e-12));
  const bumps = [0, 0.05, -0.03, 0.02];
  const noisy = synthetic((m) => 0.2 + 1e-4 * m + bumps[m / 1000 - 1]);
  const x = [1000, 2000, 3000, 4000];
  const l = leastSquares(x, x.map((m, i) => 0.2 + 1e-4 * m + bumps[i]));
  noisy.vs.forEach((v, i) => assert.ok(Math.abs(noisy.table.layerMs(v) - (l.slope * x[i] + l.intercept)) < 1e-12));
  const raw = new LayerLatencyTable({ timing }, noisy.table.measured);
  noisy.vs.forEach((v, i) => assert.equal(raw.layerMs(v), 0.2 + 1e-4 * x[i] + bumps[i]));
  assert.throws(() => raw.layerMs({ geometry: conv, method: "tucker2", ranks: [1, 1] }), /variant = "tucker2\[1,1\]@conv\/8x8x6\/k3x3\/s1x1\/same\/f10\/relu": expected a variant of the table/);
  assert.throws(() => raw.overheadMs, /overheadMs = undefined: expected a constant fitted by fitOverhead/);
});

test("LayerLatencyTable: network = Σ layers + the median residual of the measured networks", async () => {
  const { table, vs } = synthetic((m) => 0.2 + 1e-4 * m);
  const nets = [
    { variants: [vs[0], vs[1]], latencyMs: 0.3 + 0.4 + 1.0 },
    { variants: [vs[2]], latencyMs: 0.5 + 2.0 },
    { variants: [vs[3], vs[0]], latencyMs: 0.6 + 0.3 + 1.5 },
  ];
  assert.ok(Math.abs((await table.fitOverhead(nets)) - 1.5) < 1e-12);
  assert.ok(Math.abs(table.networkMs([vs[1], vs[2]]) - (0.4 + 0.5 + 1.5)) < 1e-12);
  await assert.rejects(table.fitOverhead([]), /networks = \[\]: expected at least one measured network/);
});
