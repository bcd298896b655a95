// tt-conv.md: Garipov's TT-convolutional layer against the naive 4-D TT kernel, alone and with
// TT-FC layers, on the 6-convolution CIFAR-10 networks. This module holds the configurations
// of Tables 1-2 and how they are found: the two published ones (the card's §3.4 A and B) and, for
// the other rows, a documented search over per-group uniform ranks whose compression rounds to
// the paper's ratio under the card's counting convention (§3.3: all weights + BatchNorm γ/β + the
// classifier's bias, no convolution biases). The networks (factorized layers, configurations,
// their builder) are in lib/models/tt-conv-net.ts and re-exported here.
import type * as tf from "@tensorflow/tfjs";
import { trainableParams } from "../models/count";
import type { TTConvBaseline } from "../models/tt-conv";
import { BASE_OF, CHANNEL_MODES, CONV_LAYERS, FC_LAYERS, ttConvNet as buildNet, type Config, type Family } from "../models/tt-conv-net";
import { maxTTRanks, ttSvd } from "../decomp/tt";
import { fail } from "../errors";
import { prod } from "../layers/common";
import { asNDArray, reshape } from "../linalg/ndarray";
import { permute } from "../linalg/tensor-ops";
import type { ModelOf, TargetIdOf } from "../papers/types";

/** The networks (tn.models): the factorized layers, configurations and their builder. */
export { BASE_OF, CHANNEL_MODES, CONV_LAYERS, FC_LAYERS, ttConvNet as buildNet, type Config, type Family } from "../models/tt-conv-net";

/** The card's §3.4 configurations A (3.23x) and B (41.65x). */
export const PUBLISHED: Record<string, Config> = {
  A: {
    family: "tt-conv",
    source: "published",
    conv: { conv1_2: [22, 20, 20, 1], conv2_1: [27, 22, 22, 1], conv2_2: [23, 23, 23, 1], conv3_1: [23, 23, 23, 1], conv3_2: [23, 23, 23, 1] },
  },
  B: {
    family: "tt-conv-tt-fc",
    source: "published",
    conv: Object.fromEntries(CONV_LAYERS.map((l) => [l.name, [16, 16, 16, 1]])),
    fc: { fc4_1: [1, 40, 40, 40, 1], fc4_2: [1, 30, 30, 30, 1] },
  },
};

/** The row ids of Tables 1 and 2: every model id of the card with an accuracy target. */
export type RowId = ModelOf<Extract<TargetIdOf<"tt-conv">, `${string}.acc`>>;

/**
 * The rows of Tables 1 and 2: id (the card's row id, the prefix of its target ids), family and the
 * paper's compression; the baselines have ratio 1.
 */
export const ROWS: { id: RowId; family: Family; ratio: number; published?: string }[] = [
  { id: "ttconv.t1.conv", family: "conv", ratio: 1 },
  { id: "ttconv.t1.tt_2_02", family: "tt-conv", ratio: 2.02 },
  { id: "ttconv.t1.tt_2_53", family: "tt-conv", ratio: 2.53 },
  { id: "ttconv.t1.tt_3_23", family: "tt-conv", ratio: 3.23, published: "A" },
  { id: "ttconv.t1.tt_4_02", family: "tt-conv", ratio: 4.02 },
  { id: "ttconv.t1.naive_2_02", family: "naive", ratio: 2.02 },
  { id: "ttconv.t1.naive_2_90", family: "naive", ratio: 2.9 },
  { id: "ttconv.t2.convfc", family: "conv-fc", ratio: 1 },
  { id: "ttconv.t2.convttfc_10_72", family: "conv-tt-fc", ratio: 10.72 },
  { id: "ttconv.t2.convttfc_19_38", family: "conv-tt-fc", ratio: 19.38 },
  { id: "ttconv.t2.convttfc_21_01", family: "conv-tt-fc", ratio: 21.01 },
  { id: "ttconv.t2.ttconvttfc_9_69", family: "tt-conv-tt-fc", ratio: 9.69 },
  { id: "ttconv.t2.ttconvttfc_41_65", family: "tt-conv-tt-fc", ratio: 41.65, published: "B" },
  { id: "ttconv.t2.ttconvttfc_82_87", family: "tt-conv-tt-fc", ratio: 82.87 },
];

export type Row = (typeof ROWS)[number];

/** The row of a card row id ("ttconv.t1.tt_3_23"). */
export function row(id: string): Row {
  return ROWS.find((r) => r.id === id) ?? fail("row", id, `one of ${ROWS.map((r) => r.id).join(", ")}`);
}

/** Exact baseline counts under the convention (§3.1-3.2). */
export const BASELINE_PARAMS: Record<TTConvBaseline, number> = { conv: 557248, "conv-fc": 13934538 };

function ttConvParams(cin: number, cout: number, r: number[]): number {
  const c = CHANNEL_MODES[cin];
  const s = CHANNEL_MODES[cout];
  let p = 9 * r[0];
  for (let k = 0; k < 3; k++) p += r[k] * c[k] * s[k] * (k === 2 ? 1 : r[k + 1]);
  return p;
}

