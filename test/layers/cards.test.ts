// Parameter counts from the paper cards, initializer variances, and bad-input errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { CPConv2D, type FactorLayer, NaiveTTConv2D, SVDDense, TTConv2D, TTDense, Tucker2Conv2D } from "../../lib/layers";
import { free } from "./helpers";
import { backendUnderTest } from "../backends";

test("TT-FC (tt-fc.md §3.1): 784 → 262,144 has 3,616 core values; 262,144 → 10 has 1,216", async () => {
  await use(backendUnderTest("cpu"));
  const fc1 = new TTDense({ inModes: [2, 2, 7, 4, 7], outModes: [8, 16, 16, 16, 8], ranks: 4 });
  fc1.build([null, 784]);
  assert.deepEqual(fc1.ranks, [1, 4, 4, 4, 4, 1]);
  assert.deepEqual(
    fc1.weights.slice(0, 5).map((w) => (w.shape as number[]).reduce((a, b) => a * b, 1)),
    [64, 512, 1792, 1024, 224],
  );
  assert.equal(fc1.params(), 3_616 + 262_144);
  assert.equal(fc1.countParams(), 3_616 + 262_144);
  const fc2 = new TTDense({ inModes: [8, 16, 16, 16, 8], outModes: [5, 2, 1, 1, 1], ranks: [1, 4, 4, 4, 4, 1] });
  assert.equal(fc2.units, 10);
  fc2.build([null, 262_144]);
  assert.equal(fc2.params(), 1_216 + 10);
  // tt-conv.md §3.4 B: TT-FC4.1 8192 → 1536, ranks 40, no bias: 185,600.
  const fc41 = new TTDense({ inModes: [8, 8, 8, 16], outModes: [4, 6, 8, 8], ranks: 40, useBias: false });
  fc41.build([null, 8192]);
  assert.equal(fc41.params(), 185_600);
  free(fc1, fc2, fc41);
});

test("TT-conv (tt-conv.md §3.4): configurations A and B per-layer counts", async () => {
  await use(backendUnderTest("cpu"));
  const count = (cin: number, inModes: number[], outModes: number[], ranks: number[]) => {
    const l = new TTConv2D({ kernelSize: 3, inModes, outModes, ranks, padding: "same", useBias: false });
    l.build([null, 8, 8, cin]);
    const n = l.params();
    assert.equal(l.countParams(), n);
    free(l);
    return n;
  };
  assert.equal(count(64, [4, 4, 4], [4, 4, 4], [22, 20, 20, 1]), 13_958);
  assert.equal(count(64, [4, 4, 4], [4, 8, 4], [27, 22, 22, 1]), 25_587);
  assert.equal(count(128, [4, 8, 4], [4, 8, 4], [23, 23, 23, 1]), 42_895);
  assert.equal(count(64, [4, 4, 4], [4, 4, 4], [16, 16, 16, 1]), 8_592);
  assert.equal(count(64, [4, 4, 4], [4, 8, 4], [16, 16, 16, 1]), 12_688);
  assert.equal(count(128, [4, 8, 4], [4, 8, 4], [16, 16, 16, 1]), 20_880);
  // Naive TT (eq. 7): ℓ r_1 + ℓ r_1 r_2 + C r_2 r_3 + S r_3.
  const naive = new NaiveTTConv2D({ filters: 128, kernelSize: 3, ranks: [1, 5, 6, 7, 1], useBias: false });
  naive.build([null, 8, 8, 64]);
  assert.equal(naive.params(), 3 * 5 + 5 * 3 * 6 + 6 * 64 * 7 + 7 * 128);
  free(naive);
});

