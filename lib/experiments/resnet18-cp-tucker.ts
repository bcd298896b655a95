// resnet18-cp-tucker.md: ResNet-18 on 32x32 CIFAR-10, its 8 block conv2 layers replaced by CP
// (rank C/2: 1x1 -> depthwise 3x3 -> 1x1, from a 4-way CP whose rank-1 spatial products fill the
// depthwise filters) or by Tucker-2 with EVBMF ranks, then the card's two
// post-decomposition modes: "faithful" (only BatchNorm statistics move, which is what the
// authors' run did) and "corrected" (real fine-tuning with a new SGD optimiser).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/image-set";
import type { Augment, Standardization } from "../data/transform";
import { compressModel, type CompressRow, type LayerPlan } from "../compress/compress";
import { replaceLayers, type Replacement } from "../compress/surgery";
import { Tucker2Conv2D } from "../layers/tucker2-conv";
import { countModel } from "../flops/count";
import { RESNET18_DECOMPOSED, resnet18Cifar } from "../models/resnet18";
import { fit } from "../train/fit";
import { saveHistory, trainingSeconds, type EpochRecord } from "../train/history";
import { fail } from "../errors";
import { runStore, type RunStore } from "../papers/run-store";
import { byProfile, type Profile } from "./profile";
import { CIFAR_NORMALIZE, CROP_FLIP, cifarSplit, inferenceMs as timeInference, testAccuracy as testAccAndLoss, type Split } from "./shared";

/** The card's §4 settings: SGD lr 0.01 without momentum, batch 64, crop + flip, CIFAR constants. */
export const SETTINGS = { lr: 0.01, batchSize: 64, pureEpochs: 20, postEpochs: 5 } as const;
export const NORMALIZE: Standardization = CIFAR_NORMALIZE;
export const AUGMENT: Augment = CROP_FLIP;

export interface Budget {
  train: number | "all";
  test: number | "all";
  pureEpochs: number;
  postEpochs: number;
  /** CP-ALS iterations (the card: 100, TensorLy's default). */
  cpIter: number;
  /** Batches of 64 timed per model for the inference measurement. */
  timingBatches: number;
}

export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { train: 128, test: 128, pureEpochs: 1, postEpochs: 1, cpIter: 2, timingBatches: 1 },
    // The card's quick run (§8): Pure 2 epochs on a fixed 10,000-image subset, one recalibration
    // pass and one fine-tuning epoch after decomposition, tested on the full test set.
    quick: { train: 10000, test: "all", pureEpochs: 2, postEpochs: 1, cpIter: 100, timingBatches: 5 },
    paper: { train: "all", test: "all", pureEpochs: SETTINGS.pureEpochs, postEpochs: SETTINGS.postEpochs, cpIter: 100, timingBatches: 20 },
  });
}

export function loadData(b: Budget): Split {
  return cifarSplit(b);
}

/**
 * Loads weights into `model` from a TensorFlow.js LayersModel folder (model.json + weight files,
 * as `model.save("file://...")` writes them), matching weights by name. For users who have
 * ImageNet-pretrained weights converted to this architecture (layer names follow torchvision's
 * with "." -> "_").
 */
export function loadWeights(model: tf.LayersModel, modelJson: string): number {
  let manifest: { weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    manifest = JSON.parse(readFileSync(modelJson, "utf8"));
  } catch (e) {
    throw new Error(`weights = ${JSON.stringify(modelJson)}: cannot read a TensorFlow.js model.json (${(e as Error).message})`);
  }
  if (!Array.isArray(manifest.weightsManifest)) fail("weights", modelJson, "a model.json with a weightsManifest");
  const named: tf.NamedTensorMap = {};
  for (const group of manifest.weightsManifest) {
    const buffers = group.paths.map((p) => readFileSync(join(dirname(modelJson), p)));
    const all = Buffer.concat(buffers);
    Object.assign(named, tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), group.weights));
  }
  let loaded = 0;
  try {
    for (const layer of model.layers) {
      const ws = layer.weights;
      if (ws.length === 0) continue;
      const values = ws.map((w) => named[w.originalName] ?? named[w.name]);
      if (values.some((v) => !v)) continue;
      values.forEach((v, i) => {
        if (v.shape.join() !== ws[i].shape.join()) fail(`weights ${ws[i].originalName}`, v.shape, `shape [${ws[i].shape.join(", ")}]`);
      });
      layer.setWeights(values);
      loaded += values.length;
    }
  } finally {
    tf.dispose(Object.values(named));
  }
  if (loaded === 0) fail("weights", modelJson, "weights whose names match this model's layers (e.g. conv1/kernel)");
  return loaded;
}

