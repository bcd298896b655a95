// The wasm backend's heavy kernels run by the native addon, in place on the wasm heap: the
// backend's tensors are float32 arrays inside its WebAssembly memory, so the addon gets the
// memory (a Uint8Array view, shared when wasm runs threaded) and byte offsets, and writes the
// result into an output the backend allocated. Each registered kernel keeps the one it
// replaces and calls it for what the addon does not cover (other dtypes, NCHW, PReLU, bias
// shapes other than one value per channel, empty tensors) and whenever the native path is
// switched off, so switching is possible at any time.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active, addon, type Addon } from "./addon";
import { registerNativeBatchNormGrad } from "./batchnorm-grad";
import { registerNativeMoments } from "./moments";
import { heap, leadingSplit, offset } from "./wasm-heap";

type Info = tf.TensorInfo;
type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
type Native = (a: Addon, b: BackendWasm, args: Args) => Info | undefined;

/** Activation codes of native/src/epilogue.h, in order. */
export const ACTIVATIONS = ["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu"] as const;

const WRAPPED = Symbol.for("tnlab.nativeKernel");

const calls = new Map<string, number>();
/** How often each kernel ran natively (tests check that the native path, not the fallback, ran). */
export function nativeKernelCalls(): Record<string, number> {
  return Object.fromEntries(calls);
}

function allF32(...ts: (Info | undefined)[]): boolean {
  return ts.every((t) => t === undefined || (t.dtype === "float32" && tf.util.sizeFromShape(t.shape) > 0));
}
function activationCode(attrs: tf.NamedAttrMap): number {
  return ACTIVATIONS.indexOf(((attrs.activation as string) ?? "linear") as (typeof ACTIVATIONS)[number]);
}

// ---- matrix products -------------------------------------------------------------------

function matmul(a: Addon, b: BackendWasm, args: Args): Info | undefined {
  const { a: A, b: B, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
  const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
  if (!A || !B || !allF32(A, B, bias) || preluActivationWeights) return undefined;
  const act = activationCode(args.attrs);
  if (act < 0) return undefined;
  const ra = A.shape.length;
  const rb = B.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = transposeA ? A.shape[ra - 1] : A.shape[ra - 2];
  const k = transposeA ? A.shape[ra - 2] : A.shape[ra - 1];
  const kb = transposeB ? B.shape[rb - 1] : B.shape[rb - 2];
  const n = transposeB ? B.shape[rb - 2] : B.shape[rb - 1];
  if (k !== kb) return undefined; // the kept kernel raises TensorFlow.js's own error
  const batchA = A.shape.slice(0, -2);
  const batchB = B.shape.slice(0, -2);
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const outShape = [...outBatch, m, n];
  let biasKind = 0;
  if (bias) {
    const perColumn = tf.util.sizeFromShape(bias.shape) === n && bias.shape.slice(0, -1).every((d) => d === 1) && bias.shape.length <= outShape.length;
    if (perColumn && (bias.shape.length === 0 ? n === 1 : bias.shape[bias.shape.length - 1] === n)) biasKind = 1;
    else if (tf.util.arraysEqual(bias.shape, outShape)) biasKind = 2;
    else return undefined;
  }
  const pairs = batchPairs(batchA, batchB, outBatch);
  const out = b.makeOutput(outShape, "float32");
  const params = new Float64Array([
    offset(b, A), offset(b, B), offset(b, out), m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0,
    offset(b, bias), biasKind, act, Number(args.attrs.leakyreluAlpha ?? 0.2),
  ]);
  a.matmulF32(heap(b), params, pairs);
  return out;
}

/** For each output batch entry, the batch entries of A and B it multiplies (broadcasting). */
export function batchPairs(batchA: number[], batchB: number[], outBatch: number[]): Int32Array {
  const count = tf.util.sizeFromShape(outBatch);
  const pairs = new Int32Array(2 * count);
  const r = outBatch.length;
  const index = (shape: number[], idx: number[]): number => {
    let flat = 0;
    const off = r - shape.length;
    for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : idx[d + off]);
    return flat;
  };
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < count; i++) {
    pairs[2 * i] = index(batchA, idx);
    pairs[2 * i + 1] = index(batchB, idx);
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
  return pairs;
}

