import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { TnArgumentError } from "../../lib/errors";
import { rng } from "../../lib/random";
import { cpAls, CPTensor } from "../../lib/decomp/cp";
import { contractFirst, gemmNarrow, mttkrp, mttkrpGemm, mttkrpLast, mttkrpPartial, mttkrpPartialRankMajor } from "../../lib/decomp/mttkrp";
import { CpSweep } from "../../lib/decomp/cp-sweep";
import { nativeGemm, nativeLinalgCalls } from "../../lib/linalg/lapack";
import { addon, setNativeEnabled } from "../../lib/native";
import { relError, type NDArray } from "../../lib/linalg/ndarray";
import { backendUnderTest } from "../backends";

function randn(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r.normal());
}

/** Σ_r Π_n F_n[i_n, r] for row-major factors (I_n × R). */
function planted(dims: number[], R: number, seed: number): { x: NDArray; factors: Float64Array[] } {
  const factors = dims.map((I, n) => randn(I * R, seed * 31 + n));
  const total = dims.reduce((p, v) => p * v, 1);
  const data = new Float64Array(total);
  const idx = new Array(dims.length).fill(0);
  for (let f = 0; f < total; f++) {
    let rem = f;
    for (let n = dims.length - 1; n >= 0; n--) {
      idx[n] = rem % dims[n];
      rem = Math.floor(rem / dims[n]);
    }
    let s = 0;
    for (let r = 0; r < R; r++) {
      let p = 1;
      for (let n = 0; n < dims.length; n++) p *= factors[n][idx[n] * R + r];
      s += p;
    }
    data[f] = s;
  }
  return { x: { shape: dims, data }, factors };
}

