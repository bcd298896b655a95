// `tnlab bench backend`: raw speed of each backend (matmul, conv2d forward/backward) and the
// median training step of a reference CNN. The cpu backend is far slower than wasm: it gets
// smaller sizes (stated in each row's `size`), and its training-step row is skipped (the row
// says so).
import * as tf from "@tensorflow/tfjs";
import { FusedAdamOptimizer } from "../lib/native";
import { rng } from "../lib/random";
import { time, useBench, type BenchOptions, type BenchRow } from "./harness";

/** conv3x3(32)-relu-maxpool2-conv3x3(64)-relu-flatten-dense(10, softmax), input 28x28x1, seeded. */
export function referenceCnn(seed = 0): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu", kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu", kernelInitializer: init(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(3) }),
    ],
  });
}

/** A fixed random batch: images in [0, 1) and one-hot labels. */
export function referenceBatch(n: number, seed = 0): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const r = rng(seed);
  const xs = tf.tensor4d(Float32Array.from({ length: n * 28 * 28 }, () => r.next()), [n, 28, 28, 1]);
  const labels = Int32Array.from({ length: n }, () => r.int(10));
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 10).toFloat() as tf.Tensor2D);
  return { xs, ys };
}

async function sync(t: tf.Tensor | tf.Tensor[]): Promise<void> {
  const ts = Array.isArray(t) ? t : [t];
  await Promise.all(ts.map((x) => x.data()));
  tf.dispose(ts);
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const r = rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backends = opts.backends.filter((b) => ["wasm", "wasm+native", "cpu", "tensorflow"].includes(b));
  for (const backend of backends) {
    try {
      await useBench(backend);
    } catch (err) {
      rows.push({ suite: "backend", case: "start", backend, medianMs: NaN, reps: 0, note: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const slow = backend === "cpu";
    const reps = opts.quick ? 2 : slow ? 3 : 10;
    const warmup = 1;

    // matmul n x n
    const n = opts.quick || slow ? 256 : 1024;
    {
      const a = randomTensor([n, n], 1);
      const b = randomTensor([n, n], 2);
      const t = await time(() => sync(tf.matMul(a, b)), reps, warmup);
      rows.push({ suite: "backend", case: "matmul", backend, medianMs: t.medianMs, reps, size: `${n}x${n}`, gflops: (2 * n ** 3) / (t.medianMs * 1e6) });
      tf.dispose([a, b]);
    }

    // conv2d 3x3, C -> C channels, 32x32, 'same' (cpu: C = 16, its backward pass is very slow)
    const batch = opts.quick || slow ? 2 : 32;
    const C = slow ? 16 : 64;
    {
      const x = randomTensor([batch, 32, 32, C], 3) as tf.Tensor4D;
      const w = randomTensor([3, 3, C, C], 4) as tf.Tensor4D;
      const dy = randomTensor([batch, 32, 32, C], 5) as tf.Tensor4D;
      const flops = 2 * batch * 32 * 32 * 9 * C * C;
      const size = `${batch}x32x32x${C}->${C} 3x3`;
      const fwd = await time(() => sync(tf.conv2d(x, w, 1, "same")), reps, warmup);
      rows.push({ suite: "backend", case: "conv2d forward", backend, medianMs: fwd.medianMs, reps, size, gflops: flops / (fwd.medianMs * 1e6), imagesPerSec: (batch * 1000) / fwd.medianMs });
      // Backward = input gradient + filter gradient, each as many flops as the forward pass.
      const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), dy)));
      const bwd = await time(() => sync(grad([x, w])), reps, warmup);
      rows.push({ suite: "backend", case: "conv2d backward (dx+dW)", backend, medianMs: bwd.medianMs, reps, size, gflops: (2 * flops) / (bwd.medianMs * 1e6), imagesPerSec: (batch * 1000) / bwd.medianMs });
      tf.dispose([x, w, dy]);
    }

    // Reference CNN training step (Adam, softmax cross-entropy).
    const cnnBatch = opts.quick ? 8 : 64;
    if (slow) {
      rows.push({ suite: "backend", case: "cnn train step", backend, medianMs: NaN, reps: 0, size: `batch ${cnnBatch}`, note: "skipped on cpu (batch 8 already takes ~3 s per step)" });
    } else {
      const model = referenceCnn(0);
      // tf.train.adam(1e-3), its update fused on wasm with the addon.
      model.compile({ optimizer: new FusedAdamOptimizer(1e-3, 0.9, 0.999), loss: "categoricalCrossentropy" });
      const { xs, ys } = referenceBatch(cnnBatch, 1);
      // The first step creates Adam's slots; count tensors after it.
      await model.trainOnBatch(xs, ys);
      const before = tf.memory().numTensors;
      const t = await time(() => model.trainOnBatch(xs, ys), opts.quick ? 2 : 10, 1);
      const leaked = tf.memory().numTensors - before;
      rows.push({ suite: "backend", case: "cnn train step", backend, medianMs: t.medianMs, reps: t.reps, size: `batch ${cnnBatch}`, imagesPerSec: (cnnBatch * 1000) / t.medianMs, leakedTensors: leaked });
      tf.dispose([xs, ys]);
      model.dispose();
    }
  }
  return rows;
}
