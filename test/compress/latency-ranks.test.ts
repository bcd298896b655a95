// Ranks for a latency target: the greedy selection on synthetic latency laws (target met exactly
// by the law, the exhaustive optimum on a tiny case), the grid candidates of a small trained-like
// model (within the layer's bounds, SVD energy equal to the decomposition's error), bad input, and
// the strategy inside tn.compress.multiStage with a measured layer table (ranks and predicted
// latency of the result equal to the selection's; every tensor freed). No timing assertions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { latencyStrategy, multiStage, predictedModelMs, rankCandidates, selectRanks, targetMs, type SelectInput, type StageSelection } from "../../lib/compress";
import { TnArgumentError } from "../../lib/errors";
import { SVDDense, Tucker2Conv2D } from "../../lib/layers";
import { LayerLatencyTable, currentVariant, variantKey } from "../../lib/latency";
import { backendUnderTest } from "../backends";

/** A chain of options for ranks R..1 from a latency law and an energy law. */
function chain(layer: string, R: number, ms: (r: number) => number, lost: (r: number) => number): SelectInput {
  return { layer, options: Array.from({ length: R }, (_, i) => R - i).map((r) => ({ ranks: [r], latencyMs: ms(r), energyLost: lost(r) })) };
}

/** Every combination of options with ranks ≤ each layer's start, by brute force. */
function* combos(layers: SelectInput[], i = 0, acc: number[] = []): Generator<number[]> {
  if (i === layers.length) return yield [...acc];
  for (let j = 0; j < layers[i].options.length; j++) yield* combos(layers, i + 1, [...acc, j]);
}

test("selectRanks: a synthetic law (latency a + b·r_in·r_out, energy exp tail) is met, within the starts' ranks", () => {
  // Tucker-2-like layers: a grid of (r_in, r_out) pairs, latency law 0.05 + 0.002·r_in·r_out + 0.001·(r_in + r_out).
  const law = (a: number, b: number) => 0.05 + 0.002 * a * b + 0.001 * (a + b);
  const loss = (a: number, b: number, C: number) => 1 - (1 - Math.exp(-a / 6)) * (1 - Math.exp(-b / 6)) / (1 - Math.exp(-C / 6)) ** 2;
  const grid = [4, 8, 12, 16, 24, 32];
  const layers: SelectInput[] = [16, 24, 32].map((C, k) => ({
    layer: `conv${k}`,
    options: [{ ranks: [C, C], latencyMs: 0.3 * k + 0.002 * C * C * 9, energyLost: 0 }, ...grid.filter((a) => a <= C).flatMap((a) => grid.filter((b) => b <= C).map((b) => ({ ranks: [a, b], latencyMs: law(a, b), energyLost: loss(a, b, C) })))],
  }));
  const overhead = 0.7;
  const start = layers.reduce((s, l) => s + l.options[0].latencyMs, overhead);
  for (const f of [0.8, 0.5, 0.3, 0.15]) {
    const target = f * start;
    const sel = selectRanks(layers, target, overhead);
    const byLaw = layers.reduce((s, l) => {
      const o = l.options[sel.chosen[l.layer]];
      return s + (sel.chosen[l.layer] === 0 ? o.latencyMs : law(o.ranks[0], o.ranks[1]));
    }, overhead);
    assert.ok(byLaw <= target + 1e-12, `law latency ${byLaw} ≤ target ${target}`);
    assert.ok(Math.abs(sel.predictedMs - byLaw) < 1e-12, "predicted = the law at the chosen ranks");
    for (const l of layers) l.options[sel.chosen[l.layer]].ranks.forEach((r, i) => assert.ok(r <= l.options[0].ranks[i], `${l.layer} rank ${r} within its start`));
    // Each step lowered the latency, and stopping one step earlier would have missed the target.
    assert.ok(sel.steps.every((s) => s.savedMs > 0));
    if (sel.steps.length) assert.ok(sel.predictedMs + sel.steps[sel.steps.length - 1].savedMs > target);
  }
});

