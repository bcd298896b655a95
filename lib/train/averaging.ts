// Running averages that TensorFlow 1.x training scripts used and TensorFlow.js lacks:
// an exponential moving average of the trainable weights, evaluated in place of the weights
// (tf.train.ExponentialMovingAverage with num_updates), and zero-debiased BatchNorm population
// statistics. Both plug into `fit` through its onBatch hook.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";

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
 */
export function debiasedBatchNorm(model: tf.LayersModel, decay: number): { afterStep: () => void; reset: () => void } {
  if (!(decay > 0 && decay < 1)) fail("decay", decay, "a number in (0, 1)");
  const layers = model.layers.filter((l) => l.getClassName() === "BatchNormalization") as unknown as MutableBatchNorm[];
  let t = 0;
  const set = () => {
    const next = t + 1;
    const m = (decay * (1 - decay ** (next - 1))) / (1 - decay ** next);
    for (const l of layers) l.momentum = m;
  };
  set();
  return {
    afterStep: () => {
      t++;
      set();
    },
    reset: () => {
      t = 0;
      set();
    },
  };
}
