// The training loop: optimizer + LR schedule, per-epoch loss/accuracy on train and test (and a
// held-out validation split), selection of the reported epoch, early stopping, seeds, progress,
// checkpoints every epoch and resume.
//
// What a seed fixes: the batch order and augmentation of every epoch (a stream per epoch, derived
// from seed and epoch number), the validation split, and everything tfjs draws from Math.random
// while an epoch trains (Dropout masks), which fit seeds per epoch too. It does not fix the
// model's initial weights (build the model inside `withSeed(seed, () => ...)` for that), nor
// anything a backend computes in a different order on another machine or thread count.
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { ImageSet } from "../data/image-set";
import { ProgressBar, formatSeconds } from "../data/progress-bar";
import type { Augment, Normalize } from "../data/transform";
import { fail } from "../errors";
import { checkpointExists, damagedCheckpointFile, loadCheckpoint, modelSnapshot, restoreModel, snapshot, writeCheckpoint, type Snapshot } from "./checkpoint";
import { saveHistory, type EpochRecord, type History, type Selection } from "./history";
import { disposeOptimizer, getLearningRate, makeOptimizer, setLearningRate, type OptimizerSpec } from "./optimizers";
import { checkSchedule, learningRateAt, type Schedule } from "./schedules";
import { mixSeed, seedMathRandom } from "./seed";

export interface FitData {
  train: ImageSet;
  test?: ImageSet;
  /** A held-out set for selection "validation"; if absent, it is split off the training set. */
  validation?: ImageSet;
}

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
}

export interface FitOptions {
  epochs: number;
  /** Default 100 (the papers' batch size). */
  batchSize?: number;
  /** Batch size for evaluation passes (default: batchSize). */
  evalBatchSize?: number;
  /** An optimizer spec or a tf.train optimizer; default SGD lr 0.01, momentum 0.9. */
  optimizer?: OptimizerSpec | tf.Optimizer;
  /** L2 weight decay as in PyTorch's optimizers: adds decay · w to every trainable weight's gradient. */
  weightDecay?: number;
  schedule?: Schedule;
  /**
   * Which epoch is reported and restored at the end:
   * "best-test" (the papers' rule: best test accuracy), "validation" (best accuracy on a held-out
   * split of the training set; test reported at that epoch), "last". Default "best-test" when a
   * test set is given, else "last".
   */
  select?: Selection;
  /** Size of the held-out split for "validation": a count or a fraction (default 0.1). */
  validationSplit?: number;
  /** Stop when the selection metric has not improved for this many epochs. */
  patience?: number;
  /** Seed of batch order, augmentation, validation split and dropout (see the file comment). Default 0. */
  seed?: number;
  /** Pixel normalisation for all sets (default "scale"). */
  normalize?: Normalize;
  /** Training-set augmentation. */
  augment?: Augment;
  dropRemainder?: boolean;
  /** What the model outputs; "auto" looks for a final softmax. */
  outputs?: "auto" | "logits" | "probabilities";
  /** Folder for checkpoint.tnckpt, history.json, history.csv (written every epoch, atomically). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir (a fresh start when there is none). */
  resume?: boolean;
  /** Called after every epoch (after the checkpoint is written) with the history so far. */
  onEpoch?: (h: History) => void | Promise<void>;
  /** Called after every training batch; fit awaits it. */
  onBatch?: (b: BatchInfo) => void | Promise<void>;
  /** Draw a live chart when lib/display provides liveChart (ignored otherwise). */
  live?: boolean;
  /** Progress bar on stderr (default true; TN_QUIET=1 silences it). */
  progress?: boolean;
}

export interface FitResult {
  history: History;
  /** The record of the selected epoch (undefined if no epoch ran). */
  selected?: EpochRecord;
}

type LossFn = (y: tf.Tensor, out: tf.Tensor) => tf.Scalar;

function outputKind(model: tf.LayersModel, want: FitOptions["outputs"]): "logits" | "probabilities" {
  if (want === "logits" || want === "probabilities") return want;
  if (want !== undefined && want !== "auto") fail("outputs", want, '"auto", "logits" or "probabilities"');
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig() as { activation?: unknown };
  return last.getClassName() === "Softmax" || cfg.activation === "softmax" ? "probabilities" : "logits";
}

