import { test } from "node:test";
import assert from "node:assert/strict";
import { TnArgumentError } from "../../lib/errors";
import { rng } from "../../lib/random";
import {
  evbmf,
  evbmfFromSingularValues,
  evbmfRanks,
  evbmfTauBar,
  evbmfTauBarApprox,
  fminbound,
} from "../../lib/decomp/evbmf";
import type { NDArray } from "../../lib/linalg/ndarray";

/** snr · (L×k Gaussian)(k×M Gaussian) + N(0, noise²) noise. */
function lowRankPlusNoise(L: number, M: number, k: number, snr: number, noise: number, seed: number): NDArray {
  const r = rng(seed);
  const A = Float64Array.from({ length: L * k }, () => r.normal());
  const B = Float64Array.from({ length: k * M }, () => r.normal());
  const y = new Float64Array(L * M);
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += A[i * k + q] * B[q * M + j];
      y[i * M + j] = snr * s + noise * r.normal();
    }
  }
  return { shape: [L, M], data: y };
}

test("τ̄ is the root of Φ(τ) + Φ(τ/α) = 0: 2.5129 for α = 1 and the card's table", () => {
  const tau1 = evbmfTauBar(1);
  assert.equal(tau1.toFixed(4), "2.5129");
  const phi = (z: number) => Math.log1p(z) / z - 0.5;
  assert.ok(Math.abs(2 * phi(tau1)) < 1e-12);
  const table: [number, number][] = [
    [1, 2.51286],
    [0.5, 1.78264],
    [0.25, 1.27261],
    [1 / 9, 0.86417],
    [0.1, 0.82221],
  ];
  for (const [alpha, tau] of table) assert.ok(Math.abs(evbmfTauBar(alpha) - tau) < 5e-6, `alpha ${alpha}`);
  // The reference code's approximation and its x̄ (card §2.6).
  assert.equal(evbmfTauBarApprox(1), 2.5129);
  const xBar = (a: number) => (1 + evbmfTauBarApprox(a)) * (1 + a / evbmfTauBarApprox(a));
  assert.ok(Math.abs(xBar(1) - 4.91085) < 5e-6);
  assert.ok(Math.abs(xBar(0.25) - 2.70542) < 5e-6);
  assert.ok(Math.abs(xBar(0.1) - 2.02049) < 5e-6);
});

test("EVBMF finds the true rank of low-rank plus Gaussian noise over sizes and noise levels", () => {
  const cases: [number, number, number, number, number][] = [
    // L, M, k, signal scale, noise std
    [30, 40, 5, 1, 1],
    [30, 40, 3, 1, 0.1],
    [64, 64, 8, 1, 1],
    [64, 64, 8, 0.02, 0.01],
    [100, 300, 10, 1, 2],
    [300, 100, 10, 1, 1], // L > M: transposed internally
  ];
  cases.forEach(([L, M, k, snr, noise], c) => {
    const e = evbmf(lowRankPlusNoise(L, M, k, snr, noise, 20 + c));
    assert.equal(e.rank, k, `case ${L}x${M} rank ${k} noise ${noise}`);
    assert.ok(Math.abs(e.sigma2 / (noise * noise) - 1) < 0.15, `sigma2 ${e.sigma2} vs ${noise * noise}`);
    assert.equal(e.singularValues.length, k);
  });
});

test("an exactly low-rank matrix (numerically zero singular values) keeps its rank", () => {
  for (const k of [1, 2, 4]) assert.equal(evbmf(lowRankPlusNoise(10, 20, k, 1, 0, 40 + k)).rank, k);
  assert.equal(evbmf(lowRankPlusNoise(30, 12, 3, 1, 0, 44)).rank, 3);
});

test("σ², rank and shrunk values match the Python reference (VBMF.EVBMF with SciPy 1.17 bounded Brent)", () => {
  // Reference values computed by the reference code on these exact matrices (same generator, seeds).
  const ref: [number, number, number, number, number, number, number, number, number][] = [
    // L, M, k, signal, noise, seed, rank, sigma2, first shrunk value
    [30, 40, 5, 1, 1, 100, 5, 1.10031139, 45.983544],
    [64, 576, 6, 0.05, 0.01, 103, 6, 9.756356084e-5, 11.68543],
    [20, 200, 3, 0.5, 1, 106, 3, 1.04198867, 38.799688],
  ];
  for (const [L, M, k, snr, noise, seed, rank, sigma2, sv0] of ref) {
    const e = evbmf(lowRankPlusNoise(L, M, k, snr, noise, seed));
    assert.equal(e.rank, rank);
    assert.ok(Math.abs(e.sigma2 / sigma2 - 1) < 1e-8, `${L}x${M}: sigma2 ${e.sigma2} vs ${sigma2}`);
    assert.ok(Math.abs(e.singularValues[0] - sv0) < 1e-5);
  }
});

