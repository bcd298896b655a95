// musco.md (Ponomarev 2023, chapter 1): MUSCO multi-stage compression at small scale. The card's
// analogues (§3.2, §5.2): VGG-S on CIFAR-10 (the half-width VGG-S/2 by default, so that training
// runs at tens of images per second on a 2-core wasm CPU), its 3×3 convolutions compressed by
// Tucker-2 (or CP3 / CP4) and fc1 by SVD, with ranks from a per-step reduction ρ (§2.8) or from
// EVBMF weakened by w (§2.6-2.7), fine-tuned between steps with an equal total budget (§4).
// One function per table or figure; budgets come from the profile. VGG-S itself is
// tn.models.vggS (lib/models/vgg-s.ts); data, training and timing helpers are in ./shared.ts;
// the studies without training (§2.6-2.8) are in ./musco-ranks.ts, re-exported here.
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/image-set";
import type { Augment, Standardization } from "../data/transform";
import { compressModel, type CompressRow, type LayerPlan } from "../compress/compress";
import { multiStage, type RankStrategy, type StageReport } from "../compress/multistage";
import { evbmf } from "../decomp/evbmf";
import { weakenedRank } from "../decomp/ranks";
import { tucker2 } from "../decomp/tucker";
import { countModel } from "../flops/count";
import { trainableParams } from "../models/count";
import { vggS } from "../models/vgg-s";
import { CPConv2D, SVDDense, Tucker2Conv2D } from "../layers";
import type { EpochRecord } from "../train/history";
import { fail } from "../errors";
import { byProfile, type Profile } from "./profile";
import { CIFAR_NORMALIZE, CROP_FLIP, cifarSplit, fitOwned, inferenceMs, testAccuracy as testAccAndLoss, type Split } from "./shared";

export { vggS } from "../models/vgg-s";
export { fitOwned, inferenceMs } from "./shared";
export { lowRankPlusNoise, evbmfSweep, tauBarTable, ratioRankTable, type SyntheticCase, type EvbmfSweepRow } from "./musco-ranks";

/** The card's §4 analogue protocol. */
export const SETTINGS = {
  batchSize: 128,
  pretrain: { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
  fineTune: { lr: 1e-3, momentum: 0.9, weightDecay: 1e-4 },
  /** §7 item 1: minimum rank 8 for the narrow analogues (the text's 21 as a variant). */
  minRank: 8,
} as const;

/** CIFAR-10 per-channel normalisation and the card's augmentation (random crop, pad 4, flip). */
export const NORMALIZE: Standardization = CIFAR_NORMALIZE;
export const AUGMENT: Augment = CROP_FLIP;

/** The 3×3 convolutions MUSCO compresses: all but conv1_1, whose 3 input channels are below any minimum rank. */
export const COMPRESSED_CONVS = ["conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2"] as const;
/** The dense layer compressed by SVD (fc2 has 10 outputs, below the minimum rank). */
export const COMPRESSED_DENSE = ["fc1"] as const;
export const COMPRESSED = [...COMPRESSED_CONVS, ...COMPRESSED_DENSE];

export interface Budget {
  /** VGG-S width: 1 (32-64-128, fc 256) or 0.5 (VGG-S/2: 16-32-64, fc 128). */
  width: 1 | 0.5;
  train: number | "all";
  test: number | "all";
  pretrainEpochs: number;
  /** Fine-tuning budget (training images seen) of one whole method, split equally over its stages. */
  ftImages: number;
  /** The same for each run of the w sweep and of the method comparison. */
  sweepFtImages: number;
  /** Weakening factors of the sweep (the card: 0.5 ... 0.9). */
  sweepW: number[];
  /** Most stages of MUSCO(vbmf, w, K) before the ranks must have stabilised (the card: ≤ 4). */
  vbmfMaxStages: number;
  /** Per-step reduction of the Tucker-2 / CP3 / CP4 / SVD comparison. */
  methodRatio: number;
  cpIter: number;
  /** Timed forward passes per model and batch size (median reported). */
  timingRuns: number;
}

/**
 * smoke: seconds (CI; ≈2 min with the kernel). quick: the card's quick run (§8), VGG-S on a fixed
 * 10,000-image subset: pre-training 5 epochs, each compared method fine-tuned for 2 epochs in all
 * (20,000 images split over its stages), the w sweep and the method comparison 1 epoch each, tested
 * on the full test set. paper: the card's paper-analogue settings (full VGG-S, 30 epochs, 6
 * fine-tuning epochs per method).
 */
export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { width: 0.5, train: 256, test: 256, pretrainEpochs: 1, ftImages: 384, sweepFtImages: 256, sweepW: [0.5, 0.9], vbmfMaxStages: 2, methodRatio: 3.16, cpIter: 3, timingRuns: 3 },
    quick: { width: 1, train: 10000, test: "all", pretrainEpochs: 5, ftImages: 20000, sweepFtImages: 10000, sweepW: [0.5, 0.6, 0.7, 0.8, 0.9], vbmfMaxStages: 3, methodRatio: 3.16, cpIter: 50, timingRuns: 10 },
    paper: { width: 1, train: "all", test: "all", pretrainEpochs: 30, ftImages: 6 * 50000, sweepFtImages: 2 * 50000, sweepW: [0.5, 0.6, 0.7, 0.8, 0.9], vbmfMaxStages: 4, methodRatio: 3.16, cpIter: 100, timingRuns: 20 },
  });
}

