// Singular value decompositions.
//
// Full SVD: the eigenvectors V of the smaller Gram matrix AᵀA make B = A·V nearly column-orthogonal
// (fast: one product, one symmetric eigensolve), but the Gram matrix squares the condition number,
// so small singular values and their vectors are inaccurate. One-sided Jacobi (Hestenes) on the
// columns of B then restores full accuracy; started from that nearly orthogonal B it converges in a
// few sweeps instead of the ~10 it needs from scratch. ml-matrix's SVD (JAMA) was measured first and
// is too slow here (2.9 s for 512x512, 2.7 s for 256x2304).
import { fail } from "../errors";
import { rng } from "../random";
import { eigSymData } from "./eig";
import { as2D, gemmABt, transposeData } from "./matmul";
import type { NDArray, TensorLike } from "./ndarray";
import { nativeSvd } from "./lapack";
import { qrData } from "./qr";

export interface SVD {
  /** m×k, orthonormal columns. */
  u: NDArray;
  /** k singular values, descending. */
  s: Float64Array;
  /** n×k, orthonormal columns. */
  v: NDArray;
}

const EPS = 2 ** -52;

/** Thin SVD a = u·diag(s)·vᵀ, k = min(m, n), float64. */
export function svd(x: TensorLike): SVD {
  const a = as2D(x, "a");
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  const native = nativeSvd(Float64Array.from(a.data), m, n);
  if (native) return { u: { shape: [m, k], data: native.U }, s: native.s, v: { shape: [n, k], data: native.V } };
  if (m < n) {
    const t = svdTall(transposeData(a.data, m, n), n, m);
    return { u: t.v, s: t.s, v: t.u };
  }
  return svdTall(a.data, m, n);
}

/** A (m×n, m ≥ n) row-major. */
function svdTall(A: Float64Array, m: number, n: number): SVD {
  if (n === 0) return { u: { shape: [m, 0], data: new Float64Array(0) }, s: new Float64Array(0), v: { shape: [0, 0], data: new Float64Array(0) } };
  // Vt: rows are the eigenvectors of AᵀA; Bt = (A·V)ᵀ: rows are the columns of B.
  const At = transposeData(A, m, n);
  const G = gemmABt(At, At, n, m, n, true);
  const eig = eigSymData(G, n);
  const Vt = transposeData(eig.vectors.data, n, n);
  const Bt = gemmABt(Vt, A, n, n, m);
  jacobi(Bt, Vt, n, m);
  return finish(Bt, Vt, n, m);
}

/**
 * One-sided Jacobi on the rows of Bt (n rows of length m), applying the same rotations to the rows
 * of Vt (n×n). Stops when every pair is orthogonal to sqrt(m)·eps relative to the rows' norms.
 * Each sweep first forms all inner products with one symmetric product (3x faster than separate
 * dots) and visits only the pairs it flags: from the Gram-eigen start they are a few percent.
 * A flagged pair's inner product is recomputed, since earlier rotations in the sweep move it; the
 * pairs the stale table misses are caught by the next sweep's table.
 */
function jacobi(Bt: Float64Array, Vt: Float64Array, n: number, m: number, vlen = n): void {
  const tol = Math.sqrt(m) * EPS;
  const nrm = new Float64Array(n);
  for (let sweep = 0; sweep < 40; sweep++) {
    const G = gemmABt(Bt, Bt, n, m, n, true);
    for (let i = 0; i < n; i++) nrm[i] = G[i * n + i];
    let rotated = 0;
    let worst = 0;
    for (let i = 0; i < n - 1; i++) {
      const bi = i * m;
      for (let j = i + 1; j < n; j++) {
        const g = G[i * n + j];
        if (Math.abs(g) <= tol * Math.sqrt(G[i * n + i] * G[j * n + j])) continue;
        const alpha = nrm[i];
        const beta = nrm[j];
        if (alpha === 0 || beta === 0) continue;
        const bj = j * m;
        let gamma = 0;
        for (let k = 0; k < m; k++) gamma += Bt[bi + k] * Bt[bj + k];
        const cos = Math.abs(gamma) / Math.sqrt(alpha * beta);
        if (cos <= tol) continue;
        rotated++;
        if (cos > worst) worst = cos;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < m; k++) {
          const x = Bt[bi + k];
          const y = Bt[bj + k];
          Bt[bi + k] = c * x - s * y;
          Bt[bj + k] = s * x + c * y;
        }
        const vi = i * vlen;
        const vj = j * vlen;
        for (let k = 0; k < vlen; k++) {
          const x = Vt[vi + k];
          const y = Vt[vj + k];
          Vt[vi + k] = c * x - s * y;
          Vt[vj + k] = s * x + c * y;
        }
        nrm[i] = alpha - t * gamma;
        nrm[j] = beta + t * gamma;
      }
    }
    // The table and the fresh dot products round differently, so a pair can stay flagged at the
    // tolerance's edge: stop once a sweep rotates nothing.
    // Jacobi converges quadratically: after a sweep whose largest cosine was below ~1e-8 the
    // columns are orthogonal to ~1e-16 and a further (verifying) sweep would rotate nothing.
    if (rotated === 0 || worst < 1e-8) return;
  }
}

