// Rank selection (MUSCO card §2.7-2.8): the weakened EVBMF rank, and the ranks that reach a
// target parameter-reduction ratio ρ for SVD, Tucker-2, CP (CP3 / CP4) and TT layers.
// Every "forRatio" rule returns the largest rank whose parameter count is <= P0 / ρ (so the
// achieved reduction is >= ρ), floored at minRank; P0 defaults to the dense layer's size.
import { fail } from "../errors";

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(name, v, "a positive integer");
  return v;
}

function ratioArg(v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail("ratio", v, "a positive finite parameter-reduction ratio");
  return v;
}

function p0Arg(v: unknown, dense: number): number {
  if (v === undefined) return dense;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail("opts.currentParams", v, "a positive parameter count");
  return v;
}

/**
 * Ranks above this are refused rather than returned: no layer has them, and past 2^53 a rank
 * stops being an exact integer (r + 1 === r), so searching for one never ends.
 */
const MAX_RANK = 2 ** 31;

/** A rank from P0 / ρ that has to be a usable integer; names ratio and currentParams when it is not. */
function boundedRank(r: number, rho: number, P0: number, kind: string): number {
  if (!(r <= MAX_RANK)) {
    fail(
      "ratio",
      rho,
      `a reduction ratio that leaves a ${kind} rank of at most 2^31 (P0 / ratio = ${P0} / ${rho} = ${P0 / rho} parameters, P0 from opts.currentParams or the layer's size)`,
    );
  }
  return r;
}

function minRankArg(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail("opts.minRank", v, "a positive integer");
  return v;
}

/**
 * MUSCO's weakened rank (eq. 1.14, code `weaken_rank`): R = trunc(R_init − w (R_init − R_extr)),
 * floored at minRank; a rank already <= minRank, or an extreme rank of 0 (EVBMF found nothing),
 * leaves the rank unchanged. w = 1 gives the extreme rank, w → 0 no compression. Never above
 * `rank`: an extreme rank above it (EVBMF of a wider unfolding) also leaves it unchanged.
 */
export function weakenedRank(rank: number, extremeRank: number, w: number, minRank = 21): number {
  positiveInt("rank", rank);
  if (!Number.isInteger(extremeRank) || extremeRank < 0) fail("extremeRank", extremeRank, "a non-negative integer");
  if (typeof w !== "number" || !(w > 0 && w <= 1)) fail("w", w, "a weakening factor in (0, 1]");
  if (!Number.isInteger(minRank) || minRank < 0) fail("minRank", minRank, "a non-negative integer");
  if (rank <= minRank || extremeRank === 0) return rank;
  const r = Math.trunc(rank - w * (rank - extremeRank));
  return Math.min(rank, Math.max(r, minRank));
}

export interface RatioOptions {
  /** Current parameter count P0 (for an already factorised layer); default: the dense size. */
  currentParams?: number;
  minRank?: number;
}

/** Parameters of a rank-R SVD of an m × n matrix: R (m + n). */
export function svdParams(m: number, n: number, rank: number): number {
  return rank * (m + n);
}

/**
 * SVD rank for reduction `ratio` of an m × n weight: max(⌊P0 / (ρ (m + n))⌋, minRank), minRank 8 by
 * default, capped at min(m, n) (a rank the SVD can have).
 */
export function svdRankForRatio(m: number, n: number, ratio: number, opts: RatioOptions = {}): number {
  positiveInt("m", m);
  positiveInt("n", n);
  const rho = ratioArg(ratio);
  const P0 = p0Arg(opts.currentParams, m * n);
  const minRank = minRankArg(opts.minRank, 8);
  return Math.min(Math.max(Math.floor(P0 / (rho * (m + n))), minRank), m, n);
}

function kernelArg(kernelShape: unknown): [number, number, number, number] {
  if (!Array.isArray(kernelShape) || kernelShape.length !== 4 || kernelShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    fail("kernelShape", kernelShape, "[kh, kw, cin, cout] of positive integers");
  }
  return kernelShape as [number, number, number, number];
}

/** Tucker-2 parameters: cin·rIn + kh·kw·rIn·rOut + rOut·cout. */
export function tucker2Params(kernelShape: readonly number[], rIn: number, rOut: number): number {
  const [kh, kw, cin, cout] = kernelArg(kernelShape);
  return cin * rIn + kh * kw * rIn * rOut + rOut * cout;
}

export interface Tucker2RatioOptions extends RatioOptions {
  /**
   * "code" (default): rOut = ⌊β rIn⌋, β = max(0.8 cout/cin, 1) (musco-pytorch); "legacy": β = 1.6
   * if cout > cin else 1 (older musco); "equal": β = 1.
   */
  beta?: "code" | "legacy" | "equal";
}

/**
 * Tucker-2 ranks for reduction `ratio` (MUSCO §2.8): with rOut = β rIn, solve
 * a R² + b R = P0/ρ (a = β kh kw, b = cin + β cout); rIn = max(⌊R⌋, minRank), rOut = ⌊β rIn⌋.
 * minRank defaults to 8. Ranks are capped at cin / cout (what Tucker-2 can use).
 */