function lossFor(kind: "logits" | "probabilities"): LossFn {
  if (kind === "logits") return (y, out) => tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
  return (y, out) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(out, 1e-7, 1))), -1))) as tf.Scalar;
}

function correctCount(y: tf.Tensor, out: tf.Tensor): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.argMax(y, -1)), "float32"));
}

/** Mean loss and accuracy of the model on a set (inference mode, no augmentation). */
export async function evaluate(
  model: tf.LayersModel,
  set: ImageSet,
  opts: { batchSize?: number; normalize?: Normalize; outputs?: FitOptions["outputs"] } = {},
): Promise<{ loss: number; acc: number }> {
  const loss = lossFor(outputKind(model, opts.outputs));
  let sumLoss = 0;
  let correct = 0;
  await set.forEachBatch(opts.batchSize ?? 100, { normalize: opts.normalize ?? "scale" }, (b) => {
    const [l, c] = tf.tidy(() => {
      const out = model.apply(b.x, { training: false }) as tf.Tensor;
      return [loss(b.y, out), correctCount(b.y, out)];
    }) as tf.Tensor[];
    sumLoss += l.dataSync()[0] * b.size;
    correct += c.dataSync()[0];
    tf.dispose([l, c]);
  });
  return { loss: sumLoss / set.size, acc: correct / set.size };
}

/**
 * Connects to lib/display's liveChart when it exists at runtime (liveChart({title}) returning
 * {update(history), done()}, or a plain function of the history); fit works without it.
 */
function liveHook(title: string): { update: (h: History) => void; done: () => void } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const display = require("../display") as { liveChart?: (o: unknown) => unknown };
    if (typeof display.liveChart !== "function") return undefined;
    const chart = display.liveChart({ title }) as unknown;
    if (typeof chart === "function") return { update: chart as (h: History) => void, done: () => undefined };
    const c = chart as { update?: (h: History) => void; done?: () => void } | undefined;
    if (c && typeof c.update === "function") {
      return { update: (h) => c.update!(h), done: () => (typeof c.done === "function" ? c.done() : undefined) };
    }
  } catch {
    /* no display module: no chart */
  }
  return undefined;
}

// Scalar variables an optimizer keeps outside getWeights(), e.g. Adam's running beta powers:
// setWeights() recomputes those with pow(), which rounds differently from the running products,
// so a resumed run would drift by an ulp. They are saved under "@field" names.
function hiddenState(opt: tf.Optimizer): [string, tf.Variable][] {
  return Object.entries(opt as unknown as Record<string, unknown>)
    .filter((e): e is [string, tf.Variable] => e[1] instanceof tf.Variable)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

async function optimizerSnapshot(opt: tf.Optimizer): Promise<Snapshot> {
  const ws = await opt.getWeights();
  const s = snapshot([...ws, ...hiddenState(opt).map(([k, v]) => ({ name: `@${k}`, tensor: v }))]);
  // getWeights returns the optimizer's own variables plus a fresh iterations scalar.
  for (const w of ws) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  return s;
}

async function restoreOptimizer(opt: tf.Optimizer, saved: { name: string; tensor: tf.Tensor }[]): Promise<void> {
  await opt.setWeights(saved.filter((w) => !w.name.startsWith("@")));
  const fields = new Map(hiddenState(opt));
  for (const w of saved) {
    if (!w.name.startsWith("@")) continue;
    const v = fields.get(w.name.slice(1));
    if (v && v.size === w.tensor.size) tf.tidy(() => v.assign(w.tensor.reshape(v.shape)));
  }
}

function checkOptions(o: FitOptions): void {
  if (!(Number.isInteger(o.epochs) && o.epochs > 0)) fail("epochs", o.epochs, "a positive integer");
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize > 0)) fail("batchSize", o.batchSize, "a positive integer");
  if (o.evalBatchSize !== undefined && !(Number.isInteger(o.evalBatchSize) && o.evalBatchSize > 0)) fail("evalBatchSize", o.evalBatchSize, "a positive integer");
  if (o.weightDecay !== undefined && !(o.weightDecay >= 0)) fail("weightDecay", o.weightDecay, "a number >= 0");
  if (o.patience !== undefined && !(Number.isInteger(o.patience) && o.patience > 0)) fail("patience", o.patience, "a positive whole number of epochs");
  if (o.select !== undefined && !["best-test", "validation", "last"].includes(o.select)) fail("select", o.select, '"best-test", "validation" or "last"');
  if (o.seed !== undefined && !Number.isInteger(o.seed)) fail("seed", o.seed, "an integer");
  if (o.resume && !o.checkpointDir) fail("resume", true, "a checkpointDir to resume from");
  checkSchedule(o.schedule);
}