/** Sorts by column norm, normalises u, and completes u where a singular value is zero. */
function finish(Bt: Float64Array, Vt: Float64Array, n: number, m: number, vlen = n): SVD {
  const sig = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += Bt[i * m + k] * Bt[i * m + k];
    sig[i] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => sig[j] - sig[i]);
  const s = Float64Array.from(order, (i) => sig[i]);
  const Ut = new Float64Array(n * m);
  const V = new Float64Array(vlen * n);
  const tiny = (s[0] || 0) * m * EPS * 1e-3;
  let zeroFrom = n;
  for (let c = 0; c < n; c++) {
    const src = order[c];
    for (let r = 0; r < vlen; r++) V[r * n + c] = Vt[src * vlen + r];
    if (s[c] <= tiny || s[c] === 0) {
      zeroFrom = Math.min(zeroFrom, c);
      continue;
    }
    const inv = 1 / s[c];
    for (let k = 0; k < m; k++) Ut[c * m + k] = Bt[src * m + k] * inv;
  }
  if (zeroFrom < n) completeRows(Ut, zeroFrom, n, m);
  return { u: { shape: [m, n], data: transposeData(Ut, n, m) }, s, v: { shape: [vlen, n], data: V } };
}

/** Fills rows from..n-1 of Ut (each length m) with unit vectors orthogonal to all earlier rows. */
function completeRows(Ut: Float64Array, from: number, n: number, m: number): void {
  let e = 0;
  for (let c = from; c < n; c++) {
    for (;;) {
      const row = c * m;
      Ut.fill(0, row, row + m);
      Ut[row + (e++ % m)] = 1;
      // Two passes of Gram-Schmidt keep the completion orthogonal to working precision.
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          let d = 0;
          for (let k = 0; k < m; k++) d += Ut[p * m + k] * Ut[row + k];
          for (let k = 0; k < m; k++) Ut[row + k] -= d * Ut[p * m + k];
        }
      }
      let nr = 0;
      for (let k = 0; k < m; k++) nr += Ut[row + k] * Ut[row + k];
      nr = Math.sqrt(nr);
      if (nr > 1e-3) {
        for (let k = 0; k < m; k++) Ut[row + k] /= nr;
        break;
      }
      if (e > 2 * m) throw new Error("svd: could not complete the left singular basis");
    }
  }
}

function checkRank(rank: number, m: number, n: number): void {
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n)) {
    fail("rank", rank, `an integer in [1, ${Math.min(m, n)}] for a ${m}x${n} matrix`);
  }
}

function take(r: SVD, k: number): SVD {
  const [m, kk] = r.u.shape;
  const n = r.v.shape[0];
  if (k === kk) return r;
  const u = new Float64Array(m * k);
  const v = new Float64Array(n * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) u[i * k + j] = r.u.data[i * kk + j];
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) v[i * k + j] = r.v.data[i * kk + j];
  return { u: { shape: [m, k], data: u }, s: r.s.slice(0, k), v: { shape: [n, k], data: v } };
}

