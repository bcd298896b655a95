// Training callbacks, after tfjs-layers' Callback / CallbackList: fit's loop only trains and
// evaluates; selection, early stopping, checkpoints, progress and the live chart are callbacks
// (selection.ts, checkpointer.ts, display-hooks.ts), and users add their own with
// `fit(..., { callbacks: [...] })`. Every hook may be async; fit awaits it. Hooks run with the
// caller's Math.random, not the epoch's seeded stream, so what a callback draws cannot change
// the dropout masks of the run.
import type * as tf from "@tensorflow/tfjs";
import type { Snapshot } from "./checkpoint";
import type { EpochRecord, History, Selection } from "./history";

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  /** Running means over the epoch's batches so far. */
  loss: number;
  acc: number;
}

export interface EpochStart {
  epoch: number;
  /** Epochs planned. */
  epochs: number;
  batches: number;
  lr: number;
}

/** The run as callbacks see and steer it. */
export interface FitState {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly selection: Selection;
  readonly seed: number;
  readonly batchSize: number;
  /** The history so far (replaced by a resumed run's on resume). */
  history: History;
  /** The weights of the selected epoch so far (kept by the selection callback, saved by checkpoints). */
  bestWeights?: Snapshot;
  /** Set to true to end the run after the current epoch. */
  stopTraining: boolean;
}

/**
 * What a callback keeps between steps (running averages, step counters): numbers, and tensors as a
 * host snapshot. fit's checkpoints save it, so a resumed run carries on as if never stopped.
 */
export interface CallbackState {
  values: Record<string, number>;
  tensors: Snapshot;
}

type Hook<A extends unknown[]> = ((...args: A) => void | Promise<void>) | undefined;

export interface Callback {
  onTrainBegin?(state: FitState): void | Promise<void>;
  onEpochBegin?(epoch: EpochStart, state: FitState): void | Promise<void>;
  onBatchEnd?(batch: BatchInfo, state: FitState): void | Promise<void>;
  /**
   * After fit has evaluated the epoch, before its record joins the history and the checkpoint:
   * where a callback adds its own measurements to record.metrics.
   */
  onEpochMeasure?(record: EpochRecord, state: FitState): void | Promise<void>;
  /** After the epoch's record is in state.history. */
  onEpochEnd?(record: EpochRecord, state: FitState): void | Promise<void>;
  onTrainEnd?(state: FitState): void | Promise<void>;
  /** Names the callback's own state in checkpoints (unique among a run's callbacks); with saveState and restoreState. */
  stateKey?: string;
  saveState?(): CallbackState;
  /**
   * On resume, after the model and optimizer are restored: the state saved with the checkpoint,
   * or undefined when the checkpoint holds none for this key (written before the callback kept it).
   */
  restoreState?(saved: CallbackState | undefined, state: FitState): void;
}

/** Calls each hook of a list of callbacks in order. */
export class CallbackList {
  constructor(private readonly callbacks: readonly Callback[]) {}

  private async each<A extends unknown[]>(pick: (c: Callback) => Hook<A>, ...args: A): Promise<void> {
    for (const c of this.callbacks) await pick(c)?.apply(c, args);
  }

  trainBegin(s: FitState): Promise<void> {
    return this.each((c) => c.onTrainBegin, s);
  }
  epochBegin(e: EpochStart, s: FitState): Promise<void> {
    return this.each((c) => c.onEpochBegin, e, s);
  }
  batchEnd(b: BatchInfo, s: FitState): Promise<void> {
    return this.each((c) => c.onBatchEnd, b, s);
  }
  epochMeasure(r: EpochRecord, s: FitState): Promise<void> {
    return this.each((c) => c.onEpochMeasure, r, s);
  }
  epochEnd(r: EpochRecord, s: FitState): Promise<void> {
    return this.each((c) => c.onEpochEnd, r, s);
  }
  trainEnd(s: FitState): Promise<void> {
    return this.each((c) => c.onTrainEnd, s);
  }
}