// ---- tile -------------------------------------------------------------------------------
// Not a heavy kernel, but wasm's Tile is a scalar loop (about 1 s for a 1M-element output under
// load), and TensorFlow.js's batch-norm gradient tiles the per-channel scale over the whole
// activation: it dominated a training step of the BatchNorm CNNs once the convolutions were
// native. The addon copies whole blocks with memcpy.

function tile(a: Addon, b: BackendWasm, args: Args): Info | undefined {
  const { x } = args.inputs as Record<string, Info | undefined>;
  const reps = (args.attrs.reps as number[] | undefined) ?? [];
  const width = x?.dtype === "float32" || x?.dtype === "int32" ? 4 : x?.dtype === "bool" ? 1 : 0;
  if (!x || !width || x.shape.length === 0 || reps.length !== x.shape.length || reps.some((r) => !Number.isInteger(r) || r < 0)) return undefined;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  if (tf.util.sizeFromShape(outShape) === 0 || tf.util.sizeFromShape(x.shape) === 0) return undefined;
  const out = b.makeOutput(outShape, x.dtype);
  a.tile(heap(b), new Float64Array([offset(b, x), offset(b, out), width]), new Float64Array(x.shape), new Float64Array(reps));
  return out;
}

// ---- sum and mean over leading axes -------------------------------------------------------
// A bias's gradient sums dy over batch and space (the leading axes, channels last), and a
// BatchNorm layer in training takes its batch moments as Means over the same axes. wasm's
// reductions transpose those axes to the end first: that measured the largest kernel of the
// reference CNN's step once its convolutions were native, and Mean a tenth of the 6-conv CIFAR
// step. Other axes stay on wasm.

function reduceLeading(mean: boolean): Native {
  return (a, b, args) => {
    const { x } = args.inputs as Record<string, Info | undefined>;
    const split = x && allF32(x) ? leadingSplit(x.shape, args.attrs.axis as number | number[]) : undefined;
    if (!x || !split || (mean && split.rows === 0)) return undefined;
    const { k, rows, cols } = split;
    const outShape = args.attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const out = b.makeOutput(outShape, "float32");
    a.sumLeading(heap(b), new Float64Array([offset(b, x), offset(b, out), rows, cols, mean ? 1 / rows : 1]));
    return out;
  };
}

// ---- batch normalisation ----------------------------------------------------------------
// FusedBatchNorm with one value per channel (channels last), as every BatchNormalization layer
// here: the per-channel factor once, then one multiply-add per element. Other statistics
// shapes stay on wasm.

function batchNorm(a: Addon, b: BackendWasm, args: Args): Info | undefined {
  const { x, mean, variance, offset: off, scale } = args.inputs as Record<string, Info | undefined>;
  if (!x || !mean || !variance || x.dtype !== "float32" || x.shape.length === 0) return undefined;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: Info | undefined) => t === undefined || (t.dtype === "float32" && t.shape.length === 1 && t.shape[0] === C);
  if (![mean, variance, off, scale].every(perChannel) || tf.util.sizeFromShape(x.shape) === 0) return undefined;
  const y = b.makeOutput([...x.shape], "float32");
  const eps = Number(args.attrs.varianceEpsilon ?? 1e-3);
  a.batchNormForward(heap(b), new Float64Array([offset(b, x), offset(b, mean), offset(b, variance), offset(b, off), offset(b, scale), offset(b, y), tf.util.sizeFromShape(x.shape) / C, C, eps]));
  return y;
}

// ---- convolutions ----------------------------------------------------------------------

type Conv2DInfo = tf.backend_util.Conv2DInfo;

function nhwc(attrs: tf.NamedAttrMap): boolean {
  const f = attrs.dataFormat as string | undefined;
  return f === undefined || f === "NHWC" || f === "channelsLast";
}

/** Padding after the last row/column so that oneDNN's output size equals TensorFlow.js's. */
function endPad(inSize: number, outSize: number, k: number, s: number, d: number, before: number): number | undefined {
  const eff = (k - 1) * d + 1;
  let after = (outSize - 1) * s + eff - inSize - before;
  if (after < 0) after = 0; // the unused tail of a strided 'valid' convolution
  if (Math.floor((inSize + before + after - eff) / s) + 1 !== outSize) return undefined;
  return after;
}

