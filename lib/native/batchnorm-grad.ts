// The gradient of FusedBatchNorm on wasm with the native addon: one native pass computes the
// gradients of x, mean, variance, scale and offset, where tfjs-core's gradient builds them from
// a dozen whole-tensor ops (a tile of the per-channel scale over the activation, products,
// sums over the batch). Measured first: once the convolutions were native, these ops took most
// of a BatchNorm CNN's training step. The gradient registration is global (TensorFlow.js keeps
// one per kernel), so this one hands everything else to tfjs-core's own: other backends,
// statistics that are not one value per channel, the native path switched off.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active } from "./addon";
import { heap, offset } from "./wasm-heap";

export const BATCH_NORM_GRAD_KERNEL = "TnFusedBatchNormGrad";

const KEPT = Symbol.for("tnlab.nativeBatchNormGrad");
let ranNatively = 0;
/** How often the native batch-norm gradient ran (tests check it did). */
export function nativeBatchNormGradCalls(): number {
  return ranNatively;
}

function perChannel(x: tf.Tensor, ...stats: (tf.Tensor | undefined)[]): boolean {
  const c = x.shape[x.rank - 1];
  return x.dtype === "float32" && x.size > 0 && stats.every((s) => s === undefined || (s.rank === 1 && s.shape[0] === c && s.dtype === "float32"));
}

function kernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo[] {
  const b = args.backend as BackendWasm;
  const { x, dy, mean, variance, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const a = active();
  if (!a || !x || !dy || !mean || !variance) throw new Error(`tn: ${BATCH_NORM_GRAD_KERNEL} needs the native addon and x, dy, mean, variance`);
  const C = x.shape[x.shape.length - 1];
  const M = tf.util.sizeFromShape(x.shape) / C;
  const dx = b.makeOutput([...x.shape], "float32");
  const outs = [dx, ...[0, 1, 2, 3].map(() => b.makeOutput([C], "float32"))];
  const off = (t: tf.TensorInfo | undefined) => offset(b, t);
  const params = new Float64Array([off(x), off(dy), off(mean), off(variance), off(scale), ...outs.map(off), M, C, Number(args.attrs.varianceEpsilon ?? 1e-3)]);
  a.batchNormGrad(heap(b), params);
  return outs;
}

/** Registers the kernel on wasm and wraps FusedBatchNorm's gradient; idempotent. */
export function registerNativeBatchNormGrad(): void {
  if (!tf.getKernel(BATCH_NORM_GRAD_KERNEL, "wasm")) tf.registerKernel({ kernelName: BATCH_NORM_GRAD_KERNEL, backendName: "wasm", kernelFunc: kernel as never });
  const current = tf.getGradient("FusedBatchNorm") as (tf.GradConfig & { [KEPT]?: tf.GradConfig }) | undefined;
  if (!current || current[KEPT]) return;
  const original = current;
  const config: tf.GradConfig & { [KEPT]?: tf.GradConfig } = {
    kernelName: "FusedBatchNorm",
    inputsToSave: original.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const d = dy as tf.Tensor;
      if (tf.getBackend() !== "wasm" || !active() || !perChannel(x, mean, variance, scale ?? undefined) || !tf.util.arraysEqual(d.shape, x.shape)) {
        return original.gradFunc(dy, saved, attrs);
      }
      const inputs: tf.NamedTensorMap = { x, dy: d, mean, variance };
      if (scale) inputs.scale = scale;
      const [dx, dMean, dVariance, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, attrs as tf.NamedAttrMap) as unknown as tf.Tensor[];
      ranNatively++;
      return { x: () => dx, mean: () => dMean, variance: () => dVariance, scale: () => dScale, offset: () => dOffset };
    },
  };
  config[KEPT] = original;
  tf.registerGradient(config);
}
