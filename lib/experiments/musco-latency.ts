// Beyond the thesis (issue 25): MUSCO's multi-stage loop (chapter 1) with ranks chosen for a
// latency target on this machine rather than a FLOP or parameter ratio, using a LETI-style lookup
// table (chapter 3) of VGG-S's compressed layers in every form and grid rank, each measured alone.
// For each target: the target, the table's prediction for the chosen ranks and the compressed
// network's measured latency (batch 1, warm-up, median), with its accuracy after fine-tuning.
import type * as tf from "@tensorflow/tfjs";
import { compressModel } from "../compress/compress";
import { fastestPredictedMs, latencyStrategy, predictedModelMs, targetMs, type LatencyTarget, type StageSelection } from "../compress/latency-strategy";
import type { GridOptions, LatencyMethod } from "../compress/rank-candidates";
import { currentVariant } from "../latency/factorized";
import { LayerLatencyTable } from "../latency/layer-table";
import { environment, timeModel, type MeasureEnvironment, type TimingOptions } from "../latency/measure";
import { COMPRESSED, COMPRESSED_CONVS, COMPRESSED_DENSE, multiStageRun, ratioPlan, testAccuracy, type Budget, type Data } from "./musco";

export interface LatencyTargetRow {
  /** "80 % of dense" or "2.5 ms". */
  target: string;
  targetMs: number;
  /** The table's prediction for the final ranks (Σ layers + constant). */
  predictedMs: number;
  /** The compressed network measured at batch 1 (median of the budget's timing runs). */
  measuredMs: number;
  /** Its interquartile range over the repeats: the noise of this machine at the time. */
  iqrMs: number;
  /** Top-1 after the last compression and after its fine-tuning (%). */
  accCompressed: number;
  acc: number;
  macs: number;
  params: number;
  ranks: Record<string, number[]>;
  /** Per stage: its target, prediction and the layers it left as they were. */
  stages: Pick<StageSelection, "stage" | "targetMs" | "predictedMs" | "kept">[];
  /** Set when the target is below what the grid allows; the row has no run then. */
  unreachable?: string;
}

export interface LatencyTargetResult {
  /** Measured before the runs (the reference of fractions) and again after them; predicted by the table. */
  dense: { measuredMs: number; iqrMs: number; measuredAfterMs: number; predictedMs: number; acc: number };
  /** The fitted constant: everything the table does not hold (pooling, BN, conv1_1, fc2, overhead). */
  overheadMs: number;
  /** The smallest latency the grid allows (every compressed layer at its fastest grid rank). */
  fastestMs: number;
  /** Layer variants measured for the table. */
  tableSize: number;
  rows: LatencyTargetRow[];
  /** Warm-up and repeats of the layers alone and of the whole networks. */
  timing: { layers: TimingOptions; networks: TimingOptions };
  /** Backend, machine and load before and after (timings share the CPUs with whatever else runs). */
  environment: MeasureEnvironment;
  loadAfter: number[];
  seconds: number;
}

export interface LatencyTargetOptions {
  /**
   * Default: three targets in ms inside the reachable range, at 3/4, 1/2 and 1/4 of the way from
   * the table's prediction for the dense network down to the fastest the grid allows. At batch 1
   * the per-call cost of each small layer weighs much, and factorizing a layer into three steps
   * adds calls, so the reachable range can be a small share of the dense latency (VGG-S/2 on the
   * native backend, idle: about 15 %); a fixed "60 % of dense" would often be out of reach, and
   * under load the measured dense latency can sit outside the table's range altogether.
   */
  targets?: LatencyTarget[];
  /** Stages of the MUSCO loop per target (default 2). */
  stages?: number;
  /** Method of the 3×3 convolutions (fc1 is always SVD; default tucker2). */
  method?: Exclude<LatencyMethod, "svd">;
  /** Use the per-(geometry, method) FLOP line instead of the raw measurement (default true). */
  smooth?: boolean;
  grid?: GridOptions;
  /** Training images per target, split over its stages (default the budget's sweepFtImages). */
  ftImages?: number;
  seed?: number;
  baseAcc?: number;
}

const label = (t: LatencyTarget) => ("fraction" in t ? `${(t.fraction * 100).toFixed(1)} % of dense` : `${t.ms} ms`);

/** The budget's timing: layers alone with at least 10 repeats, whole networks with at least 20 (their runs are longer and see more interruptions). */
function timings(b: Budget): { layers: TimingOptions; networks: TimingOptions } {
  return { layers: { warmup: 3, repeats: Math.max(b.timingRuns, 10) }, networks: { warmup: 3, repeats: Math.max(b.timingRuns, 20) } };
}

