// Empirical variational Bayesian matrix factorisation (Nakajima et al., JMLR 2013, global analytic
// solution), as the widely used Python VBMF.EVBMF (and MUSCO / the ResNet-18 notebook) implement
// it: the noise variance σ² minimises the free-energy objective Ω over [σ̲², σ̄²] by SciPy's bounded
// Brent search (absolute tolerance 1e-5), the rank counts singular values above
// γ̲ = sqrt(M σ² (1 + τ̄)(1 + α/τ̄)) with τ̄ = 2.5129 √α, and kept values are shrunk by eq. (15).
import { fail } from "../errors";
import { asNDArray, type TensorLike } from "../linalg/ndarray";
import { gemmABt } from "../linalg/matmul";
import { eigSymData } from "../linalg/eig";

export interface EvbmfResult {
  /** Number of components kept (singular values above the threshold). */
  rank: number;
  /** Noise variance (estimated, or the one passed in). */
  sigma2: number;
  /** The kept singular values after the posterior shrinkage, descending. */
  singularValues: Float64Array;
  /** γ̲: singular values above it are kept. */
  threshold: number;
}

export interface EvbmfOptions {
  /** Known noise variance; estimated when omitted. */
  sigma2?: number;
  /** Absolute tolerance of the bounded σ² search (SciPy's default 1e-5). */
  xatol?: number;
}

/** The code's approximation of τ̄ (root of Φ(τ) + Φ(τ/α) = 0): 2.5129 √α. */
export function evbmfTauBarApprox(alpha: number): number {
  return 2.5129 * Math.sqrt(alpha);
}

/**
 * Exact τ̄(α): the positive root of Φ(τ) + Φ(τ/α) = 0 with Φ(z) = ln(1 + z)/z − 1/2
 * (2.51286 for α = 1), by bisection.
 */