function convShape(c: Conv2DInfo, groups: number): Float64Array | undefined {
  const pB = endPad(c.inHeight, c.outHeight, c.filterHeight, c.strideHeight, c.dilationHeight, c.padInfo.top);
  const pR = endPad(c.inWidth, c.outWidth, c.filterWidth, c.strideWidth, c.dilationWidth, c.padInfo.left);
  if (pB === undefined || pR === undefined || c.padInfo.top < 0 || c.padInfo.left < 0) return undefined;
  return new Float64Array([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outChannels, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padInfo.top, c.padInfo.left, pB, pR, groups,
  ]);
}

type ConvAttrs = { strides: number | [number, number]; pad: never; dilations?: number | [number, number]; dimRoundingMode?: never };

function convForward(depthwise: boolean): Native {
  return (a, b, args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
    if (!x || !filter || !allF32(x, filter, bias) || preluActivationWeights || !nhwc(args.attrs)) return undefined;
    const act = activationCode(args.attrs);
    if (act < 0) return undefined;
    const at = args.attrs as unknown as ConvAttrs;
    const c = tf.backend_util.computeConv2DInfo(x.shape as never, filter.shape as never, at.strides, at.dilations ?? 1, at.pad, at.dimRoundingMode, depthwise);
    if (bias && tf.util.sizeFromShape(bias.shape) !== c.outChannels) return undefined;
    const shape = convShape(c, depthwise ? c.inChannels : 1);
    if (!shape) return undefined;
    const out = b.makeOutput([c.batchSize, c.outHeight, c.outWidth, c.outChannels], "float32");
    const params = new Float64Array([offset(b, x), offset(b, filter), offset(b, bias), offset(b, out), act, Number(args.attrs.leakyreluAlpha ?? 0.2)]);
    a.conv2dForward(heap(b), shape, params);
    return out;
  };
}

function convBackwardData(depthwise: boolean): Native {
  return (a, b, args) => {
    const { dy, filter } = args.inputs as Record<string, Info | undefined>;
    if (!dy || !filter || !allF32(dy, filter) || !nhwc(args.attrs)) return undefined;
    const at = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const c = tf.backend_util.computeConv2DInfo(at.inputShape, filter.shape as never, at.strides, at.dilations ?? 1, at.pad, at.dimRoundingMode, depthwise);
    const shape = convShape(c, depthwise ? c.inChannels : 1);
    if (!shape || tf.util.sizeFromShape(at.inputShape) === 0) return undefined;
    const out = b.makeOutput([...at.inputShape], "float32");
    a.conv2dBackwardData(heap(b), shape, new Float64Array([offset(b, dy), offset(b, filter), offset(b, out)]));
    return out;
  };
}

function convBackwardFilter(depthwise: boolean): Native {
  return (a, b, args) => {
    const { x, dy } = args.inputs as Record<string, Info | undefined>;
    if (!x || !dy || !allF32(x, dy) || !nhwc(args.attrs)) return undefined;
    const at = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const c = tf.backend_util.computeConv2DInfo(x.shape as never, at.filterShape, at.strides, at.dilations ?? 1, at.pad, at.dimRoundingMode, depthwise);
    const shape = convShape(c, depthwise ? c.inChannels : 1);
    if (!shape) return undefined;
    const out = b.makeOutput([...at.filterShape], "float32");
    a.conv2dBackwardWeights(heap(b), shape, new Float64Array([offset(b, x), offset(b, dy), offset(b, out)]));
    return out;
  };
}

// ---- pooling ---------------------------------------------------------------------------

type PoolAttrs = { filterSize: number | [number, number]; strides: number | [number, number]; pad: never; dimRoundingMode?: never };

function poolShape(c: Conv2DInfo): Float64Array | undefined {
  const pB = endPad(c.inHeight, c.outHeight, c.filterHeight, c.strideHeight, 1, c.padInfo.top);
  const pR = endPad(c.inWidth, c.outWidth, c.filterWidth, c.strideWidth, 1, c.padInfo.left);
  if (pB === undefined || pR === undefined) return undefined;
  // oneDNN wants every window to touch the input; TensorFlow.js's windows always do.
  if (c.padInfo.top >= c.filterHeight || c.padInfo.left >= c.filterWidth || pB >= c.filterHeight || pR >= c.filterWidth) return undefined;
  return new Float64Array([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left, pB, pR,
  ]);
}

