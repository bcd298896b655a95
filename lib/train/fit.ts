// The training loop: optimizer + LR schedule, per-epoch loss/accuracy on train and test (and a
// held-out validation split), seeds. Everything else a run does is a callback (callbacks.ts):
// selection of the reported epoch and early stopping (selection.ts), checkpoints and resume
// (checkpointer.ts), progress and the live chart (display-hooks.ts), and the caller's own.
//
// What a seed fixes: the batch order and augmentation of every epoch (a stream per epoch, derived
// from seed and epoch number), the validation split, and everything tfjs draws from Math.random
// while an epoch trains (Dropout masks), which fit seeds per epoch too. It does not fix the
// model's initial weights (build the model inside `withSeed(seed, () => ...)` for that), nor
// anything a backend computes in a different order on another machine or thread count.
import * as tf from "@tensorflow/tfjs";
import { engineLabel } from "../backend";
import type { ImageSet } from "../data/image-set";
import type { Augment, Normalize } from "../data/transform";
import { fail } from "../errors";
import { machineName } from "../machine";
import { CallbackList, type BatchInfo, type Callback, type FitState } from "./callbacks";
import { checkpointFile, checkpointer } from "./checkpointer";
import { defaultTrainDisplay, liveChartCallback, progressCallback, type TrainDisplay } from "./display-hooks";
import { correctCount, evaluate, lossFor, outputKind, type LossFn, type Outputs } from "./evaluate";
import type { EpochRecord, History, Selection } from "./history";
import { disposeOptimizer, getLearningRate, makeOptimizer, setLearningRate, type OptimizerSpec } from "./optimizers";
import { checkSchedule, learningRateAt, type Schedule } from "./schedules";
import { bestEpoch, earlyStopping } from "./selection";
import { mixSeed, randomStream } from "./seed";

export { evaluate };
export type { BatchInfo };

export interface FitData {
  train: ImageSet;
  test?: ImageSet;
  /** A held-out set for selection "validation"; if absent, it is split off the training set. */
  validation?: ImageSet;
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
  outputs?: Outputs;
  /** Folder for checkpoint.tnckpt, history.json, history.csv (written every epoch, atomically). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir (a fresh start when there is none). */
  resume?: boolean;
  /** Called after every epoch (after the checkpoint is written) with the history so far. */
  onEpoch?: (h: History) => void | Promise<void>;
  /** Called after every training batch; fit awaits it. */
  onBatch?: (b: BatchInfo) => void | Promise<void>;
  /** Your callbacks (see callbacks.ts), called after fit's own in every hook. */
  callbacks?: Callback[];
  /** Draw a live chart of the history through the display's liveChart (ignored without one). */
  live?: boolean;
  /**
   * Show progress (default true): in a notebook one bar per run updated in place, in a terminal a
   * line per epoch on stderr (TN_QUIET=1 silences the terminal form).
   */
  progress?: boolean;
  /** Where progress and the live chart go; default lib/display's when loaded, else plain lines. */
  display?: TrainDisplay;
}

export interface FitResult {
  history: History;
  /** The record of the selected epoch (undefined if no epoch ran). */
  selected?: EpochRecord;
}