export type Data = Split;

export function loadData(b: Budget): Data {
  return cifarSplit(b);
}

// ---------------------------------------------------------------------------------------------
// Counts of VGG-S (§3.2; the architecture is tn.models.vggS)

export interface Counts {
  params: number;
  macs: number;
}

export function counts(model: tf.LayersModel): Counts {
  return { params: trainableParams(model), macs: countModel(model, [32, 32, 3], "plain").total.macs };
}

/** Per-layer parameters and multiply-adds (plain convention) of the layers that have any. */
export function layerCounts(model: tf.LayersModel): { layer: string; type: string; params: number; macs: number }[] {
  return countModel(model, [32, 32, 3], "plain")
    .rows.filter((r) => r.params > 0 || r.macs > 0)
    .map((r) => ({ layer: r.name, type: r.type, params: r.params, macs: r.macs }));
}

// ---------------------------------------------------------------------------------------------
// Training

/** Test accuracy in % (inference mode). */
export async function testAccuracy(model: tf.LayersModel, test: ImageSet): Promise<number> {
  return (await testAccAndLoss(model, test, { normalize: NORMALIZE, outputs: "logits" })).acc;
}

/** Pre-training: SGD momentum 0.9, lr 0.05 with a cosine schedule, weight decay 5e-4, crop + flip. */
export async function pretrain(data: Data, b: Budget, seed = 0): Promise<{ model: tf.Sequential; epochs: EpochRecord[]; acc: number; seconds: number; imagesPerSecond: number }> {
  const t0 = Date.now();
  const model = vggS({ width: b.width, seed });
  const E = b.pretrainEpochs;
  const r = await fitOwned(model, data, { name: "sgd", lr: SETTINGS.pretrain.lr, momentum: SETTINGS.pretrain.momentum }, {
    epochs: E,
    batchSize: SETTINGS.batchSize,
    weightDecay: SETTINGS.pretrain.weightDecay,
    // Cosine decay over the run, evaluated at the start of each epoch.
    schedule: (epoch, base) => 0.5 * base * (1 + Math.cos((Math.PI * (epoch - 1)) / E)),
    normalize: NORMALIZE,
    augment: AUGMENT,
    outputs: "logits",
    select: "last",
    seed,
  });
  const seconds = (Date.now() - t0) / 1000;
  const trainSeconds = r.history.epochs.reduce((a, e) => a + e.seconds, 0);
  return { model, epochs: r.history.epochs, acc: await testAccuracy(model, data.test), seconds, imagesPerSecond: (E * data.train.size) / trainSeconds };
}

/**
 * Fine-tunes in place on `images` training images (a seeded subset, or whole epochs when the
 * budget exceeds the set): SGD momentum 0.9, constant lr 1e-3, weight decay 1e-4, crop + flip.
 */
