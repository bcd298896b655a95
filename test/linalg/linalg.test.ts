import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { TnArgumentError } from "../../lib/errors";
import { rng } from "../../lib/random";
import * as la from "../../lib/linalg";
import type { NDArray } from "../../lib/linalg";
import { backendUnderTest } from "../backends";

function rand(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return la.ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

/** max |aᵀa - I| over the columns of a. */
function orthError(a: NDArray): number {
  const g = la.matmul(la.transpose(a), a);
  const k = g.shape[0];
  let e = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) e = Math.max(e, Math.abs(g.data[i * k + j] - (i === j ? 1 : 0)));
  return e;
}

function usvt(u: NDArray, s: Float64Array, v: NDArray): NDArray {
  const [m, k] = u.shape;
  const us = la.ndarray([m, k], u.data.map((x, i) => x * s[i % k]));
  return la.matmul(us, la.transpose(v));
}

/** Naive triple loop, the reference for the blocked kernel. */
function naiveMatmul(a: NDArray, b: NDArray): NDArray {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) c[i * n + j] += a.data[i * k + p] * b.data[p * n + j];
  return la.ndarray([m, n], c);
}

test("matmul matches the triple loop on odd shapes and long inner dimensions", () => {
  for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [8, 300, 5], [17, 2, 33]]) {
    const a = rand([m, k], m + k);
    const b = rand([k, n], n + 1);
    assert.ok(la.relError(naiveMatmul(a, b), la.matmul(a, b)) < 1e-14, `${m}x${k}x${n}`);
  }
  const v = la.matmul([[1, 2], [3, 4]], [1, 1]);
  assert.deepEqual(v.shape, [2]);
  assert.deepEqual(Array.from(v.data), [3, 7]);
  assert.throws(() => la.matmul(rand([2, 3], 1), rand([4, 2], 2)), /b\.shape = \[4, 2\]: expected 3 rows/);
});

test("svd: reconstruction, orthonormality, descending values, on tall, wide, square and rank-deficient input", () => {
  const cases: NDArray[] = [rand([40, 40], 1), rand([60, 25], 2), rand([25, 70], 3), rand([1, 9], 4), rand([9, 1], 5)];
  // Rank 3 60x40 with a huge dynamic range in its singular values.
  const l = rand([60, 3], 6);
  const r = rand([3, 40], 7);
  for (let j = 0; j < 40; j++) r.data[40 + j] *= 1e-6;
  cases.push(la.matmul(l, r));
  // Graded columns: condition number ~1e10.
  const g = rand([50, 30], 8);
  for (let i = 0; i < 50; i++) for (let j = 0; j < 30; j++) g.data[i * 30 + j] *= 10 ** (-j / 3);
  cases.push(g);
  for (const a of cases) {
    const { u, s, v } = la.svd(a);
    const k = Math.min(...a.shape);
    assert.deepEqual(u.shape, [a.shape[0], k]);
    assert.deepEqual(v.shape, [a.shape[1], k]);
    assert.equal(s.length, k);
    assert.ok(la.relError(a, usvt(u, s, v)) < 1e-12, `reconstruction of [${a.shape}]`);
    assert.ok(orthError(u) < 1e-12, `u orthonormal for [${a.shape}]: ${orthError(u)}`);
    assert.ok(orthError(v) < 1e-12, `v orthonormal for [${a.shape}]`);
    for (let i = 1; i < k; i++) assert.ok(s[i] <= s[i - 1] && s[i] >= 0);
  }
});

test("svd recovers known singular values, small ones to high relative accuracy", () => {
  // a = Q1 diag(sigma) Q2ᵀ with sigma spanning 1e-9..1: the Gram route alone would lose the small ones.
  const n = 30;
  const q1 = la.qr(rand([50, n], 11)).q;
  const q2 = la.qr(rand([n, n], 12)).q;
  const sigma = Float64Array.from({ length: n }, (_, i) => 10 ** (-(9 * i) / (n - 1)));
  const a = usvt(q1, sigma, q2);
  const { s } = la.svd(a);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(s[i] - sigma[i]) <= 1e-6 * sigma[i] + 1e-15, `s[${i}] = ${s[i]} vs ${sigma[i]}`);
});

