// MaxVol (Goreinov, Oseledets, Savostyanov, Tyrtyshnikov, Zamarashkin 2010): r rows of a tall
// n×r matrix whose r×r submatrix has a locally maximal |det|. The reduced-order networks of
// musco.md's chapter 2 pick neurons (rows of an output basis) this way.
import { fail } from "../errors";
import { asNDArray, type TensorLike } from "../linalg/ndarray";

export interface MaxvolOptions {
  /** Stop when every |coefficient| of A·S⁻¹ is at most 1 + tol (default 0.01). */
  tol?: number;
  /** Row swaps at most (default 100·r). */
  maxIter?: number;
}

export interface MaxvolResult {
  /** The chosen rows, in the order of the submatrix's rows. */
  rows: number[];
  /** Row swaps made after the pivoted-LU start. */
  swaps: number;
  /** max |(A·S⁻¹)_ij| at the end: ≤ 1 + tol when converged. */
  maxCoefficient: number;
}

/** MaxVol rows of a tall matrix A (n×r, n ≥ r, full column rank). */
export function maxvol(input: TensorLike, opts: MaxvolOptions = {}): MaxvolResult {
  const a = asNDArray(input, "A");
  if (a.shape.length !== 2) fail("A.shape", a.shape, "a matrix [n, r]");
  const [n, r] = a.shape;
  if (n < r || r < 1) fail("A.shape", a.shape, "a tall matrix [n, r] with n ≥ r ≥ 1");
  if (a.data.some((v) => !Number.isFinite(v))) fail("A", "a matrix with NaN or Inf", "finite values");
  const tol = opts.tol ?? 0.01;
  if (!(tol >= 0)) fail("opts.tol", tol, "a non-negative number");
  const maxIter = opts.maxIter ?? 100 * r;
  if (!Number.isInteger(maxIter) || maxIter < 0) fail("opts.maxIter", maxIter, "a non-negative integer");

  // Start: the pivot rows of Gaussian elimination with partial pivoting (a good, cheap volume).
  const lu = Float64Array.from(a.data);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < r; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * r + k]) > Math.abs(lu[p * r + k])) p = i;
    if (lu[p * r + k] === 0) fail("A", `rank < ${r} (column ${k} has no pivot)`, "full column rank");
    if (p !== k) {
      for (let j = 0; j < r; j++) [lu[k * r + j], lu[p * r + j]] = [lu[p * r + j], lu[k * r + j]];
      [perm[k], perm[p]] = [perm[p], perm[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * r + k] / lu[k * r + k];
      if (f !== 0) for (let j = k; j < r; j++) lu[i * r + j] -= f * lu[k * r + j];
    }
  }
  const rows = perm.slice(0, r);

  // B = A·S⁻¹ (n×r), S = A[rows]: solve Sᵀ·Bᵀ = Aᵀ by LU of Sᵀ with partial pivoting.
  const B = coefficients(a.data, n, r, rows);
  let swaps = 0;
  for (;;) {
    let bi = 0;
    let bj = 0;
    let big = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < r; j++) {
        const v = Math.abs(B[i * r + j]);
        if (v > big) {
          big = v;
          bi = i;
          bj = j;
        }
      }
    }
    if (big <= 1 + tol || swaps >= maxIter) return { rows, swaps, maxCoefficient: big };
    // Swapping row bi into place bj multiplies |det S| by |B[bi, bj]| > 1; B changes by a rank-1 update.
    const piv = B[bi * r + bj];
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = B[i * r + bj];
    const rowDiff = new Float64Array(r);
    for (let j = 0; j < r; j++) rowDiff[j] = B[bi * r + j] - (j === bj ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const f = col[i] / piv;
      if (f !== 0) for (let j = 0; j < r; j++) B[i * r + j] -= f * rowDiff[j];
    }
    rows[bj] = bi;
    swaps++;
  }
}

/** A·S⁻¹ for S = the rows `rows` of A (n×r, row-major). */
function coefficients(A: Float64Array, n: number, r: number, rows: number[]): Float64Array {
  // Sᵀ (r×r), LU with partial pivoting.
  const st = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) st[j * r + i] = A[rows[i] * r + j];
  const piv = Array.from({ length: r }, (_, i) => i);
  for (let k = 0; k < r; k++) {
    let p = k;
    for (let i = k + 1; i < r; i++) if (Math.abs(st[i * r + k]) > Math.abs(st[p * r + k])) p = i;
    if (st[p * r + k] === 0) fail("A", "a singular starting submatrix", "full column rank");
    if (p !== k) {
      for (let j = 0; j < r; j++) [st[k * r + j], st[p * r + j]] = [st[p * r + j], st[k * r + j]];
      [piv[k], piv[p]] = [piv[p], piv[k]];
    }
    for (let i = k + 1; i < r; i++) {
      const f = (st[i * r + k] /= st[k * r + k]);
      for (let j = k + 1; j < r; j++) st[i * r + j] -= f * st[k * r + j];
    }
  }
  // For each row a of A: solve Sᵀ·x = aᵀ (then x is row a·S⁻¹).
  const B = new Float64Array(n * r);
  const x = new Float64Array(r);
  for (let row = 0; row < n; row++) {
    for (let i = 0; i < r; i++) x[i] = A[row * r + piv[i]];
    for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) x[i] -= st[i * r + j] * x[j];
    for (let i = r - 1; i >= 0; i--) {
      for (let j = i + 1; j < r; j++) x[i] -= st[i * r + j] * x[j];
      x[i] /= st[i * r + i];
    }
    B.set(x, row * r);
  }
  return B;
}
