// Small builders shared by the papers' architectures.
import * as tf from "@tensorflow/tfjs";

/** PyTorch's BatchNorm defaults (eps 1e-5, momentum 0.1 = TF momentum 0.9), as the papers' code used. */
export function batchNorm(name?: string, opts: { epsilon?: number; momentum?: number } = {}): tf.layers.Layer {
  return tf.layers.batchNormalization({ axis: -1, epsilon: opts.epsilon ?? 1e-5, momentum: opts.momentum ?? 0.9, name });
}

/** PyTorch-style symmetric zero padding (TF's "same" pads the end more when the stride is 2). */
export function pad(p: number, name?: string): tf.layers.Layer {
  return tf.layers.zeroPadding2d({ padding: [[p, p], [p, p]], name });
}