test("svdTruncated and svdRandomized: leading triplets and Eckart-Young error", () => {
  // Low rank 12 plus small noise: randomized at rank 12 matches the exact truncation.
  const a = la.matmul(rand([120, 12], 21), rand([12, 90], 22));
  const noise = rand([120, 90], 23);
  for (let i = 0; i < a.data.length; i++) a.data[i] += 1e-3 * noise.data[i];
  const full = la.svd(a);
  const t = la.svdTruncated(a, 12);
  assert.deepEqual(t.u.shape, [120, 12]);
  assert.deepEqual(t.v.shape, [90, 12]);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(t.s[i] - full.s[i]) < 1e-12 * full.s[0]);
  const tail = Math.sqrt(full.s.slice(12).reduce((s, x) => s + x * x, 0));
  const errT = la.norm(la.ndarray(a.shape, la.matmul(t.u, la.transpose(la.ndarray([90, 12], t.v.data.map((x, i) => x * t.s[i % 12])))).data.map((x, i) => x - a.data[i])));
  assert.ok(Math.abs(errT - tail) < 1e-9 * la.norm(a));
  const rz = la.svdRandomized(a, 12, { seed: 3 });
  assert.ok(orthError(rz.u) < 1e-12 && orthError(rz.v) < 1e-12);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(rz.s[i] - full.s[i]) < 1e-6 * full.s[i]);
  assert.throws(() => la.svdTruncated(a, 0), (e: unknown) => e instanceof TnArgumentError && /rank = 0/.test(e.message));
  assert.throws(() => la.svdRandomized(a, 91), /rank = 91: expected an integer in \[1, 90\]/);
  assert.throws(() => la.svdRandomized(a, 5, { powerIters: -1 }), /opts\.powerIters = -1/);
});

test("svdTruncated on wide input and on rank-deficient input (full-SVD fallback)", () => {
  const wide = rand([40, 100], 25);
  const full = la.svd(wide);
  const t = la.svdTruncated(wide, 5);
  assert.deepEqual(t.u.shape, [40, 5]);
  assert.deepEqual(t.v.shape, [100, 5]);
  assert.ok(orthError(t.u) < 1e-13 && orthError(t.v) < 1e-13);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(t.s[i] - full.s[i]) < 1e-12 * full.s[0]);
  // u_i·s_i = A·v_i for each kept triplet
  const av = la.matmul(wide, t.v);
  for (let i = 0; i < 40; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(av.data[i * 5 + j] - t.u.data[i * 5 + j] * t.s[j]) < 1e-12 * full.s[0]);
  // rank 3, truncated to 10: the trailing values are zero and u stays orthonormal
  const low = la.matmul(rand([60, 3], 26), rand([3, 50], 27));
  const tl = la.svdTruncated(low, 10);
  assert.ok(orthError(tl.u) < 1e-12 && orthError(tl.v) < 1e-12);
  for (let i = 3; i < 10; i++) assert.ok(tl.s[i] < 1e-12 * tl.s[0]);
  assert.ok(la.relError(low, usvt(tl.u, tl.s, tl.v)) < 1e-12);
});

test("qr: a = qr, q orthonormal, r upper triangular, also for wide and rank-deficient input", () => {
  const dep = rand([20, 6], 31);
  for (let i = 0; i < 20; i++) dep.data[i * 6 + 3] = dep.data[i * 6 + 1] * 2;
  for (const a of [rand([30, 10], 30), rand([7, 12], 32), dep]) {
    const { q, r } = la.qr(a);
    const k = Math.min(...a.shape);
    assert.deepEqual(q.shape, [a.shape[0], k]);
    assert.deepEqual(r.shape, [k, a.shape[1]]);
    assert.ok(la.relError(a, la.matmul(q, r)) < 1e-13);
    assert.ok(orthError(q) < 1e-13);
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) assert.equal(r.data[i * a.shape[1] + j], 0);
  }
});

