// The kernels training leans on give the cpu backend's numbers on every other backend present:
// forward values and gradients of convolutions, depthwise convolutions, pooling, matrix products
// with transposed operands, batch normalisation and the softmax cross-entropy.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { rng } from "../../lib/random";
import { onEachBackend } from "../backends";

function randn(shape: number[], seed: number): tf.Tensor {
  const r = rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
}

/** Output and the gradients w.r.t. every input of sum(f(inputs) ⊙ g), g fixed and random. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number): () => tf.Tensor[] {
  return () => {
    const xs = shapes.map((s, i) => randn(s, seed + i));
    const y = f(...xs);
    const g = randn(y.shape, seed + 99);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), g)))(xs);
    return [y, ...grads];
  };
}

const CASES: [string, () => tf.Tensor[]][] = [
  ["conv2d same stride 2", valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"), [[2, 7, 6, 3], [3, 3, 3, 4]], 1)],
  ["conv2d valid stride 1", valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "valid"), [[2, 6, 6, 2], [3, 2, 2, 5]], 2)],
  ["depthwise same multiplier 2", valueAndGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"), [[2, 5, 6, 3], [3, 3, 3, 2]], 3)],
  ["maxPool 3/2 same", valueAndGrads((x) => tf.maxPool(x as tf.Tensor4D, 3, 2, "same"), [[2, 7, 7, 2]], 4)],
  ["avgPool 3/2 same", valueAndGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 2, "same"), [[2, 7, 7, 2]], 5)],
  ["matMul A·Bᵀ batched", valueAndGrads((a, b) => tf.matMul(a, b, false, true), [[3, 5, 4], [3, 6, 4]], 6)],
  ["matMul Aᵀ·B", valueAndGrads((a, b) => tf.matMul(a, b, true, false), [[4, 5], [4, 3]], 7)],
  ["batchNorm (batch statistics)", valueAndGrads((x, gamma, beta) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
  }, [[4, 3, 3, 5], [5], [5]], 8)],
  ["softmax cross-entropy", valueAndGrads((logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 0, 3], "int32"), 4), logits), [[3, 4]], 9)],
];

async function on(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await use(backend);
  const outs = tf.tidy(fn);
  const vals = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return vals;
}

test("training kernels give the cpu backend's values and gradients on every other backend present", async (t) => {
  const reference: Float32Array[][] = [];
  for (const [, fn] of CASES) reference.push(await on("cpu", fn));
  await onEachBackend(t, ["wasm", "tensorflow"], async (backend) => {
    for (let c = 0; c < CASES.length; c++) {
      const got = await on(backend, CASES[c][1]);
      got.forEach((vals, i) => {
        const ref = reference[c][i];
        let diff = 0;
        let scale = 1e-6;
        for (let k = 0; k < ref.length; k++) {
          diff = Math.max(diff, Math.abs(vals[k] - ref[k]));
          scale = Math.max(scale, Math.abs(ref[k]));
        }
        assert.ok(diff / scale < 1e-4, `${CASES[c][0]} output ${i} on ${backend}: max |${backend} - cpu| = ${diff} against ${scale}`);
      });
    }
  });
});
