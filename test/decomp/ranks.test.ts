import { test } from "node:test";
import assert from "node:assert/strict";
import { TnArgumentError } from "../../lib/errors";
import {
  cpParams,
  cpRankForRatio,
  svdParams,
  svdRankForRatio,
  ttParams,
  ttRankForRatio,
  tucker2Params,
  tucker2RanksForRatio,
  weakenedRank,
} from "../../lib/decomp/ranks";

test("MUSCO weakened rank (eq. 1.14, weaken_rank of the code)", () => {
  assert.equal(weakenedRank(64, 20, 0.7), 33); // trunc(64 − 0.7·44) = trunc(33.2)
  assert.equal(weakenedRank(128, 40, 0.5, 8), 84);
  assert.equal(weakenedRank(100, 10, 1, 8), 10); // w = 1: the extreme rank
  assert.equal(weakenedRank(100, 10, 1), 21); // floored at the default minimum 21
  assert.equal(weakenedRank(20, 5, 0.7), 20); // initial rank < 21: not compressed
  assert.equal(weakenedRank(21, 5, 0.7), 21);
  assert.equal(weakenedRank(64, 0, 0.7), 64); // EVBMF found nothing: keep
  // Never above the input rank (issue 22.7: an extreme rank above it gave trunc(30 + 0.5·10) = 35).
  assert.equal(weakenedRank(30, 40, 0.5, 8), 30);
  assert.equal(weakenedRank(30, 40, 1, 8), 30);
  for (const e of [0, 1, 29, 30, 31, 100]) for (const w of [0.1, 0.7, 1]) assert.ok(weakenedRank(30, e, w, 8) <= 30, `extreme ${e}, w ${w}`);
  for (const w of [0.5, 0.6, 0.7, 0.8, 0.9]) {
    const r = weakenedRank(256, 60, w, 8);
    assert.ok(r >= 60 && r <= 256);
  }
});

// Card §2.8 worked examples: kernel 3×3, ρ = 3.16, min rank 8; (C_out, C_in) → (R_out, R_in).
const worked: [number, number, [number, number, number], [number, number, number], [number, number, number]][] = [
  // [C_out, C_in], step 1 (R_out, R_in, params), step 2, one-shot ρ = 10
  [32, 32, [14, 14, 2660], [8, 8, 1088], [8, 8, 1088]],
  [64, 64, [29, 29, 11281], [14, 14, 3556], [14, 14, 3556]],
  [128, 64, [49, 31, 21927], [22, 14, 6484], [24, 15, 7272]],
  [128, 128, [59, 59, 46433], [28, 28, 14224], [28, 28, 14224]],
  [256, 256, [118, 118, 185732], [57, 57, 58425], [57, 57, 58425]],
  [512, 512, [236, 236, 742928], [114, 114, 233700], [114, 114, 233700]],
];

test("Tucker-2 ranks for a ratio reproduce the card's two-stage and one-shot table", () => {
  for (const [cout, cin, s1, s2, one] of worked) {
    const shape = [3, 3, cin, cout];
    const a = tucker2RanksForRatio(shape, 3.16);
    assert.deepEqual([a.rOut, a.rIn], [s1[0], s1[1]], `step 1 (${cout}, ${cin})`);
    assert.equal(tucker2Params(shape, a.rIn, a.rOut), s1[2]);
    const b = tucker2RanksForRatio(shape, 3.16, { currentParams: s1[2] });
    assert.deepEqual([b.rOut, b.rIn], [s2[0], s2[1]], `step 2 (${cout}, ${cin})`);
    assert.equal(tucker2Params(shape, b.rIn, b.rOut), s2[2]);
    const c = tucker2RanksForRatio(shape, 10);
    assert.deepEqual([c.rOut, c.rIn, tucker2Params(shape, c.rIn, c.rOut)], one, `one-shot (${cout}, ${cin})`);
  }
  // β variants: "legacy" 1.6 for cout > cin; "equal" forces square ranks.
  const legacy = tucker2RanksForRatio([3, 3, 64, 128], 3.16, { beta: "legacy" });
  assert.equal(legacy.rOut, Math.floor(1.6 * legacy.rIn));
  const eq = tucker2RanksForRatio([3, 3, 64, 128], 3.16, { beta: "equal" });
  assert.equal(eq.rOut, eq.rIn);
});

test("CP3 / CP4 / SVD ranks for a ratio: the card's examples", () => {
  assert.equal(cpRankForRatio([3, 3, 64, 64], 3.16), 85);
  assert.equal(cpRankForRatio([3, 3, 64, 64], 3.16, { variant: "cp4" }), 87);
  assert.equal(cpParams([3, 3, 64, 64], 85), 85 * (9 + 128));
  assert.equal(cpParams([3, 3, 64, 64], 87, "cp4"), 87 * (6 + 128));
  assert.equal(svdRankForRatio(512, 256, 3.16), 54);
  assert.equal(svdParams(512, 256, 54), 54 * 768);
  assert.equal(svdRankForRatio(16, 16, 10), 8); // min rank 8 (Linear)
  assert.equal(svdRankForRatio(16, 16, 10, { minRank: 2 }), 2); // 1×1 conv minimum
  assert.equal(cpRankForRatio([3, 3, 4, 4], 100), 2); // min rank 2
  // Ranks a decomposition can have: min rank 8 of a 4×6 matrix is capped at 4; ρ ≈ 1 caps at cin/cout.
  assert.equal(svdRankForRatio(4, 6, 10), 4);
  assert.deepEqual(tucker2RanksForRatio([3, 3, 8, 12], 1.01), { rIn: 8, rOut: 9 }); // β = 1.2
  assert.deepEqual(tucker2RanksForRatio([3, 3, 4, 6], 10), { rIn: 4, rOut: 4 }); // min rank 8 capped at cin; rOut = ⌊1.2·4⌋
});

