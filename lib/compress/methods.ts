// The compression methods as one table: for each method, the layer classes it takes, how a plan's
// ranks become the ranks of one layer, and how the replacement is built: by the factorized
// layers' own fromDense / fromConv, so decomposing and re-compressing live with the layers.
// Re-compression (musco.md §1.4.2, §1.6.1, §1.7) is a row that takes a factorized class.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { CPConv2D, type Decomposed, type FactorLayer, type FromConvOptions, SVDDense, TTConv2D, TTDense, Tucker2Conv2D, denseKernel } from "../layers";
import { type NDArray, asNDArray, cpRankForRatio, evbmfRanks, svdRankForRatio, ttRankForRatio, tucker2RanksForRatio, weakenedRank } from "./decomp-api";
import { type LayerPlan, type Method, rankNumber } from "./plan";

/** One planned layer. */
export interface Target {
  name: string;
  layer: tf.layers.Layer;
  plan: LayerPlan;
}

/** The ranks to build with, or `keep`: EVBMF keeps every rank, so the layer stays as it is (musco.md §2.7). */
export type RankChoice = { ranks: number | number[] } | { keep: number[] };

export interface MethodRow {
  /** The classes of the layers this method replaces. */
  accepts: readonly string[];
  ranks(t: Target): RankChoice;
  build(t: Target, ranks: number | number[], opts: FromConvOptions): Decomposed<FactorLayer>;
  /** The ranks the report shows, read off the built layer. */
  reported(layer: FactorLayer): number[];
  /**
   * Convolution rows whose last step can take a fresh bias (plan.addBias) and whose layer can pad
   * itself (a folded ZeroPadding2D): the input size of that last step, the fresh bias's fan-in.
   */
  biasFanIn?(ranks: number | number[]): number;
}

function svdRanks({ name, layer, plan: p }: Target): RankChoice {
  const w = denseKernel(layer);
  const [m, n] = w.shape;
  const current = layer instanceof SVDDense ? layer.rank : Math.min(m, n);
  let r: number;
  if (p.ranks !== undefined) r = rankNumber(name, p);
  else if (p.evbmf) r = weakenedRank(current, evbmfRanks(w).rIn, p.weaken ?? 1, p.minRank ?? 8);
  else r = svdRankForRatio(m, n, p.ratio!, { currentParams: layer instanceof SVDDense ? current * (m + n) : undefined, minRank: p.minRank });
  r = Math.min(r, current, m, n);
  return p.evbmf && r >= current ? { keep: [current] } : { ranks: r };
}

function modes(name: string, p: LayerPlan, what: [string, string]): [number[], number[]] {
  const inModes = p.inModes ?? fail(`plan.${name}.inModes`, undefined, what[0]);
  const outModes = p.outModes ?? fail(`plan.${name}.outModes`, undefined, what[1]);
  return [inModes, outModes];
}

function ttRanks({ name, plan: p }: Target): RankChoice {
  const [inModes, outModes] = modes(name, p, ["the input feature modes of the TT layer", "the output modes of the TT layer"]);
  if (p.ratio !== undefined) return { ranks: ttRankForRatio(inModes.map((m, k) => [m, outModes[k]] as [number, number]), p.ratio, { minRank: p.minRank }) };
  if (p.ranks === undefined) return fail(`plan.${name}.ranks`, p.ranks, "TT ranks or a ratio (EVBMF gives no TT rank)");
  return { ranks: p.ranks };
}

/**
 * Tucker-2 ranks by EVBMF on the channel unfoldings of `core` (the kernel, or a Tucker-2 layer's
 * core): weaken_rank per mode (musco.md §2.7), where an extreme rank of 0 keeps that mode's rank,
 * or with plan.mirrorZero the ResNet-18 notebook's rule (resnet18-cp-tucker.md §2.3: the estimates
 * as they are, no weakening; when both are 0 the smallest layer, rank minRank).
 */
function tucker2Evbmf(core: NDArray, p: LayerPlan, current: [number, number]): [number, number] {
  const e = evbmfRanks(core, { mirrorZero: p.mirrorZero === true });
  if (p.mirrorZero) return [Math.max(e.rIn, p.minRank ?? 1), Math.max(e.rOut, p.minRank ?? 1)];
  return [weakenedRank(current[0], e.rIn, p.weaken ?? 1, p.minRank ?? 8), weakenedRank(current[1], e.rOut, p.weaken ?? 1, p.minRank ?? 8)];
}