/** Unfold (TensorLy) times an explicit Khatri-Rao product: the textbook MTTKRP. */
function naiveMttkrp(x: NDArray, F: Float64Array[], R: number, mode: number): Float64Array {
  const dims = x.shape;
  const M = new Float64Array(dims[mode] * R);
  const idx = new Array(dims.length).fill(0);
  for (let f = 0; f < x.data.length; f++) {
    let rem = f;
    for (let n = dims.length - 1; n >= 0; n--) {
      idx[n] = rem % dims[n];
      rem = Math.floor(rem / dims[n]);
    }
    for (let r = 0; r < R; r++) {
      let p = x.data[f];
      for (let n = 0; n < dims.length; n++) if (n !== mode) p *= F[n][idx[n] * R + r];
      M[idx[mode] * R + r] += p;
    }
  }
  return M;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("the three MTTKRP kernels equal unfold · Khatri-Rao for every mode (short and long trailing modes)", () => {
  for (const dims of [
    [3, 4, 5, 6],
    [2, 9, 3, 10],
    [5, 7],
  ]) {
    const R = 3;
    const x = { shape: dims, data: randn(dims.reduce((p, v) => p * v, 1), 7) };
    const F = dims.map((I, n) => randn(I * R, 100 + n));
    for (let n = 0; n < dims.length; n++) {
      const ref = naiveMttkrp(x, F, R, n);
      assert.ok(maxAbsDiff(mttkrp(x.data, dims, F, R, n), ref) < 1e-10, `streaming, dims ${dims} mode ${n}`);
      assert.ok(maxAbsDiff(mttkrpGemm(x.data, dims, F, R, n), ref) < 1e-10, `gemm, dims ${dims} mode ${n}`);
    }
    if (dims.length >= 3) {
      // Partial tensor T = X ×_last F_last, then the Hadamard MTTKRP on the leading modes.
      const last = dims.length - 1;
      const rows = x.data.length / dims[last];
      const T = new Float64Array(rows * R);
      for (let p = 0; p < rows; p++)
        for (let k = 0; k < dims[last]; k++)
          for (let r = 0; r < R; r++) T[p * R + r] += x.data[p * dims[last] + k] * F[last][k * R + r];
      for (let n = 0; n < last; n++) {
        const got = mttkrpPartial(T, dims.slice(0, last), F, R, n);
        assert.ok(maxAbsDiff(got, naiveMttkrp(x, F, R, n)) < 1e-10, `partial, dims ${dims} mode ${n}`);
      }
    }
  }
});

/** Runs fn with the native addon on (when built) and off; `name`: the native routine that must run. */
function onBothPaths(name: string, fn: (path: string) => void): void {
  const paths: [string, boolean][] = addon() ? [["native", true], ["typescript", false]] : [["typescript", false]];
  for (const [path, on] of paths) {
    const before = setNativeEnabled(on);
    try {
      const calls = nativeLinalgCalls()[name] ?? 0;
      fn(path);
      if (on) assert.ok((nativeLinalgCalls()[name] ?? 0) > calls, `native ${name} ran`);
    } finally {
      setNativeEnabled(before);
    }
  }
}

// Small ones stay in TypeScript even with the addon (below nativeGemm's size floor); the larger
// ones run the OpenBLAS products.
const ODD_SHAPES = [
  [3, 4, 5, 6],
  [2, 9, 3, 10],
  [7, 5, 11],
  [5, 7],
  [9, 13, 17],
  [6, 7, 5, 11],
  [41, 1, 37],
  [37, 53],
];

test("mttkrpLast and the rank-major tree MTTKRP equal unfold · Khatri-Rao (native and TypeScript, odd shapes)", () => {
  onBothPaths("mttkrpRanks", (path) => {
    for (const dims of ODD_SHAPES) {
      for (const R of [1, 3, 4]) {
        const x = { shape: dims, data: randn(dims.reduce((p, v) => p * v, 1), 11) };
        const F = dims.map((I, n) => randn(I * R, 200 + n));
        const last = dims.length - 1;
        const rows = x.data.length / dims[last];
        const got = mttkrpLast(x.data, dims, F, R);
        assert.ok(maxAbsDiff(got, naiveMttkrp(x, F, R, last)) < 1e-10, `${path} last, dims ${dims} R ${R}`);
        // U[r, q] = Σ_i F_0[i, r] · X[i, q], then the small half of the last mode on its own
        // (without the addon mttkrpLast never reaches it: this is its TypeScript loop's test).
        const Q = x.data.length / dims[0];
        const U = new Float64Array(R * Q);
        for (let r = 0; r < R; r++) for (let i = 0; i < dims[0]; i++) for (let q = 0; q < Q; q++) U[r * Q + q] += F[0][i * R + r] * x.data[i * Q + q];
        assert.ok(maxAbsDiff(contractFirst(U, dims, F, R), naiveMttkrp(x, F, R, last)) < 1e-10, `${path} contractFirst, dims ${dims} R ${R}`);
        if (dims.length < 3) continue;
        // Rank-major T[r, p] = Σ_k X[p, k] · F_last[k, r].
        const T = new Float64Array(R * rows);
        for (let r = 0; r < R; r++)
          for (let p = 0; p < rows; p++) for (let k = 0; k < dims[last]; k++) T[r * rows + p] += x.data[p * dims[last] + k] * F[last][k * R + r];
        for (let n = 0; n < last; n++) {
          const part = mttkrpPartialRankMajor(T, dims.slice(0, last), F, R, n);
          assert.ok(maxAbsDiff(part, naiveMttkrp(x, F, R, n)) < 1e-10, `${path} rank-major partial, dims ${dims} R ${R} mode ${n}`);
        }
      }
    }
  });
});

test("CpSweep gives every mode's MTTKRP with the factors updated so far (native and TypeScript)", () => {
  onBothPaths("dgemm", (path) => {
    for (const dims of ODD_SHAPES) {
      const R = 3;
      const x = { shape: dims, data: randn(dims.reduce((p, v) => p * v, 1), 13) };
      const F = dims.map((I, n) => randn(I * R, 300 + n));
      const sweep = new CpSweep(x.data, dims, R);
      for (let s = 0; s < 2; s++) {
        for (let n = 0; n < dims.length; n++) {
          const got = sweep.mttkrp(n, F);
          assert.ok(maxAbsDiff(got, naiveMttkrp(x, F, R, n)) < 1e-10, `${path} sweep ${s}, dims ${dims} mode ${n}`);
          F[n] = randn(dims[n] * R, 400 + 10 * s + n); // as an ALS update would replace it
        }
      }
    }
  });
});

test("nativeGemm with transposed operands equals the textbook product (odd sizes)", { skip: addon() ? false : "the native addon is not built or TN_NATIVE=0" }, () => {
  for (const [m, k, n] of [
    [5, 301, 3],
    [17, 257, 1],
    [3, 101, 19],
  ]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const A = randn(m * k, m * k + 1);
        const B = randn(k * n, k * n + 2);
        const a = (i: number, p: number) => (ta ? A[p * m + i] : A[i * k + p]);
        const b = (p: number, j: number) => (tb ? B[j * k + p] : B[p * n + j]);
        const want = new Float64Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += a(i, p) * b(p, j);
        const out = new Float64Array(m * n).fill(NaN);
        const got = nativeGemm(A, B, m, k, n, ta, tb, out)!;
        assert.equal(got, out, "writes into the given buffer");
        assert.ok(maxAbsDiff(got, want) < 1e-10, `${m}x${k}x${n} transA ${ta} transB ${tb}`);
      }
    }
  }
});

