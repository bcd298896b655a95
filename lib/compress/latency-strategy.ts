// A latency target as MUSCO's rank rule: a RankStrategy for tn.compress.multiStage that, at each
// stage, lists every layer's grid ranks (rank-candidates.ts), asks the layer latency table for
// their times (measuring what it lacks), and picks ranks greedily (latency-select.ts) for this
// stage's target. The stages close the gap to the final target geometrically, as MUSCO's per-step
// ratio does with parameters: target_s = start · (final / start)^(s / stages), where start is
// the predicted latency of the model the first stage receives.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import type { LayerLatencyTable } from "../latency/layer-table";
import { currentVariant } from "../latency/factorized";
import { fastestMs, selectRanks, type SelectInput, type Selection } from "./latency-select";
import type { RankStrategy } from "./multistage";
import type { LayerPlan } from "./plan";
import { rankCandidates, type GridOptions, type LatencyMethod, type RankCandidate } from "./rank-candidates";

/** A latency target: milliseconds at batch 1, or a fraction of a reference (the dense model's measured latency). */
export type LatencyTarget = { ms: number } | { fraction: number };

/** The target in ms; `referenceMs` is what a fraction is of. */
export function targetMs(target: LatencyTarget, referenceMs: number): number {
  if ("fraction" in target) {
    if (!(target.fraction > 0 && target.fraction <= 1)) fail("target.fraction", target.fraction, "a fraction of the reference latency in (0, 1]");
    if (!(referenceMs > 0)) fail("referenceMs", referenceMs, "the reference (dense) latency, a positive number of ms");
    return target.fraction * referenceMs;
  }
  if (!(target.ms > 0) || !Number.isFinite(target.ms)) fail("target.ms", target.ms, "a positive, finite latency in milliseconds");
  return target.ms;
}

export interface LatencyStrategyOptions {
  /** The layers to compress and the method of each (svd for Dense, tucker2 / cp3 / cp4 for Conv2D). */
  layers: Record<string, LatencyMethod>;
  /** Per-layer latencies on this machine, with its constant fitted (LayerLatencyTable.fitOverhead). */
  table: LayerLatencyTable;
  /** The final predicted latency to reach (ms at batch 1). */
  targetMs: number;
  /** Stages of the multi-stage loop (the last one reaches targetMs). */
  stages: number;
  grid?: GridOptions;
  /** Fields added to every layer's plan besides method and ranks (maxIter, seed, minRank ...). */
  plan?: Omit<LayerPlan, "method" | "ranks" | "evbmf" | "ratio" | "weaken">;
  /** Called with each stage's choice. */
  onSelect?: (s: StageSelection) => void;
}

export interface StageSelection {
  stage: number;
  /** This stage's target and the selection's predicted latency (ms). */
  targetMs: number;
  predictedMs: number;
  /** The predicted latency of the model the stage received. */
  startMs: number;
  /** Ranks per layer after the stage ([] when a plain layer stays plain). */
  ranks: Record<string, number[]>;
  /** Layers left as they were. */
  kept: string[];
  energyLost: number;
  selection: Selection;
}

/** The ≤ order's ranks of a candidate: a plain layer counts as full rank in the method's terms. */
function orderRanks(c: RankCandidate, method: LatencyMethod): number[] {
  if (!c.keep || c.variant.method !== "dense") return c.variant.ranks;
  const g = c.variant.geometry;
  if (g.kind === "dense") return [Math.min(g.input, g.units)];
  return method === "tucker2" ? [g.input[2], g.filters] : [Math.max(g.input[2], g.filters)];
}

/**
 * Each listed layer's options — as it is now, and every grid rank it may take — with the table's
 * predicted latency of the layer in that form and the kernel energy it loses (measuring what the
 * table lacks): the per-layer, per-rank latency model the selection works on.
 */
export async function latencyOptions(model: tf.LayersModel, layers: Record<string, LatencyMethod>, table: LayerLatencyTable, grid?: GridOptions): Promise<{ inputs: SelectInput[]; cands: Record<string, RankCandidate[]> }> {
  const inputs: SelectInput[] = [];
  const cands: Record<string, RankCandidate[]> = {};
  for (const [name, method] of Object.entries(layers)) {
    const cs = rankCandidates(model.getLayer(name), method, grid);
    await table.ensure(cs.map((c) => c.variant));
    cands[name] = cs;
    inputs.push({ layer: name, options: cs.map((c) => ({ ranks: orderRanks(c, method), latencyMs: table.layerMs(c.variant), energyLost: c.energyLost })) });
  }
  return { inputs, cands };
}

/** The smallest predicted latency the grid allows from `model` (every layer at its fastest rank): targets below it cannot be met. */
export async function fastestPredictedMs(model: tf.LayersModel, layers: Record<string, LatencyMethod>, table: LayerLatencyTable, grid?: GridOptions): Promise<number> {
  return fastestMs((await latencyOptions(model, layers, table, grid)).inputs, table.overheadMs);
}

/**
 * The RankStrategy that reaches `targetMs` (predicted) over `stages` stages. It remembers the
 * latency its first stage started from, so make one per run. For one compression without a loop:
 * `compressModel(model, await latencyStrategy({ ..., stages: 1 })(1, model))`.
 */
export function latencyStrategy(o: LatencyStrategyOptions): RankStrategy {
  if (!(o.targetMs > 0) || !Number.isFinite(o.targetMs)) fail("targetMs", o.targetMs, "a positive, finite latency in milliseconds");
  if (!Number.isInteger(o.stages) || o.stages < 1) fail("stages", o.stages, "a positive integer");
  if (!Object.keys(o.layers).length) fail("layers", o.layers, "at least one layer name with its method");
  let startMs: number | undefined;
  return async (stage: number, model: tf.LayersModel) => {
    const { inputs, cands } = await latencyOptions(model, o.layers, o.table, o.grid);
    const now = inputs.reduce((a, l) => a + l.options[0].latencyMs, o.table.overheadMs);
    if (startMs === undefined) {
      startMs = now;
      const fastest = fastestMs(inputs, o.table.overheadMs);
      if (fastest > o.targetMs) fail("targetMs", o.targetMs, `at least ${fastest.toFixed(4)} ms, the predicted latency with every layer at its fastest allowed rank`);
    }
    const t = Math.max(startMs * (o.targetMs / startMs) ** (Math.min(stage, o.stages) / o.stages), o.targetMs);
    // A model already at or below this stage's target is left as it is (selectRanks makes no move).
    const sel = selectRanks(inputs, t, o.table.overheadMs);
    const plan: Record<string, LayerPlan> = {};
    const ranks: Record<string, number[]> = {};
    const kept: string[] = [];
    for (const [name, method] of Object.entries(o.layers)) {
      const c = cands[name][sel.chosen[name]];
      ranks[name] = c.variant.ranks;
      if (c.keep) {
        kept.push(name);
        continue;
      }
      plan[name] = { ...o.plan, method, ranks: method === "tucker2" ? [...c.variant.ranks] : c.variant.ranks[0] };
    }
    o.onSelect?.({ stage, targetMs: t, predictedMs: sel.predictedMs, startMs: now, ranks, kept, energyLost: sel.energyLost, selection: sel });
    return plan;
  };
}

/** The predicted latency of `model` with the table (measuring missing variants): its listed layers' variants summed, plus the constant. */
export async function predictedModelMs(model: tf.LayersModel, layers: readonly string[], table: LayerLatencyTable): Promise<number> {
  const vs = layers.map((n) => currentVariant(model.getLayer(n)));
  await table.ensure(vs);
  return table.networkMs(vs);
}