test("CP and Tucker-2 counts (cp-conv-mnist.md §2.3, resnet18-cp-tucker.md §2.2–2.3)", async () => {
  await use(backendUnderTest("cpu"));
  const cp = (cin: number, cout: number, rank: number, variant: "cp3" | "cp4", useBias: boolean) => {
    const l = new CPConv2D({ filters: cout, kernelSize: 3, rank, variant, useBias });
    l.build([null, 8, 8, cin]);
    const n = l.params();
    assert.equal(l.countParams(), n);
    free(l);
    return n;
  };
  for (const R of [3, 6, 9]) assert.equal(cp(1, 10, R, "cp4", false) + cp(10, 10, R, "cp4", false), 43 * R);
  // CP3 at R = C/2 with the new bias: 4,448 / 17,088 / 66,944 / 264,960.
  assert.deepEqual([64, 128, 256, 512].map((c) => cp(c, c, c / 2, "cp3", true)), [4_448, 17_088, 66_944, 264_960]);
  const t2 = (c: number, rIn: number, rOut: number) => {
    const l = new Tucker2Conv2D({ filters: c, kernelSize: 3, inRank: rIn, outRank: rOut });
    l.build([null, 4, 4, c]);
    const n = l.params();
    free(l);
    return n;
  };
  assert.equal(t2(64, 23, 24), 8_040);
  assert.equal(t2(512, 268, 299), 1_012_004);
  const s = new SVDDense({ units: 256, rank: 54 });
  s.build([null, 512]);
  assert.equal(s.params(), 54 * (512 + 256) + 256);
  free(s);
});

test("glorot / he initializers: the represented dense weight has the target variance (±15 %)", async () => {
  await use(backendUnderTest("cpu"));
  // Small factors (a 3×16 spatial factor) are shared by every kernel entry, so one draw's sample
  // variance scatters: the initializer fixes the expectation, so average over 32 seeded draws (a single naive-TT draw scatters by ±35 %).
  const DRAWS = 32;
  const check = (name: string, make: (seed: number) => FactorLayer, inputShape: (number | null)[], target: number) => {
    let sum = 0;
    for (let seed = 1; seed <= DRAWS; seed++) {
      const l = make(seed);
      l.build(inputShape);
      const w = l.denseWeight();
      sum += tf.tidy(() => tf.mean(tf.square(w)).dataSync()[0]); // E[W²]: the entries are correlated, so no mean is subtracted
      w.dispose();
      free(l);
    }
    const v = sum / DRAWS;
    assert.ok(Math.abs(v / target - 1) < 0.15, `${name}: variance ${v} vs target ${target}`);
  };
  const img = [null, 8, 8, 32];
  check("TTDense glorot", (seed) => new TTDense({ inModes: [4, 8, 8], outModes: [8, 4, 8], ranks: 6, kernelInitializer: "glorot", seed: seed * 101 }), [null, 256], 2 / 512);
  check("TTDense he", (seed) => new TTDense({ inModes: [4, 8, 8], outModes: [8, 4, 8], ranks: 6, kernelInitializer: "he", seed: seed * 101 }), [null, 256], 2 / 256);
  check("TTConv2D he", (seed) => new TTConv2D({ kernelSize: 3, inModes: [4, 8], outModes: [8, 4], ranks: [6, 6, 1], kernelInitializer: "he", seed: seed * 101 }), img, 2 / (9 * 32));
  check("NaiveTTConv2D glorot", (seed) => new NaiveTTConv2D({ filters: 32, kernelSize: 3, ranks: 6, kernelInitializer: "glorot", seed: seed * 101 }), img, 2 / (9 * 64));
  check("CPConv2D cp4 he", (seed) => new CPConv2D({ filters: 32, kernelSize: 3, rank: 16, variant: "cp4", kernelInitializer: "he", seed: seed * 101 }), img, 2 / (9 * 32));
  check("CPConv2D cp3 paper (PyTorch default variance)", (seed) => new CPConv2D({ filters: 32, kernelSize: 3, rank: 16, seed: seed * 101 }), img, 1 / (3 * 9 * 32));
  check("Tucker2Conv2D glorot", (seed) => new Tucker2Conv2D({ filters: 32, kernelSize: 3, inRank: 8, outRank: 8, kernelInitializer: "glorot", seed: seed * 101 }), img, 2 / (9 * 64));
  check("SVDDense he", (seed) => new SVDDense({ units: 128, rank: 32, kernelInitializer: "he", seed: seed * 101 }), [null, 256], 2 / 256);
});

test("paper init of TTDense: per-core U(±1/√(r_{k-1} r_k n_k)) (tt-fc.md §2.5)", async () => {
  await use(backendUnderTest("cpu"));
  const l = new TTDense({ inModes: [2, 2, 7, 4, 7], outModes: [8, 16, 16, 16, 8], ranks: 4, seed: 3 });
  l.build([null, 784]);
  const fanIn = [1 * 4 * 8, 4 * 4 * 16, 4 * 4 * 16, 4 * 4 * 16, 4 * 1 * 8];
  l.weights.slice(0, 5).forEach((w, k) => {
    const v = Array.from(w.read().dataSync() as Float32Array);
    const lim = 1 / Math.sqrt(fanIn[k]);
    const max = v.reduce((a: number, b: number) => Math.max(a, Math.abs(b)), 0);
    assert.ok(max <= lim && max > 0.8 * lim, `core ${k + 1}: max |g| ${max} vs limit ${lim}`);
  });
  free(l);
});

