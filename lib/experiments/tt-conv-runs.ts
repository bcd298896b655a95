// tt-conv.md §4: training the rows of Tables 1-2 with the thesis code's recipe: SGD momentum 0.9,
// batch 100, LR 0.1 (0.03 for TT-conv-TT-fc) divided by 10 every 30 of 100 epochs, pad-crop /
// flip / contrast augmentation, per-pixel standardisation, no weight decay, zero-debiased
// BatchNorm statistics (decay 0.99), and test accuracy of the exponential moving average of the
// weights (decay 0.9). Budgets come from the profile; the method does not.
import * as tf from "@tensorflow/tfjs";
import { cifar10 } from "../data/cifar";
import type { ImageSet } from "../data/image-set";
import type { Augment, Standardization } from "../data/transform";
import { fail } from "../errors";
import { prod } from "../layers/common";
import { trainableParams } from "../models/count";
import { debiasedBatchNorm, WeightAverage } from "../train/averaging";
import { evaluate, fit } from "../train/fit";
import type { EpochRecord } from "../train/history";
import { withSeed } from "../train/seed";
import { runStore, type RunStatus, type RunStore } from "../papers/run-store";
import { byProfile, type Profile } from "./profile";
import { cutSplit } from "./shared";
import { BASELINE_PARAMS, BASE_OF, buildNet, CHANNEL_MODES, compression, CONV_LAYERS, FC_LAYERS, row, rowConfig, ROWS, type Config, type Row, type RowId } from "./tt-conv";

/** The card's §4 recipe. `stepEvery` is 30 of 100 epochs; budgets with fewer epochs scale it. */
export const SETTINGS = {
  epochs: 100,
  batchSize: 100,
  lr: 0.1,
  lrTtConvTtFc: 0.03,
  momentum: 0.9,
  stepEvery: 30,
  gamma: 0.1,
  emaDecay: 0.9,
  bnDecay: 0.99,
  seed: 12345,
} as const;

export const AUGMENT: Augment = { padCrop: 4, flip: true, contrast: [0.75, 1.25] };

export interface Budget {
  train: number | "all";
  test: number | "all";
  epochs: number;
  /** LR drops by 10 after every `stepEvery` epochs. */
  stepEvery: number;
  /** Row ids to train (card §5). */
  rows: RowId[];
}

const ALL = ROWS.map((r) => r.id);

/**
 * `quick` is the card's quick run (§8): every row of both tables on a fixed 5,000-image subset for
 * 10 epochs, LR divided by 10 every 3 epochs, tested on the full test set: 50,000 training images
 * per row, about 10-15 min per row on the native TensorFlow backend. Orderings may be compared,
 * not the paper's accuracies (a paper-profile row is 5 million images).
 */
export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { train: 200, test: 200, epochs: 1, stepEvery: 1, rows: ["ttconv.t1.conv", "ttconv.t1.tt_3_23", "ttconv.t1.naive_2_02", "ttconv.t2.ttconvttfc_41_65"] },
    quick: { train: 5000, test: "all", epochs: 10, stepEvery: 3, rows: ALL },
    paper: { train: "all", test: "all", epochs: SETTINGS.epochs, stepEvery: SETTINGS.stepEvery, rows: ALL },
  });
}

export interface Data {
  train: ImageSet;
  test: ImageSet;
  /** Per-pixel mean and std of the full training set (the thesis code's standardisation). */
  normalize: Standardization;
}

export function loadData(b: Budget, dir?: string): Data {
  const d = cifar10(dir ? { dir } : {});
  return { ...cutSplit(d, b), normalize: d.train.standardization("pixel") };
}

export interface LayerLog {
  layer: string;
  kind: "TT-conv" | "naive TT-conv" | "TT-FC" | "conv" | "dense";
  shape: string;
  modes: string;
  ranks: string;
  params: number;
  denseParams: number;
}