export function evbmfTauBar(alpha: number): number {
  if (!(alpha > 0 && alpha <= 1)) fail("alpha", alpha, "a number in (0, 1] (alpha = L/M with L <= M)");
  const phi = (z: number) => Math.log1p(z) / z - 0.5;
  const f = (t: number) => phi(t) + phi(t / alpha);
  // f decreases from +1 (t → 0) to −1 (t → ∞).
  let lo = 1e-12;
  let hi = 1;
  while (f(hi) > 0) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Singular values (descending) of a row-major L × M matrix with L <= M, from the eigenvalues of
 * Y Yᵀ (much faster than an SVD for 512 × 4608). Numerically zero values are floored at ε·γ_1, the
 * size LAPACK returns them at, so ln x_h in Ω stays finite for rank-deficient input.
 */
function singularValuesWide(y: Float64Array, L: number, M: number): Float64Array {
  const { values } = eigSymData(gemmABt(y, y, L, M, L, true), L, false);
  const s = values.map((v) => Math.sqrt(Math.max(v, 0)));
  const floor = s[0] * 2.220446049250313e-16;
  return s.map((v) => Math.max(v, floor));
}

/** EVBMF of a matrix Y (L × M; transposed internally when L > M). */
export function evbmf(Y: TensorLike, opts: EvbmfOptions = {}): EvbmfResult {
  const a = asNDArray(Y, "Y");
  if (a.shape.length !== 2) fail("Y.shape", a.shape, "a matrix (2 dimensions)");
  if (a.shape[0] === 0 || a.shape[1] === 0) fail("Y.shape", a.shape, "a non-empty matrix");
  if (opts.sigma2 !== undefined && !(opts.sigma2 > 0 && Number.isFinite(opts.sigma2))) {
    fail("opts.sigma2", opts.sigma2, "a positive finite noise variance");
  }
  const xatol = opts.xatol ?? 1e-5;
  if (!(xatol > 0)) fail("opts.xatol", xatol, "a positive tolerance");
  let [L, M] = a.shape;
  let data = a.data;
  if (L > M) {
    const t = new Float64Array(L * M);
    for (let i = 0; i < L; i++) for (let j = 0; j < M; j++) t[j * L + i] = data[i * M + j];
    data = t;
    [L, M] = [M, L];
  }
  const s = singularValuesWide(data, L, M);
  return evbmfFromSingularValues(s, L, M, opts.sigma2, xatol);
}

/**
 * EVBMF from the singular values of an L × M matrix (L <= M, all H = L values given, so the
 * residual outside the kept components is zero, as in the reference with H = L).
 */
export function evbmfFromSingularValues(
  s: Float64Array,
  L: number,
  M: number,
  sigma2?: number,
  xatol = 1e-5,
): EvbmfResult {
  if (!(L >= 1 && L <= M)) fail("L", L, `an integer in [1, M = ${M}]`);
  if (s.length !== L) fail("s.length", s.length, `${L} singular values`);
  const H = L;
  const alpha = L / M;
  const tauBar = evbmfTauBarApprox(alpha);
  const xBar = (1 + tauBar) * (1 + alpha / tauBar);
  const residual = 0;
  let s2sum = 0;
  for (let h = 0; h < H; h++) s2sum += s[h] * s[h];
  if (sigma2 === undefined) {
    if (s2sum === 0) return { rank: 0, sigma2: 0, singularValues: new Float64Array(0), threshold: 0 };
    // H̄ (1-based) = min(ceil(L/(1+α)) − 1, H); s[eH] is γ_{H̄+1}.
    const eH = Math.min(Math.ceil(L / (1 + alpha)) - 1, H);
    const upper = (s2sum + residual) / (L * M);
    let tail = 0;
    for (let h = eH; h < H; h++) tail += s[h] * s[h];
    const lower = Math.max((s[eH] * s[eH]) / (M * xBar), tail / (H - eH) / M);
    sigma2 = fminbound((v) => evbSigma2Objective(v, L, M, s, residual, xBar), lower, upper, xatol);
  }
  const threshold = Math.sqrt(M * sigma2 * (1 + tauBar) * (1 + alpha / tauBar));
  let rank = 0;
  while (rank < H && s[rank] > threshold) rank++;
  const shrunk = new Float64Array(rank);
  for (let h = 0; h < rank; h++) {
    const g2 = s[h] * s[h];
    const c = 1 - ((L + M) * sigma2) / g2;
    shrunk[h] = (s[h] / 2) * (c + Math.sqrt(Math.max(0, c * c - (4 * L * M * sigma2 * sigma2) / (g2 * g2))));
  }
  return { rank, sigma2, singularValues: shrunk, threshold };
}

/** Ω(σ²) of the reference implementation (EVBsigma2). */
export function evbSigma2Objective(
  sigma2: number,
  L: number,
  M: number,
  s: Float64Array,
  residual: number,
  xBar: number,
): number {
  const H = s.length;
  const alpha = L / M;
  let obj = 0;
  for (let h = 0; h < H; h++) {
    const x = (s[h] * s[h]) / (M * sigma2);
    if (x > xBar) {
      const tau = 0.5 * (x - (1 + alpha) + Math.sqrt((x - (1 + alpha)) ** 2 - 4 * alpha));
      obj += x - tau + Math.log((tau + 1) / x) + alpha * Math.log(tau / alpha + 1);
    } else {
      obj += x - Math.log(x);
    }
  }
  return obj + residual / (M * sigma2) + (L - H) * Math.log(sigma2);
}

/** SciPy's `minimize_scalar(method="bounded")` (Brent's method on [a, b], absolute tolerance xatol). */
export function fminbound(f: (x: number) => number, x1: number, x2: number, xatol = 1e-5, maxiter = 500): number {
  const sqrtEps = Math.sqrt(2.2e-16);
  const goldenMean = 0.5 * (3 - Math.sqrt(5));
  let a = x1;
  let b = x2;
  let fulc = a + goldenMean * (b - a);
  let nfc = fulc;
  let xf = fulc;
  let rat = 0;
  let e = 0;
  let x = xf;
  let fx = f(x);
  let num = 1;
  let ffulc = fx;
  let fnfc = fx;
  let xm = 0.5 * (a + b);
  let tol1 = sqrtEps * Math.abs(xf) + xatol / 3;
  let tol2 = 2 * tol1;
  while (Math.abs(xf - xm) > tol2 - 0.5 * (b - a)) {
    let golden = true;
    if (Math.abs(e) > tol1) {
      golden = false;
      let r = (xf - nfc) * (fx - ffulc);
      let q = (xf - fulc) * (fx - fnfc);
      let p = (xf - fulc) * q - (xf - nfc) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      r = e;
      e = rat;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - xf) && p < q * (b - xf)) {
        rat = p / q;
        x = xf + rat;
        if (x - a < tol2 || b - x < tol2) {
          const si = Math.sign(xm - xf) + (xm - xf === 0 ? 1 : 0);
          rat = tol1 * si;
        }
      } else golden = true;
    }
    if (golden) {
      e = xf >= xm ? a - xf : b - xf;
      rat = goldenMean * e;
    }
    const si = Math.sign(rat) + (rat === 0 ? 1 : 0);
    x = xf + si * Math.max(Math.abs(rat), tol1);
    const fu = f(x);
    num++;
    if (fu <= fx) {
      if (x >= xf) a = xf;
      else b = xf;
      fulc = nfc;
      ffulc = fnfc;
      nfc = xf;
      fnfc = fx;
      xf = x;
      fx = fu;
    } else {
      if (x < xf) a = x;
      else b = x;
      if (fu <= fnfc || nfc === xf) {
        fulc = nfc;
        ffulc = fnfc;
        nfc = x;
        fnfc = fu;
      } else if (fu <= ffulc || fulc === xf || fulc === nfc) {
        fulc = x;
        ffulc = fu;
      }
    }
    xm = 0.5 * (a + b);
    tol1 = sqrtEps * Math.abs(xf) + xatol / 3;
    tol2 = 2 * tol1;
    if (num >= maxiter) break;
  }
  return xf;
}