export function tucker2RanksForRatio(
  kernelShape: readonly number[],
  ratio: number,
  opts: Tucker2RatioOptions = {},
): { rIn: number; rOut: number } {
  const [kh, kw, cin, cout] = kernelArg(kernelShape);
  const rho = ratioArg(ratio);
  const P0 = p0Arg(opts.currentParams, kh * kw * cin * cout);
  const minRank = minRankArg(opts.minRank, 8);
  const mode = opts.beta ?? "code";
  let beta: number;
  if (mode === "code") beta = Math.max((0.8 * cout) / cin, 1);
  else if (mode === "legacy") beta = cout > cin ? 1.6 : 1;
  else if (mode === "equal") beta = 1;
  else return fail("opts.beta", mode, '"code", "legacy" or "equal"');
  const a = beta * kh * kw;
  const b = cin + beta * cout;
  const root = (-b + Math.sqrt(b * b + (4 * a * P0) / rho)) / (2 * a);
  const rIn = Math.min(Math.max(Math.floor(root), minRank), cin);
  return { rIn, rOut: Math.min(Math.floor(beta * rIn), cout) };
}

/** CP parameters of a conv kernel: "cp3" R (kh·kw + cin + cout), "cp4" R (kh + kw + cin + cout). */
export function cpParams(kernelShape: readonly number[], rank: number, variant: "cp3" | "cp4" = "cp3"): number {
  const [kh, kw, cin, cout] = kernelArg(kernelShape);
  if (variant === "cp3") return rank * (kh * kw + cin + cout);
  if (variant === "cp4") return rank * (kh + kw + cin + cout);
  return fail("variant", variant, '"cp3" or "cp4"');
}

export interface CpRatioOptions extends RatioOptions {
  /** "cp3" (default; depthwise kh×kw filter per component, as CPConv2D stores it) or "cp4" (kh×1 then 1×kw). */
  variant?: "cp3" | "cp4";
}

/** CP rank for reduction `ratio` of a conv kernel: max(⌊P0 / (ρ · params per component)⌋, minRank = 2). */
export function cpRankForRatio(kernelShape: readonly number[], ratio: number, opts: CpRatioOptions = {}): number {
  const [kh, kw, cin, cout] = kernelArg(kernelShape);
  const rho = ratioArg(ratio);
  const P0 = p0Arg(opts.currentParams, kh * kw * cin * cout);
  const minRank = minRankArg(opts.minRank, 2);
  const perRank = cpParams(kernelShape, 1, opts.variant ?? "cp3");
  return Math.max(boundedRank(Math.floor(P0 / (rho * perRank)), rho, P0, "CP"), minRank);
}

type TtModes = readonly number[] | readonly (readonly [number, number])[];

function ttModesArg(modes: unknown): number[] {
  if (!Array.isArray(modes) || modes.length < 2) fail("modes", modes, "at least 2 mode sizes (numbers, or [m, n] pairs for a TT-matrix)");
  return (modes as unknown[]).map((m) => {
    if (typeof m === "number" && Number.isInteger(m) && m > 0) return m;
    if (Array.isArray(m) && m.length === 2 && m.every((v) => Number.isInteger(v) && v > 0)) return m[0] * m[1];
    return fail("modes", modes, "positive integers, or [m, n] pairs of positive integers for a TT-matrix");
  });
}

/** TT parameters with a uniform internal rank r: Σ_k r_{k-1} n_k r_k, r_0 = r_d = 1 (n_k = m_k n_k for a TT-matrix). */
export function ttParams(modes: TtModes, rank: number): number {
  const n = ttModesArg(modes);
  positiveInt("rank", rank);
  const d = n.length;
  return n.reduce((s, nk, k) => s + (k === 0 ? 1 : rank) * nk * (k === d - 1 ? 1 : rank), 0);
}

/**
 * Largest uniform TT rank whose parameter count is <= P0 / ρ (P0 = Π n_k by default), floored at
 * minRank = 1. Ranks above what the TT format can use are not capped here.
 */
export function ttRankForRatio(modes: TtModes, ratio: number, opts: RatioOptions = {}): number {
  const n = ttModesArg(modes);
  const rho = ratioArg(ratio);
  const P0 = p0Arg(opts.currentParams, n.reduce((p, v) => p * v, 1));
  const minRank = minRankArg(opts.minRank, 1);
  const budget = P0 / rho;
  const d = n.length;
  // params(r) = (n_1 + n_d) r + (Σ middle n_k) r²: solve the quadratic, then fix rounding.
  const lin = n[0] + n[d - 1];
  const quad = n.slice(1, d - 1).reduce((s, v) => s + v, 0);
  let r = quad === 0 ? Math.floor(budget / lin) : Math.floor((-lin + Math.sqrt(lin * lin + 4 * quad * budget)) / (2 * quad));
  boundedRank(r, rho, P0, "TT");
  while (r > 0 && ttParams(n, r) > budget) r--;
  while (ttParams(n, r + 1) <= budget) r++;
  return Math.max(r, minRank);
}