/** Per-layer modes, ranks and parameter counts of a configuration (the log the card asks for). */
export function layerLog(c: Config): LayerLog[] {
  const m = buildNet(c);
  try {
    const out: LayerLog[] = [];
    for (const l of m.layers) {
      const cls = l.getClassName();
      const params = trainableParams(l);
      if (params === 0 || cls === "BatchNormalization") continue;
      const conv = CONV_LAYERS.find((x) => x.name === l.name);
      const fc = FC_LAYERS.find((x) => x.name === l.name);
      const ranks = c.conv?.[l.name] ?? c.fc?.[l.name];
      const dense = conv ? 9 * conv.cin * conv.cout : fc ? prod(fc.inModes) * prod(fc.outModes) : params;
      const kind: LayerLog["kind"] = cls === "TTConv2D" ? "TT-conv" : cls === "NaiveTTConv2D" ? "naive TT-conv" : cls === "TTDense" ? "TT-FC" : cls === "Conv2D" ? "conv" : "dense";
      const modes = !ranks
        ? ""
        : conv && kind === "TT-conv"
          ? `3x3 | ${CHANNEL_MODES[conv.cin].join("·")} -> ${CHANNEL_MODES[conv.cout].join("·")}`
          : conv
            ? `3, 3, ${conv.cin}, ${conv.cout}`
            : `${fc!.inModes.join("·")} -> ${fc!.outModes.join("·")}`;
      const shape = conv ? `${conv.cin} -> ${conv.cout}, 3x3` : fc ? `${prod(fc.inModes)} -> ${prod(fc.outModes)}` : l.name;
      out.push({ layer: l.name, kind, shape, modes, ranks: ranks ? ranks.join(", ") : "", params, denseParams: dense });
    }
    return out;
  } finally {
    m.dispose();
  }
}

export interface Breakdown {
  label: string;
  conv: number;
  fc: number;
  bn: number;
}

/** Parameters by kind (convolutions incl. TT-conv, fully-connected incl. TT-FC, BatchNorm γ/β). */
export function breakdown(c: Config, label: string): Breakdown {
  const m = buildNet(c);
  try {
    const b: Breakdown = { label, conv: 0, fc: 0, bn: 0 };
    for (const l of m.layers) {
      const cls = l.getClassName();
      const n = trainableParams(l);
      if (cls === "BatchNormalization") b.bn += n;
      else if (/Conv/.test(cls)) b.conv += n;
      else b.fc += n;
    }
    return b;
  } finally {
    m.dispose();
  }
}

/** The epoch metric holding the averaged weights' test accuracy (a fraction). */
export const AVERAGED_ACC = "averagedTestAcc";

export interface RowRun {
  id: string;
  table: 1 | 2;
  family: Config["family"];
  paperRatio: number;
  compression: number;
  params: number;
  lr: number;
  epochs: EpochRecord[];
  /** Test accuracy (%) of the averaged weights after each epoch. */
  emaAcc: number[];
  /** The card's reported number: the last epoch's averaged-weight accuracy (%); and the best over epochs. */
  final: number;
  best: number;
  /** Last epoch's accuracy of the raw (not averaged) weights (%). */
  finalRaw: number;
  seconds: number;
  /** Training images per second (augmentation included, evaluation excluded). */
  trainImgPerSec: number;
  /** The trained model when `keepModel` was set (the caller disposes it). */
  model?: tf.LayersModel;
}

export interface TrainOptions {
  seed?: number;
  /** Use the weight average for the reported accuracy (default true, as the thesis code). */
  ema?: boolean;
  live?: boolean;
  /** Checkpoint folder: a re-run with the same folder resumes (weight average and BatchNorm counter included). */
  checkpointDir?: string;
  keepModel?: boolean;
}