test("tensornet init of TTDense: TF1 xavier on each stored core matrix, and the implied dense weight's scale (tt-conv.md §2.6)", async () => {
  await use("cpu");
  // A normal truncated at 2σ keeps this fraction of σ²: 1 − 4φ(2) / (2Φ(2) − 1).
  const TRUNC = 0.773741;
  const inModes = [4, 8, 8];
  const outModes = [8, 4, 8];
  const r = [1, 6, 6, 1];
  const coreVar = inModes.map((m, k) => (TRUNC * 1.3 * 2) / (outModes[k] * r[k + 1] + r[k] * m));
  // Independent zero-mean cores: E[W²] = ∏ Var(core_k) · ∏ inner ranks.
  const implied = coreVar.reduce((a, v) => a * v, 1) * r[1] * r[2];
  const DRAWS = 32;
  let sumW = 0;
  const sumCore = [0, 0, 0];
  for (let seed = 1; seed <= DRAWS; seed++) {
    const l = new TTDense({ inModes, outModes, ranks: r, kernelInitializer: "tensornet", useBias: false, seed: seed * 101 });
    l.build([null, 256]);
    l.weights.forEach((w, k) => {
      const v = w.read().dataSync() as Float32Array;
      const std = Math.sqrt((1.3 * 2) / (outModes[k] * r[k + 1] + r[k] * inModes[k]));
      assert.ok(v.every((x) => Math.abs(x) <= 2 * std * (1 + 1e-6)), `core ${k + 1}: an entry beyond the 2σ truncation`);
      sumCore[k] += v.reduce((a, x) => a + x * x, 0) / v.length;
    });
    const w = l.denseWeight();
    sumW += tf.tidy(() => tf.mean(tf.square(w)).dataSync()[0]);
    w.dispose();
    free(l);
  }
  sumCore.forEach((s, k) => assert.ok(Math.abs(s / DRAWS / coreVar[k] - 1) < 0.1, `core ${k + 1}: variance ${s / DRAWS} vs ${coreVar[k]}`));
  assert.ok(Math.abs(sumW / DRAWS / implied - 1) < 0.15, `dense weight: E[W²] ${sumW / DRAWS} vs ${implied}`);
  // The tt-conv TT-FC layer fc4_1 (ranks 40): TensorNet's scale against the tt-fc thesis's per-core
  // U(±1/√(r_{k-1} r_k n_k)), from the same formulas: hundreds of times larger in standard deviation.
  const m = [8, 8, 8, 16];
  const n = [4, 6, 8, 8];
  const q = [1, 40, 40, 40, 1];
  let tensornet = 40 ** 3;
  let paper = 40 ** 3;
  for (let k = 0; k < 4; k++) {
    tensornet *= (TRUNC * 2.6) / (n[k] * q[k + 1] + q[k] * m[k]);
    paper *= 1 / (3 * q[k] * q[k + 1] * n[k]);
  }
  assert.ok(Math.sqrt(tensornet / paper) > 300, `std ratio ${Math.sqrt(tensornet / paper)}`);
  assert.throws(() => new SVDDense({ units: 4, rank: 2, kernelInitializer: "tensornet" }), /kernelInitializer = "tensornet": expected one of "paper", "glorot", "he"/);
});

