// What a compression plan says of one layer, the report row it gives, and the checks of a plan
// that need no layer.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";

export type Method = "svd" | "tt" | "ttconv" | "tucker2" | "cp3" | "cp4";

/**
 * How to compress one layer. Give exactly one of `ranks`, `evbmf` or `ratio`. A Dense takes svd or
 * tt, a Conv2D tucker2, cp3, cp4 or ttconv; a factorized layer is re-compressed by its own method:
 * SVDDense by svd, Tucker2Conv2D by tucker2 (its core only), CPConv2D by cp3 / cp4 (its rebuilt kernel).
 */
export interface LayerPlan {
  method: Method;
  /** svd / cp3 / cp4: the rank; tucker2: [inRank, outRank]; tt: TTDense ranks; ttconv: TTConv2D ranks [r_0, ..., 1]. */
  ranks?: number | number[];
  /** EVBMF ranks (svd, tucker2), weakened by `weaken` (MUSCO's w in (0, 1]; default 1 = the extreme rank). */
  evbmf?: boolean;
  weaken?: number;
  /**
   * tucker2 with evbmf: when one mode's extreme rank is 0, use the other mode's for both (the
   * ResNet-18 notebook's rule, resnet18-cp-tucker.md §2.3). Default false: MUSCO's rule, where a
   * 0 keeps that mode's rank (musco.md §2.7).
   */
  mirrorZero?: boolean;
  /** Floor of EVBMF / ratio ranks (MUSCO: 8 for Tucker-2 and SVD, 2 for CP). */
  minRank?: number;
  /** Parameter-reduction factor ρ of this step for this layer (svd, tucker2, cp3, cp4, tt). */
  ratio?: number;
  /** tt: modes of the input and output features; ttconv: channel modes. */
  inModes?: number[];
  outModes?: number[];
  /**
   * tucker2 / cp3 / cp4 of a "valid" Conv2D fed only by a symmetric ZeroPadding2D: the new layer
   * pads itself (padding = p) and the ZeroPadding2D goes, so its 1×1 step runs on the unpadded
   * map as in PyTorch (default true).
   */
  foldPadding?: boolean;
  /**
   * cp4: how the rank-1 spatial filters V[h, r]·H[w, r] of the 4-way CP are stored. "separable"
   * (default): a kh×1 and a 1×kw depthwise step (kh + kw weights per rank, Lebedev's layer).
   * "full": their products as one kh×kw depthwise filter (kh·kw weights per rank, a "cp3"-shaped
   * layer whose filters start rank-1 and train freely), as the code behind resnet18-cp-tucker.md
   * §2.2 builds its layer from TensorLy's 4-way `parafac`.
   */
  spatial?: "separable" | "full";
  /** cp3 / cp4: CP-ALS iterations (default 100), start ("svd", the default, or "random") and seed; tucker2: HOOI sweeps (default 100). */
  maxIter?: number;
  init?: "svd" | "random";
  seed?: number;
  /**
   * tucker2 / cp3 / cp4 of a convolution without a bias: give the last 1x1 step a bias anyway,
   * initialised like PyTorch's default (U(±1/√fan_in), seeded by `seed`), as the code behind
   * resnet18-cp-tucker.md does (its §2.2-2.3); counted in the parameters and MACs.
   */
  addBias?: boolean;
}

export interface CompressRow {
  layer: string;
  method: Method;
  /** Class before → after, e.g. "Conv2D → Tucker2Conv2D". */
  change: string;
  ranks: number[];
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** ||W − W'||_F / ||W||_F of the dense kernels before and after. */
  relError: number;
}

export interface CompressResult {
  model: tf.LayersModel;
  report: CompressRow[];
}

export function checkPlan(name: string, p: LayerPlan): void {
  const given = [p.ranks !== undefined, p.evbmf === true, p.ratio !== undefined].filter(Boolean).length;
  if (given !== 1) fail(`plan.${name}`, JSON.stringify(p), "exactly one of ranks, evbmf: true or ratio");
  if (p.evbmf && p.method !== "svd" && p.method !== "tucker2") fail(`plan.${name}.evbmf`, true, "only with method svd or tucker2 (EVBMF gives no CP or TT rank)");
  if (p.weaken !== undefined && !(p.weaken > 0 && p.weaken <= 1)) fail(`plan.${name}.weaken`, p.weaken, "a weakening factor in (0, 1]");
  if (p.init !== undefined && p.init !== "svd" && p.init !== "random") fail(`plan.${name}.init`, p.init, '"svd" or "random"');
  if (p.mirrorZero && !(p.method === "tucker2" && p.evbmf)) fail(`plan.${name}.mirrorZero`, true, "only with method tucker2 and evbmf: true");
  if (p.mirrorZero && p.weaken !== undefined && p.weaken !== 1) fail(`plan.${name}.weaken`, p.weaken, "no weakening with mirrorZero (the ResNet-18 rule takes the estimates as they are)");
  if (p.addBias && !["tucker2", "cp3", "cp4"].includes(p.method)) fail(`plan.${name}.addBias`, true, "only with method tucker2, cp3 or cp4");
  if (p.spatial !== undefined) {
    if (p.method !== "cp4") fail(`plan.${name}.spatial`, p.spatial, "only with method cp4 (a 3-way CP has no separable spatial filters)");
    if (p.spatial !== "separable" && p.spatial !== "full") fail(`plan.${name}.spatial`, p.spatial, '"separable" or "full"');
  }
}

/** The one positive integer rank a plan gives (svd, cp3, cp4). */
export function rankNumber(name: string, p: LayerPlan): number {
  const r = p.ranks;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) fail(`plan.${name}.ranks`, r, `one positive integer rank for ${p.method}`);
  return r as number;
}