test("selectRanks: on a tiny case the greedy trace is the expected one and its choice is the exhaustive optimum", () => {
  const A = chain("A", 4, (r) => r, (r) => [0.7, 0.3, 0.1, 0][r - 1]);
  const B = chain("B", 4, (r) => 2 * r, (r) => [0.6, 0.25, 0.1, 0][r - 1]);
  const sel = selectRanks([A, B], 8, 1);
  // Scores (ms per energy): B 4→3 = 20, then B 3→2 = 13.3 over A 4→3 = 10, then A 4→3.
  assert.deepEqual(sel.steps.map((s) => [s.layer, s.from, s.to]), [["B", 0, 1], ["B", 1, 2], ["A", 0, 1]]);
  assert.deepEqual(sel.chosen, { A: 1, B: 2 });
  assert.equal(sel.predictedMs, 8);
  assert.ok(Math.abs(sel.energyLost - 0.35) < 1e-12);
  let best = Infinity;
  for (const c of combos([A, B])) {
    const ms = 1 + A.options[c[0]].latencyMs + B.options[c[1]].latencyMs;
    if (ms <= 8) best = Math.min(best, A.options[c[0]].energyLost + B.options[c[1]].energyLost);
  }
  assert.ok(Math.abs(sel.energyLost - best) < 1e-12, `greedy ${sel.energyLost} = optimum ${best}`);
  // A target already met needs no move.
  assert.deepEqual(selectRanks([A, B], 13, 1).steps, []);
});

test("bad input names the argument, the value and what was expected", () => {
  const A = chain("A", 3, (r) => r, (r) => (3 - r) / 3);
  const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof TnArgumentError && re.test(e.message));
  throwsArg(() => selectRanks([A], 0), /^targetMs = 0: expected a positive, finite latency in milliseconds/);
  throwsArg(() => selectRanks([A], -2), /^targetMs = -2: expected a positive/);
  // Rank 1 gives 1 ms + 0.5 overhead: 1.2 ms cannot be reached.
  throwsArg(() => selectRanks([A], 1.2, 0.5), /^targetMs = 1.2: expected at least 1\.5000 ms, the predicted latency with every layer at its fastest allowed rank/);
  throwsArg(() => targetMs({ fraction: 1.5 }, 10), /^target.fraction = 1.5: expected a fraction of the reference latency in \(0, 1\]/);
  throwsArg(() => targetMs({ ms: 0 }, 10), /^target.ms = 0: expected a positive/);
  assert.equal(targetMs({ fraction: 0.5 }, 10), 5);
  throwsArg(() => latencyStrategy({ layers: { c: "tucker2" }, table: new LayerLatencyTable({ timing: { warmup: 0, repeats: 1 } }), targetMs: 0, stages: 2 }), /^targetMs = 0/);
});

