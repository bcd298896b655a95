// The ranks a layer may take in a latency-targeted plan, on a grid, each with the share of the
// layer's kernel energy it loses: ||K − K_r||² / ||K||², where K is the layer's current dense
// kernel (the original weights at stage 1, the factorized layer's product later). Tucker-2 uses
// the truncated HOSVD of the two channel modes (exact for those factors, an upper bound on
// HOOI's optimum); SVD the tail of the singular values (exact); CP the error of CP-ALS at each
// grid rank (the one cost here that grows with the grid). The grid is anchored on the layer's
// original channel counts, so every stage asks the latency table for the same variants.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { CPConv2D, denseKernel } from "../layers";
import { currentVariant, type LayerVariant } from "../latency/factorized";
import { eigSym, gramRows, multiModeProduct, svd, unfold, type NDArray } from "../linalg";

export type LatencyMethod = "tucker2" | "cp3" | "cp4" | "svd";

/** One choice for one layer: the variant it becomes and the kernel energy share it loses. */
export interface RankCandidate {
  variant: LayerVariant;
  /** ||K − K_r||² / ||K||² (0 for `keep`). */
  energyLost: number;
  /** The layer as it is now (no plan entry). */
  keep: boolean;
}

export interface GridOptions {
  /** Ranks as fractions of the layer's original sizes (default 1/8 … 1 in eighths, then 1/16). */
  fractions?: readonly number[];
  /** Smallest rank of the grid (default 1). */
  minRank?: number;
  /** cp3 / cp4: CP-ALS iterations per grid rank (default 25) and seed. */
  cpIter?: number;
  seed?: number;
}

export const DEFAULT_FRACTIONS: readonly number[] = [1 / 16, 1 / 8, 2 / 8, 3 / 8, 4 / 8, 5 / 8, 6 / 8, 7 / 8, 1];

function grid(size: number, max: number, o: GridOptions): number[] {
  const fr = o.fractions ?? DEFAULT_FRACTIONS;
  if (!fr.length || fr.some((f) => !(f > 0 && f <= 1))) fail("grid.fractions", fr, "fractions in (0, 1]");
  const minRank = o.minRank ?? 1;
  if (!Number.isInteger(minRank) || minRank < 1) fail("grid.minRank", minRank, "a positive integer");
  const rs = fr.map((f) => Math.max(minRank, Math.round(f * size))).filter((r) => r <= max);
  return [...new Set(rs)].sort((a, b) => a - b);
}

/** Σ over (a < rIn, b < rOut) of the HOSVD core energies, for every (rIn, rOut): a 2-D prefix sum. */
function tucker2Lost(k: NDArray): (rIn: number, rOut: number) => number {
  const [kh, kw, cin, cout] = k.shape;
  const uIn = eigSym(gramRows(unfold(k, 2))).vectors;
  const uOut = eigSym(gramRows(unfold(k, 3))).vectors;
  const g = multiModeProduct(k, [null, null, uIn, uOut], true);
  const e = new Float64Array((cin + 1) * (cout + 1));
  let total = 0;
  for (let s = 0; s < kh * kw; s++) {
    for (let a = 0; a < cin; a++) for (let b = 0; b < cout; b++) {
      const v = g.data[(s * cin + a) * cout + b] ** 2;
      e[(a + 1) * (cout + 1) + b + 1] += v;
      total += v;
    }
  }
  for (let a = 1; a <= cin; a++) for (let b = 1; b <= cout; b++) e[a * (cout + 1) + b] += e[(a - 1) * (cout + 1) + b] + e[a * (cout + 1) + b - 1] - e[(a - 1) * (cout + 1) + b - 1];
  return (rIn, rOut) => (total > 0 ? Math.max(0, 1 - e[rIn * (cout + 1) + rOut] / total) : 0);
}

function svdLost(k: NDArray): (r: number) => number {
  const s2 = Array.from(svd(k).s, (v) => v * v);
  const total = s2.reduce((a, v) => a + v, 0);
  return (r) => (total > 0 ? s2.slice(r).reduce((a, v) => a + v, 0) / total : 0);
}

function cpLost(layer: tf.layers.Layer, method: "cp3" | "cp4", o: GridOptions): (r: number) => number {
  return (r) => {
    const d = CPConv2D.fromConv(layer, r, { variant: method, maxIter: o.cpIter ?? 25, seed: o.seed ?? 0 });
    for (const w of d.weights) w.dispose();
    d.layer.release();
    return d.relError ** 2;
  };
}

/**
 * The layer as it is (keep) and every grid rank of `method` it may take: never above its current
 * ranks (a factorized layer is only re-compressed further, musco.md §2.2) nor above what the
 * method allows (Tucker-2: R_in ≤ min(C_in, kh·kw·R_out), R_out ≤ min(C_out, kh·kw·R_in); SVD:
 * R ≤ min(m, n)). The grid is on the original sizes: C_in / C_out, min(m, n), max(C_in, C_out) for CP.
 */
export function rankCandidates(layer: tf.layers.Layer, method: LatencyMethod, o: GridOptions = {}): RankCandidate[] {
  const now = currentVariant(layer);
  const g = now.geometry;
  const keep: RankCandidate = { variant: now, energyLost: 0, keep: true };
  const k = denseKernel(layer);
  if (method === "svd") {
    if (g.kind !== "dense") return fail(`${layer.name} method`, method, "tucker2, cp3 or cp4 for a convolution");
    if (now.method !== "dense" && now.method !== "svd") fail(`${layer.name} method`, method, `the layer's own method ${now.method}`);
    const full = Math.min(g.input, g.units);
    const lost = svdLost(k);
    const max = now.method === "svd" ? now.ranks[0] : full;
    return [keep, ...grid(full, max, o).filter((r) => !(now.method === "svd" && r === max)).map((r) => ({ variant: { geometry: g, method, ranks: [r] }, energyLost: lost(r), keep: false }))];
  }
  if (g.kind !== "conv") return fail(`${layer.name} method`, method, "svd for a dense layer");
  if (now.method !== "dense" && now.method !== method) fail(`${layer.name} method`, method, `the layer's own method ${now.method}`);
  const [kh, kw] = g.kernel;
  const cin = g.input[2];
  if (method === "tucker2") {
    const [curIn, curOut] = now.method === "tucker2" ? now.ranks : [cin, g.filters];
    const lost = tucker2Lost(k);
    const out: RankCandidate[] = [keep];
    for (const a of grid(cin, curIn, o)) {
      for (const b of grid(g.filters, curOut, o)) {
        if (a > kh * kw * b || b > kh * kw * a) continue;
        if (now.method === "tucker2" && a === curIn && b === curOut) continue;
        out.push({ variant: { geometry: g, method, ranks: [a, b] }, energyLost: lost(a, b), keep: false });
      }
    }
    return out;
  }
  const max = now.method === method ? now.ranks[0] : Math.max(cin, g.filters);
  const lost = cpLost(layer, method, o);
  return [keep, ...grid(Math.max(cin, g.filters), max, o).filter((r) => !(now.method === method && r === max)).map((r) => ({ variant: { geometry: g, method, ranks: [r] }, energyLost: lost(r), keep: false }))];
}
