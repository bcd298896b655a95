// Matricised tensor times Khatri-Rao product, the kernel that dominates CP-ALS:
// MTTKRP_n = unfold(X, n) · khatriRao([A_k, k ≠ n])  (I_n × R). Three forms:
// - `mttkrpGemm`: one narrow dense product per mode (X viewed as [A·I_n, B] times the Khatri-Rao
//   block of the modes after n, then a weighted sum over the leading index a);
// - `mttkrpPartial` / `mttkrpPartialRankMajor`: the cheap second half of CP-ALS's dimension tree,
//   on T = X ×_last A_last stored P × R or R × P (lib/decomp/cp-sweep.ts); `mttkrpLast` does the
//   last mode from the other end, U = A_0ᵀ ×_0 X;
// - `mttkrp`: a streaming fallback that never holds more than a bounded Khatri-Rao block (X viewed
//   as [a, i_n, bo, bi]; only the inner trailing modes' block is built, left and outer factor rows
//   are multiplied in once per contiguous block of X).
// Khatri-Rao blocks are built only for the modes on one side of n and capped at INNER_LIMIT doubles.

import { nativeGemm, nativeGemmABt, nativeMttkrpRanks } from "../linalg/lapack";
import { transposeData } from "../linalg/matmul";
import { aroundMode } from "../linalg/ndarray";

/** Doubles allowed for the precomputed inner Khatri-Rao block (32 MB). */
const INNER_LIMIT = 1 << 22;
/** Below this inner length, dot products are too short; accumulate rank-1 updates instead. */
const DOT_MIN = 8;

/**
 * out (I_n × R, row-major, overwritten) = MTTKRP of `x` (row-major, shape `dims`) along `mode`
 * with factors[k] (I_k × R row-major); factors[mode] is not read.
 */
export function mttkrp(
  x: Float64Array,
  dims: readonly number[],
  factors: readonly Float64Array[],
  rank: number,
  mode: number,
  out?: Float64Array,
): Float64Array {
  const N = dims.length;
  const R = rank;
  const [A, In] = aroundMode(dims, mode);
  const M = out ?? new Float64Array(In * R);
  M.fill(0);
  // Inner modes: the longest suffix of the modes after `mode` whose Khatri-Rao block fits.
  let innerStart = N;
  let Bi = 1;
  while (innerStart - 1 > mode && Bi * dims[innerStart - 1] * R <= INNER_LIMIT) {
    innerStart--;
    Bi *= dims[innerStart];
  }
  let Bo = 1;
  for (let k = mode + 1; k < innerStart; k++) Bo *= dims[k];
  const useDot = Bi >= DOT_MIN;
  // Inner Khatri-Rao block: transposed [r][bi] for dot products, else [bi][r].
  const K = khatriRaoRows(dims, factors, R, innerStart, N);
  const KT = useDot ? transposeRows(K, Bi, R) : K;

  const coef = new Float64Array(R);
  const waBuf = new Float64Array(R);
  const woBuf = new Float64Array(R);
  const w = useDot ? coef : new Float64Array(Bi * R);
  const leftIdx = new Int32Array(mode);
  const outerIdx = new Int32Array(Math.max(0, innerStart - mode - 1));
  for (let a = 0; a < A; a++) {
    const wa = rowProduct(factors, leftIdx, 0, R, waBuf);
    outerIdx.fill(0);
    for (let bo = 0; bo < Bo; bo++) {
      const wo = rowProduct(factors, outerIdx, mode + 1, R, woBuf);
      for (let r = 0; r < R; r++) coef[r] = wa[r] * wo[r];
      if (useDot) {
        for (let i = 0; i < In; i++) {
          const base = ((a * In + i) * Bo + bo) * Bi;
          const mrow = i * R;
          for (let r = 0; r < R; r++) {
            const kr = r * Bi;
            let s0 = 0;
            let s1 = 0;
            let b = 0;
            for (; b + 1 < Bi; b += 2) {
              s0 += x[base + b] * KT[kr + b];
              s1 += x[base + b + 1] * KT[kr + b + 1];
            }
            if (b < Bi) s0 += x[base + b] * KT[kr + b];
            M[mrow + r] += coef[r] * (s0 + s1);
          }
        }
      } else {
        for (let b = 0; b < Bi; b++) for (let r = 0; r < R; r++) w[b * R + r] = coef[r] * K[b * R + r];
        for (let i = 0; i < In; i++) {
          const base = ((a * In + i) * Bo + bo) * Bi;
          const mrow = i * R;
          for (let b = 0; b < Bi; b++) {
            const xv = x[base + b];
            const wb = b * R;
            for (let r = 0; r < R; r++) M[mrow + r] += xv * w[wb + r];
          }
        }
      }
      increment(outerIdx, dims, mode + 1);
    }
    increment(leftIdx, dims, 0);
  }
  return M;
}

