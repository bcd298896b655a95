// musco.md §2.6-2.8 without training: EVBMF on synthetic low-rank-plus-noise matrices (its
// detection threshold), the τ̄ table of the card's unit test, and the Tucker-2 ranks that a
// per-step reduction ρ gives (the card's worked examples). Part of tn.experiments.musco.
import { evbmf, evbmfTauBar, evbmfTauBarApprox } from "../decomp/evbmf";
import { tucker2RanksForRatio } from "../decomp/ranks";
import { svd } from "../linalg/svd";
import { fail } from "../errors";
import { rng } from "../random";

export interface SyntheticCase {
  L: number;
  M: number;
  trueRank: number;
  /** Signal singular values in units of the noise edge σ(√L + √M). */
  strength: number;
  noiseSigma2: number;
  /** Singular values of Y, descending. */
  spectrum: number[];
  threshold: number;
  /** The largest singular value of pure noise: σ(√L + √M) (Marchenko-Pastur edge). */
  noiseEdge: number;
  foundRank: number;
  sigma2: number;
}

/**
 * Y = U diag(s) Vᵀ + σ E with U, V random orthonormal (L × k, M × k), s = strength · σ(√L + √M)
 * · (1 + 0.5 h/k) for h = 0..k-1, E standard normal; EVBMF then estimates σ² and the rank.
 */
export function lowRankPlusNoise(o: { L: number; M: number; rank: number; strength: number; sigma?: number; seed?: number }): SyntheticCase {
  const { L, M, rank: k, strength } = o;
  if (!Number.isInteger(L) || L < 2) fail("L", L, "an integer >= 2");
  if (!Number.isInteger(M) || M < L) fail("M", M, `an integer >= L = ${L}`);
  if (!Number.isInteger(k) || k < 0 || k >= L) fail("rank", k, `an integer in [0, ${L - 1}]`);
  if (!(strength >= 0)) fail("strength", strength, "a non-negative number");
  const sigma = o.sigma ?? 1;
  if (!(sigma > 0)) fail("sigma", sigma, "a positive noise deviation");
  const r = rng(o.seed ?? 0);
  const orth = (n: number): Float64Array => {
    // Gram-Schmidt on k Gaussian columns (k is small), twice for orthogonality to rounding.
    const q = new Float64Array(n * k);
    for (let i = 0; i < q.length; i++) q[i] = r.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        for (let p = 0; p < j; p++) {
          let d = 0;
          for (let i = 0; i < n; i++) d += q[i * k + j] * q[i * k + p];
          for (let i = 0; i < n; i++) q[i * k + j] -= d * q[i * k + p];
        }
        let nn = 0;
        for (let i = 0; i < n; i++) nn += q[i * k + j] ** 2;
        nn = Math.sqrt(nn);
        for (let i = 0; i < n; i++) q[i * k + j] /= nn;
      }
    }
    return q;
  };
  const U = orth(L);
  const V = orth(M);
  const edge = sigma * (Math.sqrt(L) + Math.sqrt(M));
  const s = Array.from({ length: k }, (_, h) => strength * edge * (1 + (0.5 * h) / Math.max(1, k)));
  const y = new Float64Array(L * M);
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < M; j++) {
      let v = sigma * r.normal();
      for (let h = 0; h < k; h++) v += U[i * k + h] * s[h] * V[j * k + h];
      y[i * M + j] = v;
    }
  }
  const e = evbmf({ shape: [L, M], data: y });
  const spectrum = Array.from(svd({ shape: [L, M], data: y }).s);
  return { L, M, trueRank: k, strength, noiseSigma2: sigma * sigma, spectrum, threshold: e.threshold, noiseEdge: edge, foundRank: e.rank, sigma2: e.sigma2 };
}

export interface EvbmfSweepRow {
  trueRank: number;
  strength: number;
  /** Found ranks over the seeds. */
  found: number[];
  /** Share of seeds where the found rank equals the true rank. */
  exact: number;
  sigma2: number;
}

/** Found vs true rank over signal strengths (the detection threshold of EVBMF), `seeds` matrices each. */
export function evbmfSweep(o: { L?: number; M?: number; ranks?: number[]; strengths?: number[]; seeds?: number } = {}): EvbmfSweepRow[] {
  const L = o.L ?? 64;
  const M = o.M ?? 256;
  const out: EvbmfSweepRow[] = [];
  for (const k of o.ranks ?? [4, 12]) {
    for (const strength of o.strengths ?? [0.3, 0.6, 0.8, 1, 1.2, 1.5, 2, 3]) {
      const cases = Array.from({ length: o.seeds ?? 3 }, (_, seed) => lowRankPlusNoise({ L, M, rank: k, strength, seed: 1000 * k + seed }));
      const found = cases.map((c) => c.foundRank);
      out.push({ trueRank: k, strength, found, exact: found.filter((f) => f === k).length / found.length, sigma2: cases.reduce((a, c) => a + c.sigma2, 0) / cases.length });
    }
  }
  return out;
}

/** The card's §2.6 unit-test table: exact τ̄ vs the code's 2.5129 √α and x̄. */
export function tauBarTable(alphas = [1, 0.5, 0.25, 1 / 9, 0.1]): { alpha: number; exact: number; approx: number; xBar: number }[] {
  return alphas.map((alpha) => {
    const approx = evbmfTauBarApprox(alpha);
    return { alpha, exact: evbmfTauBar(alpha), approx, xBar: (1 + approx) * (1 + alpha / approx) };
  });
}

/** The card's §2.8 worked examples: Tucker-2 ranks of 3×3 layers for ρ = 3.16 twice and ρ = 10 once. */
export function ratioRankTable(shapes: [number, number][] = [[32, 32], [64, 64], [128, 64], [128, 128], [256, 256], [512, 512]]): {
  cout: number;
  cin: number;
  step1: [number, number];
  step2: [number, number];
  oneShot: [number, number];
  totalRatio: number;
}[] {
  return shapes.map(([cout, cin]) => {
    const k = [3, 3, cin, cout];
    const P = (r: { rIn: number; rOut: number }) => cin * r.rIn + 9 * r.rIn * r.rOut + r.rOut * cout;
    const s1 = tucker2RanksForRatio(k, 3.16);
    const s2 = tucker2RanksForRatio(k, 3.16, { currentParams: P(s1) });
    const one = tucker2RanksForRatio(k, 10);
    return { cout, cin, step1: [s1.rOut, s1.rIn], step2: [s2.rOut, s2.rIn], oneShot: [one.rOut, one.rIn], totalRatio: (9 * cin * cout) / P(s2) };
  });
}
