import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { rng } from "../../lib/random";
import * as la from "../../lib/linalg";
import type { NDArray } from "../../lib/linalg";
import { TTTensor, ttSvd, ttMatrix, TTMatrix } from "../../lib/decomp";
import { backendUnderTest } from "../backends";

function rand(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return la.ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

/** A random TT tensor with the given bond ranks, as a dense array. */
function plantedTT(shape: number[], ranks: number[], seed: number): NDArray {
  const cores = shape.map((n, k) => rand([ranks[k], n, ranks[k + 1]], seed + k));
  return new TTTensor(cores).toDense();
}

test("TT-SVD at full ranks rebuilds the input to float64 precision", () => {
  for (const shape of [[4, 5, 6], [3, 2, 4, 2, 3], [7], [2, 9]]) {
    const x = rand(shape, shape.length);
    const tt = ttSvd(x, { ranks: 1000 });
    assert.deepEqual(tt.shape, shape);
    assert.ok(tt.error < 1e-12, `error ${tt.error} for [${shape}]`);
    assert.ok(tt.relError(x) < 1e-12);
    assert.deepEqual(tt.ranks, [1, ...shape.slice(0, -1).map((_, k) => Math.min(shape.slice(0, k + 1).reduce((a, b) => a * b), shape.slice(k + 1).reduce((a, b) => a * b))), 1]);
  }
});

test("TT-SVD recovers a planted low-TT-rank tensor at its ranks, and its structure", () => {
  const shape = [5, 6, 7, 4];
  const ranks = [1, 3, 4, 2, 1];
  const x = plantedTT(shape, ranks, 10);
  const tt = ttSvd(x, { ranks });
  assert.deepEqual(tt.ranks, ranks);
  assert.ok(tt.error < 1e-12);
  assert.equal(tt.params, 5 * 3 + 3 * 6 * 4 + 4 * 7 * 2 + 2 * 4);
  assert.ok(Math.abs(tt.compression - (5 * 6 * 7 * 4) / tt.params) < 1e-12);
  // eps finds the ranks by itself.
  const te = ttSvd(x, { eps: 1e-8 });
  assert.deepEqual(te.ranks, ranks);
  // Left cores are orthonormal: unfold(core, [r n, r']) has orthonormal columns.
  for (const c of tt.cores.slice(0, -1)) {
    const [r0, n, r1] = c.shape;
    const m = la.ndarray([r0 * n, r1], c.data);
    const g = la.matmul(la.transpose(m), m);
    for (let i = 0; i < r1; i++) for (let j = 0; j < r1; j++) assert.ok(Math.abs(g.data[i * r1 + j] - (i === j ? 1 : 0)) < 1e-12);
  }
});

test("TT-SVD with eps meets ||X - TT|| ≤ eps ||X||, and the truncated error stays under the discarded-value bound", () => {
  // Decaying structure: planted TT plus noise, so truncation has something to discard.
  const shape = [6, 5, 6, 5];
  const x = plantedTT(shape, [1, 4, 5, 3, 1], 20);
  const noise = rand(shape, 21);
  const nx = la.norm(x);
  const nn = la.norm(noise);
  for (let i = 0; i < x.data.length; i++) x.data[i] += (0.05 * nx * noise.data[i]) / nn;
  let lastRanks: number[] = [];
  for (const eps of [0.5, 0.2, 0.08, 0.03, 1e-3]) {
    const tt = ttSvd(x, { eps });
    assert.ok(tt.error <= eps, `eps ${eps}: error ${tt.error}`);
    assert.ok(Math.abs(tt.relError(x) - tt.error) < 1e-12);
    // smaller eps never needs smaller ranks
    if (lastRanks.length) tt.ranks.forEach((r, k) => assert.ok(r >= lastRanks[k]));
    lastRanks = tt.ranks;
  }
  // Fixed ranks: error² ≤ Σ_k (discarded squared singular values of the k-th unfolding of X).
  const ranks = [1, 3, 3, 2, 1];
  const tt = ttSvd(x, { ranks });
  let bound2 = 0;
  for (let k = 1; k < shape.length; k++) {
    const rows = shape.slice(0, k).reduce((a, b) => a * b, 1);
    const s = la.svd(la.ndarray([rows, x.data.length / rows], x.data)).s;
    for (let i = ranks[k]; i < s.length; i++) bound2 += s[i] * s[i];
  }
  const err = tt.error * nx;
  assert.ok(err <= Math.sqrt(bound2) * (1 + 1e-12), `${err} vs bound ${Math.sqrt(bound2)}`);
  // and the first bond alone is optimal (Eckart-Young): error ≥ its own discarded tail
  const s1 = la.svd(la.ndarray([6, x.data.length / 6], x.data)).s;
  const tail1 = Math.sqrt(s1.slice(3).reduce((a, v) => a + v * v, 0));
  assert.ok(err >= tail1 * (1 - 1e-12));
});

test("TT-SVD: a scalar max rank is clipped per bond; bad options are errors naming the argument", () => {
  const x = rand([2, 3, 4], 30);
  assert.deepEqual(ttSvd(x, { ranks: 5 }).ranks, [1, 2, 4, 1]);
  assert.throws(() => ttSvd(x, { ranks: [1, 2, 2, 2, 1] }), /ranks = \[1, 2, 2, 2, 1\]: expected a list of 4 ranks/);
  assert.throws(() => ttSvd(x, { ranks: [2, 2, 2, 1] }), /ranks = .*expected a list starting and ending with 1/);
  assert.throws(() => ttSvd(x, { ranks: [1, 3, 2, 1] }), /ranks\[1\] = 3: expected at most 2/);
  assert.throws(() => ttSvd(x, { ranks: [1, 2, 5, 1] }), /ranks\[2\] = 5: expected at most 4/);
  assert.throws(() => ttSvd(x, { ranks: 0 }), /ranks = 0: expected a positive integer/);
  assert.throws(() => ttSvd(x, { eps: 0 }), /eps = 0: expected a positive number/);
  assert.throws(() => ttSvd(x, { eps: -1 }), /eps = -1/);
  const bad = rand([2, 3], 31);
  bad.data[4] = Infinity;
  assert.throws(() => ttSvd(bad, { eps: 0.1 }), /x = .*Infinity at flat index 4.*expected finite values/);
  assert.throws(() => ttSvd(x, {} as never), /opts = .*expected \{ ranks/);
});

test("TT-SVD accepts tensors and rebuilds to a tensor", async () => {
  await use(backendUnderTest("cpu"));
  const x = rand([3, 4, 5], 40);
  const t = la.toTensor(x);
  const tt = ttSvd(t, { ranks: [1, 3, 5, 1] });
  assert.ok(tt.error < 1e-6);
  const back = tt.toTensor();
  assert.deepEqual(back.shape, [3, 4, 5]);
  assert.ok(la.relError(x, la.asNDArray(back)) < 1e-6);
  tf.dispose([t, back]);
});

test("TT-matrix: index convention, full-rank round trip, planted low rank, errors", () => {
  // Convention check from explicit cores: W[(i1,i2),(j1,j2)] = G1[0,i1,j1,:]·G2[:,i2,j2,0].
  const g1 = rand([1, 2, 3, 2], 50);
  const g2 = rand([2, 3, 2, 1], 51);
  const tm = new TTMatrix([g1, g2]);
  assert.deepEqual(tm.shape, [6, 6]);
  const w = tm.toDense();
  for (let i1 = 0; i1 < 2; i1++) for (let i2 = 0; i2 < 3; i2++) for (let j1 = 0; j1 < 3; j1++) for (let j2 = 0; j2 < 2; j2++) {
    let s = 0;
    for (let a = 0; a < 2; a++) s += g1.data[(i1 * 3 + j1) * 2 + a] * g2.data[((a * 3 + i2) * 2 + j2)];
    assert.ok(Math.abs(w.data[(i1 * 3 + i2) * 6 + (j1 * 2 + j2)] - s) < 1e-14);
  }
  // Full rank round trip.
  const W = rand([24, 30], 52);
  const full = ttMatrix(W, [2, 3, 4], [5, 3, 2], { ranks: 10000 });
  assert.deepEqual(full.inModes, [2, 3, 4]);
  assert.deepEqual(full.outModes, [5, 3, 2]);
  assert.ok(full.error < 1e-12 && full.relError(W) < 1e-12);
  // Planted: a TT-matrix with ranks [1,2,3,1] is recovered at those ranks.
  const planted = new TTMatrix([rand([1, 2, 5, 2], 53), rand([2, 3, 3, 3], 54), rand([3, 4, 2, 1], 55)]).toDense();
  const rec = ttMatrix(planted, [2, 3, 4], [5, 3, 2], { ranks: [1, 2, 3, 1] });
  assert.ok(rec.error < 1e-12);
  assert.equal(rec.params, 1 * 2 * 5 * 2 + 2 * 3 * 3 * 3 + 3 * 4 * 2);
  const viaEps = ttMatrix(planted, [2, 3, 4], [5, 3, 2], { eps: 1e-9 });
  assert.deepEqual(viaEps.ranks, [1, 2, 3, 1]);
  assert.throws(() => ttMatrix(rand([784, 10], 1), [2, 2, 7, 4], [10, 1, 1, 1], { ranks: 2 }), /inModes = \[2, 2, 7, 4\]: .*\[2,2,7,4\] multiply to 112, but W has 784 rows/);
  assert.throws(() => ttMatrix(W, [2, 3, 4], [5, 6], { ranks: 2 }), /outModes = \[5, 6\]: expected 3 modes, as many as inModes/);
  assert.throws(() => ttMatrix(W, [2, 3, 4], [5, 3, 3], { ranks: 2 }), /outModes = .*multiply to 45, but W has 30 columns/);
});

test("TT-matrix with randomized subspaces stays orthogonal-projection exact on a planted matrix", () => {
  const planted = new TTMatrix([rand([1, 8, 8, 2], 60), rand([2, 8, 8, 2], 61), rand([2, 4, 4, 1], 62)]).toDense();
  const r = ttMatrix(planted, [8, 8, 4], [8, 8, 4], { ranks: 2, svd: "randomized" });
  assert.ok(r.error < 1e-10, `${r.error}`);
});
