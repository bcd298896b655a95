// Batch moments on wasm with the native addon: tf.moments over the leading axes (what every
// BatchNormalization layer in training computes, channels last) as one native kernel with one
// native gradient, where TensorFlow.js composes a Mean, a Sub, a Square and a second Mean, and
// differentiates each (broadcast products, sums): together about a quarter of the 6-conv CIFAR
// training step once its convolutions were native (profile under load).
//
// tfjs-layers calls tfjs-core's exported `moments` through a live namespace, so the export is
// wrapped, as the FusedBatchNorm gradient is (batchnorm-grad.ts): everything the native kernel
// does not cover (other backends, other axes, other dtypes, the native path switched off) goes to
// tfjs-core's own.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active } from "./addon";
import { heap, leadingSplit, offset, splitAt } from "./wasm-heap";

export const MOMENTS_KERNEL = "TnMoments";
export const MOMENTS_GRAD_KERNEL = "TnMomentsGrad";

type Info = tf.TensorInfo;
type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
type MomentsOp = (x: tf.Tensor | tf.TensorLike, axis?: number | number[], keepDims?: boolean) => { mean: tf.Tensor; variance: tf.Tensor };

const WRAPPED = Symbol.for("tnlab.nativeMoments");
let ranNatively = 0;
/** How often tf.moments ran natively (tests check it did). */
export function nativeMomentsCalls(): number {
  return ranNatively;
}

function momentsKernel({ inputs, backend, attrs }: Args): Info[] {
  const b = backend as BackendWasm;
  const { x } = inputs as { x: Info };
  const a = active();
  if (!a) throw new Error(`tn: ${MOMENTS_KERNEL} needs the native addon`);
  const { rows: M, cols: C } = splitAt(x.shape, attrs.leading as number);
  const mean = b.makeOutput([C], "float32");
  const variance = b.makeOutput([C], "float32");
  a.moments(heap(b), new Float64Array([offset(b, x), offset(b, mean), offset(b, variance), M, C]));
  return [mean, variance];
}

function momentsGradKernel({ inputs, backend, attrs }: Args): Info {
  const b = backend as BackendWasm;
  const { x, mean, dMean, dVariance } = inputs as Record<string, Info | undefined>;
  const a = active();
  if (!a || !x || !mean) throw new Error(`tn: ${MOMENTS_GRAD_KERNEL} needs the native addon, x and mean`);
  const { rows: M, cols: C } = splitAt(x.shape, attrs.leading as number);
  const dx = b.makeOutput([...x.shape], "float32");
  a.momentsGrad(heap(b), new Float64Array([offset(b, x), offset(b, mean), offset(b, dMean), offset(b, dVariance), offset(b, dx), M, C]));
  return dx;
}

function nativeMoments(x: tf.Tensor, leading: number, keepDims: boolean): { mean: tf.Tensor; variance: tf.Tensor } {
  ranNatively++;
  const run = () => tf.engine().runKernel(MOMENTS_KERNEL, { x }, { leading }) as unknown as tf.Tensor[];
  if (!keepDims && leading === x.rank - 1) {
    const [mean, variance] = run();
    return { mean, variance };
  }
  const shape = keepDims ? x.shape.map((d, i) => (i < leading ? 1 : d)) : x.shape.slice(leading);
  return tf.tidy(() => {
    const [mean, variance] = run();
    return { mean: tf.reshape(mean, shape), variance: tf.reshape(variance, shape) };
  });
}

/** Registers the kernels and their gradient on wasm and wraps tfjs-core's `moments`; idempotent. */
export function registerNativeMoments(): void {
  if (!tf.getKernel(MOMENTS_KERNEL, "wasm")) {
    tf.registerKernel({ kernelName: MOMENTS_KERNEL, backendName: "wasm", kernelFunc: momentsKernel as never });
    tf.registerKernel({ kernelName: MOMENTS_GRAD_KERNEL, backendName: "wasm", kernelFunc: momentsGradKernel as never });
    tf.registerGradient({
      kernelName: MOMENTS_KERNEL,
      inputsToSave: ["x"],
      outputsToSave: [true, false],
      gradFunc: (dy, saved, attrs) => {
        const [dMean, dVariance] = dy as (tf.Tensor | null)[];
        const [x, mean] = saved;
        const inputs: tf.NamedTensorMap = { x, mean };
        if (dMean) inputs.dMean = dMean;
        if (dVariance) inputs.dVariance = dVariance;
        return { x: () => tf.engine().runKernel(MOMENTS_GRAD_KERNEL, inputs, attrs as tf.NamedAttrMap) as tf.Tensor };
      },
    });
  }
  // The CommonJS module object every tfjs package reads `moments` from (live, not copied).
  const core = require("@tensorflow/tfjs-core") as { moments: MomentsOp & { [WRAPPED]?: MomentsOp } };
  if (core.moments[WRAPPED]) return;
  const original = core.moments;
  const wrapped: MomentsOp & { [WRAPPED]?: MomentsOp } = (x, axis, keepDims = false) => {
    if (x instanceof tf.Tensor && x.dtype === "float32" && x.size > 0 && tf.getBackend() === "wasm" && active()) {
      const split = leadingSplit(x.shape, axis, true);
      if (split) return nativeMoments(x, split.k, keepDims);
    }
    return original(x, axis, keepDims);
  };
  wrapped[WRAPPED] = original;
  core.moments = wrapped;
}