/** Trains `model` on `data.train`, evaluating every epoch; see FitOptions. */
export async function fit(model: tf.LayersModel, data: FitData, options: FitOptions): Promise<FitResult> {
  checkOptions(options);
  if (!data || !data.train) fail("data", data, "{train: ImageSet, test?: ImageSet, validation?: ImageSet}");
  const given = options.optimizer != null && options.optimizer instanceof tf.Optimizer ? options.optimizer : undefined;
  const optimizer = given ?? makeOptimizer((options.optimizer as OptimizerSpec | undefined) ?? { name: "sgd", lr: 0.01, momentum: 0.9 });
  try {
    return await fitWith(model, data, options, optimizer);
  } finally {
    // An optimizer fit made is fit's to free (its slot variables would otherwise outlive the run).
    if (!given) disposeOptimizer(optimizer);
  }
}

async function fitWith(model: tf.LayersModel, data: FitData, options: FitOptions, optimizer: tf.Optimizer): Promise<FitResult> {
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 100;
  const evalBatch = options.evalBatchSize ?? batchSize;
  const normalize = options.normalize ?? "scale";
  const selection: Selection = options.select ?? (data.test ? "best-test" : "last");
  if (selection === "best-test" && !data.test) fail("select", selection, "a test set in data.test (or select: \"validation\" / \"last\")");

  let train = data.train;
  let validation = data.validation;
  if (selection === "validation" && !validation) {
    const parts = train.split(options.validationSplit ?? 0.1, mixSeed(seed, 0x5eed));
    train = parts.train;
    validation = parts.validation;
  }
  const test = data.test;

  const baseLr = getLearningRate(optimizer);
  const loss = lossFor(outputKind(model, options.outputs));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const wd = options.weightDecay ?? 0;

  const dir = options.checkpointDir;
  const ckptFile = dir ? join(dir, "checkpoint.tnckpt") : undefined;
  let history: History = {
    epochs: [],
    selection,
    bestEpoch: 0,
    bestMetric: -Infinity,
    planned: options.epochs,
    stoppedEarly: false,
    seconds: 0,
  };
  let best: Snapshot | undefined;
  if (dir && ckptFile) {
    mkdirSync(dir, { recursive: true });
    if (checkpointExists(ckptFile) && !options.resume) {
      fail("checkpointDir", dir, "a folder without a previous run's checkpoint, or resume: true to continue that run");
    }
    const loaded = options.resume ? loadCheckpoint(ckptFile) : undefined;
    if (loaded && loaded.file !== ckptFile && existsSync(ckptFile)) {
      // Moved aside so the next epoch's write does not rotate it in as the "previous good" one.
      renameSync(ckptFile, damagedCheckpointFile(ckptFile));
      console.warn(`tnlab: moved the damaged ${ckptFile} to ${damagedCheckpointFile(ckptFile)}`);
    }
    if (loaded) {
      const ck = loaded.checkpoint;
      const meta = ck.header.meta ?? {};
      if (ck.header.seed !== seed || meta.batchSize !== batchSize) {
        fail("resume", true, `the same seed and batchSize as the checkpointed run (it used seed ${ck.header.seed}, batchSize ${String(meta.batchSize)})`);
      }
      restoreModel(model, ck.model, loaded.file);
      await restoreOptimizer(optimizer, ck.optimizer);
      tf.dispose(ck.optimizer.map((o) => o.tensor));
      history = { ...ck.header.history, planned: options.epochs };
      if (ck.best.length) {
        const ref = modelSnapshot(model);
        best = { ...ref, values: ck.best };
      }
    }
  }

  const live = options.live ? liveHook(model.name) : undefined;
  const showProgress = options.progress !== false;
  const metric = (e: EpochRecord): number | undefined => (selection === "validation" ? e.valAcc : e.testAcc);
  const epochsDone = history.epochs.length;

  for (let epoch = epochsDone + 1; epoch <= options.epochs && !history.stoppedEarly; epoch++) {
    const t0 = Date.now();
    const lr = learningRateAt(options.schedule, epoch, baseLr);
    setLearningRate(optimizer, lr);
    const nb = train.numBatches(batchSize, options.dropRemainder ?? false);
    const bar = new ProgressBar({ label: `epoch ${epoch}/${options.epochs}`, total: nb, quiet: !showProgress });
    let sumLoss = 0;
    let correct = 0;
    let seen = 0;
    const restoreRandom = seedMathRandom(mixSeed(seed, epoch, 1));
    try {
      for (const b of train.batches(batchSize, {
        shuffle: true,
        seed: mixSeed(seed, epoch, 2),
        normalize,
        augment: options.augment,
        dropRemainder: options.dropRemainder,
      })) {
        let lossT: tf.Scalar | undefined;
        let corrT: tf.Scalar | undefined;
        try {
          const cost = optimizer.minimize(
            () => {
              const out = model.apply(b.x, { training: true }) as tf.Tensor;
              const l = loss(b.y, out);
              lossT = tf.keep(tf.clone(l));
              corrT = tf.keep(correctCount(b.y, out));
              if (wd > 0) return tf.add(l, tf.mul(wd / 2, tf.addN(vars.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
              return l;
            },
            false,
            vars,
          );
          if (cost) cost.dispose();
          sumLoss += lossT!.dataSync()[0] * b.size;
          correct += corrT!.dataSync()[0];
          seen += b.size;
        } finally {
          tf.dispose([b.x, b.y, lossT as tf.Tensor, corrT as tf.Tensor]);
        }
        bar.update(b.index + 1, `loss ${(sumLoss / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(2)}%`);
        if (options.onBatch) {
          await options.onBatch({ epoch, batch: b.index + 1, batches: nb, loss: sumLoss / seen, acc: correct / seen });
        }
      }
    } finally {
      restoreRandom();
    }
    const rec: EpochRecord = { epoch, lr, trainLoss: sumLoss / Math.max(1, seen), trainAcc: correct / Math.max(1, seen), seconds: 0 };
    if (validation) {
      const v = await evaluate(model, validation, { batchSize: evalBatch, normalize, outputs: options.outputs });
      rec.valLoss = v.loss;
      rec.valAcc = v.acc;
    }
    if (test) {
      const t = await evaluate(model, test, { batchSize: evalBatch, normalize, outputs: options.outputs });
      rec.testLoss = t.loss;
      rec.testAcc = t.acc;
    }
    rec.seconds = (Date.now() - t0) / 1000;
    history.epochs.push(rec);
    history.seconds += rec.seconds;
    const m = metric(rec);
    if (selection === "last") {
      history.bestEpoch = epoch;
      history.bestMetric = m ?? NaN;
    } else if (m !== undefined && m > history.bestMetric) {
      history.bestEpoch = epoch;
      history.bestMetric = m;
      best = modelSnapshot(model);
    }
    if (options.patience && selection !== "last" && epoch - history.bestEpoch >= options.patience && epoch < options.epochs) {
      history.stoppedEarly = true;
    }
    const acc = (v: number | undefined) => (v === undefined ? "-" : `${(100 * v).toFixed(2)}%`);
    bar.done(
      `epoch ${epoch}/${options.epochs} lr ${lr.toPrecision(3)} loss ${rec.trainLoss.toFixed(4)} acc ${acc(rec.trainAcc)}` +
        (validation ? ` val ${acc(rec.valAcc)}` : "") +
        (test ? ` test ${acc(rec.testAcc)}` : "") +
        ` (${formatSeconds(rec.seconds)})${history.stoppedEarly ? " early stop" : ""}`,
    );
    if (dir && ckptFile) {
      writeCheckpoint(
        ckptFile,
        { epoch, seed, history, optimizer: { className: optimizer.getClassName(), learningRate: lr }, meta: { batchSize } },
        modelSnapshot(model),
        await optimizerSnapshot(optimizer),
        selection === "last" ? undefined : best,
      );
      saveHistory(history, join(dir, "history.json"), join(dir, "history.csv"));
    }
    if (options.onEpoch) await options.onEpoch(history);
    if (live) live.update(history);
  }
  live?.done();

  if (selection !== "last" && best && history.bestEpoch !== history.epochs.length) restoreModel(model, best.values, ckptFile ?? "best weights");
  return { history, selected: history.epochs.find((e) => e.epoch === history.bestEpoch) };
}
