// Running averages that TensorFlow 1.x training scripts used and TensorFlow.js lacks:
// an exponential moving average of the trainable weights, evaluated in place of the weights
// (tf.train.ExponentialMovingAverage with num_updates), and zero-debiased BatchNorm population
// statistics. Both are fit callbacks that keep their state in fit's checkpoints, so a run resumed
// from one averages exactly as the uninterrupted run would.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import type { Callback, CallbackState } from "./callbacks";
import { snapshot } from "./checkpoint";

/**
 * Shadow copies of a model's trainable weights, updated after every step with the decay
 * min(decay, (1 + t) / (10 + t)) of TF's ExponentialMovingAverage(decay, num_updates = t).
 * The shadows start at the weights' values when the average is created.
 */
export class WeightAverage {
  readonly decay: number;
  private readonly weights: tf.LayerVariable[];
  private readonly shadows: tf.Variable[];
  private steps = 0;

  constructor(model: tf.LayersModel, options: { decay?: number } = {}) {
    const decay = options.decay ?? 0.9;
    if (!(decay > 0 && decay < 1)) fail("decay", decay, "a number in (0, 1)");
    this.decay = decay;
    this.weights = model.trainableWeights;
    this.shadows = this.weights.map((w) => tf.variable(w.read(), false));
  }

  /** Folds the current weights in; call once after each optimizer step (step t = 0, 1, ...). */
  update(): void {
    const t = this.steps++;
    const d = Math.min(this.decay, (1 + t) / (10 + t));
    tf.tidy(() => {
      this.weights.forEach((w, i) => this.shadows[i].assign(tf.add(tf.mul(this.shadows[i], d), tf.mul(w.read(), 1 - d))));
    });
  }

  /** Number of updates so far. */
  get updates(): number {
    return this.steps;
  }

  /** Runs `fn` with the averaged weights in the model, then puts the trained weights back. */
  async withAveraged<T>(fn: () => Promise<T> | T): Promise<T> {
    const saved = this.weights.map((w) => tf.clone(w.read()));
    try {
      this.weights.forEach((w, i) => w.write(this.shadows[i]));
      return await fn();
    } finally {
      this.weights.forEach((w, i) => w.write(saved[i]));
      tf.dispose(saved);
    }
  }

  /** The shadows and the update count, for a checkpoint. */
  saveState(): CallbackState {
    return { values: { updates: this.steps }, tensors: snapshot(this.shadows.map((v, i) => ({ name: this.weights[i].originalName, tensor: v }))) };
  }

  /** Puts saved state back; without any, starts over from the model's current weights. */
  restoreState(saved: CallbackState | undefined): void {
    if (!saved) {
      this.weights.forEach((w, i) => this.shadows[i].assign(w.read()));
      this.steps = 0;
      return;
    }
    const { tensors, values } = saved;
    if (tensors.values.length !== this.shadows.length || tensors.values.some((v, i) => v.length !== this.shadows[i].size) || !Number.isInteger(values.updates)) {
      fail("weight average state", `${tensors.values.length} tensors, updates ${values.updates}`, `the ${this.shadows.length} shadows of this model's trainable weights and a whole update count`);
    }
    tensors.values.forEach((v, i) => tf.tidy(() => this.shadows[i].assign(tf.tensor(v, this.shadows[i].shape, "float32"))));
    this.steps = values.updates;
  }

  /**
   * The average as a fit callback: folds the weights in after every step, goes into fit's
   * checkpoints, and with `measure` records what measure() returns under the averaged weights as
   * the epoch's metric `measure.name` (kept in the history, so it survives a resume).
   */
  callback(measure?: { name: string; fn: () => Promise<number> | number }): Callback {
    return {
      stateKey: "weightAverage",
      onBatchEnd: () => this.update(),
      onEpochMeasure: async (rec) => {
        if (measure) rec.metrics = { ...rec.metrics, [measure.name]: await this.withAveraged(measure.fn) };
      },
      saveState: () => this.saveState(),
      restoreState: (saved) => this.restoreState(saved),
    };
  }

  dispose(): void {
    tf.dispose(this.shadows);
  }
}

interface MutableBatchNorm {
  momentum: number;
}

/**
 * Makes every BatchNormalization layer of `model` keep zero-debiased moving statistics with the
 * given decay (TF's batch_norm with zero_debias_moving_mean): after t steps the population mean is
 * sum_i decay^(t-i) m_i / sum_i decay^(t-i), with no trace of the 0 / 1 start. A plain EMA with
 * decay 0.99 would still be 1 - 0.99^t parts start value after t steps, which wrecks test
 * accuracy of short runs. Equivalent form used here: before step t (1-based) the momentum is
 * decay (1 - decay^(t-1)) / (1 - decay^t), so step 1 takes the batch statistics outright.
 * Returns the hook to call after every step (fit's onBatch). tfjs reads the layer's momentum at
 * every call, which is what this relies on; the test checks the resulting statistics.
 * As a fit callback it steps after every batch and keeps its step count in fit's checkpoints.
 */
export function debiasedBatchNorm(model: tf.LayersModel, decay: number): Callback & { afterStep: () => void; readonly steps: number } {
  if (!(decay > 0 && decay < 1)) fail("decay", decay, "a number in (0, 1)");
  const layers = model.layers.filter((l) => l.getClassName() === "BatchNormalization") as unknown as MutableBatchNorm[];
  let t = 0;
  const set = () => {
    const next = t + 1;
    const m = (decay * (1 - decay ** (next - 1))) / (1 - decay ** next);
    for (const l of layers) l.momentum = m;
  };
  set();
  const afterStep = () => {
    t++;
    set();
  };
  return {
    afterStep,
    get steps() {
      return t;
    },
    stateKey: "debiasedBatchNorm",
    onBatchEnd: afterStep,
    saveState: () => ({ values: { steps: t }, tensors: { names: [], shapes: [], dtypes: [], values: [] } }),
    // Without saved state (a checkpoint from before it was kept) the count restarts, as it did then.
    restoreState: (saved) => {
      const n = saved?.values.steps ?? 0;
      if (!(Number.isInteger(n) && n >= 0)) fail("debiased BatchNorm state: steps", n, "a whole number >= 0");
      t = n;
      set();
    },
  };
}
