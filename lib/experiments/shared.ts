// What every paper module of tn.experiments needs and none should write again: the data cut to a
// budget, the CIFAR-10 constants the papers share, training with an optimizer made and freed
// around one run, test accuracy in percent, timed inference and the fields of a run's result.
// The budgets themselves are per paper (profile.ts's byProfile picks one per profile).
import * as tf from "@tensorflow/tfjs";
import { cifar10 } from "../data/cifar";
import type { ImageSet } from "../data/image-set";
import { mnist, type IdxDataset } from "../data/mnist";
import type { Augment, Normalize, Standardization } from "../data/transform";
import { fail } from "../errors";
import { evaluate, fit, type FitData, type FitOptions, type FitResult } from "../train/fit";
import type { EpochRecord } from "../train/history";
import { makeOptimizer, type OptimizerSpec } from "../train/optimizers";

/** How many images of a split a budget uses: a seeded subset of that size, or all of them. */
export type Size = number | "all";

export interface Split {
  train: ImageSet;
  test: ImageSet;
}

/** The first-`n` seeded subset of `set` (seed 0, so every model of a study sees the same images), or the set. */
export function cut(set: ImageSet, n: Size): ImageSet {
  return n === "all" || n >= set.size ? set : set.subset(n, 0);
}

/** Both splits cut to a budget's `train` and `test` sizes. */
export function cutSplit(data: Split, b: { train: Size; test: Size }): Split {
  return { train: cut(data.train, b.train), test: cut(data.test, b.test) };
}

/** CIFAR-10 cut to the budget (from `dir` when given, else where tn.data.cifar10 finds it). */
export function cifarSplit(b: { train: Size; test: Size }, dir?: string): Split {
  return cutSplit(cifar10(dir ? { dir } : {}), b);
}

/** MNIST cut to the budget. */
export function mnistSplit(b: { train: Size; test: Size }, data: IdxDataset = mnist()): Split {
  return cutSplit(data, b);
}

/** The usual CIFAR-10 per-channel mean and std (MUSCO's and the ResNet-18 notebook's constants). */
export const CIFAR_NORMALIZE: Standardization = {
  kind: "channel",
  mean: Float32Array.from([0.4914, 0.4822, 0.4465]),
  std: Float32Array.from([0.2023, 0.1994, 0.201]),
};

/** The usual CIFAR-10 augmentation: random crop after padding by 4, horizontal flip. */
export const CROP_FLIP: Augment = { padCrop: 4, flip: true };

/**
 * fit with an optimizer made from `spec` for this run and freed after it, whatever happens: its
 * momentum or Adam slots never outlive the run (a study trains tens of models).
 */
export async function fitOwned(model: tf.LayersModel, data: FitData, spec: OptimizerSpec, opts: Omit<FitOptions, "optimizer">): Promise<FitResult> {
  const optimizer = makeOptimizer(spec);
  try {
    return await fit(model, data, { ...opts, optimizer });
  } finally {
    optimizer.dispose();
  }
}

/** Test accuracy in % and mean loss, in inference mode. */
export async function testAccuracy(model: tf.LayersModel, test: ImageSet, o: { normalize: Normalize; batchSize?: number; outputs?: FitOptions["outputs"] }): Promise<{ acc: number; loss: number }> {
  const r = await evaluate(model, test, { batchSize: o.batchSize ?? 250, normalize: o.normalize, outputs: o.outputs });
  return { acc: 100 * r.acc, loss: r.loss };
}

/**
 * Median milliseconds per image of inference at `batch` on random images of `inputShape` (one
 * warm-up pass, then `runs` timed passes).
 */
export function inferenceMs(model: tf.LayersModel, batch: number, runs: number, inputShape: number[] = [32, 32, 3]): number {
  if (!Number.isInteger(batch) || batch < 1) fail("batch", batch, "a positive integer");
  if (!Number.isInteger(runs) || runs < 1) fail("runs", runs, "a positive number of timed runs");
  const x = tf.randomNormal([batch, ...inputShape], 0, 1, "float32", 1);
  try {
    tf.tidy(() => void (model.predict(x) as tf.Tensor).dataSync());
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      tf.tidy(() => void (model.predict(x) as tf.Tensor).dataSync());
      times.push((performance.now() - t0) / batch);
    }
    times.sort((a, c) => a - c);
    return times[Math.floor(times.length / 2)];
  } finally {
    x.dispose();
  }
}

/** The fields every trained run reports. */
export interface RunResult {
  /** Trainable parameters of the trained model. */
  params: number;
  epochs: EpochRecord[];
  /** Wall-clock seconds of the run. */
  seconds: number;
}

/** Test accuracy (%) after each epoch; NaN where an epoch was not tested. */
export function testAccs(epochs: EpochRecord[]): number[] {
  return epochs.map((e) => 100 * (e.testAcc ?? NaN));
}

/** Seconds since `t0` (a Date.now() value). */
export function secondsSince(t0: number): number {
  return (Date.now() - t0) / 1000;
}

/** Mean and sample standard deviation (sd is NaN for fewer than two values). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1)) : NaN;
  return { mean, sd };
}

/**
 * When a difference of two mean accuracies (%) counts: beyond twice the larger of (a) the standard
 * error of the difference of the means over seeds (none from a single seed) and (b) the binomial
 * noise of two accuracies at `b`'s mean (the reference) on `testSize` test images. `a` and `b` hold
 * one number per seed; the difference is a's mean minus b's.
 */
export function differenceMargin(a: readonly number[], b: readonly number[], testSize: number): { difference: number; margin: number; seedSe: number; testNoise: number } {
  if (!(Number.isInteger(testSize) && testSize > 0)) fail("testSize", testSize, "the number of test images (> 0)");
  if (a.length === 0 || b.length === 0) fail("accuracies", `${a.length} and ${b.length}`, "at least one value on each side");
  const A = meanSd(a);
  const B = meanSd(b);
  const se = (m: { sd: number }, n: number) => (n > 1 ? m.sd ** 2 / n : 0);
  const seedSe = Math.sqrt(se(A, a.length) + se(B, b.length));
  const p = Math.min(Math.max(B.mean / 100, 0), 1);
  const testNoise = 100 * Math.SQRT2 * Math.sqrt((p * (1 - p)) / testSize);
  return { difference: A.mean - B.mean, margin: 2 * Math.max(seedSe, testNoise), seedSe, testNoise };
}

/**
 * How far training moved each named layer's kernel from `init`'s (the same architecture at its
 * initialisation): ‖W − W_init‖ / ‖W_init‖. A kernel that moved little is still mostly its random
 * start, whose flat spectrum leaves no low rank that keeps much of it.
 */
export function kernelDrift(model: tf.LayersModel, init: tf.LayersModel, layers: readonly string[]): { layer: string; drift: number }[] {
  return layers.map((layer) => {
    const [w] = model.getLayer(layer).getWeights();
    const [w0] = init.getLayer(layer).getWeights();
    if (!w || !w0 || w.size !== w0.size) fail("model", model.name, `a model whose ${layer} kernel has the shape of the initial model's (${w0?.shape})`);
    return { layer, drift: tf.tidy(() => tf.norm(tf.sub(w, w0)).div(tf.norm(w0)).dataSync()[0]) };
  });
}