/**
 * Which CP the CP model uses. "4-way" (default, the card's §2.2): TensorLy's `parafac` of the kernel
 * [out, in, kh, kw] as the authors ran it, its rank-1 spatial filters A_v[h, r]·A_h[w, r] stored as
 * the full 3x3 depthwise filter (9 weights per channel, the authors' layer). "3-way": a CP of
 * [kh·kw, in, out] whose 3x3 depthwise filter is a free factor (not rank-1); same layer shape and
 * parameter count, a closer fit of the kernel, not the authors' method.
 */
export type CPWay = "4-way" | "3-way";

/** The card's plans: CP at rank C_out/2 (4-way by default), or Tucker-2 at EVBMF ranks (no weakening, no floor). */
export function plans(model: tf.LayersModel, kind: "cp" | "tucker2", b: Budget, seed = 0, cp: CPWay = "4-way", tkdRanks?: readonly (readonly [number, number])[]): Record<string, LayerPlan> {
  if (cp !== "4-way" && cp !== "3-way") fail("cp", cp, '"4-way" or "3-way"');
  if (tkdRanks !== undefined && (!Array.isArray(tkdRanks) || tkdRanks.length !== RESNET18_DECOMPOSED.length)) {
    fail("tkdRanks", tkdRanks, `${RESNET18_DECOMPOSED.length} (R_in, R_out) pairs, one per decomposed layer`);
  }
  const out: Record<string, LayerPlan> = {};
  RESNET18_DECOMPOSED.forEach((name, i) => {
    const filters = (model.getLayer(name).getConfig() as { filters: number }).filters;
    // As the card's code: TensorLy's random CP start, and a new (random) bias on the last 1x1 step.
    const cpPlan: LayerPlan = cp === "4-way" ? { method: "cp4", spatial: "full", ranks: filters / 2 } : { method: "cp3", ranks: filters / 2 };
    // Tucker-2: EVBMF's ranks of these kernels (the card's method), or given ones (the authors' notebook run's).
    const tkd: LayerPlan = tkdRanks ? { method: "tucker2", ranks: [...tkdRanks[i]], addBias: true, seed } : { method: "tucker2", evbmf: true, mirrorZero: true, minRank: 1, addBias: true, seed };
    out[name] = kind === "cp" ? { ...cpPlan, maxIter: b.cpIter, init: "random", seed, addBias: true } : tkd;
  });
  return out;
}

/** (R_in, R_out) of the 8 decomposed layers printed by the authors' public notebook run (card §3.3), in RESNET18_DECOMPOSED order. */
export const NOTEBOOK_TKD_RANKS: readonly (readonly [number, number])[] = [[23, 24], [16, 20], [46, 37], [22, 29], [84, 74], [52, 66], [104, 98], [268, 299]];

/**
 * The TKD model's structure at given (R_in, R_out) per decomposed layer, as compressModel builds it
 * for the card's Tucker-2 plan (padding folded into the layer, a new bias on the last 1x1 step),
 * with untrained weights: for counting parameters and MACs at ranks that are not our own (the HOOI
 * of the eight kernels, minutes on this CPU, would not change the counts).
 */
export async function tucker2Skeleton(base: tf.LayersModel, ranks: readonly (readonly [number, number])[] = NOTEBOOK_TKD_RANKS): Promise<tf.LayersModel> {
  if (!Array.isArray(ranks) || ranks.length !== RESNET18_DECOMPOSED.length) fail("ranks", ranks, `${RESNET18_DECOMPOSED.length} (R_in, R_out) pairs, one per decomposed layer`);
  const reps = new Map<string, Replacement>();
  try {
    RESNET18_DECOMPOSED.forEach((name, i) => {
      const filters = (base.getLayer(name).getConfig() as { filters: number }).filters;
      const [inRank, outRank] = ranks[i];
      const l = new Tucker2Conv2D({ name, filters, kernelSize: 3, inRank, outRank, padding: 1, useBias: true, seed: i });
      l.build([null, 8, 8, filters]);
      const weights = l.getWeights().map((w) => w.clone());
      l.weights.forEach((w) => w.dispose());
      reps.set(name, { className: "Tucker2Conv2D", config: l.getConfig(), weights, absorb: `${name}_pad` });
    });
    return await replaceLayers(base, reps);
  } finally {
    for (const r of reps.values()) tf.dispose(r.weights);
  }
}

