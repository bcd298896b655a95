import { test } from "node:test";
import assert from "node:assert/strict";
import { maxvol } from "../../lib/decomp";
import { ndarray } from "../../lib/linalg";
import { rng } from "../../lib/random";

function rand(n: number, r: number, seed: number) {
  const g = rng(seed);
  return ndarray([n, r], Float64Array.from({ length: n * r }, () => g.normal()));
}

function det(m: number[][]): number {
  const a = m.map((row) => row.slice());
  const n = a.length;
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
    if (a[p][k] === 0) return 0;
    if (p !== k) {
      [a[p], a[k]] = [a[k], a[p]];
      d = -d;
    }
    d *= a[k][k];
    for (let i = k + 1; i < n; i++) {
      const f = a[i][k] / a[k][k];
      for (let j = k; j < n; j++) a[i][j] -= f * a[k][j];
    }
  }
  return d;
}

const sub = (A: { data: Float64Array; shape: readonly number[] }, rows: number[]) => rows.map((i) => Array.from(A.data.subarray(i * A.shape[1], (i + 1) * A.shape[1])));

test("maxvol finds a dominant block planted among small rows", () => {
  const n = 40, r = 4;
  const A = rand(n, r, 1);
  A.data.forEach((_, k) => (A.data[k] *= 0.01));
  const planted = [7, 19, 23, 31];
  planted.forEach((row, j) => {
    for (let c = 0; c < r; c++) A.data[row * r + c] = c === j ? 5 : 0.01 * c;
  });
  const res = maxvol(A, { tol: 0 });
  assert.deepEqual([...res.rows].sort((x, y) => x - y), planted);
  assert.ok(res.maxCoefficient <= 1);
});

test("at convergence every coefficient of A·S⁻¹ is ≤ 1 + tol and no single row swap increases |det S|", () => {
  for (const [n, r, seed] of [[30, 3, 2], [25, 5, 3], [12, 6, 4]]) {
    const A = rand(n, r, seed);
    const tol = 0.01;
    const res = maxvol(A, { tol });
    assert.ok(res.maxCoefficient <= 1 + tol, `max coefficient ${res.maxCoefficient}`);
    const v = Math.abs(det(sub(A, res.rows)));
    for (let i = 0; i < n; i++) {
      if (res.rows.includes(i)) continue;
      for (let j = 0; j < r; j++) {
        const swapped = res.rows.slice();
        swapped[j] = i;
        assert.ok(Math.abs(det(sub(A, swapped))) <= v * (1 + tol) + 1e-12, `swap row ${i} into place ${j} would grow the volume`);
      }
    }
  }
});

test("maxvol rejects bad input with the argument named", () => {
  assert.throws(() => maxvol(rand(3, 5, 1)), /A.shape = \[3, 5\]: expected a tall matrix/);
  const rankDeficient = ndarray([4, 2], [1, 2, 2, 4, 3, 6, 4, 8]);
  assert.throws(() => maxvol(rankDeficient), /full column rank/);
  assert.throws(() => maxvol(ndarray([3, 2], [1, NaN, 0, 1, 1, 1])), /NaN or Inf/);
  assert.throws(() => maxvol(rand(5, 2, 1), { tol: -1 }), /opts.tol = -1/);
});