export async function fineTune(model: tf.LayersModel, data: Data, images: number, seed = 0): Promise<void> {
  if (!Number.isInteger(images) || images < 0) fail("images", images, "a non-negative whole number of training images");
  if (images === 0) return;
  const epochs = Math.max(1, Math.round(images / data.train.size));
  const per = Math.round(images / epochs);
  const train = per >= data.train.size ? data.train : data.train.subset(per, seed);
  await fitOwned(model, { train }, { name: "sgd", lr: SETTINGS.fineTune.lr, momentum: SETTINGS.fineTune.momentum }, {
    epochs,
    batchSize: SETTINGS.batchSize,
    weightDecay: SETTINGS.fineTune.weightDecay,
    normalize: NORMALIZE,
    augment: AUGMENT,
    outputs: "logits",
    select: "last",
    seed,
  });
}

// ---------------------------------------------------------------------------------------------
// Plans and ranks

/** Per-step reduction ρ for every compressed layer (CompressorPR): convs by `method`, fc1 by SVD. */
export function ratioPlan(ratio: number, method: "tucker2" | "cp3" | "cp4" = "tucker2", o: { minRank?: number; cpIter?: number; seed?: number } = {}): Record<string, LayerPlan> {
  if (!(ratio > 1)) fail("ratio", ratio, "a per-step parameter reduction > 1");
  const minRank = o.minRank ?? SETTINGS.minRank;
  const plan: Record<string, LayerPlan> = {};
  for (const c of COMPRESSED_CONVS) {
    plan[c] = method === "tucker2" ? { method, ratio, minRank } : { method, ratio, minRank: 2, maxIter: o.cpIter ?? 100, seed: o.seed ?? 0 };
  }
  for (const d of COMPRESSED_DENSE) plan[d] = { method: "svd", ratio, minRank };
  return plan;
}

/** EVBMF ranks weakened by w (CompressorVBMF): Tucker-2 for the convs, SVD for fc1. */
export function vbmfPlan(w: number, o: { minRank?: number } = {}): Record<string, LayerPlan> {
  if (!(w > 0 && w <= 1)) fail("w", w, "a weakening factor in (0, 1]");
  const minRank = o.minRank ?? SETTINGS.minRank;
  const plan: Record<string, LayerPlan> = {};
  for (const c of COMPRESSED_CONVS) plan[c] = { method: "tucker2", evbmf: true, weaken: w, minRank };
  for (const d of COMPRESSED_DENSE) plan[d] = { method: "svd", evbmf: true, weaken: w, minRank };
  return plan;
}

/**
 * The EVBMF plan for the current model. An fc1 that is already an SVDDense gets its rank here from
 * EVBMF of its second factor (card §2.6: "for an already SVD-decomposed layer, its second factor"):
 * tn.compress would run EVBMF on the rebuilt rank-R product, whose zero tail makes the noise
 * estimate vanish and keeps all R components, so the rank would never move after stage 1.
 */
export function vbmfStagePlan(model: tf.LayersModel, w: number, o: { minRank?: number } = {}): Record<string, LayerPlan> {
  const plan = vbmfPlan(w, o);
  const minRank = o.minRank ?? SETTINGS.minRank;
  for (const d of COMPRESSED_DENSE) {
    const l = model.getLayer(d);
    if (l instanceof SVDDense) plan[d] = { method: "svd", ranks: weakenedRank(l.rank, evbmf(l.getWeights()[1]).rank, w, minRank) };
  }
  return plan;
}

/** Current ranks of the compressed layers: [R_in, R_out] for Tucker-2, [R] for CP / SVD, full sizes when dense. */
export function layerRanks(model: tf.LayersModel): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of COMPRESSED) {
    const l = model.getLayer(name);
    if (l instanceof Tucker2Conv2D) out[name] = [l.inRank, l.outRank];
    else if (l instanceof CPConv2D || l instanceof SVDDense) out[name] = [l.rank];
    else {
      const k = l.getWeights()[0].shape as number[];
      out[name] = k.length === 4 ? [k[2], k[3]] : [Math.min(k[0], k[1])];
    }
  }
  return out;
}