/**
 * For each target: MUSCO over `stages` stages with ranks from the layer latency table
 * (tn.compress.latencyStrategy), fine-tuned between stages, then measured. The table's constant
 * is fitted on two measured networks: the dense one and a one-step ρ = 3.16 compression of it.
 */
export async function latencyTarget(base: tf.LayersModel, data: Data, b: Budget, o: LatencyTargetOptions = {}): Promise<LatencyTargetResult> {
  const t0 = Date.now();
  const env = await environment();
  const timing = timings(b);
  const method = o.method ?? "tucker2";
  const layers: Record<string, LatencyMethod> = {};
  for (const c of COMPRESSED_CONVS) layers[c] = method;
  for (const d of COMPRESSED_DENSE) layers[d] = "svd";
  const table = new LayerLatencyTable({ timing: timing.layers, smooth: o.smooth ?? true });
  const variantsOf = (m: tf.LayersModel) => COMPRESSED.map((n) => currentVariant(m.getLayer(n)));
  const dense = await timeModel(base, timing.networks);
  const probe = await compressModel(base, ratioPlan(3.16, method === "tucker2" ? "tucker2" : method, { cpIter: b.cpIter, seed: o.seed }));
  try {
    const probeMs = (await timeModel(probe.model, timing.networks)).medianMs;
    await table.ensure([...variantsOf(base), ...variantsOf(probe.model)]);
    await table.fitOverhead([
      { variants: variantsOf(base), latencyMs: dense.medianMs },
      { variants: variantsOf(probe.model), latencyMs: probeMs },
    ]);
  } finally {
    probe.model.dispose();
  }
  const baseAcc = o.baseAcc ?? (await testAccuracy(base, data.test));
  const fastest = await fastestPredictedMs(base, layers, table, o.grid);
  const stages = o.stages ?? 2;
  const rows: LatencyTargetRow[] = [];
  // The span runs from the table's own prediction for the dense network, so the first target asks for a change.
  const densePredicted = table.networkMs(variantsOf(base));
  // Rounded up to the microsecond: rounded to nearest, a target next to the fastest (a dense
  // network the grid hardly speeds up) could fall below it and be reported unreachable.
  const span = (q: number): LatencyTarget => ({ ms: Math.ceil((fastest + q * (densePredicted - fastest)) * 1000) / 1000 });
  for (const target of o.targets ?? [span(0.75), span(0.5), span(0.25)]) {
    const tMs = targetMs(target, dense.medianMs);
    const empty = { predictedMs: NaN, measuredMs: NaN, iqrMs: NaN, accCompressed: NaN, acc: NaN, macs: NaN, params: NaN, ranks: {}, stages: [] };
    if (tMs < fastest) {
      rows.push({ target: label(target), targetMs: tMs, ...empty, unreachable: `below the fastest the grid allows, ${fastest.toFixed(3)} ms predicted` });
      continue;
    }
    const seen: StageSelection[] = [];
    const plan = latencyStrategy({ layers, table, targetMs: tMs, stages, grid: o.grid, plan: method === "tucker2" ? {} : { maxIter: b.cpIter, seed: o.seed ?? 0 }, onSelect: (s) => seen.push(s) });
    const run = await multiStageRun(base, data, { label: label(target), plan, stages, ftImages: o.ftImages ?? b.sweepFtImages, seed: o.seed, baseAcc });
    try {
      const measured = await timeModel(run.model, timing.networks);
      const last = run.stages[run.stages.length - 1];
      rows.push({
        target: label(target),
        targetMs: tMs,
        predictedMs: await predictedModelMs(run.model, COMPRESSED, table),
        measuredMs: measured.medianMs,
        iqrMs: measured.iqrMs,
        accCompressed: last?.accCompressed ?? baseAcc,
        acc: run.final.acc,
        macs: run.final.macs,
        params: run.final.params,
        ranks: Object.fromEntries(COMPRESSED.map((n) => [n, currentVariant(run.model.getLayer(n)).ranks])),
        stages: seen.map(({ stage, targetMs: t, predictedMs, kept }) => ({ stage, targetMs: t, predictedMs, kept })),
      });
    } finally {
      run.model.dispose();
    }
  }
  // The dense network once more: how far the machine's speed drifted during the runs.
  const denseAgain = await timeModel(base, timing.networks);
  return {
    dense: { measuredMs: dense.medianMs, iqrMs: dense.iqrMs, measuredAfterMs: denseAgain.medianMs, predictedMs: densePredicted, acc: baseAcc },
    overheadMs: table.overheadMs,
    fastestMs: fastest,
    tableSize: Object.keys(table.measured).length,
    rows,
    timing,
    environment: env,
    loadAfter: (await environment()).load,
    seconds: (Date.now() - t0) / 1000,
  };
}