/** Row-major Khatri-Rao product of factors[from..to-1] (C order over those modes) × R. */
export function khatriRaoRows(
  dims: readonly number[],
  factors: readonly Float64Array[],
  R: number,
  from: number,
  to: number,
): Float64Array {
  let rows = 1;
  let K = new Float64Array(R).fill(1);
  for (let k = from; k < to; k++) {
    const Ik = dims[k];
    const F = factors[k];
    const next = new Float64Array(rows * Ik * R);
    for (let p = 0; p < rows; p++) {
      for (let i = 0; i < Ik; i++) {
        const o = (p * Ik + i) * R;
        for (let r = 0; r < R; r++) next[o + r] = K[p * R + r] * F[i * R + r];
      }
    }
    K = next;
    rows *= Ik;
  }
  return K;
}

function transposeRows(K: Float64Array, rows: number, R: number): Float64Array {
  const T = new Float64Array(rows * R);
  for (let b = 0; b < rows; b++) for (let r = 0; r < R; r++) T[r * rows + b] = K[b * R + r];
  return T;
}

/** v = Π_k factors[offset + k][idx[k], :]. */
function rowProduct(factors: readonly Float64Array[], idx: Int32Array, offset: number, R: number, v: Float64Array): Float64Array {
  v.fill(1);
  for (let k = 0; k < idx.length; k++) {
    const F = factors[offset + k];
    const o = idx[k] * R;
    for (let r = 0; r < R; r++) v[r] *= F[o + r];
  }
  return v;
}

/** Odometer increment of a C-order multi-index over dims[offset .. offset + idx.length - 1]. */
function increment(idx: Int32Array, dims: readonly number[], offset: number): void {
  for (let k = idx.length - 1; k >= 0; k--) {
    if (++idx[k] < dims[offset + k]) return;
    idx[k] = 0;
  }
}

/**
 * MTTKRP as dense products (uses the blocked gemm of lib/linalg): for mode n with X viewed as
 * [A, I_n, B], T = X_(A·I_n × B) · KR(after n), then M = Σ_a T[a] ⊙ KR(before n)[a]. The last
 * mode uses Xᵀ (I_n × A) · KR(before); pass `xt` to reuse a transpose across iterations.
 * Falls back to the streaming kernel when a Khatri-Rao block would be too large.
 */
export function mttkrpGemm(
  x: Float64Array,
  dims: readonly number[],
  factors: readonly Float64Array[],
  rank: number,
  mode: number,
  xt?: Float64Array,
): Float64Array {
  const N = dims.length;
  const R = rank;
  const [A, In, B] = aroundMode(dims, mode);
  if (A * R > INNER_LIMIT || B * R > INNER_LIMIT) return mttkrp(x, dims, factors, R, mode);
  if (B === 1) {
    const KAt = transposeRows(khatriRaoRows(dims, factors, R, 0, mode), A, R);
    return gemmNarrow(xt ?? transposeData(x, A, In), KAt, In, A, R);
  }
  const KBt = transposeRows(khatriRaoRows(dims, factors, R, mode + 1, N), B, R);
  const T = gemmNarrow(x, KBt, A * In, B, R);
  if (A === 1) return T;
  const KA = khatriRaoRows(dims, factors, R, 0, mode);
  return contractLeading(T, KA, A, In, R);
}