const sameRanks = (a: Record<string, number[]>, b: Record<string, number[]>) => COMPRESSED.every((n) => a[n].join() === b[n].join());

// ---------------------------------------------------------------------------------------------
// Compression runs

export interface StageSummary {
  stage: number;
  ranks: Record<string, number[]>;
  params: number;
  macs: number;
  /** Test accuracy right after this compression step and after its fine-tuning (%). */
  accCompressed: number;
  accFineTuned: number;
  /** Fine-tuning images spent in this stage (0 when the ranks had stabilised). */
  ftImages: number;
  rows: CompressRow[];
}

export interface CompressionRun {
  label: string;
  stages: StageSummary[];
  base: Counts & { acc: number };
  final: Counts & { acc: number };
  /** Δtop-1 (final − baseline, percentage points). */
  deltaAcc: number;
  paramReduction: number;
  macReduction: number;
  ftImages: number;
  /** True when an EVBMF run stopped because the ranks no longer changed. */
  stabilised?: boolean;
  seconds: number;
  /** The compressed model (the caller disposes it). */
  model: tf.LayersModel;
}

function summarise(label: string, baseCounts: Counts & { acc: number }, stages: StageSummary[], model: tf.LayersModel, t0: number, stabilised?: boolean): CompressionRun {
  const c = counts(model);
  const acc = stages.length ? stages[stages.length - 1].accFineTuned : baseCounts.acc;
  return {
    label,
    stages,
    base: baseCounts,
    final: { ...c, acc },
    deltaAcc: acc - baseCounts.acc,
    paramReduction: baseCounts.params / c.params,
    macReduction: baseCounts.macs / c.macs,
    ftImages: stages.reduce((a, s) => a + s.ftImages, 0),
    ...(stabilised === undefined ? {} : { stabilised }),
    seconds: (Date.now() - t0) / 1000,
    model,
  };
}

/**
 * Algorithm 1 with a fixed number of stages through tn.compress.multiStage: compress every planned
 * layer, fine-tune on `ftImages / stages` images, again. `baseAcc` avoids re-evaluating the base.
 */
export async function multiStageRun(
  base: tf.LayersModel,
  data: Data,
  o: { label: string; plan: Record<string, LayerPlan> | RankStrategy; stages: number; ftImages: number; seed?: number; baseAcc?: number },
): Promise<CompressionRun> {
  const t0 = Date.now();
  const baseCounts = { ...counts(base), acc: o.baseAcc ?? (await testAccuracy(base, data.test)) };
  const per = Math.floor(o.ftImages / o.stages);
  const summaries: StageSummary[] = [];
  const r = await multiStage(base, {
    plan: o.plan,
    stages: o.stages,
    fineTune: (m, s) => fineTune(m, data, per, (o.seed ?? 0) * 100 + s),
    evaluate: (m) => testAccuracy(m, data.test),
  });
  // Counts are re-derived from the reports of each stage (the intermediate models are gone).
  let params = baseCounts.params;
  let macs = baseCounts.macs;
  for (const st of r.stages) {
    for (const row of st.rows) {
      params += row.paramsAfter - row.paramsBefore;
      macs += row.macsAfter - row.macsBefore;
    }
    summaries.push({
      stage: st.stage,
      ranks: Object.fromEntries(st.rows.map((row) => [row.layer, row.ranks])),
      params,
      macs,
      accCompressed: st.metricCompressed ?? NaN,
      accFineTuned: st.metricFineTuned ?? NaN,
      ftImages: per,
      rows: st.rows,
    });
  }
  return summarise(o.label, baseCounts, summaries, r.model, t0);
}

/**
 * MUSCO(vbmf, w, K): EVBMF-weakened ranks at every stage until they stop changing (Algorithm 1,
 * line 2) or `maxStages`. A stage whose ranks equal the previous ones is not fine-tuned and ends
 * the run. Each stage runs through tn.compress.multiStage with one stage. When EVBMF keeps every
 * rank at stage 1 (musco.md §2.7: extreme rank 0 leaves a layer uncompressed) the run has no stage
 * and its model is a copy of the base.
 */