function smallModel(): tf.LayersModel {
  const x = tf.input({ shape: [6, 6, 8] });
  const c1 = tf.layers.conv2d({ name: "c1", filters: 12, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(x) as tf.SymbolicTensor;
  const f = tf.layers.flatten().apply(c1) as tf.SymbolicTensor;
  const d1 = tf.layers.dense({ name: "d1", units: 16, activation: "relu", kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(f) as tf.SymbolicTensor;
  const y = tf.layers.dense({ name: "out", units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(d1) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

test("rankCandidates: within each layer's bounds; SVD energy = the decomposition's error²; Tucker-2 energy ≥ HOOI's error²", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const m = smallModel();
  const tk = rankCandidates(m.getLayer("c1"), "tucker2");
  assert.ok(tk[0].keep && tk[0].variant.method === "dense");
  for (const c of tk.slice(1)) {
    const [a, b] = c.variant.ranks;
    assert.ok(a >= 1 && a <= 8 && b >= 1 && b <= 12 && a <= 9 * b && b <= 9 * a, `ranks ${a}, ${b}`);
  }
  const full = tk.find((c) => c.variant.ranks.join() === "8,12")!;
  assert.ok(full.energyLost < 1e-12, "full Tucker-2 ranks lose nothing");
  const mid = tk.find((c) => c.variant.ranks.join() === "4,6")!;
  const hooi = Tucker2Conv2D.fromConv(m.getLayer("c1"), [4, 6]);
  assert.ok(hooi.relError ** 2 <= mid.energyLost + 1e-9, `HOOI ${hooi.relError ** 2} ≤ truncated HOSVD ${mid.energyLost}`);
  tf.dispose(hooi.weights);
  hooi.layer.release();
  const sv = rankCandidates(m.getLayer("d1"), "svd");
  for (const c of sv.slice(1)) {
    const r = c.variant.ranks[0];
    assert.ok(r >= 1 && r <= 16);
    const d = SVDDense.fromDense(m.getLayer("d1"), r);
    assert.ok(Math.abs(d.relError ** 2 - c.energyLost) < 1e-5, `rank ${r}: SVD error² ${d.relError ** 2} = energy lost ${c.energyLost}`);
    tf.dispose(d.weights);
    d.layer.release();
  }
  const cp = rankCandidates(m.getLayer("c1"), "cp3", { fractions: [0.25, 0.5, 1], cpIter: 5 });
  assert.deepEqual(cp.slice(1).map((c) => c.variant.ranks[0]), [3, 6, 12], "CP grid on max(C_in, C_out) = 12");
  for (const c of cp.slice(1)) assert.ok(c.energyLost >= 0 && c.energyLost <= 1.0001, `CP rank ${c.variant.ranks[0]}: ${c.energyLost}`);
  assert.throws(() => rankCandidates(m.getLayer("d1"), "tucker2"), /d1 method = "tucker2": expected svd for a dense layer/);
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("latencyStrategy in multiStage: the result has the selected ranks, its predicted latency is the selection's and ≤ each stage's target; no tensor left", { timeout: 300_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const m = smallModel();
  const table = new LayerLatencyTable({ timing: { warmup: 1, repeats: 3 } });
  const layers = { c1: "tucker2", d1: "svd" } as const;
  const dense = Object.keys(layers).map((n) => currentVariant(m.getLayer(n)));
  await table.ensure(dense);
  // A synthetic "measured" network latency: the constant is then known exactly.
  const overhead = await table.fitOverhead([{ variants: dense, latencyMs: dense.reduce((a, v) => a + table.layerMs(v), 0) + 0.25 }]);
  assert.ok(Math.abs(overhead - 0.25) < 1e-9);
  const start = await predictedModelMs(m, Object.keys(layers), table);
  const grid = { fractions: [0.25, 0.5, 0.75, 1] };
  // Find what the grid allows at most: every layer at its fastest grid rank.
  const probe = rankCandidates(m.getLayer("c1"), "tucker2", grid).concat(rankCandidates(m.getLayer("d1"), "svd", grid));
  await table.ensure(probe.map((c) => c.variant));
  const fastest = Math.min(...rankCandidates(m.getLayer("c1"), "tucker2", grid).map((c) => table.layerMs(c.variant))) + Math.min(...rankCandidates(m.getLayer("d1"), "svd", grid).map((c) => table.layerMs(c.variant))) + overhead;
  const target = fastest + 0.5 * (start - fastest);
  const seen: StageSelection[] = [];
  const r = await multiStage(m, { plan: latencyStrategy({ layers: { ...layers }, table, targetMs: target, stages: 2, grid, onSelect: (s) => seen.push(s) }), stages: 2, fineTune: async () => {} });
  assert.equal(seen.length, 2);
  for (const s of seen) assert.ok(s.predictedMs <= s.targetMs + 1e-12, `stage ${s.stage}: ${s.predictedMs} ≤ ${s.targetMs}`);
  assert.ok(Math.abs(seen[1].targetMs - target) < 1e-12, "the last stage's target is the final target");
  const last = seen[1];
  for (const n of Object.keys(layers)) {
    const v = currentVariant(r.model.getLayer(n));
    assert.deepEqual(v.ranks, last.ranks[n], `${n} ranks`);
    assert.ok(variantKey(v) in table.measured);
  }
  assert.ok(Math.abs((await predictedModelMs(r.model, Object.keys(layers), table)) - last.predictedMs) < 1e-9, "the result's predicted latency is the selection's");
  assert.ok(last.predictedMs <= target + 1e-12);
  assert.ok(Object.keys(layers).some((n) => currentVariant(r.model.getLayer(n)).method !== "dense"), "something was compressed");
  r.model.dispose();
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});