export interface Counts {
  params: number;
  /** ptflops convention (the card's §2.5), one 3x32x32 image. */
  macs: number;
  /** Plain convention: convolutions and dense layers only. */
  macsPlain: number;
}

export function counts(model: tf.LayersModel): Counts {
  const pt = countModel(model, [32, 32, 3], "ptflops").total;
  return { params: pt.params, macs: pt.macs, macsPlain: countModel(model, [32, 32, 3], "plain").total.macs };
}

/** Test accuracy (%) and loss. */
export async function testAccuracy(model: tf.LayersModel, test: ImageSet): Promise<{ acc: number; loss: number }> {
  return testAccAndLoss(model, test, { normalize: NORMALIZE, outputs: "logits" });
}

/** Training with the card's optimiser (a new SGD each call), augmentation and normalisation. */
export async function train(model: tf.LayersModel, data: { train: ImageSet; test: ImageSet }, epochs: number, seed = 0, checkpointDir?: string): Promise<EpochRecord[]> {
  const r = await fit(model, data, {
    epochs,
    batchSize: SETTINGS.batchSize,
    optimizer: { name: "sgd", lr: SETTINGS.lr },
    normalize: NORMALIZE,
    augment: AUGMENT,
    outputs: "logits",
    select: "last",
    seed,
    // A checkpoint folder makes a long run resumable: re-running with the same folder continues it.
    ...(checkpointDir ? { checkpointDir, resume: true } : {}),
  });
  return r.history.epochs;
}

/**
 * The faithful mode: passes over the augmented training set in training mode with every weight
 * frozen, so only the BatchNorm moving statistics change (momentum 0.1 in PyTorch's convention).
 * Returns the test accuracy after each pass.
 */
export async function recalibrateBatchNorm(model: tf.LayersModel, data: { train: ImageSet; test: ImageSet }, passes: number, seed = 0): Promise<number[]> {
  const before = model.getWeights().map((w) => w.clone());
  const accs: number[] = [];
  try {
    for (let p = 0; p < passes; p++) {
      await data.train.forEachBatch(SETTINGS.batchSize, { shuffle: true, seed: seed + p, normalize: NORMALIZE, augment: AUGMENT }, (batch) => {
        tf.tidy(() => void model.apply(batch.x, { training: true }));
      });
      accs.push((await testAccuracy(model, data.test)).acc);
    }
    // Trainable weights must not have moved: only the moving statistics (non-trainable) may.
    const trainable = new Set(model.trainableWeights.map((w) => w.name));
    model.weights.forEach((w, i) => {
      if (trainable.has(w.name) && tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), before[i]))).dataSync()[0]) !== 0) {
        throw new Error(`recalibrateBatchNorm: trainable weight ${w.name} changed`);
      }
    });
  } finally {
    tf.dispose(before);
  }
  return accs;
}

/** Median milliseconds per image of batch-64 inference (after one warm-up batch). */
export function inferenceMs(model: tf.LayersModel, batches: number): number {
  return timeInference(model, SETTINGS.batchSize, Math.max(1, batches));
}

export interface Decomposed {
  kind: "cp" | "tucker2";
  /** The CP variant (kind "cp" only). */
  cp?: CPWay;
  report: CompressRow[];
  counts: Counts;
  /** Test accuracy right after the decomposition (no training, no recalibration). */
  accAfter: number;
  /** Faithful mode: accuracy after each BatchNorm-only pass. */
  faithful: number[];
  /** Corrected mode: epochs of real fine-tuning. */
  corrected: EpochRecord[];
  inferenceMs: number;
  /** Wall-clock seconds: the decomposition and faithful mode of the finishing process, plus every fine-tuning epoch (a resumed run counts those of earlier processes). */
  seconds: number;
}

/**
 * Decomposes `base` (left untouched) with `kind`, evaluates it, then runs both modes, each on its
 * own copy of the decomposed model. `opts.cp` picks the CP variant (default "4-way", the card's).
 * With `opts.checkpointDir` the corrected mode's fine-tuning checkpoints every epoch and resumes
 * there; the decomposition and the faithful mode, being seeded, are made again on a resume.
 */