export async function vbmfRun(base: tf.LayersModel, data: Data, o: { w: number; maxStages: number; ftPerStage: number; seed?: number; baseAcc?: number; minRank?: number; label?: string }): Promise<CompressionRun> {
  if (!Number.isInteger(o.maxStages) || o.maxStages < 1) fail("maxStages", o.maxStages, "a positive integer");
  const t0 = Date.now();
  const baseCounts = { ...counts(base), acc: o.baseAcc ?? (await testAccuracy(base, data.test)) };
  const plan = (_stage: number, model: tf.LayersModel) => vbmfStagePlan(model, o.w, { minRank: o.minRank });
  let current: tf.LayersModel = base;
  let prev = layerRanks(base);
  const summaries: StageSummary[] = [];
  let stabilised = false;
  for (let s = 1; s <= o.maxStages; s++) {
    let stable = false;
    const r = await multiStage(current, {
      plan,
      stages: 1,
      fineTune: async (m) => {
        stable = sameRanks(layerRanks(m), prev);
        if (!stable) await fineTune(m, data, o.ftPerStage, (o.seed ?? 0) * 100 + s);
      },
      evaluate: (m) => testAccuracy(m, data.test),
    });
    const st: StageReport = r.stages[0];
    if (stable) {
      // Re-decomposing at unchanged ranks is (up to rounding) the same network: keep the previous
      // one. At stage 1 that is the base itself (EVBMF found nothing to compress in any layer, as
      // for an untrained network): the run has no stage and returns this copy of the base.
      if (current === base) current = r.model;
      else r.model.dispose();
      stabilised = true;
      break;
    }
    if (current !== base) current.dispose();
    current = r.model;
    prev = layerRanks(current);
    const c = counts(current);
    summaries.push({ stage: s, ranks: prev, ...c, accCompressed: st.metricCompressed ?? NaN, accFineTuned: st.metricFineTuned ?? NaN, ftImages: o.ftPerStage, rows: st.rows });
  }
  return summarise(o.label ?? `MUSCO(vbmf, ${o.w}, ${summaries.length})`, baseCounts, summaries, current, t0, stabilised);
}

export interface IterVsOneShot {
  runs: CompressionRun[];
  /** Final ranks per layer and schedule (the card's §2.8: identical for square layers). */
  finalRanks: Record<string, Record<string, number[]>>;
}

/**
 * musco.a.iter_vs_oneshot (T5 analogue): one-shot ρ = 10 vs MUSCO(nx, 3.16, 2) vs MUSCO(nx, 2.15, 3),
 * Tucker-2 convs + SVD fc1, each with the same total fine-tuning budget.
 */
export async function iterVsOneShot(base: tf.LayersModel, data: Data, b: Budget, o: { seed?: number; baseAcc?: number; schedules?: { ratio: number; stages: number }[] } = {}): Promise<IterVsOneShot> {
  const schedules = o.schedules ?? [
    { ratio: 10, stages: 1 },
    { ratio: 3.16, stages: 2 },
    { ratio: 2.15, stages: 3 },
  ];
  const baseAcc = o.baseAcc ?? (await testAccuracy(base, data.test));
  const runs: CompressionRun[] = [];
  for (const s of schedules) {
    const label = s.stages === 1 ? `one-shot(nx, ${s.ratio})` : `MUSCO(nx, ${s.ratio}, ${s.stages})`;
    runs.push(await multiStageRun(base, data, { label, plan: ratioPlan(s.ratio), stages: s.stages, ftImages: b.ftImages, seed: o.seed, baseAcc }));
  }
  const finalRanks: Record<string, Record<string, number[]>> = {};
  for (const r of runs) finalRanks[r.label] = r.stages[r.stages.length - 1].ranks;
  return { runs, finalRanks };
}

/**
 * musco.a.vbmf_vs_kim: MUSCO(vbmf, w, K) until the ranks stabilise, against one-shot EVBMF
 * extreme ranks (w = 1, Kim et al.) fine-tuned with the same total budget.
 */
