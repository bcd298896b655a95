// CP (CANDECOMP/PARAFAC) decomposition by alternating least squares.
// Convention: X ≈ Σ_r weights[r] · a_r^(0) ∘ a_r^(1) ∘ … ∘ a_r^(N-1), with factors[n] = I_n × R
// (row-major) whose columns have unit norm after `cpAls`; the weights carry the magnitudes.
// `absorbWeights(mode)` folds them into one factor (what a CP layer stores).
import { fail } from "../errors";
import { rng } from "../random";
import { asNDArray, rangeScale, relError as relErr, size, type NDArray, type TensorLike } from "../linalg/ndarray";
import { gemmABt, transposeData } from "../linalg/matmul";
import { unfold } from "../linalg/tensor-ops";
import { nativeGemm } from "../linalg/lapack";
import { eigSymData } from "../linalg/eig";
import { FactorizedTensor } from "./factorized";
import { khatriRaoRows } from "./mttkrp";
import { CpSweep } from "./cp-sweep";
import { factorizedBundle, JUPYTER_DISPLAY } from "./display";
import { inSafeRange, scaleInPlace } from "./scale";

export class CPTensor extends FactorizedTensor {
  readonly shape: readonly number[];
  readonly ranks: readonly number[];
  /** Relative error after each ALS iteration (from norms, not a rebuild). */
  history: number[] = [];
  /** Relative error of the returned factors (exact, computed once at the end of cpAls). */
  error = NaN;
  iterations = 0;

  constructor(
    readonly weights: Float64Array,
    readonly factors: NDArray[],
  ) {
    super();
    const R = weights.length;
    if (factors.length < 2) fail("factors.length", factors.length, "at least 2 factor matrices");
    factors.forEach((f, n) => {
      if (f.shape.length !== 2 || f.shape[1] !== R) fail(`factors[${n}].shape`, f.shape, `[I_${n}, ${R}] (R = weights.length)`);
    });
    this.shape = factors.map((f) => f.shape[0]);
    this.ranks = [R];
  }

  get rank(): number {
    return this.weights.length;
  }

  get params(): number {
    return this.shape.reduce((s, I) => s + I * this.rank, 0) + this.rank;
  }

  /** Shown by the kernel as the value of a cell: a summary and the factors' shapes. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return factorizedBundle("CP tensor", this, [{ name: "weights", shape: [this.rank] }, ...this.factors.map((f, n) => ({ name: `factor ${n}`, shape: f.shape }))]);
  }

  toDense(): NDArray {
    const N = this.shape.length;
    const R = this.rank;
    const last = this.shape[N - 1];
    const rows = size(this.shape) / last;
    const F = this.factors.map((f) => f.data);
    // Khatri-Rao of all but the last mode, weighted, times the last factor transposed.
    const K = khatriRaoRows(this.shape, F, R, 0, N - 1);
    for (let p = 0; p < rows; p++) for (let r = 0; r < R; r++) K[p * R + r] *= this.weights[r];
    const out = gemmABt(K, F[N - 1], rows, R, last);
    return { shape: [...this.shape], data: out };
  }

  /** relError takes a tensor of exactly this shape (not only as many values). */
  protected override checkInput(a: NDArray): void {
    if (a.shape.length !== this.shape.length || a.shape.some((s, i) => s !== this.shape[i])) {
      fail("x.shape", a.shape, `the CP tensor's shape [${this.shape.join(", ")}]`);
    }
  }

  /** Same tensor with unit-norm factor columns and the norms multiplied into the weights. */
  normalize(): CPTensor {
    const R = this.rank;
    const w = Float64Array.from(this.weights);
    const factors = this.factors.map((f) => {
      const d = Float64Array.from(f.data);
      const I = f.shape[0];
      for (let r = 0; r < R; r++) {
        let s = 0;
        for (let i = 0; i < I; i++) s += d[i * R + r] ** 2;
        const nrm = Math.sqrt(s);
        w[r] *= nrm;
        if (nrm > 0) for (let i = 0; i < I; i++) d[i * R + r] /= nrm;
      }
      return { shape: [I, R], data: d };
    });
    return this.withFactors(w, factors);
  }

  /** Same tensor with the weights multiplied into factors[mode] and all weights 1. */
  absorbWeights(mode = 0): CPTensor {
    if (!Number.isInteger(mode) || mode < 0 || mode >= this.shape.length) {
      fail("mode", mode, `an integer in [0, ${this.shape.length - 1}]`);
    }
    const R = this.rank;
    const factors = this.factors.map((f, n) => {
      const d = Float64Array.from(f.data);
      if (n === mode) for (let i = 0; i < f.shape[0]; i++) for (let r = 0; r < R; r++) d[i * R + r] *= this.weights[r];
      return { shape: [...f.shape], data: d };
    });
    return this.withFactors(new Float64Array(R).fill(1), factors);
  }

