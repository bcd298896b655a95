// Parameter counting as the papers do it: trainable values only (BatchNorm running statistics
// are buffers, not parameters).
import type * as tf from "@tensorflow/tfjs";

export function trainableParams(model: tf.LayersModel | tf.layers.Layer): number {
  let n = 0;
  for (const w of model.trainableWeights) n += (w.shape as number[]).reduce((a, b) => a * b, 1);
  return n;
}