test("eigSym: A V = V Λ, V orthogonal, values descending; known spectrum; repeated eigenvalues", () => {
  const b = rand([40, 40], 41);
  const a = la.matmul(b, la.transpose(b));
  for (let i = 0; i < 40; i++) a.data[i * 40 + i] -= 30; // indefinite
  const { values, vectors } = la.eigSym(a);
  const av = la.matmul(a, vectors);
  const vl = la.ndarray([40, 40], vectors.data.map((x, i) => x * values[i % 40]));
  assert.ok(la.relError(av, vl) < 1e-12);
  assert.ok(orthError(vectors) < 1e-12);
  for (let i = 1; i < 40; i++) assert.ok(values[i] <= values[i - 1]);
  // Q diag(λ) Qᵀ with repeated values.
  const q = la.qr(rand([12, 12], 42)).q;
  const lam = Float64Array.from([5, 5, 5, 2, 2, 1, 0, 0, -1, -3, -3, -3]);
  const known = usvt(q, lam, q);
  const e = la.eigSym(known);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(e.values[i] - lam[i]) < 1e-13 * 5);
  assert.ok(orthError(e.vectors) < 1e-13);
  assert.throws(() => la.eigSym([[1, 2], [3, 4]]), /a = .*expected a symmetric matrix/);
  assert.throws(() => la.eigSym(rand([2, 3], 1)), /a\.shape = \[2, 3\]: expected a square matrix/);
});

test("solve: vectors and matrices; singular and ill-shaped input rejected", () => {
  const a = rand([15, 15], 51);
  const x = rand([15, 4], 52);
  const b = la.matmul(a, x);
  assert.ok(la.relError(x, la.solve(a, b)) < 1e-11);
  const xv = la.solve([[2, 1], [1, 3]], [3, 5]);
  assert.deepEqual(xv.shape, [2]);
  assert.ok(Math.abs(xv.data[0] - 0.8) < 1e-15 && Math.abs(xv.data[1] - 1.4) < 1e-15);
  assert.throws(() => la.solve([[1, 2], [2, 4]], [1, 1]), /a = .*expected a non-singular matrix/);
  assert.throws(() => la.solve(rand([3, 4], 1), [1, 2, 3]), /a\.shape = \[3, 4\]: expected a square matrix/);
  assert.throws(() => la.solve(rand([3, 3], 1), [1, 2]), /b\.shape = \[2\]: expected 3 rows/);
  assert.throws(() => la.solve([[1, NaN], [0, 1]], [1, 1]), /a = .*NaN.*expected finite values/);
});

test("unfold follows TensorLy: moveaxis then C-order reshape; fold inverts it", () => {
  // x[i,j,k] = 100 i + 10 j + k, shape [2, 3, 4]
  const x = la.ndarray([2, 3, 4], Float64Array.from({ length: 24 }, (_, f) => 100 * Math.floor(f / 12) + 10 * (Math.floor(f / 4) % 3) + (f % 4)));
  const u1 = la.unfold(x, 1);
  assert.deepEqual(u1.shape, [3, 8]);
  // row j, column i*4 + k
  assert.deepEqual(Array.from(u1.data.slice(8, 16)), [10, 11, 12, 13, 110, 111, 112, 113]);
  const u2 = la.unfold(x, 2);
  assert.deepEqual(Array.from(u2.data.slice(0, 6)), [0, 10, 20, 100, 110, 120]);
  for (let mode = 0; mode < 3; mode++) assert.deepEqual(la.fold(la.unfold(x, mode), mode, x.shape).data, x.data);
  const y = rand([3, 1, 4, 2, 5], 61);
  for (let mode = 0; mode < 5; mode++) assert.deepEqual(la.fold(la.unfold(y, mode), mode, y.shape), y);
  assert.throws(() => la.unfold(x, 3), /mode = 3: expected an integer in \[0, 2\]/);
  assert.throws(() => la.fold(u1, 0, [2, 3, 4]), /m\.shape = \[3, 8\]: expected \[2, 12\]/);
});