export async function vbmfVsKim(base: tf.LayersModel, data: Data, b: Budget, o: { w?: number; seed?: number; baseAcc?: number } = {}): Promise<{ musco: CompressionRun; kim: CompressionRun }> {
  const baseAcc = o.baseAcc ?? (await testAccuracy(base, data.test));
  const per = Math.floor(b.ftImages / 2);
  const musco = await vbmfRun(base, data, { w: o.w ?? 0.7, maxStages: b.vbmfMaxStages, ftPerStage: per, seed: o.seed, baseAcc });
  const kim = await vbmfRun(base, data, { w: 1, maxStages: 1, ftPerStage: musco.ftImages, seed: o.seed, baseAcc, label: "one-shot EVBMF (Kim, w = 1)" });
  return { musco, kim };
}

/** musco.a.w_sweep: MUSCO(vbmf, w, 2) for every w of the budget (models disposed). */
export async function wSweep(base: tf.LayersModel, data: Data, b: Budget, o: { seed?: number; baseAcc?: number; stages?: number } = {}): Promise<Omit<CompressionRun, "model">[]> {
  const baseAcc = o.baseAcc ?? (await testAccuracy(base, data.test));
  const stages = o.stages ?? 2;
  const out: Omit<CompressionRun, "model">[] = [];
  for (const w of b.sweepW) {
    // A fixed number of stages (the card's sweep: 2); a stage with unchanged ranks still ends the run.
    const r = await vbmfRun(base, data, { w, maxStages: stages, ftPerStage: Math.floor(b.sweepFtImages / stages), seed: o.seed, baseAcc });
    const { model, ...rest } = r;
    model.dispose();
    out.push(rest);
  }
  return out;
}

export interface MethodRow {
  method: string;
  params: number;
  macs: number;
  paramReduction: number;
  macReduction: number;
  /** Mean relative kernel error over the compressed convolutions. */
  convError: number;
  ranks: Record<string, number[]>;
  accCompressed: number;
  accFineTuned: number;
  decomposeSeconds: number;
  model: tf.LayersModel;
}

/**
 * Tucker-2 vs CP3 vs CP4 on the 3×3 convolutions (fc1 by SVD in all three) at the same per-layer
 * reduction ρ, one step, fine-tuned with `sweepFtImages`; plus the SVD-only row (fc1 compressed,
 * convolutions dense), the only layer SVD applies to in VGG-S.
 */
export async function methodComparison(base: tf.LayersModel, data: Data, b: Budget, o: { seed?: number; baseAcc?: number } = {}): Promise<{ base: Counts & { acc: number }; rows: MethodRow[] }> {
  const baseCounts = { ...counts(base), acc: o.baseAcc ?? (await testAccuracy(base, data.test)) };
  const rows: MethodRow[] = [];
  const svdOnly: Record<string, LayerPlan> = {};
  for (const d of COMPRESSED_DENSE) svdOnly[d] = { method: "svd", ratio: b.methodRatio, minRank: SETTINGS.minRank };
  const variants: [string, Record<string, LayerPlan>][] = [
    ["Tucker-2 + SVD", ratioPlan(b.methodRatio, "tucker2")],
    ["CP3 + SVD", ratioPlan(b.methodRatio, "cp3", { cpIter: b.cpIter, seed: o.seed })],
    ["CP4 + SVD", ratioPlan(b.methodRatio, "cp4", { cpIter: b.cpIter, seed: o.seed })],
    ["SVD (fc1 only)", svdOnly],
  ];
  for (const [label, plan] of variants) {
    const t0 = Date.now();
    const { model, report } = await compressModel(base, plan);
    const decomposeSeconds = (Date.now() - t0) / 1000;
    const accCompressed = await testAccuracy(model, data.test);
    await fineTune(model, data, b.sweepFtImages, o.seed ?? 0);
    const c = counts(model);
    const convRows = report.filter((r) => (COMPRESSED_CONVS as readonly string[]).includes(r.layer));
    rows.push({
      method: label,
      ...c,
      paramReduction: baseCounts.params / c.params,
      macReduction: baseCounts.macs / c.macs,
      convError: convRows.length ? convRows.reduce((a, r) => a + r.relError, 0) / convRows.length : 0,
      ranks: Object.fromEntries(report.map((r) => [r.layer, r.ranks])),
      accCompressed,
      accFineTuned: await testAccuracy(model, data.test),
      decomposeSeconds,
      model,
    });
  }
  return { base: baseCounts, rows };
}

