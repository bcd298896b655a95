import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { rng } from "../../lib/random";
import * as la from "../../lib/linalg";
import type { NDArray } from "../../lib/linalg";
import { tucker, tucker2, TuckerTensor } from "../../lib/decomp";
import { backendUnderTest } from "../backends";

function rand(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return la.ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

test("Tucker at full ranks is exact (HOSVD and HOOI), factors orthonormal", () => {
  const x = rand([4, 5, 3, 2], 1);
  for (const method of ["hosvd", "hooi"] as const) {
    const t = tucker(x, [4, 5, 3, 2], { method });
    assert.ok(t.error < 1e-12 && t.relError(x) < 1e-12, `${method}: ${t.error}`);
    assert.deepEqual(t.ranks, [4, 5, 3, 2]);
    for (const f of t.factors) assert.ok(f !== null);
  }
  const t = tucker(x, [2, 3, 3, 1]);
  for (const f of t.factors) {
    const g = la.matmul(la.transpose(f!), f!);
    const r = g.shape[0];
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.ok(Math.abs(g.data[i * r + j] - (i === j ? 1 : 0)) < 1e-12);
  }
  assert.equal(t.params, 2 * 3 * 3 * 1 + 4 * 2 + 5 * 3 + 3 * 3 + 2 * 1);
});

test("Tucker recovers a planted low-multilinear-rank tensor", () => {
  const core = rand([2, 3, 2], 10);
  const fs = [rand([6, 2], 11), rand([7, 3], 12), rand([5, 2], 13)];
  const x = new TuckerTensor(core, fs).toDense();
  assert.deepEqual(x.shape, [6, 7, 5]);
  for (const method of ["hosvd", "hooi"] as const) assert.ok(tucker(x, [2, 3, 2], { method }).error < 1e-12);
});

test("HOOI error ≤ HOSVD error, and it improves on random data", () => {
  for (const [shape, ranks, seed] of [[[8, 9, 7], [3, 4, 2], 20], [[10, 6, 5, 4], [4, 3, 2, 2], 21], [[12, 12, 3, 3], [4, 5, 3, 3], 22]] as [number[], number[], number][]) {
    const x = rand(shape, seed);
    const hosvd = tucker(x, ranks, { method: "hosvd" });
    const hooi = tucker(x, ranks, { method: "hooi" });
    assert.ok(hooi.error <= hosvd.error + 1e-12, `${hooi.error} vs ${hosvd.error}`);
    assert.ok(hooi.error < hosvd.error - 1e-6, `HOOI should improve: ${hooi.error} vs ${hosvd.error}`);
    assert.ok(Math.abs(hooi.relError(x) - hooi.error) < 1e-12);
  }
});

test("Tucker rejects bad ranks and options", () => {
  const x = rand([4, 5, 3], 30);
  assert.throws(() => tucker(x, [2, 2]), /ranks = \[2, 2\]: expected 3 ranks/);
  assert.throws(() => tucker(x, [2, 6, 2]), /ranks\[1\] = 6: expected an integer in \[1, 5\]/);
  assert.throws(() => tucker(x, [2, 0, 2]), /ranks\[1\] = 0/);
  assert.throws(() => tucker(x, [2, 2, 2], { method: "svd" as never }), /opts\.method = "svd"/);
  assert.throws(() => tucker(x, [2, 2, 2], { maxIter: -1 }), /opts\.maxIter = -1/);
});

test("tucker2 of a conv kernel: layout, full ranks exact, elementwise formula, HOOI ≤ HOSVD", () => {
  const kernel = rand([3, 3, 6, 8], 40); // [kh, kw, cin, cout]
  const full = tucker2(kernel, [8, 6]);
  assert.ok(full.error < 1e-12);
  const t = tucker2(kernel, [4, 3], { method: "hooi" });
  assert.deepEqual(t.core.shape, [3, 3, 3, 4]);
  assert.equal(t.factors[0], null);
  assert.equal(t.factors[1], null);
  assert.deepEqual(t.factors[2]!.shape, [6, 3]);
  assert.deepEqual(t.factors[3]!.shape, [8, 4]);
  assert.deepEqual(t.ranks, [3, 3, 3, 4]);
  assert.deepEqual(t.shape, [3, 3, 6, 8]);
  assert.equal(t.params, 3 * 3 * 3 * 4 + 6 * 3 + 8 * 4);
  // W[h,w,i,o] = Σ_ab core[h,w,a,b] U_in[i,a] U_out[o,b]
  const w = t.toDense();
  const [uIn, uOut] = [t.factors[2]!, t.factors[3]!];
  for (const [h, ww, i, o] of [[0, 0, 0, 0], [2, 1, 5, 7], [1, 2, 3, 1]]) {
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 4; b++) s += t.core.data[((h * 3 + ww) * 3 + a) * 4 + b] * uIn.data[i * 3 + a] * uOut.data[o * 4 + b];
    assert.ok(Math.abs(w.data[((h * 3 + ww) * 6 + i) * 8 + o] - s) < 1e-13);
  }
  const hosvd = tucker2(kernel, [4, 3], { method: "hosvd" });
  assert.ok(t.error <= hosvd.error + 1e-12);
  assert.throws(() => tucker2(kernel, [9, 3]), /ranks\[0\] = 9: expected rOut, an integer in \[1, 8\]/);
  assert.throws(() => tucker2(kernel, [4, 7]), /ranks\[1\] = 7: expected rIn, an integer in \[1, 6\]/);
  assert.throws(() => tucker2(rand([3, 6, 8], 1), [2, 2]), /kernel\.shape = \[3, 6, 8\]: expected a conv kernel/);
});

test("HOOI variants: exact eigen updates, subspace steps, contractions on the backend; all ≤ HOSVD, tensors released", async () => {
  await use(backendUnderTest("cpu"));
  const x = rand([20, 18, 3, 3], 50);
  const ranks = [6, 5, 3, 2];
  const hosvd = tucker(x, ranks, { method: "hosvd" });
  const before = tf.memory().numTensors;
  const runs = [
    tucker(x, ranks, { update: "eig" }),
    tucker(x, ranks, { update: "subspace", subspaceSteps: 1 }),
    tucker(x, ranks, { update: "subspace", compute: "backend" }),
    tucker(x, ranks, { update: "eig", compute: "backend" }),
  ];
  assert.equal(tf.memory().numTensors, before);
  for (const t of runs) {
    assert.ok(t.error < hosvd.error - 1e-6, `${t.error} vs HOSVD ${hosvd.error}`);
    assert.ok(t.iterations >= 1);
    assert.ok(Math.abs(t.relError(x) - t.error) < 1e-12);
    // factors orthonormal in float64 even when the contractions ran in float32
    const f = t.factors[0]!;
    const g = la.matmul(la.transpose(f), f);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) assert.ok(Math.abs(g.data[i * 6 + j] - (i === j ? 1 : 0)) < 1e-12);
  }
  // Exact and subspace updates reach nearly the same optimum.
  assert.ok(Math.abs(runs[0].error - runs[1].error) < 1e-3);
  assert.throws(() => tucker(x, ranks, { compute: "gpu" as never }), /opts\.compute = "gpu"/);
  assert.throws(() => tucker(x, ranks, { subspaceSteps: 0 }), /opts\.subspaceSteps = 0/);
});
