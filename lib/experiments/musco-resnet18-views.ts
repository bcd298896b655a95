// The ResNet-18 MUSCO notebook's tables and plot series, built from the base model and a
// comparison (musco-resnet18.ts), so its cells stay one or two lines.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { resnet18Cifar } from "../models/resnet18";
import { COMPRESSED_CONVS, type Row, type SeedRun } from "./musco-resnet18";
import { kernelDrift } from "./shared";

/** "mean ± sd", or the mean alone for one seed (its sd is NaN). */
export function pm(s: { mean: number; sd: number }, digits = 2): string {
  return Number.isNaN(s.sd) ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

/**
 * How far training moved each compressed kernel from its random start, ‖W − W_init‖ / ‖W_init‖,
 * with W_init the initialisation of `seed` (Pure is trained from resnet18Cifar({ seed: 0 })).
 */
export function initDrift(model: tf.LayersModel, seed = 0, layers: readonly string[] = COMPRESSED_CONVS): { layer: string; drift: number }[] {
  const init = resnet18Cifar({ seed });
  try {
    return kernelDrift(model, init, layers);
  } finally {
    init.dispose();
  }
}

/** One row per run: accuracy, Δtop-1 and reductions as mean ± sd over its seeds. */
export function summaryRows(rows: readonly Row[]): Record<string, string | number>[] {
  return rows.map((r) => ({
    run: r.label,
    seeds: r.runs.length,
    "top-1 (%)": pm(r.acc),
    "Δtop-1 (pp)": pm(r.deltaAcc),
    "param reduction": `${pm(r.paramReduction)}×`,
    "MAC reduction": `${pm(r.macReduction)}×`,
    "fine-tuning images": r.runs[0]?.ftImages ?? 0,
  }));
}

/** For tn.plot.scatter: per run, one point per seed (parameter reduction, Δtop-1). */
export function deltaScatter(rows: readonly Row[]): Record<string, { x: number[]; y: number[]; labels: string[] }> {
  return Object.fromEntries(rows.map((r) => [r.label, { x: r.runs.map((x) => x.paramReduction), y: r.runs.map((x) => x.deltaAcc), labels: r.runs.map((_, i) => `seed ${i}`) }]));
}

function seedRun(r: Row, seed: number): SeedRun {
  const run = r.runs[seed];
  if (!run) fail("seed", seed, `a seed index below ${r.runs.length} (the runs of ${r.label})`);
  return run;
}

/** Per compressed layer, each run's ranks after each stage of `seed` ("R_in/R_out → …" for Tucker-2, "R → …" for CP). */
export function rankRows(rows: readonly Row[], seed = 0): Record<string, string>[] {
  return COMPRESSED_CONVS.map((l) => ({ layer: l, ...Object.fromEntries(rows.map((r) => [r.label, seedRun(r, seed).stages.map((s) => (s.ranks[l] ?? []).join("/")).join(" → ")])) }));
}

/** Mean relative kernel error ‖W − Ŵ‖/‖W‖ over a stage's compressed layers. */
export function meanKernelError(stage: SeedRun["stages"][number]): number {
  if (!stage.rows.length) return 0;
  return stage.rows.reduce((a, x) => a + x.relError, 0) / stage.rows.length;
}

/** Per run, stage by stage for `seed`: the mean kernel error, then top-1 right after the step and after its fine-tuning. */
export function stageRows(rows: readonly Row[], seed = 0): Record<string, string>[] {
  return rows.map((r) => ({
    run: r.label,
    ...Object.fromEntries(seedRun(r, seed).stages.map((s) => [`stage ${s.stage}: kernel error · top-1 compressed → fine-tuned`, `${meanKernelError(s).toFixed(2)} · ${s.accCompressed.toFixed(1)} % → ${s.accFineTuned.toFixed(1)} %`])),
  }));
}
