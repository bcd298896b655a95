// lib/linalg through LAPACKE/CBLAS against its own TypeScript code, on the same inputs.
// The full property tests run on both paths (test/linalg/linalg.test.ts and
// linalg-fallback.test.ts); this checks the native routines ran and agree with the fallback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addon, setNativeEnabled } from "../../lib/native";
import * as la from "../../lib/linalg";
import { nativeLinalgCalls } from "../../lib/linalg/lapack";
import { rng } from "../../lib/random";
import type { NDArray } from "../../lib/linalg";

const skip = addon() ? false : "the native addon is not built or TN_NATIVE=0";

function rand(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return la.ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Runs fn on both paths and checks the native routine `name` ran on the first. */
function both<T>(name: string, fn: () => T): [T, T] {
  setNativeEnabled(true);
  const before = nativeLinalgCalls()[name] ?? 0;
  const nat = fn();
  assert.ok((nativeLinalgCalls()[name] ?? 0) > before, `native ${name} ran`);
  setNativeEnabled(false);
  try {
    return [nat, fn()];
  } finally {
    setNativeEnabled(true);
  }
}

test("dgemm: matmul, matmulNT, gramRows equal the TypeScript kernel", { skip }, () => {
  for (const [m, k, n] of [[33, 47, 21], [64, 300, 5], [128, 128, 128]]) {
    const a = rand([m, k], m + k);
    const b = rand([k, n], k + n);
    const [x, y] = both("dgemm", () => la.matmul(a, b));
    assert.ok(maxDiff(x.data, y.data) < 1e-10 * k, `matmul ${m}x${k}x${n}`);
    const [g1, g2] = both("dgemm", () => la.gramRows(a));
    assert.ok(maxDiff(g1.data, g2.data) < 1e-10 * k, `gramRows ${m}x${k}`);
  }
});

test("dsyevd: eigenvalues equal the TypeScript solver's, vectors span the same lines", { skip }, () => {
  for (const n of [2, 7, 60]) {
    const x = rand([n, n], n);
    const sym = la.matmul(x, la.transpose(x));
    const [e1, e2] = both("dsyevd", () => la.eigSym(sym));
    assert.ok(maxDiff(e1.values, e2.values) < 1e-9 * Math.abs(e2.values[0]), `values n=${n}`);
    // Eigenvectors are unique up to sign (the spectrum of a random Gram matrix is simple).
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += e1.vectors.data[r * n + c] * e2.vectors.data[r * n + c];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6, `vector ${c} of n=${n}: |cos| = ${Math.abs(dot)}`);
    }
  }
});

test("dgesdd: singular values equal the TypeScript SVD's; reconstruction holds on tall and wide input", { skip }, () => {
  for (const [m, n] of [[40, 17], [17, 40], [25, 25]]) {
    const a = rand([m, n], m * n);
    const [s1, s2] = both("dgesdd", () => la.svd(a));
    assert.ok(maxDiff(s1.s, s2.s) < 1e-10 * s2.s[0], `s ${m}x${n}`);
    const k = Math.min(m, n);
    const us = la.ndarray([m, k], s1.u.data.map((v, i) => v * s1.s[i % k]));
    assert.ok(maxDiff(la.matmul(us, la.transpose(s1.v)).data, a.data) < 1e-10 * s1.s[0], `u·s·vᵀ = a for ${m}x${n}`);
  }
});

test("qr and solve: equal the TypeScript results; a singular matrix is still rejected", { skip }, () => {
  for (const [m, n] of [[30, 11], [11, 30]]) {
    const a = rand([m, n], m + 2 * n);
    const [q1] = both("qr", () => la.qr(a));
    const back = la.matmul(q1.q, q1.r);
    assert.ok(maxDiff(back.data, a.data) < 1e-12 * 30, `q·r = a for ${m}x${n}`);
    for (let i = 0; i < q1.r.shape[0]; i++) for (let j = 0; j < i; j++) assert.equal(q1.r.data[i * n + j], 0);
  }
  const a = rand([20, 20], 3);
  const b = rand([20, 4], 4);
  const [x1, x2] = both("dgesv", () => la.solve(a, b));
  assert.ok(maxDiff(x1.data, x2.data) < 1e-9, "solve");
  const singular = la.ndarray([3, 3], [1, 2, 3, 2, 4, 6, 1, 0, 1]);
  setNativeEnabled(true);
  assert.throws(() => la.solve(singular, la.ndarray([3], [1, 2, 3])), /non-singular/);
});

test("CP-ALS's MTTKRP products run on dgemm and give the TypeScript kernel's factors", { skip }, async () => {
  const { cpAls } = await import("../../lib/decomp/cp");
  const x = rand([12, 10, 9], 5);
  const [nat, ts] = both("dgemm", () => cpAls(x, 4, { maxIter: 30, tol: 0, init: "random", seed: 1 }));
  assert.ok(Math.abs(nat.error - ts.error) < 1e-9, `${nat.error} vs ${ts.error}`);
  nat.factors.forEach((f, k) => assert.ok(maxDiff(f.data, ts.factors[k].data) < 1e-6, `factor ${k}`));
});