test("gemmNarrow equals the textbook product (odd sizes, k longer than one cache block)", () => {
  for (const [m, k, n] of [
    [5, 1100, 7],
    [4, 3, 4],
    [1, 600, 1],
    [9, 513, 10],
  ]) {
    const A = randn(m * k, m + k);
    const Bt = randn(n * k, n + k);
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += A[i * k + p] * Bt[j * k + p];
    assert.ok(maxAbsDiff(gemmNarrow(A, Bt, m, k, n), want) < 1e-10, `${m}x${k}x${n}`);
  }
});

test("cpAls recovers a planted rank-3 8x9x10 tensor from the SVD init", () => {
  const { x } = planted([8, 9, 10], 3, 1);
  const cp = cpAls(x, 3, { init: "svd", maxIter: 500, tol: 0 });
  assert.ok(cp.error < 1e-6, `error ${cp.error}`);
  assert.ok(cp.relError(x) < 1e-6);
  assert.deepEqual(cp.shape, [8, 9, 10]);
  assert.deepEqual(cp.ranks, [3]);
  assert.equal(cp.params, 3 * (8 + 9 + 10) + 3);
  assert.ok(Math.abs(cp.compression - 720 / cp.params) < 1e-12);
});

test("cpAls recovers a planted tensor from a seeded random init (best of 3 seeds), reproducibly", () => {
  const { x } = planted([8, 9, 10], 3, 2);
  const runs = [0, 1, 2].map((seed) => cpAls(x, 3, { init: "random", seed, maxIter: 500, tol: 0 }));
  const best = Math.min(...runs.map((c) => c.error));
  assert.ok(best < 1e-6, `best error ${best}`);
  const again = cpAls(x, 3, { init: "random", seed: 1, maxIter: 500, tol: 0 });
  assert.deepEqual(Array.from(again.factors[0].data), Array.from(runs[1].factors[0].data));
});

test("the error history never increases, and its cheap last value equals the exact error", () => {
  const dims = [6, 7, 8];
  const x = { shape: dims, data: randn(6 * 7 * 8, 11) };
  for (const init of ["svd", "random"] as const) {
    const cp = cpAls(x, 4, { init, maxIter: 60, tol: 0, seed: 3 });
    assert.equal(cp.history.length, 60);
    assert.equal(cp.iterations, 60);
    for (let i = 1; i < cp.history.length; i++) {
      assert.ok(cp.history[i] <= cp.history[i - 1] + 1e-12, `${init}: history rises at ${i}: ${cp.history[i - 1]} -> ${cp.history[i]}`);
    }
    assert.ok(cp.error > 0.1, "a random tensor is not rank 4");
    assert.ok(Math.abs(cp.history[cp.history.length - 1] - cp.error) < 1e-9);
    // The one-pass final error is relError's own sum, bit for bit.
    assert.equal(cp.error, relError(x, cp.toDense()));
  }
});

test("rank 1 is exact for an outer product, and early stopping ends well before maxIter", () => {
  const { x } = planted([5, 6, 7], 1, 4);
  const cp = cpAls(x, 1, { maxIter: 1000, tol: 1e-10 });
  assert.ok(cp.error < 1e-10, `error ${cp.error}`);
  assert.ok(cp.iterations < 20, `iterations ${cp.iterations}`);
  const noisy = { shape: [6, 7, 8], data: randn(336, 5) };
  const es = cpAls(noisy, 3, { maxIter: 5000, tol: 1e-4 });
  assert.ok(es.iterations < 5000);
  const h = es.history;
  assert.ok(h[h.length - 2] - h[h.length - 1] < 1e-4);
});

