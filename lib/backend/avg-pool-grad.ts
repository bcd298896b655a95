// TensorFlow.js 4.22's AvgPoolGrad on the cpu and wasm backends divides every window's gradient by
// the full window area, while the forward AvgPool (like TensorFlow) divides by the number of
// cells inside the input. Where a window overlaps the border ('same' or numeric padding that the
// stride does not tile exactly) the gradient is wrong: at a 5x5 input, 3x3 windows, stride 2,
// 'same', it is off by up to 0.18 against finite differences. The native TensorFlow kernel is right.
//
// The fix keeps each backend's own kernel and corrects its input: scaling dy at window (r, c) by
// area / count(r, c) turns the uniform 1/area into 1/count(r, c). No model here pools that way
// (tt-conv's 4x4 / stride 4 average pool meets a 4x4 map), so this guards notebooks and users.
import * as tf from "@tensorflow/tfjs";

type Backend = tf.KernelBackend & {
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object, force?: boolean): boolean;
};

/**
 * area / (cells of each window inside the input), shape [outH, outW]; undefined when every
 * window lies inside (nothing to correct).
 */
export function avgPoolWindowScale(
  inShape: [number, number, number, number],
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding,
): { scale: Float32Array; outH: number; outW: number } | undefined {
  const info = tf.backend_util.computePool2DInfo(inShape, filterSize, strides, 1, pad);
  const { outHeight: outH, outWidth: outW, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, inHeight, inWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const inside = (start: number, size: number, n: number) => Math.min(start + size, n) - Math.max(start, 0);
  const scale = new Float32Array(outH * outW);
  let partial = false;
  for (let r = 0; r < outH; r++) {
    const rows = inside(r * sh - top, fh, inHeight);
    for (let c = 0; c < outW; c++) {
      const count = rows * inside(c * sw - left, fw, inWidth);
      if (count !== fh * fw) partial = true;
      // A window entirely in the padding averages nothing: forward gives 0, so no gradient.
      scale[r * outW + c] = count > 0 ? (fh * fw) / count : 0;
    }
  }
  return partial ? { scale, outH, outW } : undefined;
}

/** Wraps a backend's AvgPoolGrad so that windows cut by the border get 1/count, not 1/area. */
export function correctedAvgPoolGrad(original: tf.KernelFunc, backendName: string): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad } = args.attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    };
    const s = avgPoolWindowScale(input.shape as [number, number, number, number], filterSize, strides, pad);
    if (!s) return original(args);
    const backend = args.backend as Backend;
    const mul = tf.getKernel("Multiply", backendName);
    if (!mul) throw new Error(`tn: the ${backendName} backend has no Multiply kernel for the AvgPoolGrad correction`);
    const scaleInfo: tf.TensorInfo = { dataId: backend.write(s.scale, [1, s.outH, s.outW, 1], "float32"), shape: [1, s.outH, s.outW, 1], dtype: "float32" };
    const dyScaled = mul.kernelFunc({ inputs: { a: dy, b: scaleInfo }, backend, attrs: {} }) as tf.TensorInfo;
    try {
      return original({ ...args, inputs: { dy: dyScaled, input } });
    } finally {
      backend.disposeData(scaleInfo.dataId);
      backend.disposeData(dyScaled.dataId);
    }
  };
}

const wrapped = new Set<string>();

/** Replaces `backendName`'s AvgPoolGrad with the corrected one (once; a no-op where it has none). */
export function registerAvgPoolGradFix(backendName: "cpu" | "wasm"): void {
  if (wrapped.has(backendName)) return;
  const k = tf.getKernel("AvgPoolGrad", backendName);
  if (!k) return;
  tf.unregisterKernel("AvgPoolGrad", backendName);
  tf.registerKernel({ ...k, kernelFunc: correctedAvgPoolGrad(k.kernelFunc, backendName) });
  wrapped.add(backendName);
}