function pool(isMax: boolean): Native {
  return (a, b, args) => {
    const { x } = args.inputs as Record<string, Info | undefined>;
    if (!x || !allF32(x) || x.shape.length !== 4) return undefined;
    const at = args.attrs as unknown as PoolAttrs;
    const c = tf.backend_util.computePool2DInfo(x.shape as never, at.filterSize, at.strides, 1, at.pad, at.dimRoundingMode);
    const shape = poolShape(c);
    if (!shape) return undefined;
    const out = b.makeOutput([c.batchSize, c.outHeight, c.outWidth, c.outChannels], "float32");
    a.poolForward(heap(b), shape, new Float64Array([offset(b, x), offset(b, out), isMax ? 1 : 0]));
    return out;
  };
}

function poolGrad(isMax: boolean): Native {
  return (a, b, args) => {
    const { dy, input } = args.inputs as Record<string, Info | undefined>;
    if (!dy || !input || !allF32(dy, input) || input.shape.length !== 4) return undefined;
    const at = args.attrs as unknown as PoolAttrs;
    const c = tf.backend_util.computePool2DInfo(input.shape as never, at.filterSize, at.strides, 1, at.pad, at.dimRoundingMode);
    const shape = poolShape(c);
    if (!shape) return undefined;
    const out = b.makeOutput([...input.shape], "float32");
    a.poolBackward(heap(b), shape, new Float64Array([offset(b, input), offset(b, dy), offset(b, out), isMax ? 1 : 0]));
    return out;
  };
}

/** Every kernel the addon runs, by TensorFlow.js kernel name. */
export const NATIVE_KERNELS: Readonly<Record<string, Native>> = {
  BatchMatMul: matmul,
  _FusedMatMul: matmul,
  Tile: tile,
  Sum: reduceLeading(false),
  Mean: reduceLeading(true),
  FusedBatchNorm: batchNorm,
  Conv2D: convForward(false),
  FusedConv2D: convForward(false),
  Conv2DBackpropInput: convBackwardData(false),
  Conv2DBackpropFilter: convBackwardFilter(false),
  DepthwiseConv2dNative: convForward(true),
  FusedDepthwiseConv2D: convForward(true),
  DepthwiseConv2dNativeBackpropInput: convBackwardData(true),
  DepthwiseConv2dNativeBackpropFilter: convBackwardFilter(true),
  MaxPool: pool(true),
  AvgPool: pool(false),
  MaxPoolGrad: poolGrad(true),
  AvgPoolGrad: poolGrad(false),
};

/**
 * Registers the native kernels on the wasm backend, over whatever is registered now (call it
 * after the project's own wasm kernels). Returns the names registered; none when the addon is
 * not loaded. Idempotent.
 */
export function registerNativeKernels(): string[] {
  // Loaded, not necessarily switched on: the kernels check the switch at each call.
  if (!addon()) return [];
  const done: string[] = [];
  for (const [kernelName, native] of Object.entries(NATIVE_KERNELS)) {
    const current = tf.getKernel(kernelName, "wasm");
    const previous = current?.kernelFunc as (tf.KernelFunc & { [WRAPPED]?: tf.KernelFunc }) | undefined;
    const fallback = previous?.[WRAPPED] ?? previous;
    const kernelFunc = ((args: Args) => {
      const a = active();
      if (a) {
        const out = native(a, args.backend as BackendWasm, args);
        if (out) {
          calls.set(kernelName, (calls.get(kernelName) ?? 0) + 1);
          return out;
        }
      }
      if (!fallback) throw new Error(`tn: the wasm backend has no ${kernelName} kernel for this case, and the native one does not cover it`);
      return fallback(args as never);
    }) as tf.KernelFunc & { [WRAPPED]?: tf.KernelFunc };
    kernelFunc[WRAPPED] = fallback;
    if (current) tf.unregisterKernel(kernelName, "wasm");
    // The original's setupFunc binds its wasm entry point when the backend starts: keep it.
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc, setupFunc: current?.setupFunc, disposeFunc: current?.disposeFunc });
    done.push(kernelName);
  }
  registerNativeBatchNormGrad();
  done.push("FusedBatchNorm gradient");
  registerNativeMoments();
  done.push("moments");
  return done;
}
