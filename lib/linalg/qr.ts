// Thin Householder QR. Works on the transpose so each column is a contiguous row.
import { as2D, transposeData } from "./matmul";
import { nativeQr } from "./lapack";
import type { NDArray, TensorLike } from "./ndarray";

export interface QR {
  /** m×k, orthonormal columns, k = min(m, n). */
  q: NDArray;
  /** k×n, upper triangular. */
  r: NDArray;
}

/** a = q·r. */
export function qr(x: TensorLike): QR {
  const a = as2D(x, "a");
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  const { q, r } = qrData(a.data, m, n);
  return { q: { shape: [m, k], data: q }, r: { shape: [k, n], data: r } };
}

/** QR of a row-major m×n array; q is m×k, r is k×n. */
export function qrData(A: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  const native = nativeQr(A, m, n);
  if (native) return native;
  const k = Math.min(m, n);
  const At = transposeData(A, m, n);
  const V = new Float64Array(k * m);
  const beta = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const rj = j * m;
    let sigma = 0;
    for (let i = j; i < m; i++) sigma += At[rj + i] * At[rj + i];
    const x0 = At[rj + j];
    const nx = Math.sqrt(sigma);
    if (nx === 0) continue;
    const alpha = x0 >= 0 ? -nx : nx;
    for (let i = j; i < m; i++) V[rj + i] = At[rj + i];
    V[rj + j] = x0 - alpha;
    const b = 1 / (sigma - alpha * x0);
    beta[j] = b;
    At[rj + j] = alpha;
    for (let i = j + 1; i < m; i++) At[rj + i] = 0;
    for (let p = j + 1; p < n; p++) {
      const d = dot(V, rj, At, p * m, j, m) * b;
      if (d !== 0) axpy(-d, V, rj, At, p * m, j, m);
    }
  }
  const R = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let p = i; p < n; p++) R[i * n + p] = At[p * m + i];
  // Columns of Q are H_0 ... H_{k-1} e_c; H_j leaves e_c alone for j > c.
  const Qt = new Float64Array(k * m);
  for (let c = 0; c < k; c++) {
    const row = c * m;
    Qt[row + c] = 1;
    for (let j = c; j >= 0; j--) {
      const b = beta[j];
      if (b === 0) continue;
      const rj = j * m;
      const d = dot(V, rj, Qt, row, j, m) * b;
      if (d !== 0) axpy(-d, V, rj, Qt, row, j, m);
    }
  }
  return { q: transposeData(Qt, k, m), r: R };
}

// Σ_{i in [from, to)} x[xo + i]·y[yo + i], four accumulators: the QR's inner loops are these
// dot products and updates, and V8 does not vectorise them itself.
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, from: number, to: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = from;
  for (; i + 3 < to; i += 4) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
    s2 += x[xo + i + 2] * y[yo + i + 2];
    s3 += x[xo + i + 3] * y[yo + i + 3];
  }
  for (; i < to; i++) s0 += x[xo + i] * y[yo + i];
  return s0 + s1 + (s2 + s3);
}

/** y[yo + i] += a·x[xo + i] for i in [from, to). */
function axpy(a: number, x: Float64Array, xo: number, y: Float64Array, yo: number, from: number, to: number): void {
  let i = from;
  for (; i + 3 < to; i += 4) {
    y[yo + i] += a * x[xo + i];
    y[yo + i + 1] += a * x[xo + i + 1];
    y[yo + i + 2] += a * x[xo + i + 2];
    y[yo + i + 3] += a * x[xo + i + 3];
  }
  for (; i < to; i++) y[yo + i] += a * x[xo + i];
}