/**
 * musco.a.recompress: a second Tucker-2 step on the core only (1.13) against Tucker-2 of the full
 * kernel at the same final ranks, without fine-tuning in between (orthonormal factors), per conv.
 */
export async function recompressCheck(base: tf.LayersModel, ratio = 3.16): Promise<{ layer: string; ranks: number[]; coreOnlyError: number; directError: number; coreOnlySeconds: number; directSeconds: number }[]> {
  const plan = ratioPlan(ratio);
  const s1 = await compressModel(base, plan);
  const t0 = Date.now();
  const s2 = await compressModel(s1.model, plan);
  const coreSeconds = (Date.now() - t0) / 1000;
  const out = [];
  try {
    for (const name of COMPRESSED_CONVS) {
      const row = s2.report.find((r) => r.layer === name)!;
      const [rIn, rOut] = row.ranks;
      const orig = base.getLayer(name).getWeights()[0];
      const t1 = Date.now();
      const direct = tucker2(orig, [rOut, rIn]);
      const directSeconds = (Date.now() - t1) / 1000;
      const dense = (s2.model.getLayer(name) as Tucker2Conv2D).denseWeight();
      const coreOnlyError = tf.tidy(() => tf.norm(tf.sub(orig, dense)).dataSync()[0] / tf.norm(orig).dataSync()[0]);
      dense.dispose();
      out.push({ layer: name, ranks: row.ranks, coreOnlyError, directError: direct.relError(orig), coreOnlySeconds: coreSeconds / COMPRESSED_CONVS.length, directSeconds });
    }
  } finally {
    s1.model.dispose();
    s2.model.dispose();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per-layer trajectories and inference time

export interface LayerTrajectoryRow {
  run: string;
  layer: string;
  /** Ranks before compression and after each stage. */
  ranks: number[][];
  macsBefore: number;
  macsAfter: number;
  paramsBefore: number;
  paramsAfter: number;
}

/** musco.a.layerwise (T7/T8 analogue): per layer, the ranks after every stage and the MACs before / after. */
export function layerTrajectories(base: tf.LayersModel, runs: Pick<CompressionRun, "label" | "stages">[]): LayerTrajectoryRow[] {
  const start = layerRanks(base);
  const out: LayerTrajectoryRow[] = [];
  for (const r of runs) {
    for (const name of COMPRESSED) {
      const rows = r.stages.map((s) => s.rows.find((x) => x.layer === name)!).filter(Boolean);
      if (!rows.length) continue;
      out.push({
        run: r.label,
        layer: name,
        ranks: [start[name], ...r.stages.map((s) => s.ranks[name])],
        macsBefore: rows[0].macsBefore,
        macsAfter: rows[rows.length - 1].macsAfter,
        paramsBefore: rows[0].paramsBefore,
        paramsAfter: rows[rows.length - 1].paramsAfter,
      });
    }
  }
  return out;
}

export interface TimingRow {
  model: string;
  macs: number;
  theoreticalSpeedup: number;
  ms1: number;
  ms64: number;
  speedup1: number;
  speedup64: number;
}

/** musco.a.cpu_speedup (T6 analogue): measured ms/image at batch 1 and 64 vs the MAC reduction; the first model is the reference. */
export function timing(models: { label: string; model: tf.LayersModel }[], b: Budget): TimingRow[] {
  if (!models.length) fail("models", models, "at least the uncompressed reference model");
  const rows = models.map(({ label, model }) => ({ model: label, macs: counts(model).macs, ms1: inferenceMs(model, 1, Math.max(b.timingRuns, 20)), ms64: inferenceMs(model, 64, b.timingRuns) }));
  const ref = rows[0];
  return rows.map((r) => ({ ...r, theoreticalSpeedup: ref.macs / r.macs, speedup1: ref.ms1 / r.ms1, speedup64: ref.ms64 / r.ms64 }));
}