/** M[i, r] = Σ_a T[a, i, r] · K[a, r]. */
function contractLeading(T: Float64Array, K: Float64Array, A: number, In: number, R: number): Float64Array {
  const M = new Float64Array(In * R);
  for (let a = 0; a < A; a++) {
    const ko = a * R;
    const to = a * In * R;
    for (let i = 0; i < In; i++) {
      const o = i * R;
      for (let r = 0; r < R; r++) M[o + r] += T[to + o + r] * K[ko + r];
    }
  }
  return M;
}

/**
 * Hadamard MTTKRP on a partially contracted tensor T[i_0, …, i_{d-1}, r] (row-major, r fastest):
 * M[i_n, r] = Σ T[…, r] Π_{k ≠ n} factors[k][i_k, r]. Used by CP-ALS's dimension tree, where
 * T = X ×_last A_last is computed once per sweep and serves every mode but the last.
 */
export function mttkrpPartial(
  T: Float64Array,
  dims: readonly number[],
  factors: readonly Float64Array[],
  rank: number,
  mode: number,
): Float64Array {
  const d = dims.length;
  const R = rank;
  const [A, In, B] = aroundMode(dims, mode);
  const KB = khatriRaoRows(dims, factors, R, mode + 1, d);
  const M = new Float64Array(In * R);
  const wa = new Float64Array(R);
  const w = new Float64Array(B * R);
  const leftIdx = new Int32Array(mode);
  for (let a = 0; a < A; a++) {
    rowProduct(factors, leftIdx, 0, R, wa);
    for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) w[b * R + r] = wa[r] * KB[b * R + r];
    for (let i = 0; i < In; i++) {
      const base = (a * In + i) * B * R;
      const o = i * R;
      for (let j = 0; j < B * R; j += R) {
        for (let r = 0; r < R; r++) M[o + r] += T[base + j + r] * w[j + r];
      }
    }
    increment(leftIdx, dims, 0);
  }
  return M;
}

/** Doubles allowed for U = A_0ᵀ ×_0 X in `mttkrpLast` (32 MB). */
const FIRST_LIMIT = 1 << 22;

/**
 * MTTKRP of the last mode. With the native addon: U (R × I_1 ⋯ I_last) = A_0ᵀ · X_(0), one product
 * whose inner dimension is I_0, then M[i, r] = Σ_q U[r, q, i] · KR(A_1 … A_{N-2})[q, r]. The direct
 * form Xᵀ · KR has a ~numel/I_last-long inner dimension, which OpenBLAS cannot share between
 * threads without a synchronisation per block of it. Without the addon (or when U would exceed
 * 32 MB): `mttkrpGemm`, with `xt` (X as P × I_last, transposed) computed by the caller on demand.
 */
export function mttkrpLast(
  x: Float64Array,
  dims: readonly number[],
  factors: readonly Float64Array[],
  rank: number,
  xt?: () => Float64Array | undefined,
  work: { U?: Float64Array } = {},
): Float64Array {
  const N = dims.length;
  const R = rank;
  const Q = x.length / dims[0];
  if (N >= 2 && Q * R <= FIRST_LIMIT) {
    // `work.U` keeps U's buffer from one call to the next (CP-ALS calls this once per sweep).
    const U = nativeGemm(factors[0], x, R, dims[0], Q, true, false, work.U?.length === Q * R ? work.U : undefined);
    if (U) return contractFirst((work.U = U), dims, factors, R);
  }
  return mttkrpGemm(x, dims, factors, R, N - 1, xt?.());
}

/** M[i, r] = Σ_q U[r, q, i] · KR(factors[1 .. N-2])[q, r] for U = A_0ᵀ ×_0 X (R × Q × I_last). */
export function contractFirst(U: Float64Array, dims: readonly number[], factors: readonly Float64Array[], rank: number): Float64Array {
  const N = dims.length;
  const R = rank;
  const I = dims[N - 1];
  const K = khatriRaoRows(dims, factors, R, 1, N - 1);
  const Q = K.length / R;
  const native = nativeMttkrpRanks(U, K, new Float64Array(R).fill(1), R, Q, I, 1);
  if (native) return native;
  const M = new Float64Array(I * R);
  const acc = new Float64Array(I);
  for (let r = 0; r < R; r++) {
    acc.fill(0);
    let base = r * Q * I;
    for (let q = 0; q < Q; q++, base += I) {
      const w = K[q * R + r];
      for (let i = 0; i < I; i++) acc[i] += w * U[base + i];
    }
    for (let i = 0; i < I; i++) M[i * R + r] = acc[i];
  }
  return M;
}