export interface EvbmfRanks {
  /** Rank for the input-channel factor: EVBMF of the cin × (kh·kw·cout) unfolding. */
  rIn: number;
  /** Rank for the output-channel factor: EVBMF of the cout × (kh·kw·cin) unfolding. */
  rOut: number;
}

/**
 * EVBMF ("extreme") Tucker-2 ranks of a conv kernel [kh, kw, cin, cout] from its two channel
 * unfoldings (MUSCO §1.5.1; the ResNet-18 notebook's R_in / R_out). A 2-D weight [nIn, nOut]
 * (dense or 1×1 layer) gets the SVD rank of the matrix itself, returned in both fields.
 * For an already decomposed layer pass its Tucker-2 core [kh, kw, rIn, rOut] (MUSCO's iteration
 * k+1). `mirrorZero`: when one estimate is 0, use the other for both (the ResNet-18 notebook).
 * EVBMF defines no CP rank: for CP use the ratio rule of ranks.ts.
 */
export function evbmfRanks(kernel: TensorLike, opts: EvbmfOptions & { mirrorZero?: boolean } = {}): EvbmfRanks {
  const k = asNDArray(kernel, "kernel");
  if (k.shape.length === 2) {
    const r = evbmf(k, opts).rank;
    return { rIn: r, rOut: r };
  }
  if (k.shape.length !== 4) fail("kernel.shape", k.shape, "[kh, kw, cin, cout] (or a 2-D weight matrix)");
  const [kh, kw, cin, cout] = k.shape;
  const sp = kh * kw;
  // unfold(k, 2): cin × (kh, kw, cout) ; unfold(k, 3): cout × (kh, kw, cin), TensorLy order.
  const uIn = new Float64Array(k.data.length);
  const uOut = new Float64Array(k.data.length);
  for (let p = 0; p < sp; p++) {
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++) {
        const v = k.data[(p * cin + i) * cout + o];
        uIn[i * sp * cout + p * cout + o] = v;
        uOut[o * sp * cin + p * cin + i] = v;
      }
    }
  }
  const rIn = evbmf({ shape: [cin, sp * cout], data: uIn }, opts).rank;
  const rOut = evbmf({ shape: [cout, sp * cin], data: uOut }, opts).rank;
  // The ResNet-18 notebook: when one estimate is 0, both ranks take the other.
  if (opts.mirrorZero && (rIn === 0) !== (rOut === 0)) return { rIn: rIn || rOut, rOut: rOut || rIn };
  return { rIn, rOut };
}
