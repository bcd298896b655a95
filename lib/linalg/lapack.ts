// lib/linalg's float64 kernels through the native addon (CBLAS/LAPACKE over OpenBLAS), used
// when it is loaded and switched on; the TypeScript code beside each caller is the fallback.
// Each returns what the TypeScript version returns, in the same layout and order.
import { active } from "../native/addon";

const calls: Record<string, number> = {};
/** How often each routine ran natively (tests check the native path ran). */
export function nativeLinalgCalls(): Record<string, number> {
  return { ...calls };
}
function count(name: string): void {
  calls[name] = (calls[name] ?? 0) + 1;
}

/** Below this many multiply-adds the call overhead outweighs the gain: stay in TypeScript. */
const GEMM_MIN_FLOPS = 4096;

/** C (m×n) = A (m×k) · Bt (n×k)ᵀ, or undefined when the native path is off or not worth it. */
export function nativeGemmABt(A: Float64Array, Bt: Float64Array, m: number, k: number, n: number): Float64Array | undefined {
  const a = active();
  if (!a || m * k * n < GEMM_MIN_FLOPS) return undefined;
  const C = new Float64Array(m * n);
  a.dgemm(A, Bt, C, m, n, k, 0, 1);
  count("dgemm");
  return C;
}

/**
 * C (m×n) = op(A)·op(B), row-major, written into `out` when given (else allocated): op(A) is A
 * (m×k) or, with transA, Aᵀ for A stored k×m; likewise op(B) is B (k×n) or Bᵀ for B stored n×k.
 * Lets callers hand OpenBLAS their arrays as they lie instead of transposing them first.
 * Undefined when the native path is off or the product is too small to be worth the call.
 */
export function nativeGemm(
  A: Float64Array,
  B: Float64Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  out?: Float64Array,
): Float64Array | undefined {
  const a = active();
  if (!a || m * k * n < GEMM_MIN_FLOPS) return undefined;
  const C = out ?? new Float64Array(m * n);
  a.dgemm(A, B, C, m, n, k, transA ? 1 : 0, transB ? 1 : 0);
  count("dgemm");
  return C;
}

/**
 * M (I × R) with M[i, r] = Σ_a ka[a, r] · Σ_b T[r, a, i, b] · kb[b, r] for a rank-major T
 * (R × A × I × B), ka A × R, kb B × R (CP-ALS's dimension tree), by dgemv; undefined when off.
 */
export function nativeMttkrpRanks(T: Float64Array, ka: Float64Array, kb: Float64Array, R: number, A: number, I: number, B: number): Float64Array | undefined {
  const a = active();
  if (!a) return undefined;
  const M = new Float64Array(I * R);
  a.mttkrpRanks(T, ka, kb, M, R, A, I, B);
  count("mttkrpRanks");
  return M;
}

/** Eigenvalues descending, eigenvectors as columns (n×n, row-major); consumes A. */
export function nativeEigSym(A: Float64Array, n: number, vectors: boolean): { values: Float64Array; V: Float64Array } | undefined {
  const a = active();
  if (!a || n < 2) return undefined;
  const w = new Float64Array(n);
  a.dsyevd(A, w, n, vectors ? 1 : 0);
  count("dsyevd");
  // LAPACK orders them ascending.
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = w[n - 1 - i];
  const V = new Float64Array(vectors ? n * n : 0);
  if (vectors) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) V[r * n + c] = A[r * n + (n - 1 - c)];
  return { values, V };
}

/** Thin SVD of a row-major m×n array (consumed): U m×k, s descending, V n×k, k = min(m, n). */
export function nativeSvd(A: Float64Array, m: number, n: number): { U: Float64Array; s: Float64Array; V: Float64Array } | undefined {
  const a = active();
  const k = Math.min(m, n);
  if (!a || k === 0) return undefined;
  const s = new Float64Array(k);
  const U = new Float64Array(m * k);
  const VT = new Float64Array(k * n);
  a.dgesdd(A, m, n, s, U, VT);
  count("dgesdd");
  const V = new Float64Array(n * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) V[j * k + i] = VT[i * n + j];
  return { U, s, V };
}

/** Thin QR of a row-major m×n array: q m×k, r k×n (A is not modified). */
export function nativeQr(A: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } | undefined {
  const a = active();
  const k = Math.min(m, n);
  if (!a || k === 0) return undefined;
  const q = new Float64Array(m * k);
  const r = new Float64Array(k * n);
  a.qr(Float64Array.from(A), m, n, q, r);
  count("qr");
  return { q, r };
}

/**
 * X with A·X = B (A n×n, B n×p, row-major; neither is modified). Returns the 0-based index of
 * the zero pivot instead when A is singular, or undefined when the native path is off.
 */
export function nativeSolve(A: Float64Array, B: Float64Array, n: number, p: number): { x: Float64Array } | { singularAt: number } | undefined {
  const a = active();
  if (!a || n === 0) return undefined;
  const x = Float64Array.from(B);
  const LU = Float64Array.from(A);
  const info = a.dgesv(LU, x, n, p);
  count("dgesv");
  if (info > 0) return { singularAt: info - 1 };
  // LAPACK stops only at an exact zero pivot; reject numerically singular matrices with the
  // same threshold as the TypeScript solver.
  let amax = 0;
  for (const v of A) amax = Math.max(amax, Math.abs(v));
  const tiny = n * 2 ** -52 * amax;
  for (let k = 0; k < n; k++) if (!(Math.abs(LU[k * n + k]) > tiny)) return { singularAt: k };
  return { x };
}