function tucker2Ranks({ name, layer, plan: p }: Target): RankChoice {
  const t2 = layer instanceof Tucker2Conv2D ? layer : undefined;
  const k = denseKernel(layer);
  const [kh, kw, cin, cout] = k.shape;
  const [curIn, curOut] = t2 ? [t2.inRank, t2.outRank] : [cin, cout];
  let rIn: number;
  let rOut: number;
  if (p.ranks !== undefined) {
    if (!Array.isArray(p.ranks) || p.ranks.length !== 2) fail(`plan.${name}.ranks`, p.ranks, "[inRank, outRank] for tucker2");
    [rIn, rOut] = p.ranks as number[];
  } else if (p.evbmf) {
    [rIn, rOut] = tucker2Evbmf(t2 ? asNDArray(t2.getWeights()[1], "core") : k, p, [curIn, curOut]);
    if (rIn >= curIn && rOut >= curOut) return { keep: [curIn, curOut] };
  } else {
    const currentParams = t2 ? t2.params() - (t2.useBias ? cout : 0) : undefined;
    ({ rIn, rOut } = tucker2RanksForRatio([kh, kw, cin, cout], p.ratio!, { currentParams, minRank: p.minRank }));
  }
  return { ranks: [Math.min(rIn, curIn, kh * kw * curOut), Math.min(rOut, curOut, kh * kw * curIn)] };
}

/** CP rank; a CPConv2D is re-compressed at most at its own rank (musco.md §1.6.1). */
function cpRanks({ name, layer, plan: p }: Target): RankChoice {
  const cp = layer instanceof CPConv2D ? layer : undefined;
  if (p.ranks !== undefined) return { ranks: Math.min(rankNumber(name, p), cp?.rank ?? Infinity) };
  const variant = p.method === "cp4" && p.spatial === "full" ? "cp3" : (p.method as "cp3" | "cp4");
  const currentParams = cp ? cp.params() - (cp.useBias ? cp.filters : 0) : undefined;
  const R = cpRankForRatio(denseKernel(layer).shape, p.ratio!, { variant, minRank: p.minRank, currentParams });
  return { ranks: Math.min(R, cp?.rank ?? Infinity) };
}

function cpRow(method: "cp3" | "cp4"): MethodRow {
  return {
    accepts: ["Conv2D", "CPConv2D"],
    ranks: cpRanks,
    build: ({ layer, plan: p }, R, opts) =>
      CPConv2D.fromConv(layer, R as number, { ...opts, variant: method, spatial: p.spatial, maxIter: p.maxIter, init: p.init, seed: p.seed }),
    reported: (l) => [(l as CPConv2D).rank],
    biasFanIn: (R) => R as number,
  };
}

/** In the order the error messages list them. */
export const METHODS: Record<Method, MethodRow> = {
  svd: {
    accepts: ["Dense", "SVDDense"],
    ranks: svdRanks,
    build: ({ layer }, r, opts) => SVDDense.fromDense(layer, r as number, opts),
    reported: (l) => [(l as SVDDense).rank],
  },
  tt: {
    accepts: ["Dense"],
    ranks: ttRanks,
    build: ({ layer, plan: p }, ranks, opts) => TTDense.fromDense(layer, { inModes: p.inModes!, outModes: p.outModes!, ranks }, opts),
    reported: (l) => [...(l as TTDense).ranks],
  },
  tucker2: {
    accepts: ["Conv2D", "Tucker2Conv2D"],
    ranks: tucker2Ranks,
    build: ({ layer, plan: p }, ranks, opts) => Tucker2Conv2D.fromConv(layer, ranks as [number, number], { ...opts, maxIter: p.maxIter }),
    reported: (l) => [(l as Tucker2Conv2D).inRank, (l as Tucker2Conv2D).outRank],
    biasFanIn: (ranks) => (ranks as number[])[1],
  },
  cp3: cpRow("cp3"),
  cp4: cpRow("cp4"),
  ttconv: {
    accepts: ["Conv2D"],
    ranks: ({ name, plan: p }) => {
      modes(name, p, ["the input channel modes", "the output channel modes"]);
      return p.ranks === undefined ? fail(`plan.${name}.ranks`, p.ranks, "TTConv2D ranks (ratio is not supported for ttconv)") : { ranks: p.ranks };
    },
    build: ({ layer, plan: p }, ranks, opts) => TTConv2D.fromConv(layer, { inModes: p.inModes!, outModes: p.outModes!, ranks }, opts),
    reported: (l) => [...(l as TTConv2D).ranks],
  },
};

/** The methods that take a layer of class `cls`, as `"a", "b" or "c"` (empty when none does). */
export function methodsFor(cls: string): string {
  const names = (Object.keys(METHODS) as Method[]).filter((m) => METHODS[m].accepts.includes(cls)).map((m) => `"${m}"`);
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}