  private withFactors(w: Float64Array, factors: NDArray[]): CPTensor {
    const t = new CPTensor(w, factors);
    t.history = [...this.history];
    t.error = this.error;
    t.iterations = this.iterations;
    return t;
  }
}

export interface CpAlsOptions {
  /** "svd" (default): leading left singular vectors of each unfolding; "random": uniform [0, 1). */
  init?: "svd" | "random";
  /** Default 100. */
  maxIter?: number;
  /** Stop when the relative error decreases by less than tol in one iteration; 0 = never. Default 1e-8. */
  tol?: number;
  /** Seed of the random init (and of the padding columns of the SVD init). Default 0. */
  seed?: number;
}

/** Rank-R CP decomposition of `x` by ALS. */
export function cpAls(x: TensorLike, rank: number, opts: CpAlsOptions = {}): CPTensor {
  return inSafeRange(asNDArray(x, "x"), "x", (X) => cpAlsScaled(X, rank, opts), (cp, s) => scaleInPlace(cp.weights, s));
}

function cpAlsScaled(X: NDArray, rank: number, opts: CpAlsOptions): CPTensor {
  const dims = X.shape;
  const N = dims.length;
  if (N < 2) fail("x.shape", dims, "a tensor of order >= 2");
  if (dims.some((d) => d === 0)) fail("x.shape", dims, "non-empty dimensions");
  if (!Number.isInteger(rank) || rank <= 0) fail("rank", rank, "a positive integer");
  const { init = "svd", maxIter = 100, tol = 1e-8, seed = 0 } = opts;
  if (init !== "svd" && init !== "random") fail("opts.init", init, '"svd" or "random"');
  if (!Number.isInteger(maxIter) || maxIter < 0) fail("opts.maxIter", maxIter, "a non-negative integer");
  if (!(tol >= 0) || !Number.isFinite(tol)) fail("opts.tol", tol, "a finite number >= 0");
  if (!Number.isFinite(seed)) fail("opts.seed", seed, "a finite number");
  const R = rank;
  const rand = rng(seed);

  const F: Float64Array[] = dims.map((I, n) => (init === "svd" ? svdInit(X, n, R, rand) : randomFactor(I, R, rand)));
  const G: Float64Array[] = F.map((f, n) => gram(f, dims[n], R));
  const weights = new Float64Array(R).fill(1);
  let normX2 = 0;
  let maxX = 0;
  for (let i = 0; i < X.data.length; i++) {
    const v = X.data[i];
    normX2 += v * v;
    const a = Math.abs(v);
    if (a > maxX || a !== a) maxX = a;
  }
  const normX = Math.sqrt(normX2);

  const history: number[] = [];
  const V = new Float64Array(R * R);
  const last = N - 1;
  const sweep = new CpSweep(X.data, dims, R);
  let M: Float64Array = new Float64Array(0);
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    for (let n = 0; n < N; n++) {
      V.fill(1);
      for (let k = 0; k < N; k++) if (k !== n) for (let j = 0; j < R * R; j++) V[j] *= G[k][j];
      M = sweep.mttkrp(n, F);
      F[n] = solveRight(M, V, dims[n], R);
      normalizeColumns(F[n], dims[n], R, weights);
      G[n] = gram(F[n], dims[n], R);
    }
    iterations++;
    // <X, X̂> from the last mode's MTTKRP (built from the final other factors).
    const Ml = M;
    const Fl = F[last];
    let inner = 0;
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let i = 0; i < dims[last]; i++) s += Ml[i * R + r] * Fl[i * R + r];
      inner += weights[r] * s;
    }
    let normHat2 = 0;
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < R; s++) {
        let p = weights[r] * weights[s];
        for (let k = 0; k < N; k++) p *= G[k][r * R + s];
        normHat2 += p;
      }
    }
    const err2 = Math.max(0, normX2 - 2 * inner + normHat2);
    const err = normX > 0 ? Math.sqrt(err2) / normX : Math.sqrt(err2);
    history.push(err);
    if (tol > 0 && it > 0 && history[it - 1] - err < tol) break;
  }

  const cp = new CPTensor(
    weights,
    F.map((f, n) => ({ shape: [dims[n], R], data: f })),
  );
  cp.history = history;
  cp.iterations = iterations;
  cp.error = finalError(X, cp.toDense(), maxX);
  return cp;
}

/**
 * relError(X, X̂), in one pass over both instead of three when neither needs rescaling (the usual
 * case: then relError sums exactly these terms in this order); otherwise relError itself.
 */
