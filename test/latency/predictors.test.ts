// Each latency predictor fitted on synthetic latencies with a known law recovers it (tn.latency).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { BoostedTrees, GraphConvNet, LookupTable, RansacFlops, RansacMemoryClusters, leastSquares, ransacLine, type LatencySample } from "../../lib/latency/predictors";
import { accuracyWithin, rSquared } from "../../lib/latency/metrics";
import { edgeCount } from "../../lib/latency/cells";
import { rng } from "../../lib/random";
import { backendUnderTest } from "../backends";
import { count, synthetic } from "./synthetic";

const near = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test("metrics: ±10 % accuracy and R² on known values, and bad input named", { timeout: 10_000 }, () => {
  assert.equal(accuracyWithin([1.05, 2.5, 2.9, 10], [1, 2, 3, 10]), 0.75);
  assert.equal(accuracyWithin([1.19], [1], 0.2), 1);
  assert.equal(rSquared([1, 2, 3], [1, 2, 3]), 1);
  assert.equal(rSquared([2, 2, 2], [1, 2, 3]), 0, "the mean scores 0");
  assert.ok(Math.abs(rSquared([1, 2, 4], [1, 2, 3]) - (1 - 1 / 2)) < 1e-12);
  assert.throws(() => accuracyWithin([1], [1, 2]), /predictions\.length = 1: expected 2/);
  assert.throws(() => rSquared([], []), /measured = "an empty list"/);
});

test("RANSAC recovers slope and intercept despite 25 % outliers (plain least squares does not)", { timeout: 20_000 }, () => {
  const r = rng(3);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    const xi = 1 + 99 * r.next();
    x.push(xi);
    y.push((0.5 * xi + 3) * (i % 4 === 0 ? 2 + 2 * r.next() : 1 + 0.01 * r.normal()));
  }
  const line = ransacLine(x, y, { seed: 1 });
  near(line.slope, 0.5, 0.02, "slope");
  near(line.intercept, 3, 0.15, "intercept");
  assert.ok(line.inliers.length >= 140 && line.inliers.length <= 160, `inliers ${line.inliers.length}`);
  assert.ok(line.inliers.every((i) => i % 4 !== 0), "no outlier kept");
  const ls = leastSquares(x, y);
  assert.ok(Math.abs(ls.slope - 0.5) > 0.1 * 0.5, `least squares on all points is pulled off: slope ${ls.slope}`);
});

test("FLOPs + RANSAC on cells recovers ms = 0.05·MMACs + 0.4; memory clusters recover two different lines", { timeout: 30_000 }, async () => {
  const cells = synthetic(300, (s) => 0.05 * (s.macs / 1e6) + 0.4, { noise: 0.01, seed: 1 });
  const p = new RansacFlops({ seed: 0 });
  await p.fit(cells);
  near(p.line!.slope, 0.05, 0.03, "slope (ms per MMAC)");
  near(p.line!.intercept, 0.4, 0.15, "intercept (ms)");
  // Two memory regimes with their own lines: big-memory cells pay 3× per MAC and a larger constant.
  const big = (s: LatencySample) => s.channels >= 48;
  const law = (s: LatencySample) => (big(s) ? 0.15 * (s.macs / 1e6) + 2 : 0.05 * (s.macs / 1e6) + 0.4);
  const two = synthetic(400, law, { noise: 0.01, seed: 2 }).map((s) => ({ ...s, peakBytes: big(s) ? 8e6 * (1 + 0.1 * (s.nodes.length - 3)) : 1e6 * (1 + 0.1 * (s.nodes.length - 3)) }));
  const [train, test] = [two.slice(0, 300), two.slice(300)];
  const m = new RansacMemoryClusters({ clusters: 2, seed: 0 });
  await m.fit(train);
  const lines = [...m.groups!].sort((a, b) => a.centre - b.centre).map((g) => g.line);
  near(lines[0].slope, 0.05, 0.05, "small-memory slope");
  near(lines[0].intercept, 0.4, 0.25, "small-memory intercept");
  near(lines[1].slope, 0.15, 0.05, "large-memory slope");
  near(lines[1].intercept, 2, 0.15, "large-memory intercept");
  const y = test.map((s) => s.latencyMs);
  const one = new RansacFlops({ seed: 0 });
  await one.fit(train);
  assert.ok(accuracyWithin(m.predict(test), y) > 0.95, "the clustered lines predict within ±10 %");
  assert.ok(rSquared(m.predict(test), y) > rSquared(one.predict(test), y), "and beat one line");
  assert.throws(() => new RansacFlops().predict(test), /FLOPs \+ RANSAC: predict called before fit/);
});

test("lookup table: the sum of the table's block costs plus the fitted overhead", { timeout: 20_000 }, async () => {
  const r = rng(9);
  const cells = synthetic(200, () => 1, { seed: 3 });
  const table: Record<string, number> = {};
  for (const k of new Set(cells.flatMap((c) => c.blocks))) table[k] = 0.1 + r.next();
  for (const c of cells) c.latencyMs = c.blocks.reduce((a, k) => a + table[k], 0) + 0.7 + 0.001 * r.normal();
  const p = new LookupTable(table);
  await p.fit(cells.slice(0, 150));
  near(p.overheadMs!, 0.7, 0.01, "overhead");
  const test = cells.slice(150);
  assert.ok(accuracyWithin(p.predict(test), test.map((c) => c.latencyMs), 0.01) === 1);
  assert.throws(() => new LookupTable({}).blockSum(cells[0]), /block = "stem\/\d+": expected a block of the lookup table/);
});

// A law with interactions and steps, not linear in any single feature.
const law = (s: LatencySample) => 0.3 + 0.04 * (s.macs / 1e6) + 0.25 * count(s, "maxpool3x3") * (s.channels / 32) + 0.1 * edgeCount(s) + (s.channels >= 48 ? 0.5 : 0);

test("gradient-boosted trees reach R² > 0.9 and ±10 % on most held-out cells of a nonlinear law", { timeout: 60_000 }, async () => {
  const cells = synthetic(500, law, { noise: 0.01, seed: 4 });
  const [train, test] = [cells.slice(0, 350), cells.slice(350)];
  const p = new BoostedTrees({ seed: 0 });
  await p.fit(train);
  const y = test.map((s) => s.latencyMs);
  const yhat = p.predict(test);
  assert.ok(rSquared(yhat, y) > 0.9, `R² ${rSquared(yhat, y)}`);
  assert.ok(accuracyWithin(yhat, y) > 0.7, `±10 % ${accuracyWithin(yhat, y)}`);
  const again = new BoostedTrees({ seed: 0 });
  await again.fit(train);
  assert.deepEqual(again.predict(test), yhat, "seeded: the same fit twice");
  assert.throws(() => new BoostedTrees({ learningRate: 0 }), /learningRate = 0/);
});

test("the GCN reaches R² > 0.8 on held-out cells of the same law and frees its tensors", { timeout: 180_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const cells = synthetic(400, law, { noise: 0.01, seed: 5 });
  const [train, test] = [cells.slice(0, 300), cells.slice(300)];
  const before = tf.memory().numTensors;
  const p = new GraphConvNet({ epochs: 300, seed: 0 });
  await p.fit(train);
  const y = test.map((s) => s.latencyMs);
  const yhat = p.predict(test);
  assert.ok(rSquared(yhat, y) > 0.8, `R² ${rSquared(yhat, y)}`);
  assert.ok(yhat.every((v) => v > 0 && Number.isFinite(v)));
  p.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor left after dispose");
  assert.throws(() => p.predict(test), /GCN: predict called before fit/, "dispose does not pretend to keep a fit");
});