function naiveParams(cin: number, cout: number, r: number[]): number {
  const n = [3, 3, cin, cout];
  let p = 0;
  for (let k = 0; k < 4; k++) p += r[k] * n[k] * r[k + 1];
  return p;
}

function ttDenseParams(inModes: readonly number[], outModes: readonly number[], r: number[]): number {
  let p = 0;
  for (let k = 0; k < inModes.length; k++) p += r[k] * inModes[k] * outModes[k] * r[k + 1];
  return p;
}

/** Parameters of a configuration under the card's convention, from the layer formulas. */
export function configParams(c: Config): number {
  let n = BASELINE_PARAMS[BASE_OF[c.family]];
  for (const l of CONV_LAYERS) {
    const r = c.conv?.[l.name];
    if (!r) continue;
    n += (c.family === "naive" ? naiveParams(l.cin, l.cout, r) : ttConvParams(l.cin, l.cout, r)) - 9 * l.cin * l.cout;
  }
  for (const l of FC_LAYERS) {
    const r = c.fc?.[l.name];
    if (r) n += ttDenseParams(l.inModes, l.outModes, r) - prod(l.inModes) * prod(l.outModes);
  }
  return n;
}

/**
 * The ceiling of FC-only compression of conv-fc (the card's bottleneck claim): its count if fc4_1
 * and fc4_2 cost nothing, so conv, BatchNorm and classifier are all that is left.
 */
export function fcOnlyCeiling(): number {
  let fc = 0;
  for (const l of FC_LAYERS) fc += prod(l.inModes) * prod(l.outModes);
  return BASELINE_PARAMS["conv-fc"] / (BASELINE_PARAMS["conv-fc"] - fc);
}

export function compression(c: Config): number {
  return BASELINE_PARAMS[BASE_OF[c.family]] / configParams(c);
}

const uniformConv = (r: number, family: Family) => (family === "naive" ? [1, r, r, r, 1] : [r, r, r, 1]);

/**
 * A configuration whose compression rounds to `ratio` (two decimals). TT-conv and naive: ranks
 * uniform within each of three groups (conv1_2; conv2_1; the three 128->128 layers), the most
 * even triple first. conv-TT-fc: uniform ranks a for fc4_1 and b for fc4_2, the closest pair
 * first. TT-conv-TT-fc: TT-conv ranks 16 as in configuration B, then (a, b) as before. Ties go
 * to the ratio nearest the target. Throws if nothing in the family rounds to it.
 */
export function search(family: Family, ratio: number): Config {
  if (family === "conv" || family === "conv-fc") fail("family", family, "a compressed family (tt-conv, naive, conv-tt-fc, tt-conv-tt-fc)");
  if (!(ratio > 1)) fail("ratio", ratio, "a compression ratio above 1");
  const fits = (c: Config) => Math.abs(Math.round(compression(c) * 100) / 100 - ratio) < 1e-9;
  let best: { c: Config; key: [number, number] } | undefined;
  const consider = (c: Config, spread: number) => {
    if (!fits(c)) return;
    const key: [number, number] = [spread, Math.abs(compression(c) - ratio)];
    if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && key[1] < best.key[1])) best = { c, key };
  };
  if (family === "tt-conv" || family === "naive") {
    for (let p = 1; p <= 64; p++) {
      for (let q = 1; q <= 64; q++) {
        for (let s = 1; s <= 64; s++) {
          const conv: Record<string, number[]> = { conv1_2: uniformConv(p, family), conv2_1: uniformConv(q, family) };
          for (const n of ["conv2_2", "conv3_1", "conv3_2"]) conv[n] = uniformConv(s, family);
          consider({ family, conv, source: "searched" }, Math.max(p, q, s) - Math.min(p, q, s));
        }
      }
    }
  } else {
    const conv = family === "tt-conv-tt-fc" ? Object.fromEntries(CONV_LAYERS.map((l) => [l.name, [16, 16, 16, 1]])) : undefined;
    for (let a = 1; a <= 160; a++) {
      for (let b = 1; b <= 160; b++) {
        consider({ family, conv, fc: { fc4_1: [1, a, a, a, 1], fc4_2: [1, b, b, b, 1] }, source: "searched" }, Math.abs(a - b));
      }
    }
  }
  if (!best) fail("ratio", ratio, `a compression reachable in the ${family} family's search space`);
  return best.c;
}

const configCache = new Map<string, Config>();

/** The configuration of each row: the baseline itself, published where there is one, else searched (once). */
export function rowConfig(row: Row): Config {
  if (row.family === "conv" || row.family === "conv-fc") return { family: row.family, source: "published" };
  if (row.published) return PUBLISHED[row.published];
  let c = configCache.get(row.id);
  if (!c) configCache.set(row.id, (c = search(row.family, row.ratio)));
  return c;
}