/** An empty history in `dir` (when it has none), so run stores list the run as in progress, 0 epochs done. */
function markBegun(dir: string, planned: number): void {
  const json = join(dir, "history.json");
  if (existsSync(json)) return;
  mkdirSync(dir, { recursive: true });
  saveHistory({ epochs: [], selection: "last", bestEpoch: 0, bestMetric: 0, planned, stoppedEarly: false, seconds: 0 }, json, join(dir, "history.csv"));
}

export async function decomposeAndRecover(base: tf.LayersModel, kind: "cp" | "tucker2", data: { train: ImageSet; test: ImageSet }, b: Budget, seed = 0, opts: { cp?: CPWay; tkdRanks?: readonly (readonly [number, number])[]; checkpointDir?: string; log?: (line: string) => void } = {}): Promise<Decomposed> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const cp = opts.cp ?? "4-way";
  // A run shows as in progress from its start: the decomposition and faithful passes take minutes
  // before the first fine-tuning epoch writes its checkpoint.
  if (opts.checkpointDir) markBegun(opts.checkpointDir, b.postEpochs);
  const plan = plans(base, kind, b, seed, cp, opts.tkdRanks);
  const { model, report } = await compressModel(base, plan);
  const decomposed = model.getWeights().map((w) => w.clone());
  try {
    const accAfter = (await testAccuracy(model, data.test)).acc;
    log(`decomposed (${kind}) in ${((Date.now() - t0) / 60000).toFixed(1)} min: test accuracy ${accAfter.toFixed(2)} %`);
    const ms = inferenceMs(model, b.timingBatches);
    const c = counts(model);
    const faithful = await recalibrateBatchNorm(model, data, b.postEpochs, seed);
    log(`faithful mode (BatchNorm statistics only): ${faithful.map((a) => a.toFixed(2)).join(", ")} % after passes 1-${faithful.length}; corrected mode next`);
    // The corrected mode starts again from the decomposition itself.
    model.setWeights(decomposed);
    const before = (Date.now() - t0) / 1000;
    const corrected = await train(model, data, b.postEpochs, seed, opts.checkpointDir);
    return { kind, ...(kind === "cp" ? { cp } : {}), report, counts: c, accAfter, faithful, corrected, inferenceMs: ms, seconds: before + trainingSeconds(corrected) };
  } finally {
    tf.dispose(decomposed);
    model.dispose();
  }
}

export interface PureRun {
  model: tf.LayersModel;
  epochs: EpochRecord[];
  counts: Counts;
  inferenceMs: number;
  pretrained: boolean;
  /** Wall-clock seconds: its epochs' (in whichever process ran them, so a resumed run counts them all) plus the timing. */
  seconds: number;
}

/** Stage 1: ResNet-18 trained (from scratch, or from `weights` when given) for the budget's epochs. */
export async function pure(data: { train: ImageSet; test: ImageSet }, b: Budget, opts: { seed?: number; weights?: string; checkpointDir?: string } = {}): Promise<PureRun> {
  const model = resnet18Cifar({ seed: opts.seed ?? 0 });
  if (opts.weights) loadWeights(model, opts.weights);
  const epochs = await train(model, data, b.pureEpochs, opts.seed ?? 0, opts.checkpointDir);
  const t0 = Date.now();
  const ms = inferenceMs(model, b.timingBatches);
  return { model, epochs, counts: counts(model), inferenceMs: ms, pretrained: !!opts.weights, seconds: trainingSeconds(epochs) + (Date.now() - t0) / 1000 };
}

/** What the `resnet18` run store holds: Pure's epochs, or a decomposition's record (the models are not kept in it). */
export type StoredRun = Omit<PureRun, "model"> | Decomposed;

/** The record name of Pure trained with the default seed 0 (its weights are kept beside it). */
export const PURE_ID = "r18.pure";

/**
 * The run store `tnlab train resnet18` trains into (notebooks/results/runs/resnet18/<profile>/),
 * here so that other experiments (musco-resnet18) read Pure's weights without importing long-runs.
 */
export function store(profile: Profile, engine = "", root?: string): RunStore<StoredRun> {
  const { train, test, pureEpochs, postEpochs, cpIter } = budget(profile);
  return runStore<StoredRun>("resnet18", profile, { train, test, pureEpochs, postEpochs, cpIter }, engine, root);
}

// The paper-profile runs beside the card (kept apart: they only read the run store).
export { PAPER_IDS, paperRuns, statusRows, comparisonRows, comparisonTable, kernelRows, paperCurve, pureCurves, recoveryCurves, type PaperRuns, type ComparisonRow } from "./resnet18-paper";
