// Re-estimated BatchNorm statistics ("precise BN", Wu & Johnson 2021): the moving mean and
// variance of every BatchNormalization layer replaced by the average of per-batch statistics over
// training batches, computed with the final weights. A short run's moving averages can still be
// mostly their start values (1 for the variance): with momentum 0.9, 60 steps leave 0.9^60 = 0.18 %
// of the start, which outweighs a TT layer's output variance of 1e-9 by six orders of magnitude.
// Evaluating after a re-estimate tells such a lag apart from weights that did not learn.
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/image-set";
import type { Normalize } from "../data/transform";
import { fail } from "../errors";

export interface ReestimateOptions {
  /** Training batches averaged (default 50; fewer if the set has fewer). */
  batches?: number;
  batchSize?: number;
  normalize?: Normalize;
  /** Seed of the batches' shuffle. */
  seed?: number;
}

/** The model's BatchNormalization layers; one over another axis than the last is an error. */
function lastAxisBatchNorms(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() === "BatchNormalization");
  for (const layer of layers) {
    const rank = (layer.input as tf.SymbolicTensor).shape.length;
    const axis = (layer.getConfig() as { axis?: number | number[] }).axis;
    if (!(axis === -1 || axis === rank - 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1)))) {
      fail(`BatchNormalization layer ${layer.name}: axis`, axis, `the last axis (-1 or ${rank - 1})`);
    }
  }
  return layers;
}

/**
 * Sets every BatchNormalization layer's moving mean and variance to the mean over `batches`
 * training batches of its input's batch mean and (biased) batch variance, layer by layer in
 * order, each with the layers before it already re-estimated. Returns the number of layers set.
 * Only BatchNorm over the last axis (tnlab's `batchNorm`) is handled; another axis is an error.
 */
export function reestimateBatchNorm(model: tf.LayersModel, set: ImageSet, o: ReestimateOptions = {}): number {
  const batches = o.batches ?? 50;
  if (!(Number.isInteger(batches) && batches > 0)) fail("batches", batches, "a whole number > 0");
  const layers = lastAxisBatchNorms(model);
  for (const layer of layers) {
    const input = layer.input as tf.SymbolicTensor;
    const rank = input.shape.length;
    const upTo = tf.model({ inputs: model.inputs, outputs: input });
    const reduce = [...Array(rank - 1).keys()];
    let sumMean: tf.Tensor | undefined;
    let sumVar: tf.Tensor | undefined;
    let n = 0;
    for (const b of set.batches(o.batchSize ?? 100, { shuffle: true, seed: o.seed ?? 0, normalize: o.normalize ?? "scale" })) {
      const [m, v] = tf.tidy(() => {
        const { mean, variance } = tf.moments(upTo.predict(b.x) as tf.Tensor, reduce);
        return [sumMean ? sumMean.add(mean) : mean, sumVar ? sumVar.add(variance) : variance];
      });
      tf.dispose([b.x, b.y, sumMean, sumVar]);
      sumMean = m;
      sumVar = v;
      if (++n === batches) break;
    }
    if (!sumMean || !sumVar) fail("set", set.name, "a set with at least one image");
    const w = layer.getWeights();
    const moving = tf.tidy(() => [sumMean!.div(n), sumVar!.div(n)]);
    // getWeights order: [gamma, beta] (when present), moving mean, moving variance.
    layer.setWeights([...w.slice(0, w.length - 2), ...moving]);
    tf.dispose([sumMean, sumVar, ...moving]);
  }
  return layers.length;
}

export interface BatchNormSignal {
  layer: string;
  /** Mean over features of the batch variance of the layer's input. */
  inputVariance: number;
  /** The same of its output in training mode, γ and β as they stand. */
  outputVariance: number;
}

/**
 * How much signal each BatchNormalization layer passes on one batch `x` in training mode. A
 * feature of input variance v leaves BatchNorm with variance γ²·v / (v + ε): once v is far below ε
 * (1e-5), its output is nearly constant and so are the layers after it, however they are trained.
 * Only BatchNorm over the last axis is handled, as in reestimateBatchNorm.
 */
export function batchNormSignal(model: tf.LayersModel, x: tf.Tensor): BatchNormSignal[] {
  const layers = lastAxisBatchNorms(model);
  if (layers.length === 0) return [];
  const probe = tf.model({ inputs: model.inputs, outputs: layers.flatMap((l) => [l.input as tf.SymbolicTensor, l.output as tf.SymbolicTensor]) });
  const v = tf.tidy(() => {
    const outs = probe.apply(x, { training: true }) as tf.Tensor[];
    return outs.map((t) => tf.moments(t, [...Array(t.rank - 1).keys()]).variance.mean().dataSync()[0]);
  });
  return layers.map((l, i) => ({ layer: l.name, inputVariance: v[2 * i], outputVariance: v[2 * i + 1] }));
}