test("weights convention: unit-norm columns after cpAls; normalize and absorbWeights keep the tensor", () => {
  const { x } = planted([4, 5, 6], 2, 6);
  const cp = cpAls(x, 2, { maxIter: 200, tol: 0 });
  for (const f of cp.factors) {
    for (let r = 0; r < 2; r++) {
      let s = 0;
      for (let i = 0; i < f.shape[0]; i++) s += f.data[i * 2 + r] ** 2;
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
  }
  const dense = cp.toDense();
  for (const mode of [0, 2]) {
    const a = cp.absorbWeights(mode);
    assert.deepEqual(Array.from(a.weights), [1, 1]);
    assert.ok(maxAbsDiff(a.toDense().data, dense.data) < 1e-12);
    const back = a.normalize();
    assert.ok(maxAbsDiff(back.toDense().data, dense.data) < 1e-12);
    assert.ok(maxAbsDiff(back.weights, cp.weights) < 1e-10);
  }
  assert.throws(() => cp.absorbWeights(3), TnArgumentError);
});

test("a rank-2 matrix (order 2) is recovered exactly", () => {
  const { x } = planted([7, 9], 2, 7);
  const cp = cpAls(x, 2, { maxIter: 100, tol: 0 });
  assert.ok(cp.error < 1e-10, `error ${cp.error}`);
});

test("rank above a dimension (SVD init padded with random columns) still decomposes", () => {
  const { x } = planted([2, 3, 4], 3, 8);
  const cp = cpAls(x, 5, { maxIter: 300, tol: 0 });
  assert.deepEqual(cp.factors.map((f) => f.shape), [
    [2, 5],
    [3, 5],
    [4, 5],
  ]);
  assert.ok(Number.isFinite(cp.error) && cp.error < 1e-3, `error ${cp.error}`);
});

test("CP of a 4-D conv kernel [kh, kw, cin, cout] from a tf.Tensor: factors in kernel mode order", async () => {
  await use(backendUnderTest("cpu"));
  const { x } = planted([3, 3, 6, 8], 2, 9);
  const kernel = tf.tensor(Float32Array.from(x.data), [3, 3, 6, 8]);
  const cp = cpAls(kernel, 2, { maxIter: 300, tol: 0 });
  kernel.dispose();
  assert.deepEqual(cp.factors.map((f) => f.shape), [
    [3, 2],
    [3, 2],
    [6, 2],
    [8, 2],
  ]);
  assert.ok(cp.error < 1e-5, `error ${cp.error}`); // float32 input
  const before = tf.memory().numTensors;
  const t = cp.toTensor();
  assert.deepEqual(t.shape, [3, 3, 6, 8]);
  assert.equal(t.dtype, "float32");
  const back = Float64Array.from(t.dataSync());
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(maxAbsDiff(back, cp.toDense().data) < 1e-5);
});

test("bad input is rejected with named errors", () => {
  const { x } = planted([3, 4, 5], 1, 10);
  const check = (fn: () => unknown, arg: RegExp) =>
    assert.throws(fn, (e: Error) => e instanceof TnArgumentError && arg.test(e.message), String(arg));
  check(() => cpAls(x, 0), /^rank = 0: expected a positive integer/);
  check(() => cpAls(x, -2), /^rank = -2/);
  check(() => cpAls(x, 2.5), /^rank = 2.5/);
  check(() => cpAls({ shape: [5], data: new Float64Array(5) }, 1), /^x.shape = \[5\]: expected a tensor of order >= 2/);
  const nan = Float64Array.from(x.data);
  nan[7] = NaN;
  check(() => cpAls({ shape: [3, 4, 5], data: nan }, 1), /^x = .*NaN.*finite values/);
  const inf = Float64Array.from(x.data);
  inf[0] = Infinity;
  check(() => cpAls({ shape: [3, 4, 5], data: inf }, 1), /^x = .*Infinity/);
  check(() => cpAls(x, 1, { init: "foo" as "svd" }), /^opts.init = "foo"/);
  check(() => cpAls(x, 1, { maxIter: -1 }), /^opts.maxIter = -1/);
  check(() => cpAls(x, 1, { tol: -1 }), /^opts.tol = -1/);
  const cp = cpAls(x, 1, { maxIter: 5 });
  check(() => cp.relError({ shape: [3, 4, 6], data: new Float64Array(72) }), /^x.shape = \[3, 4, 6\]/);
  check(() => new CPTensor(new Float64Array(2), [{ shape: [3, 2], data: new Float64Array(6) }]), /^factors.length = 1/);
});