test("TT uniform rank for a ratio: worked value and TT-matrix modes", () => {
  // [8, 16, 16, 16, 8]: params(r) = 16 r + 48 r²; 262144 / 100 = 2621.44 → r = 7 (2464), r = 8 is 3200.
  assert.equal(ttParams([8, 16, 16, 16, 8], 7), 2464);
  assert.equal(ttParams([8, 16, 16, 16, 8], 8), 3200);
  assert.equal(ttRankForRatio([8, 16, 16, 16, 8], 100), 7);
  // TT-matrix [[4, 8], [4, 8], [4, 8]]: core sizes 32 r, 32 r², 32 r.
  assert.equal(ttParams([[4, 8], [4, 8], [4, 8]], 3), 32 * 3 + 32 * 9 + 32 * 3);
  // 32768 / 8 = 4096: params(r) = 32 r² + 64 r → r = 10 (3840); r = 11 gives 4576.
  assert.equal(ttRankForRatio([[4, 8], [4, 8], [4, 8]], 8), 10);
});

test("round trips: the chosen rank reaches the ratio and one more would miss it", () => {
  const ratios = [1.5, 2, 3.16, 5, 7.5, 10, 20];
  for (const rho of ratios) {
    for (const [m, n] of [
      [512, 256],
      [1000, 300],
      [4096, 4096],
    ]) {
      const r = svdRankForRatio(m, n, rho, { minRank: 1 });
      assert.ok((m * n) / svdParams(m, n, r) >= rho);
      assert.ok((m * n) / svdParams(m, n, r + 1) < rho);
    }
    for (const shape of [
      [3, 3, 64, 64],
      [5, 5, 32, 96],
      [3, 3, 256, 128],
    ]) {
      const dense = shape.reduce((p, v) => p * v, 1);
      for (const variant of ["cp3", "cp4"] as const) {
        const r = cpRankForRatio(shape, rho, { variant, minRank: 1 });
        assert.ok(dense / cpParams(shape, r, variant) >= rho);
        assert.ok(dense / cpParams(shape, r + 1, variant) < rho);
      }
      const eq = tucker2RanksForRatio(shape, rho, { beta: "equal", minRank: 1 });
      assert.ok(dense / tucker2Params(shape, eq.rIn, eq.rOut) >= rho);
      if (eq.rIn < shape[2] && eq.rOut < shape[3]) assert.ok(dense / tucker2Params(shape, eq.rIn + 1, eq.rOut + 1) < rho);
      else assert.ok(eq.rIn === shape[2] || eq.rOut === shape[3]); // capped at a channel count
      // Default β: the achieved ratio is always reached (rOut = ⌊β rIn⌋ only lowers the count).
      const code = tucker2RanksForRatio(shape, rho, { minRank: 1 });
      assert.ok(dense / tucker2Params(shape, code.rIn, code.rOut) >= rho);
    }
    for (const modes of [
      [8, 16, 16, 16, 8],
      [4, 4, 4, 4, 4, 4],
      [32, 48],
    ]) {
      const dense = modes.reduce((p, v) => p * v, 1);
      const r = ttRankForRatio(modes, rho);
      if (ttParams(modes, 1) * rho <= dense) {
        assert.ok(dense / ttParams(modes, r) >= rho, `tt ${modes} ρ ${rho}`);
        assert.ok(dense / ttParams(modes, r + 1) < rho, `tt ${modes} ρ ${rho}`);
      }
    }
  }
});

test("rank rules reject bad input with named errors", () => {
  const check = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: Error) => e instanceof TnArgumentError && re.test(e.message), String(re));
  check(() => weakenedRank(64, 20, 0), /^w = 0: expected a weakening factor in \(0, 1\]/);
  check(() => weakenedRank(64, 20, 1.5), /^w = 1.5/);
  check(() => weakenedRank(0, 20, 0.5), /^rank = 0/);
  check(() => weakenedRank(64, -1, 0.5), /^extremeRank = -1/);
  check(() => weakenedRank(64, 2.5, 0.5), /^extremeRank = 2.5/);
  check(() => svdRankForRatio(0, 4, 2), /^m = 0/);
  check(() => svdRankForRatio(4, 4, 0), /^ratio = 0/);
  check(() => svdRankForRatio(4, 4, NaN), /^ratio = NaN/);
  check(() => svdRankForRatio(4, 4, 2, { currentParams: -3 }), /^opts.currentParams = -3/);
  check(() => svdRankForRatio(4, 4, 2, { minRank: 0 }), /^opts.minRank = 0/);
  check(() => tucker2RanksForRatio([3, 3, 64], 2), /^kernelShape = \[3, 3, 64\]/);
  check(() => tucker2RanksForRatio([3, 3, 64, 64], 2, { beta: "x" as "code" }), /^opts.beta = "x"/);
  check(() => cpRankForRatio([3, 0, 64, 64], 2), /^kernelShape = \[3, 0, 64, 64\]/);
  check(() => cpRankForRatio([3, 3, 64, 64], -1), /^ratio = -1/);
  check(() => cpParams([3, 3, 4, 4], 2, "cp5" as "cp3"), /^variant = "cp5"/);
  check(() => ttRankForRatio([8], 2), /^modes = \[8\]/);
  check(() => ttRankForRatio([8, 2.5], 2), /^modes = \[8, 2.5\]/);
  check(() => ttParams([8, 8], 0), /^rank = 0/);
});