function checkOptions(o: FitOptions): void {
  const count = (name: string, v: unknown, optional = true) => {
    if (!(optional && v === undefined) && !(Number.isInteger(v) && (v as number) > 0)) fail(name, v, "a positive integer");
  };
  count("epochs", o.epochs, false);
  count("batchSize", o.batchSize);
  count("evalBatchSize", o.evalBatchSize);
  if (o.weightDecay !== undefined && !(o.weightDecay >= 0)) fail("weightDecay", o.weightDecay, "a number >= 0");
  if (o.patience !== undefined && !(Number.isInteger(o.patience) && o.patience > 0)) fail("patience", o.patience, "a positive whole number of epochs");
  if (o.select !== undefined && !["best-test", "validation", "last"].includes(o.select)) fail("select", o.select, '"best-test", "validation" or "last"');
  if (o.seed !== undefined && !Number.isInteger(o.seed)) fail("seed", o.seed, "an integer");
  if (o.resume && !o.checkpointDir) fail("resume", true, "a checkpointDir to resume from");
  if (o.callbacks !== undefined && !(Array.isArray(o.callbacks) && o.callbacks.every((c) => c !== null && typeof c === "object"))) {
    fail("callbacks", o.callbacks, "an array of callback objects ({onEpochEnd(record, state) {...}, ...})");
  }
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

/** What an epoch needs besides the state: the sets, the loss and the fixed settings. */
interface Run {
  options: FitOptions;
  train: ImageSet;
  validation?: ImageSet;
  test?: ImageSet;
  loss: LossFn;
  vars: tf.Variable[];
  baseLr: number;
  normalize: Normalize;
}

function selectionOf(options: FitOptions, data: FitData): Selection {
  const selection: Selection = options.select ?? (data.test ? "best-test" : "last");
  if (selection === "best-test" && !data.test) fail("select", selection, "a test set in data.test (or select: \"validation\" / \"last\")");
  return selection;
}

/** fit's own callbacks, in the order their effects depend on, then the caller's. */
function callbacksFor(options: FitOptions): Callback[] {
  const display = options.display ?? defaultTrainDisplay();
  const legacy: Callback = {
    onBatchEnd: (b) => options.onBatch?.(b),
    onEpochEnd: (_r, s) => options.onEpoch?.(s.history),
  };
  const dir = options.checkpointDir;
  const stateful = (options.callbacks ?? []).filter((c) => c.stateKey !== undefined || c.saveState !== undefined || c.restoreState !== undefined);
  return [
    bestEpoch(dir ? checkpointFile(dir) : "best weights"),
    ...(options.patience ? [earlyStopping(options.patience, options.epochs)] : []),
    ...(options.progress !== false ? [progressCallback(display)] : []),
    ...(dir ? [checkpointer(dir, options.resume === true, options.epochs, stateful)] : []),
    legacy,
    ...(options.live ? [liveChartCallback(display)] : []),
    ...(options.callbacks ?? []),
  ];
}

async function fitWith(model: tf.LayersModel, data: FitData, options: FitOptions, optimizer: tf.Optimizer): Promise<FitResult> {
  const seed = options.seed ?? 0;
  const selection = selectionOf(options, data);
  let { train, validation } = data;
  if (selection === "validation" && !validation) {
    ({ train, validation } = train.split(options.validationSplit ?? 0.1, mixSeed(seed, 0x5eed)));
  }
  const run: Run = {
    options,
    train,
    validation,
    test: data.test,
    baseLr: getLearningRate(optimizer),
    loss: lossFor(outputKind(model, options.outputs)),
    vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
    normalize: options.normalize ?? "scale",
  };
  const history: History = { epochs: [], selection, bestEpoch: 0, bestMetric: -Infinity, planned: options.epochs, stoppedEarly: false, seconds: 0 };
  const state: FitState = { model, optimizer, selection, seed, batchSize: options.batchSize ?? 100, history, stopTraining: false };
  const callbacks = new CallbackList(callbacksFor(options));
  await callbacks.trainBegin(state);
  state.stopTraining ||= state.history.stoppedEarly;
  for (let epoch = state.history.epochs.length + 1; epoch <= options.epochs && !state.stopTraining; epoch++) {
    const rec = await runEpoch(run, state, epoch, callbacks);
    state.history.epochs.push(rec);
    state.history.seconds += rec.seconds;
    await callbacks.epochEnd(rec, state);
  }
  await callbacks.trainEnd(state);
  const h = state.history;
  return { history: h, selected: h.epochs.find((e) => e.epoch === h.bestEpoch) };
}

/** One optimizer step on a batch; returns the batch's summed loss and its count of correct answers. */
function step(run: Run, s: FitState, b: { x: tf.Tensor; y: tf.Tensor; size: number }): [number, number] {
  const wd = run.options.weightDecay ?? 0;
  let lossT: tf.Scalar | undefined;
  let corrT: tf.Scalar | undefined;
  try {
    const cost = s.optimizer.minimize(
      () => {
        const out = s.model.apply(b.x, { training: true }) as tf.Tensor;
        const l = run.loss(b.y, out);
        lossT = tf.keep(tf.clone(l));
        corrT = tf.keep(correctCount(b.y, out));
        if (wd > 0) return tf.add(l, tf.mul(wd / 2, tf.addN(run.vars.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
        return l;
      },
      false,
      run.vars,
    );
    if (cost) cost.dispose();
    return [lossT!.dataSync()[0] * b.size, corrT!.dataSync()[0]];
  } finally {
    tf.dispose([b.x, b.y, lossT as tf.Tensor, corrT as tf.Tensor]);
  }
}

async function runEpoch(run: Run, s: FitState, epoch: number, callbacks: CallbackList): Promise<EpochRecord> {
  const o = run.options;
  const t0 = Date.now();
  const lr = learningRateAt(o.schedule, epoch, run.baseLr);
  setLearningRate(s.optimizer, lr);
  const batches = run.train.numBatches(s.batchSize, o.dropRemainder ?? false);
  await callbacks.epochBegin({ epoch, epochs: o.epochs, batches, lr }, s);
  let sumLoss = 0;
  let correct = 0;
  let seen = 0;
  // Training draws (dropout) come from the epoch's stream; callbacks run with the caller's.
  const random = randomStream(mixSeed(s.seed, epoch, 1));
  random.enter();
  try {
    const order = { shuffle: true, seed: mixSeed(s.seed, epoch, 2), normalize: run.normalize, augment: o.augment, dropRemainder: o.dropRemainder };
    for (const b of run.train.batches(s.batchSize, order)) {
      const [l, c] = step(run, s, b);
      sumLoss += l;
      correct += c;
      seen += b.size;
      random.exit();
      await callbacks.batchEnd({ epoch, batch: b.index + 1, batches, loss: sumLoss / seen, acc: correct / seen }, s);
      random.enter();
    }
  } finally {
    random.exit();
  }
  const rec: EpochRecord = { epoch, lr, trainLoss: sumLoss / Math.max(1, seen), trainAcc: correct / Math.max(1, seen), seconds: 0 };
  const evalOpts = { batchSize: o.evalBatchSize ?? s.batchSize, normalize: run.normalize, outputs: o.outputs };
  if (run.validation) ({ loss: rec.valLoss, acc: rec.valAcc } = await evaluate(s.model, run.validation, evalOpts));
  if (run.test) ({ loss: rec.testLoss, acc: rec.testAcc } = await evaluate(s.model, run.test, evalOpts));
  await callbacks.epochMeasure(rec, s);
  rec.seconds = (Date.now() - t0) / 1000;
  rec.engine = engineLabel();
  rec.machine = machineName();
  rec.ended = new Date().toISOString();
  return rec;
}