/** Parameters counted on the built model (the convention's count: all trainable weights). */
export function builtParams(c: Config): number {
  const m = buildNet(c);
  try {
    return trainableParams(m);
  } finally {
    m.dispose();
  }
}

export interface ReshapingPoint {
  reshaping: "proposed" | "naive";
  rank: number;
  params: number;
  relError: number;
}

/**
 * The side study the thesis argues but never plots: TT-SVD error of one 3x3 kernel against its
 * size, for the proposed reshaping (a spatial core of 9, then channel cores pairing input mode c_k
 * with output mode s_k: tensor [9, c_1 s_1, c_2 s_2, c_3 s_3]) and for the naive 4-D TT of
 * [3, 3, C, S], at max TT ranks `ranks`. `kernel` is [3, 3, C, S] (TensorFlow's layout).
 */
export function reshapingStudy(kernel: tf.Tensor | { shape: readonly number[]; data: Float64Array }, ranks: number[]): ReshapingPoint[] {
  const { k, paired } = reshapings(kernel);
  const out: ReshapingPoint[] = [];
  for (const r of ranks) {
    const tp = ttSvd(paired, { ranks: r });
    out.push({ reshaping: "proposed", rank: r, params: tp.params, relError: tp.relError(paired) });
    const tn4 = ttSvd(k, { ranks: r });
    out.push({ reshaping: "naive", rank: r, params: tn4.params, relError: tn4.relError(k) });
  }
  return out;
}

/** The kernel [3, 3, C, S] and its proposed reshaping [9, c_1 s_1, c_2 s_2, c_3 s_3]. */
function reshapings(kernel: tf.Tensor | { shape: readonly number[]; data: Float64Array }) {
  const k = asNDArray(kernel as never, "kernel");
  if (k.shape.length !== 4 || k.shape[0] !== 3 || k.shape[1] !== 3) fail("kernel.shape", k.shape, "[3, 3, C, S]");
  const [, , C, S] = k.shape;
  const cm = CHANNEL_MODES[C];
  const sm = CHANNEL_MODES[S];
  if (!cm || !sm) fail("kernel.shape", k.shape, "C and S in 64 or 128 (the card's channel modes)");
  // [3,3,C,S] -> [9, c1, c2, c3, s1, s2, s3] -> [9, c1, s1, c2, s2, c3, s3] -> [9, c1 s1, c2 s2, c3 s3]
  const split = reshape(k, [9, ...cm, ...sm]);
  const paired = reshape(permute(split, [0, 1, 4, 2, 5, 3, 6]), [9, cm[0] * sm[0], cm[1] * sm[1], cm[2] * sm[2]]);
  return { k, paired };
}

/** TT parameters Σ_k r_{k-1} n_k r_k. */
function ttCount(shape: readonly number[], r: readonly number[]): number {
  return shape.reduce((a, n, i) => a + r[i] * n * r[i + 1], 0);
}

/**
 * The TT ranks of `shape` with the most parameters not above `budget`, filled evenly: every bond
 * at min(cap, its maximum), the largest cap that fits, then bonds raised one by one to cap + 1
 * while the budget allows. Undefined when even ranks 1 do not fit.
 */
export function ranksForBudget(shape: readonly number[], budget: number): number[] | undefined {
  const bound = maxTTRanks(shape);
  const capped = (c: number) => bound.map((b) => Math.min(b, c));
  if (ttCount(shape, capped(1)) > budget) return undefined;
  let cap = 1;
  while (cap < Math.max(...bound) && ttCount(shape, capped(cap + 1)) <= budget) cap++;
  const r = capped(cap);
  // Round-robin passes, each raising a bond by one while the budget allows, keep the ranks even.
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 1; i < r.length - 1; i++) {
      if (r[i] >= bound[i]) continue;
      r[i]++;
      if (ttCount(shape, r) > budget) r[i]--;
      else grew = true;
    }
  }
  return r;
}

export interface BudgetPoint {
  reshaping: "proposed" | "naive";
  budget: number;
  ranks: number[];
  params: number;
  relError: number;
}

/**
 * Both reshapings at equal parameter budgets: for each budget, TT-SVD of each reshaping at the
 * ranks that fill it best (`ranksForBudget`), so the two errors are compared at counts that
 * differ only by the granularity of one rank step (the points carry the exact counts).
 */
export function reshapingAtBudgets(kernel: tf.Tensor | { shape: readonly number[]; data: Float64Array }, budgets: number[]): BudgetPoint[] {
  const { k, paired } = reshapings(kernel);
  const out: BudgetPoint[] = [];
  for (const budget of budgets) {
    for (const [reshaping, x] of [["proposed", paired], ["naive", k]] as const) {
      const ranks = ranksForBudget(x.shape, budget);
      if (!ranks) continue;
      const t = ttSvd(x, { ranks });
      out.push({ reshaping, budget, ranks, params: t.params, relError: t.relError(x) });
    }
  }
  return out;
}
