// MUSCO's multi-stage loop (musco.md §1.3, Algorithm 1): compress every planned layer, fine-tune,
// and again — at later stages the same plan re-compresses the now factorized layers (only their
// small cores are decomposed), so ranks shrink step by step with fine-tuning in between.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { type CompressRow, type LayerPlan, compressModel } from "./compress";

export interface StageReport {
  stage: number;
  rows: CompressRow[];
  /** `evaluate` right after compression and after fine-tuning (when an evaluate callback is given). */
  metricCompressed?: number;
  metricFineTuned?: number;
}

/**
 * How a stage's ranks are chosen: a function of the stage (1-based) and the current model that
 * returns the plan (EVBMF, a ratio, or a latency target, latency-strategy.ts), so the loop itself
 * has no branch per rank rule.
 */
export type RankStrategy = (stage: number, model: tf.LayersModel) => Record<string, LayerPlan> | Promise<Record<string, LayerPlan>>;

export interface MultiStageOptions {
  /** The plan of every stage, or the strategy that makes each stage's plan. */
  plan: Record<string, LayerPlan> | RankStrategy;
  stages: number;
  /** Trains the compressed model in place (the caller's optimizer, data and budget). */
  fineTune: (model: tf.LayersModel, stage: number) => Promise<void>;
  /** Optional quality metric (e.g. test accuracy), recorded before and after each fine-tuning. */
  evaluate?: (model: tf.LayersModel) => Promise<number>;
  onStage?: (report: StageReport) => void;
}

/** Runs the stages; returns the final model (the input model is not changed) and one report per stage. */
export async function multiStage(model: tf.LayersModel, opts: MultiStageOptions): Promise<{ model: tf.LayersModel; stages: StageReport[] }> {
  if (!Number.isInteger(opts.stages) || opts.stages < 1) fail("stages", opts.stages, "a positive integer");
  let current = model;
  const stages: StageReport[] = [];
  for (let s = 1; s <= opts.stages; s++) {
    const plan = typeof opts.plan === "function" ? await opts.plan(s, current) : opts.plan;
    const { model: next, report } = await compressModel(current, plan);
    if (current !== model) current.dispose();
    current = next;
    const rep: StageReport = { stage: s, rows: report };
    if (opts.evaluate) rep.metricCompressed = await opts.evaluate(current);
    await opts.fineTune(current, s);
    if (opts.evaluate) rep.metricFineTuned = await opts.evaluate(current);
    stages.push(rep);
    opts.onStage?.(rep);
  }
  return { model: current, stages };
}