/** Trains one row of Table 1 or 2 with the card's recipe under budget `b`. */
export async function trainRow(id: string, b: Budget, data: Data, o: TrainOptions = {}): Promise<RowRun> {
  const r: Row = row(id);
  const c = rowConfig(r);
  const seed = o.seed ?? SETTINGS.seed;
  const useEma = o.ema ?? true;
  if (!(Number.isInteger(b.epochs) && b.epochs > 0)) fail("budget.epochs", b.epochs, "a positive whole number");
  const model = withSeed(seed, () => buildNet(c, seed));
  const lr = r.family === "tt-conv-tt-fc" ? SETTINGS.lrTtConvTtFc : SETTINGS.lr;
  const bn = debiasedBatchNorm(model, SETTINGS.bnDecay);
  const ema = new WeightAverage(model, { decay: SETTINGS.emaDecay });
  const averagedAcc = async () => (await evaluate(model, data.test, { batchSize: 500, normalize: data.normalize })).acc;
  const t0 = Date.now();
  // Training time alone: from each batch's end to the next, restarting after the epoch's evaluations.
  let trainMs = 0;
  let mark = Date.now();
  try {
    const res = await fit(model, { train: data.train, test: data.test }, {
      epochs: b.epochs,
      batchSize: SETTINGS.batchSize,
      optimizer: { name: "sgd", lr, momentum: SETTINGS.momentum },
      schedule: { kind: "step", every: b.stepEvery, gamma: SETTINGS.gamma },
      normalize: data.normalize,
      augment: AUGMENT,
      select: "last",
      seed,
      live: o.live,
      checkpointDir: o.checkpointDir,
      resume: o.checkpointDir !== undefined,
      // Both averages go into the checkpoints, so a resumed row averages as an uninterrupted one.
      callbacks: [bn, ema.callback(useEma ? { name: AVERAGED_ACC, fn: averagedAcc } : undefined)],
      onBatch: () => {
        const now = Date.now();
        trainMs += now - mark;
        mark = now;
      },
      onEpoch: () => {
        mark = Date.now();
      },
    });
    const eps = res.history.epochs;
    // NaN for epochs checkpointed before the averaged accuracy was kept in the history.
    const emaAcc = useEma ? eps.map((e) => 100 * (e.metrics?.[AVERAGED_ACC] ?? NaN)) : [];
    const raw = eps.map((e) => 100 * (e.testAcc ?? NaN));
    const reported = useEma ? emaAcc : raw;
    const seconds = (Date.now() - t0) / 1000;
    return {
      id,
      table: id.startsWith("ttconv.t1") ? 1 : 2,
      family: r.family,
      paperRatio: r.ratio,
      compression: compression(c),
      params: trainableParams(model),
      lr,
      epochs: eps,
      emaAcc,
      final: reported[reported.length - 1],
      best: Math.max(...reported.filter((v) => Number.isFinite(v))),
      finalRaw: raw[raw.length - 1],
      seconds,
      trainImgPerSec: (data.train.size * eps.length) / Math.max(1e-3, trainMs / 1000),
      ...(o.keepModel ? { model } : {}),
    };
  } finally {
    ema.dispose();
    if (!o.keepModel) model.dispose();
  }
}

/** Where the learning rate dropped (between epochs), as vertical marks for a curve plot. */
export function lrDrops(r: RowRun): { at: number; label: string }[] {
  return r.epochs.filter((e, i) => i > 0 && e.lr < r.epochs[i - 1].lr).map((e) => ({ at: e.epoch - 0.5, label: "LR ÷ 10" }));
}

/** A row's epochs with the averaged weights' test accuracy (the number the card reports) as testAcc. */
export function averagedHistory(r: RowRun): { label: string; epochs: EpochRecord[] } {
  return { label: r.id.replace(/^ttconv\./, ""), epochs: r.epochs.map((e, i) => ({ ...e, testAcc: r.emaAcc[i] / 100 })) };
}

/**
 * Where finished rows are kept: a `Map` (one session) or a `tn.papers.RunStore` (a folder, so a
 * re-executed notebook or a later session skips the rows already trained).
 */