function finalError(X: NDArray, Xh: NDArray, maxX: number): number {
  const x = X.data;
  const h = Xh.data;
  let num = 0;
  let den = 0;
  let maxH = 0;
  for (let i = 0; i < x.length; i++) {
    const v = h[i];
    const a = Math.abs(v);
    if (a > maxH || a !== a) maxH = a;
    const e = x[i] - v;
    num += e * e;
    den += x[i] * x[i];
  }
  if (rangeScale(Math.max(maxX, maxH)) !== 1) return relErr(X, Xh);
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

function randomFactor(I: number, R: number, rand: ReturnType<typeof rng>): Float64Array {
  const f = new Float64Array(I * R);
  for (let j = 0; j < f.length; j++) f[j] = rand.next();
  return f;
}

/** Leading R left singular vectors of unfold(X, n), from the eigenvectors of its Gram matrix. */
function svdInit(X: NDArray, n: number, R: number, rand: ReturnType<typeof rng>): Float64Array {
  const dims = X.shape;
  const I = dims[n];
  // Mode 0's unfolding is X's own data: no copy.
  const U = n === 0 ? X.data : unfold(X, n).data;
  const cols = X.data.length / I;
  const { vectors } = eigSymData(gemmABt(U, U, I, cols, I, true), I, true);
  const f = new Float64Array(I * R);
  const k = Math.min(I, R);
  for (let i = 0; i < I; i++) for (let r = 0; r < k; r++) f[i * R + r] = vectors.data[i * I + r];
  // More components than rows: pad with random columns (as TensorLy does).
  for (let i = 0; i < I; i++) for (let r = k; r < R; r++) f[i * R + r] = rand.next();
  return f;
}

/** FᵀF (R × R) of a row-major I × R factor. */
function gram(f: Float64Array, I: number, R: number): Float64Array {
  const native = nativeGemm(f, f, R, I, R, true, false);
  if (native) return native;
  const t = transposeData(f, I, R);
  return gemmABt(t, t, R, I, R, true);
}

/** Z (I × R) = M · V⁻¹ for symmetric PSD V: Cholesky, or an eigen pseudo-inverse when V is singular. */
function solveRight(M: Float64Array, V: Float64Array, I: number, R: number): Float64Array {
  const L = cholesky(V, R);
  const Z = new Float64Array(I * R);
  if (L) {
    const y = new Float64Array(R);
    for (let i = 0; i < I; i++) {
      const o = i * R;
      for (let r = 0; r < R; r++) {
        let s = M[o + r];
        for (let k = 0; k < r; k++) s -= L[r * R + k] * y[k];
        y[r] = s / L[r * R + r];
      }
      for (let r = R - 1; r >= 0; r--) {
        let s = y[r];
        for (let k = r + 1; k < R; k++) s -= L[k * R + r] * Z[o + k];
        Z[o + r] = s / L[r * R + r];
      }
    }
    return Z;
  }
  const { values, vectors } = eigSymData(Float64Array.from(V), R, true);
  const cutoff = Math.max(values[0], 0) * R * 2.220446049250313e-16;
  const P = new Float64Array(R * R);
  for (let c = 0; c < R; c++) {
    if (!(values[c] > cutoff)) continue;
    const inv = 1 / values[c];
    for (let a = 0; a < R; a++) {
      const va = vectors.data[a * R + c] * inv;
      for (let b = 0; b < R; b++) P[a * R + b] += va * vectors.data[b * R + c];
    }
  }
  return gemmABt(M, P, I, R, R);
}

/** Lower Cholesky factor of a symmetric matrix, or null if it is not (numerically) positive definite. */
function cholesky(V: Float64Array, R: number): Float64Array | null {
  const L = new Float64Array(R * R);
  let maxDiag = 0;
  for (let r = 0; r < R; r++) maxDiag = Math.max(maxDiag, V[r * R + r]);
  const floor = maxDiag * R * 1e-14;
  for (let j = 0; j < R; j++) {
    let s = V[j * R + j];
    for (let k = 0; k < j; k++) s -= L[j * R + k] * L[j * R + k];
    if (!(s > floor)) return null;
    const d = Math.sqrt(s);
    L[j * R + j] = d;
    for (let i = j + 1; i < R; i++) {
      let t = V[i * R + j];
      for (let k = 0; k < j; k++) t -= L[i * R + k] * L[j * R + k];
      L[i * R + j] = t / d;
    }
  }
  return L;
}

function normalizeColumns(f: Float64Array, I: number, R: number, weights: Float64Array): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let i = 0; i < I; i++) s += f[i * R + r] * f[i * R + r];
    const nrm = Math.sqrt(s);
    weights[r] = nrm;
    if (nrm > 0) for (let i = 0; i < I; i++) f[i * R + r] /= nrm;
  }
}
