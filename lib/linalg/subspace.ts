// The dominant left singular subspace of a matrix, through the eigenvectors of the smaller Gram
// matrix. This is what TT-SVD, HOSVD and HOOI need: an orthonormal basis U of r columns and the
// squared singular values to choose r from. Squaring the condition number costs accuracy only in
// the small singular values (absolute error ~eps·σ_max²), which truncation discards or which only
// enter as U·Uᵀ·A; U itself is orthonormal to working precision, so U·Uᵀ·A = A at full rank.
import { fail } from "../errors";
import { eigSymData } from "./eig";
import { gemmABt, transposeData } from "./matmul";
import type { NDArray } from "./ndarray";
import { qrData } from "./qr";
import { svd } from "./svd";

export interface LeftSubspace {
  /** m×rank, orthonormal columns. */
  u: NDArray;
  /** All min(m, n) squared singular values, descending (eigenvalues of the Gram matrix, ≥ 0). */
  s2: Float64Array;
  rank: number;
}

/**
 * Leading left singular vectors of a (m×n). `chooseRank` receives the squared singular values and
 * returns how many to keep (1..min(m, n)). `accurate` takes the slower full SVD, for decisions on
 * squared singular values below ~1e-14·σ_max² (the Gram matrix's rounding level).
 */
export function leftSubspace(a: NDArray, chooseRank: (s2: Float64Array) => number, accurate = false): LeftSubspace {
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  if (accurate) {
    // Full Jacobi-polished SVD: the small singular values are right, not just ≤ sqrt(eps)·σ_max.
    const { u, s } = svd(a);
    const s2 = s.map((v) => v * v);
    const r = pick(chooseRank(s2), k);
    const ur = new Float64Array(m * r);
    for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) ur[i * r + j] = u.data[i * k + j];
    return { u: { shape: [m, r], data: ur }, s2, rank: r };
  }
  if (m <= n) {
    const eig = eigSymData(gemmABt(a.data, a.data, m, n, m, true), m);
    const s2 = eig.values.map((v) => Math.max(v, 0));
    const r = pick(chooseRank(s2), k);
    const u = new Float64Array(m * r);
    for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) u[i * r + j] = eig.vectors.data[i * m + j];
    return { u: { shape: [m, r], data: u }, s2, rank: r };
  }
  const At = transposeData(a.data, m, n);
  const eig = eigSymData(gemmABt(At, At, n, m, n, true), n);
  const s2 = eig.values.map((v) => Math.max(v, 0));
  const r = pick(chooseRank(s2), k);
  // A·V_r, orthonormalised: exact in range even where the Gram eigenvectors are not.
  const Vr = new Float64Array(r * n); // rows = eigenvectors
  for (let j = 0; j < r; j++) for (let i = 0; i < n; i++) Vr[j * n + i] = eig.vectors.data[i * n + j];
  const AV = gemmABt(a.data, Vr, m, n, r);
  const { q } = qrData(AV, m, r);
  return { u: { shape: [m, r], data: q }, s2, rank: r };
}

function pick(r: number, k: number): number {
  if (!Number.isInteger(r) || r < 1 || r > k) fail("rank", r, `an integer in [1, ${k}]`);
  return r;
}
