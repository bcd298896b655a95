// Symmetric eigendecomposition: Householder tridiagonalisation, then implicit QL (EISPACK tql2).
// Hand-written rather than ml-matrix's (JAMA) because JAMA's arrays of arrays walk columns with a
// stride: ml-matrix takes 1.5 s for a 512x512 symmetric matrix. Here every inner loop runs along
// a contiguous row: the eigenvectors are kept as the rows of W during the QL iteration.
import { fail } from "../errors";
import { nativeEigSym } from "./lapack";
import { as2D, gemmABt, transposeData } from "./matmul";
import type { NDArray, TensorLike } from "./ndarray";

export interface EigSym {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as columns, in the order of `values`. */
  vectors: NDArray;
}

/**
 * Reduces symmetric A (n×n, overwritten) to tridiagonal T = Qᵀ A Q. Returns d (diagonal),
 * e (e[i] = T[i+1, i], e[n-1] = 0) and W = Qᵀ (rows are the columns of Q).
 */
function tridiagonalize(A: Float64Array, n: number): { d: Float64Array; e: Float64Array; W: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(n);
  const p = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector from row k right of the diagonal (= column k below it), stored in place.
    const rk = k * n;
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(A[rk + i]));
    d[k] = A[rk + k];
    if (scale === 0) {
      e[k] = 0;
      betas[k] = 0;
      continue;
    }
    let sigma = 0;
    for (let i = k + 1; i < n; i++) {
      A[rk + i] /= scale;
      sigma += A[rk + i] * A[rk + i];
    }
    const x0 = A[rk + k + 1];
    const alpha = x0 >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
    // v = x - alpha e1, beta = 2 / vᵀv = 1 / (sigma - alpha x0)
    A[rk + k + 1] = x0 - alpha;
    const beta = 1 / (sigma - alpha * x0);
    betas[k] = beta;
    e[k] = alpha * scale;
    // p = beta A22 v ; w = p - (beta/2)(pᵀv) v ; A22 -= v wᵀ + w vᵀ. Only the upper triangle of
    // A22 is kept up to date: the symmetric product walks each upper row once, as a dot (p_i) and
    // an axpy (p_j) together, which halves the memory traffic.
    for (let i = k + 1; i < n; i++) v[i] = A[rk + i];
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      let s = A[ri + i] * vi;
      for (let j = i + 1; j < n; j++) {
        const aij = A[ri + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= beta;
      pv += p[i] * v[i];
    }
    const half = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = i; j < n; j++) A[ri + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + n - 2];
    e[n - 2] = A[(n - 2) * n + n - 1]; // upper triangle: row n-2, column n-1
  }
  d[n - 1] = A[n * n - 1];
  e[n - 1] = 0;

  return { d, e, W: transposeData(accumulateQ(A, betas, n), n, n) };
}

const NB = 32;

/**
 * Q = H_0 H_1 ··· H_{n-3} from the reflectors stored in the rows of A, accumulated backwards in
 * blocks of NB as compact WY products I - V·T·Vᵀ (LAPACK's dlarft/dlarfb), so the work runs in
 * the matrix-product kernel rather than as rank-1 updates.
 */
function accumulateQ(A: Float64Array, betas: Float64Array, n: number): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k1 = n - 2; k1 > 0; k1 -= NB) {
    const k0 = Math.max(0, k1 - NB);
    const b = k1 - k0;
    const off = k0 + 1;
    const L = n - off;
    // Vt (b×L): row j is v_{k0+j} in local coordinates (zero before local index j).
    const Vt = new Float64Array(b * L);
    for (let j = 0; j < b; j++) {
      const rk = (k0 + j) * n;
      for (let i = j; i < L; i++) Vt[j * L + i] = A[rk + off + i];
    }
    // T upper triangular: T[j][j] = β_j, T[0:j, j] = -β_j·T[0:j, 0:j]·(V[:, 0:j]ᵀ v_j).
    const T = new Float64Array(b * b);
    const tmp = new Float64Array(b);
    for (let j = 0; j < b; j++) {
      const beta = betas[k0 + j];
      T[j * b + j] = beta;
      for (let p = 0; p < j; p++) {
        let sdot = 0;
        for (let i = j; i < L; i++) sdot += Vt[p * L + i] * Vt[j * L + i];
        tmp[p] = sdot;
      }
      for (let p = 0; p < j; p++) {
        let sdot = 0;
        for (let q = p; q < j; q++) sdot += T[p * b + q] * tmp[q];
        T[p * b + j] = -beta * sdot;
      }
    }
    // W1 = Vᵀ·Qs (b×L), Qs the trailing block of Q; then W2 = T·W1; Qs -= V·W2.
    const QsT = new Float64Array(L * L);
    for (let i = 0; i < L; i++) {
      const qi = (off + i) * n + off;
      for (let j = 0; j < L; j++) QsT[j * L + i] = Q[qi + j];
    }
    const W1 = gemmABt(Vt, QsT, b, L, L);
    const W2 = new Float64Array(b * L);
    for (let p = 0; p < b; p++) {
      for (let q = p; q < b; q++) {
        const t = T[p * b + q];
        if (t === 0) continue;
        for (let j = 0; j < L; j++) W2[p * L + j] += t * W1[q * L + j];
      }
    }
    const U = gemmABt(transposeData(Vt, b, L), transposeData(W2, b, L), L, b, L);
    for (let i = 0; i < L; i++) {
      const qi = (off + i) * n + off;
      for (let j = 0; j < L; j++) Q[qi + j] -= U[i * L + j];
    }
  }
  return Q;
}