/**
 * The leading `rank` singular triplets of the exact SVD. For rank ≤ min(m, n)/2 only the leading
 * Gram eigenvectors are carried: B = A·V_k and Jacobi on its k columns, which skips most of the
 * products of the full SVD. That is accurate while σ_k² is well above the Gram matrix's rounding
 * (σ_k > 1e-5·σ_1); below it the full SVD is used.
 */
export function svdTruncated(x: TensorLike, rank: number): SVD {
  const a = as2D(x, "a");
  const [m, n] = a.shape;
  checkRank(rank, m, n);
  if (2 * rank > Math.min(m, n)) return take(svd(a), rank);
  const wide = m < n;
  // Work on the tall orientation A (M×N, M ≥ N).
  const [M, N] = wide ? [n, m] : [m, n];
  const A = wide ? transposeData(a.data, m, n) : a.data;
  const At = wide ? a.data : transposeData(a.data, m, n);
  const eig = eigSymData(gemmABt(At, At, N, M, N, true), N);
  if (!(eig.values[rank - 1] > 1e-10 * eig.values[0])) return take(svd(a), rank);
  const k = rank;
  const Vt = new Float64Array(k * N);
  for (let j = 0; j < k; j++) for (let i = 0; i < N; i++) Vt[j * N + i] = eig.vectors.data[i * N + j];
  const Bt = gemmABt(Vt, A, k, N, M); // (A·V_k)ᵀ
  jacobi(Bt, Vt, k, M, N);
  const r = finish(Bt, Vt, k, M, N);
  return wide ? { u: r.v, s: r.s, v: r.u } : r;
}

export interface RandomizedOptions {
  /** Extra sampled directions beyond the rank (default 10). */
  oversample?: number;
  /** Power (subspace) iterations, each sharpening the spectrum's decay (default 2). */
  powerIters?: number;
  seed?: number;
}

/**
 * Randomized SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1): a Gaussian sketch, power
 * iterations re-orthonormalised by QR, then the exact SVD of the small projected matrix.
 */
export function svdRandomized(x: TensorLike, rank: number, opts: RandomizedOptions = {}): SVD {
  const a = as2D(x, "a");
  const [m, n] = a.shape;
  checkRank(rank, m, n);
  const oversample = opts.oversample ?? 10;
  const powerIters = opts.powerIters ?? 2;
  if (!Number.isInteger(oversample) || oversample < 0) fail("opts.oversample", oversample, "a non-negative integer");
  if (!Number.isInteger(powerIters) || powerIters < 0) fail("opts.powerIters", powerIters, "a non-negative integer");
  const l = Math.min(rank + oversample, m, n);
  const r = rng(opts.seed ?? 0);
  const A = a.data;
  const At = transposeData(A, m, n);
  // Omegaᵀ (l×n); Yᵀ = (A·Omega)ᵀ = Omegaᵀ·Aᵀ computed as gemmABt(Omegaᵀ, A).
  const Om = new Float64Array(l * n);
  for (let i = 0; i < Om.length; i++) Om[i] = r.normal();
  let Qt = orthRows(gemmABt(Om, A, l, n, m), l, m); // l×m
  for (let q = 0; q < powerIters; q++) {
    const Zt = orthRows(gemmABt(Qt, At, l, m, n), l, n); // (Aᵀ Q)ᵀ, l×n
    Qt = orthRows(gemmABt(Zt, A, l, n, m), l, m);
  }
  const Bm = gemmABt(Qt, At, l, m, n); // B = Qᵀ A, l×n
  const sb = svd({ shape: [l, n], data: Bm });
  // u = Q · u_B : (m×l)(l×l)
  const ub = sb.u; // l×l
  const U = gemmABt(transposeData(Qt, l, m), transposeData(ub.data, l, l), m, l, l);
  return take({ u: { shape: [m, l], data: U }, s: sb.s, v: sb.v }, rank);
}

/** Orthonormalises the rows of an l×m array (l ≤ m) through a thin QR of its transpose. */
function orthRows(Yt: Float64Array, l: number, m: number): Float64Array {
  const { q } = qrData(transposeData(Yt, l, m), m, l);
  return transposeData(q, m, l);
}