test("bad input: clear errors naming the argument", async () => {
  await use(backendUnderTest("cpu"));
  const tt = new TTDense({ inModes: [2, 2, 7, 4], outModes: [4, 4, 4, 4], ranks: 2 });
  assert.throws(() => tt.build([null, 784]), /inModes = \[2, 2, 7, 4\]: expected modes multiplying to the input's 784 features \(they multiply to 112\)/);
  assert.throws(() => new TTDense({ inModes: [2, 2], outModes: [4, 4, 4], ranks: 2 }), /outModes = \[4, 4, 4\]: expected 2 modes/);
  assert.throws(() => new TTDense({ inModes: [2, 2], outModes: [4, 4], ranks: [1, 2, 2, 1] }), /ranks = \[1, 2, 2, 1\]: expected a list of 3 positive integers/);
  assert.throws(() => new TTDense({ inModes: [2, 2], outModes: [4, 4], ranks: [2, 2, 1] }), /ranks = \[2, 2, 1\]: expected .*starting and ending with 1/);
  assert.throws(() => new TTDense({ inModes: [2, 2], outModes: [4, 4], ranks: [1, 2, 3] }), /ranks = \[1, 2, 3\]: expected .*ending with 1/);
  assert.throws(() => new TTDense({ inModes: [2, 0], outModes: [4, 4], ranks: 2 }), /inModes = \[2, 0\]: expected a non-empty list of positive integers/);
  assert.throws(() => new TTDense({ inModes: [2, 2], outModes: [4, 4], ranks: 0 }), /ranks = 0: expected a positive integer/);
  const ttc = new TTConv2D({ kernelSize: 3, inModes: [4, 4], outModes: [4, 4], ranks: [3, 3, 1] });
  assert.throws(() => ttc.build([null, 8, 8, 32]), /inModes = \[4, 4\]: expected modes multiplying to the input's 32 channels/);
  assert.throws(() => new TTConv2D({ kernelSize: 3, inModes: [4, 4], outModes: [4, 4], ranks: [3, 3, 2] }), /ranks = \[3, 3, 2\]: expected .*ending with 1/);
  assert.throws(() => ttc.build([null, 64]), /TTConv2D input shape = \[null, 64\]: expected \[batch, height, width, channels\]/);
  assert.throws(() => new NaiveTTConv2D({ filters: 4, kernelSize: 3, ranks: [1, 2, 2, 1] }), /ranks = \[1, 2, 2, 1\]: expected a list of 5/);
  assert.throws(() => new CPConv2D({ filters: 4, kernelSize: 3, rank: 2, variant: "cp5" as "cp3" }), /variant = "cp5": expected "cp3" or "cp4"/);
  assert.throws(() => new CPConv2D({ filters: 4, kernelSize: [3, 3, 3] as unknown as number, rank: 2 }), /kernelSize = \[3, 3, 3\]: expected a positive integer or a pair/);
  assert.throws(() => new Tucker2Conv2D({ filters: 4, kernelSize: 3, inRank: 0, outRank: 2 }), /inRank = 0: expected a positive integer/);
  assert.throws(() => new Tucker2Conv2D({ filters: 4, kernelSize: 3, inRank: 2, outRank: 2, padding: "full" as "same" }), /padding = "full": expected "same", "valid" or a non-negative integer/);
  assert.throws(() => new SVDDense({ units: 4, rank: 2, activation: "gelu" as "relu" }), /activation = "gelu": expected one of/);
  assert.throws(() => new SVDDense({ units: 4, rank: 2, kernelInitializer: "xavier" as "glorot" }), /kernelInitializer = "xavier": expected one of "paper", "glorot", "he"/);
  assert.throws(() => new SVDDense({ units: 4, rank: 2, path: "fast" as "auto" }), /path = "fast"/);
  free(tt, ttc);
});

test("a 1×1 TTConv2D with r_0 = 1 is the TTDense applied at every pixel", async () => {
  await use(backendUnderTest("cpu"));
  const conv = new TTConv2D({ kernelSize: 1, inModes: [2, 3], outModes: [2, 2], ranks: [1, 3, 1], seed: 1 });
  conv.build([2, 4, 5, 6]);
  const dense = new TTDense({ inModes: [2, 3], outModes: [2, 2], ranks: [1, 3, 1], seed: 2 });
  dense.build([null, 6]);
  const [spatial, g1, g2, b] = conv.getWeights();
  const s = spatial.dataSync()[0];
  dense.setWeights([tf.mul(g1, s), g2, b]);
  const x = tf.randomNormal([2, 4, 5, 6], 0, 1, "float32", 5);
  const yc = conv.apply(x) as tf.Tensor;
  const yd = dense.apply(tf.reshape(x, [-1, 6])) as tf.Tensor;
  const err = tf.tidy(() => tf.norm(tf.sub(tf.reshape(yc, [-1, 4]), yd)).dataSync()[0] / tf.norm(yd).dataSync()[0]);
  assert.ok(err < 1e-6, String(err));
  free(conv, dense);
});