/**
 * `mttkrpPartial` on T stored rank-major, T[r, i_0, …, i_{d-1}] (what OpenBLAS's Fᵀ · Xᵀ gives):
 * each T[r] is contiguous, so for T viewed per rank as [a, i_n, b] the sum over b is a dot product
 * with column r of KR(modes after n), and the sum over a an axpy weighted by KR(modes before n).
 * Natively the same sums are dgemv calls (nativeMttkrpRanks).
 */
export function mttkrpPartialRankMajor(
  T: Float64Array,
  dims: readonly number[],
  factors: readonly Float64Array[],
  rank: number,
  mode: number,
): Float64Array {
  const d = dims.length;
  const R = rank;
  const [A, In, B] = aroundMode(dims, mode);
  const KA = khatriRaoRows(dims, factors, R, 0, mode);
  const KB = khatriRaoRows(dims, factors, R, mode + 1, d);
  const native = nativeMttkrpRanks(T, KA, KB, R, A, In, B);
  if (native) return native;
  const M = new Float64Array(In * R);
  const kb = new Float64Array(B);
  const acc = new Float64Array(In);
  for (let r = 0; r < R; r++) {
    for (let b = 0; b < B; b++) kb[b] = KB[b * R + r];
    acc.fill(0);
    let base = r * A * In * B;
    for (let a = 0; a < A; a++, base += In * B) {
      const wa = KA[a * R + r];
      if (B === 1) {
        const w = wa * kb[0];
        for (let i = 0; i < In; i++) acc[i] += w * T[base + i];
        continue;
      }
      for (let i = 0; i < In; i++) {
        const o = base + i * B;
        let s0 = 0;
        let s1 = 0;
        let b = 0;
        for (; b + 1 < B; b += 2) {
          s0 += T[o + b] * kb[b];
          s1 += T[o + b + 1] * kb[b + 1];
        }
        if (b < B) s0 += T[o + b] * kb[b];
        acc[i] += wa * (s0 + s1);
      }
    }
    for (let i = 0; i < In; i++) M[i * R + r] = acc[i];
  }
  return M;
}

/**
 * C (m × n) = A (m × k) · Bt (n × k)ᵀ for a narrow n (the CP rank): a 2 × 4 register block, so each
 * pair of loads from A feeds 8 multiply-adds (the general gemm's 2 × 2 block feeds 4), with k
 * blocked to stay in cache. ~30 % faster than gemmABt on MTTKRP shapes.
 */
export function gemmNarrow(A: Float64Array, Bt: Float64Array, m: number, k: number, n: number): Float64Array {
  const native = nativeGemmABt(A, Bt, m, k, n);
  if (native) return native;
  const C = new Float64Array(m * n);
  const KB = 512;
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * k, a1 = a0 + k, c0 = i * n, c1 = c0 + n;
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let p = k0; p < k1; p++) {
          const x0 = A[a0 + p], x1 = A[a1 + p];
          const y0 = Bt[b0 + p], y1 = Bt[b1 + p], y2 = Bt[b2 + p], y3 = Bt[b3 + p];
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        }
        C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
        C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      }
      for (; j < n; j++) {
        const b0 = j * k;
        let s0 = 0, s1 = 0;
        for (let p = k0; p < k1; p++) { const y = Bt[b0 + p]; s0 += A[a0 + p] * y; s1 += A[a1 + p] * y; }
        C[c0 + j] += s0; C[c1 + j] += s1;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k, c0 = i * n;
      for (let j = 0; j < n; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = k0; p < k1; p++) s += A[a0 + p] * Bt[b0 + p];
        C[c0 + j] += s;
      }
    }
  }
  return C;
}