test("a signal below the threshold is not counted, and pure noise gives rank 0", () => {
  for (const [L, M] of [
    [30, 40],
    [64, 64],
    [100, 300],
  ]) {
    const e = evbmf(lowRankPlusNoise(L, M, 1, 0, 1, L + M));
    assert.equal(e.rank, 0, `${L}x${M}`);
    assert.equal(e.singularValues.length, 0);
  }
  // One strong and one weak component: the weak one's singular value (~0.05·sqrt(LM)) is below
  // sqrt(M σ² x̄) ≈ 17.7 for 64x64 with unit noise.
  const L = 64;
  const M = 64;
  const r = rng(3);
  const y = lowRankPlusNoise(L, M, 1, 0, 1, 5);
  const u = Array.from({ length: L }, () => r.normal());
  const v = Array.from({ length: M }, () => r.normal());
  const w = Array.from({ length: L }, () => r.normal());
  const z = Array.from({ length: M }, () => r.normal());
  for (let i = 0; i < L; i++) for (let j = 0; j < M; j++) y.data[i * M + j] += 1 * u[i] * v[j] + 0.05 * w[i] * z[j];
  assert.equal(evbmf(y).rank, 1);
});

test("with σ² given: threshold sqrt(M σ² x̄) and the shrinkage formula, on exact singular values", () => {
  // Diagonal 4x9 matrix: its singular values are known exactly.
  const L = 4;
  const M = 9;
  const s = [40, 20, 5, 1];
  const data = new Float64Array(L * M);
  s.forEach((v, i) => (data[i * M + i] = v));
  const sigma2 = 2;
  const e = evbmf({ shape: [L, M], data }, { sigma2 });
  const alpha = L / M;
  const t = 2.5129 * Math.sqrt(alpha);
  const thr = Math.sqrt(M * sigma2 * (1 + t) * (1 + alpha / t));
  assert.ok(Math.abs(e.threshold - thr) < 1e-12);
  assert.equal(e.rank, s.filter((v) => v > thr).length);
  assert.equal(e.rank, 2);
  assert.equal(e.sigma2, sigma2);
  for (let h = 0; h < e.rank; h++) {
    const g = s[h];
    const c = 1 - ((L + M) * sigma2) / (g * g);
    const want = (g / 2) * (c + Math.sqrt(c * c - (4 * L * M * sigma2 * sigma2) / g ** 4));
    assert.ok(Math.abs(e.singularValues[h] - want) < 1e-9);
    assert.ok(e.singularValues[h] < g && e.singularValues[h] > 0);
  }
  // The same from the singular values directly.
  const f = evbmfFromSingularValues(Float64Array.from(s), L, M, sigma2);
  assert.equal(f.rank, 2);
});

test("fminbound (SciPy's bounded Brent) finds interior and boundary minima to xatol", () => {
  assert.ok(Math.abs(fminbound((x) => (x - 2) ** 2, 0, 5) - 2) < 1e-5);
  assert.ok(Math.abs(fminbound((x) => Math.cos(x), 3, 4) - Math.PI) < 1e-5);
  const edge = fminbound((x) => x, 1, 2);
  assert.ok(edge - 1 < 1e-4 && edge >= 1);
});

test("evbmfRanks reads R_in and R_out off the two channel unfoldings of a Tucker-2 kernel", () => {
  const [kh, kw, cin, cout, rIn, rOut] = [3, 3, 32, 40, 3, 6];
  const r = rng(12);
  const core = Float64Array.from({ length: kh * kw * rIn * rOut }, () => 10 * r.normal());
  const Uin = Float64Array.from({ length: cin * rIn }, () => r.normal());
  const Uout = Float64Array.from({ length: cout * rOut }, () => r.normal());
  const k = new Float64Array(kh * kw * cin * cout);
  for (let p = 0; p < kh * kw; p++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) {
        let s = 0;
        for (let a = 0; a < rIn; a++) for (let b = 0; b < rOut; b++) s += core[(p * rIn + a) * rOut + b] * Uin[i * rIn + a] * Uout[o * rOut + b];
        k[(p * cin + i) * cout + o] = s + 0.5 * r.normal();
      }
  assert.deepEqual(evbmfRanks({ shape: [kh, kw, cin, cout], data: k }), { rIn, rOut });
  // mirrorZero only copies a non-zero estimate: no change here, and (0, 0) stays (0, 0) for noise.
  assert.deepEqual(evbmfRanks({ shape: [kh, kw, cin, cout], data: k }, { mirrorZero: true }), { rIn, rOut });
  const noise = Float64Array.from({ length: 3 * 3 * 8 * 10 }, () => r.normal());
  assert.deepEqual(evbmfRanks({ shape: [3, 3, 8, 10], data: noise }, { mirrorZero: true }), { rIn: 0, rOut: 0 });
  const m = lowRankPlusNoise(20, 50, 4, 1, 0.5, 13);
  assert.deepEqual(evbmfRanks(m), { rIn: 4, rOut: 4 });
});

test("EVBMF bad input is rejected with named errors", () => {
  const check = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: Error) => e instanceof TnArgumentError && re.test(e.message), String(re));
  check(() => evbmf({ shape: [2, 2, 2], data: new Float64Array(8) }), /^Y.shape = \[2, 2, 2\]: expected a matrix/);
  check(() => evbmf([[1, NaN]]), /^Y = .*NaN/);
  check(() => evbmf([[1, 2]], { sigma2: 0 }), /^opts.sigma2 = 0/);
  check(() => evbmf([[1, 2]], { sigma2: -1 }), /^opts.sigma2 = -1/);
  check(() => evbmfTauBar(0), /^alpha = 0/);
  check(() => evbmfTauBar(2), /^alpha = 2/);
  check(() => evbmfRanks({ shape: [3, 3, 4], data: new Float64Array(36) }), /^kernel.shape = \[3, 3, 4\]/);
  check(() => evbmfFromSingularValues(new Float64Array(3), 4, 9), /^s.length = 3/);
});