const CHUNK = 64;
const BATCH = 4;

interface Sweep {
  l: number;
  m: number;
  cs: Float64Array;
  ss: Float64Array;
}

/**
 * Applies QL sweeps (each: rotations i = m-1 down to l on rows i and i+1, in order) to W. Row i's
 * new value feeds rotation i-1, so a narrow chunk of columns carries it down the sweep: each row
 * is read and written once per sweep, and the inner loop has no dependency chain. Several sweeps
 * run on one chunk while it is still in cache (W itself is far larger than the cache).
 */
function applySweeps(W: Float64Array, n: number, sweeps: Sweep[]): void {
  const carry = new Float64Array(CHUNK);
  for (let k0 = 0; k0 < n; k0 += CHUNK) {
    const len = Math.min(CHUNK, n - k0);
    for (const { l, m, cs, ss } of sweeps) {
      const top = m * n + k0;
      for (let kk = 0; kk < len; kk++) carry[kk] = W[top + kk];
      for (let i = m - 1; i >= l; i--) {
        const c = cs[i - l];
        const s = ss[i - l];
        const row = i * n + k0;
        const next = row + n;
        for (let kk = 0; kk < len; kk++) {
          const x = W[row + kk];
          const h = carry[kk];
          W[next + kk] = s * x + c * h;
          carry[kk] = c * x - s * h;
        }
      }
      const bottom = l * n + k0;
      for (let kk = 0; kk < len; kk++) W[bottom + kk] = carry[kk];
    }
  }
}

/** Implicit QL on (d, e); rotations are applied to the rows of W (n columns each). */
function tql(d: Float64Array, e: Float64Array, W: Float64Array | null, n: number): void {
  const cs = new Float64Array(n);
  const ss = new Float64Array(n);
  // The rotations depend only on d and e, so they can be applied to W later, in batches.
  let pending: Sweep[] = [];
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error("eigSym: QL iteration did not converge");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cs[i] = c;
          ss[i] = s;
        }
        if (W) {
          pending.push({ l, m, cs: cs.slice(l, m), ss: ss.slice(l, m) });
          if (pending.length === BATCH) {
            applySweeps(W, n, pending);
            pending = [];
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  if (W && pending.length) applySweeps(W, n, pending);
}

/** Eigen-decomposition of a symmetric matrix (only symmetry up to rounding is assumed). */
export function eigSym(x: TensorLike): EigSym {
  const a = as2D(x, "a");
  const [n, n2] = a.shape;
  if (n !== n2) fail("a.shape", a.shape, "a square matrix");
  let asym = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      amax = Math.max(amax, Math.abs(a.data[i * n + j]));
      asym = Math.max(asym, Math.abs(a.data[i * n + j] - a.data[j * n + i]));
    }
  }
  if (asym > 1e-8 * amax) fail("a", `matrix with |a - aᵀ| up to ${asym.toPrecision(3)}`, "a symmetric matrix");
  return eigSymData(Float64Array.from(a.data), n);
}

/** eigSym on a flat copy the caller gives away; no checks. */
export function eigSymData(A: Float64Array, n: number, vectors = true): EigSym {
  if (n === 0) return { values: new Float64Array(0), vectors: { shape: [0, 0], data: new Float64Array(0) } };
  const native = nativeEigSym(A, n, vectors);
  if (native) return { values: native.values, vectors: { shape: vectors ? [n, n] : [0, 0], data: native.V } };
  const { d, e, W } = tridiagonalize(A, n);
  tql(d, e, vectors ? W : null, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = Float64Array.from(order, (i) => d[i]);
  const V = new Float64Array(vectors ? n * n : 0);
  if (vectors) {
    for (let c = 0; c < n; c++) {
      const row = order[c] * n;
      for (let r = 0; r < n; r++) V[r * n + c] = W[row + r];
    }
  }
  return { values, vectors: { shape: vectors ? [n, n] : [0, 0], data: V } };
}
