// Loss and accuracy of a classifier: which loss fits the model's output (logits or softmax
// probabilities), the count of correct predictions, and evaluate() over a whole set.
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/image-set";
import type { Normalize } from "../data/transform";
import { fail } from "../errors";

export type Outputs = "auto" | "logits" | "probabilities";
export type LossFn = (y: tf.Tensor, out: tf.Tensor) => tf.Scalar;

export function outputKind(model: tf.LayersModel, want: Outputs | undefined): "logits" | "probabilities" {
  if (want === "logits" || want === "probabilities") return want;
  if (want !== undefined && want !== "auto") fail("outputs", want, '"auto", "logits" or "probabilities"');
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig() as { activation?: unknown };
  return last.getClassName() === "Softmax" || cfg.activation === "softmax" ? "probabilities" : "logits";
}

export function lossFor(kind: "logits" | "probabilities"): LossFn {
  if (kind === "logits") return (y, out) => tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
  return (y, out) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(out, 1e-7, 1))), -1))) as tf.Scalar;
}

export function correctCount(y: tf.Tensor, out: tf.Tensor): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.argMax(y, -1)), "float32"));
}

/** Mean loss and accuracy of the model on a set (inference mode, no augmentation). */
export async function evaluate(
  model: tf.LayersModel,
  set: ImageSet,
  opts: { batchSize?: number; normalize?: Normalize; outputs?: Outputs } = {},
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