export interface RowCache {
  get(id: string): RowRun | undefined;
  set(id: string, run: RowRun, opts?: { seed?: number; started?: Date }): unknown;
  /** A store keeps the weights of rows trained with `keepModel`. */
  saveWeights?(id: string, model: tf.LayersModel): void;
  loadWeights?(id: string, model: tf.LayersModel): boolean;
  /** A store checkpoints a row every epoch (a row interrupted by the end of a session resumes there). */
  checkpointDir?(id: string): string;
  dropCheckpoints?(id: string): void;
}

/**
 * One row from `cache`, else trained and added to it. With `keepModel` the run carries its model:
 * rebuilt from the store's weights when the row was trained before. A store also checkpoints the
 * row every epoch beside its record, so a row cut off by the end of a session resumes at its last
 * epoch (its weight average restarts there: see trainRow); the checkpoints go when it is stored.
 */
export async function cachedRow(id: string, b: Budget, data: Data, cache: RowCache, o: TrainOptions = {}): Promise<RowRun> {
  const hit = cache.get(id);
  if (hit && (!o.keepModel || hit.model)) return hit;
  if (hit && cache.loadWeights) {
    const model = buildNet(rowConfig(row(id)), o.seed ?? SETTINGS.seed);
    if (cache.loadWeights(id, model)) return { ...hit, model };
    model.dispose();
  }
  const started = new Date();
  const r = await trainRow(id, b, data, { ...o, checkpointDir: o.checkpointDir ?? cache.checkpointDir?.(id) });
  if (o.keepModel && r.model && cache.saveWeights) cache.saveWeights(id, r.model);
  cache.set(id, r, { seed: o.seed ?? SETTINGS.seed, started });
  if (!o.checkpointDir) cache.dropCheckpoints?.(id);
  return r;
}

/** The folder store of finished rows for a profile and budget (tn.papers.RunStore, "tt-conv"). */
export function rowStore(profile: Profile, b: Budget, engine: string, root?: string): RunStore<RowRun> {
  // A row's result is its averaged weights' accuracy, so a row in progress is followed by it too.
  return runStore<RowRun>("tt-conv", profile, b, engine, root, rowBudget, AVERAGED_ACC);
}

/** What a row's run depends on: the budget without its list of rows. */
function rowBudget(b: unknown): unknown {
  if (!b || typeof b !== "object") return b;
  const { rows: _rows, ...perRow } = b as Budget;
  return perRow;
}

/**
 * The rows at a profile trained by `tnlab train tt-conv` (paper by default): finished ones with
 * their averaged-weight accuracy, runs in progress with their epochs and averaged-weight accuracy
 * so far (NaN for epochs checkpointed before it was kept) and the hours left at their pace, and
 * their averaged-weight curves so far.
 */
export function storedRows(profile: Profile = "paper", root?: string): { status: RunStatus[]; curves: Record<string, number[]> } {
  const b = budget(profile);
  const store = rowStore(profile, b, "", root);
  const curves: Record<string, number[]> = {};
  for (const g of store.inProgress()) curves[`${g.id} (in progress)`] = g.curve;
  for (const r of store.records()) curves[r.meta.id] = r.run.emaAcc;
  return { status: store.status(b.rows, (r) => r.final), curves };
}

/** Trains the budget's rows of table `which` (1 or 2), reusing runs already in `cache`. */
export async function table(which: 1 | 2, b: Budget, data: Data, cache: RowCache = new Map(), o: TrainOptions = {}): Promise<RowRun[]> {
  if (which !== 1 && which !== 2) fail("which", which, "1 or 2");
  const out: RowRun[] = [];
  for (const id of b.rows.filter((x) => x.startsWith(`ttconv.t${which}.`))) out.push(await cachedRow(id, b, data, cache, o));
  return out;
}

/** The baseline whose count a configuration is compared to. */
export function baselineParams(c: Config): number {
  return BASELINE_PARAMS[BASE_OF[c.family]];
}