test("modeProduct equals the unfolding identity (X ×_n M)_(n) = M X_(n); permute moves axes", () => {
  const x = rand([4, 5, 6], 71);
  for (let mode = 0; mode < 3; mode++) {
    const m = rand([3, x.shape[mode]], 72 + mode);
    const y = la.modeProduct(x, m, mode);
    const expectShape = [...x.shape];
    expectShape[mode] = 3;
    assert.deepEqual(y.shape, expectShape);
    assert.ok(la.relError(la.matmul(m, la.unfold(x, mode)), la.unfold(y, mode)) < 1e-14);
  }
  assert.throws(() => la.modeProduct(x, rand([3, 4], 1), 1), /m\.shape = \[3, 4\]: expected a matrix with 5 columns/);
  const p = la.permute(x, [2, 0, 1]);
  assert.deepEqual(p.shape, [6, 4, 5]);
  assert.equal(p.data[(5 * 4 + 3) * 5 + 2], x.data[(3 * 5 + 2) * 6 + 5]);
});

test("khatriRao gives the CP unfolding identity unfold(X, n) = A_n · khatriRao(A_k, k ≠ n)ᵀ", () => {
  const dims = [3, 4, 2, 5];
  const R = 3;
  const A = dims.map((d, k) => rand([d, R], 80 + k));
  // X[i,j,k,l] = Σ_r A0[i,r] A1[j,r] A2[k,r] A3[l,r], built element by element.
  const x = la.ndarray(dims);
  let f = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 2; k++) for (let l = 0; l < 5; l++) {
    let s = 0;
    for (let r = 0; r < R; r++) s += A[0].data[i * R + r] * A[1].data[j * R + r] * A[2].data[k * R + r] * A[3].data[l * R + r];
    x.data[f++] = s;
  }
  for (let n = 0; n < 4; n++) {
    const kr = la.khatriRao(A.filter((_, k) => k !== n));
    assert.deepEqual(kr.shape, [dims.reduce((a, b) => a * b, 1) / dims[n], R]);
    assert.ok(la.relError(la.unfold(x, n), la.matmul(A[n], la.transpose(kr))) < 1e-14, `mode ${n}`);
  }
  assert.throws(() => la.khatriRao([rand([2, 3], 1), rand([2, 2], 2)]), /mats\[1\]\.shape = \[2, 2\]: expected a matrix with 3 columns/);
});

test("tensor variants on the active backend match the float64 ones and release their tensors", async () => {
  await use(backendUnderTest("cpu"));
  const x = rand([4, 5, 6], 91);
  const m = rand([3, 5], 92);
  const before = tf.memory().numTensors;
  for (let rep = 0; rep < 3; rep++) {
    const tx = la.toTensor(x);
    const tm = la.toTensor(m);
    const y = la.modeProductTensor(tx, tm, 1);
    assert.deepEqual(y.shape, [4, 3, 6]);
    assert.ok(la.relError(la.modeProduct(x, m, 1), la.asNDArray(y)) < 1e-6);
    const u = la.unfoldTensor(tx, 2);
    assert.ok(la.relError(la.unfold(x, 2), la.asNDArray(u)) < 1e-7);
    const back = la.foldTensor(u, 2, x.shape);
    assert.ok(la.relError(x, la.asNDArray(back)) < 1e-7);
    const mm = la.matmulTensor(m, la.unfold(x, 1));
    assert.ok(la.relError(la.matmul(m, la.unfold(x, 1)), la.asNDArray(mm)) < 1e-6);
    // float64 functions accept tensors too
    assert.ok(la.relError(la.unfold(x, 0), la.unfold(tx, 0)) < 1e-7);
    tf.dispose([tx, tm, y, u, back, mm]);
  }
  assert.equal(tf.memory().numTensors, before);
});
