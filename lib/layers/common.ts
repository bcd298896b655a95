// Pieces every factorized layer shares: activation by name, argument checks, initializers whose
// represented dense weight has a chosen variance, and the forward-path choice.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { gaussSeed } from "../random";

export type Initializer = ReturnType<typeof tf.initializers.zeros>;

export type ActivationName = "linear" | "relu" | "relu6" | "sigmoid" | "tanh" | "softmax" | "elu" | "selu" | "softplus";
const ACTIVATIONS: readonly string[] = ["linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus"];

export function checkActivation(a: string | undefined): ActivationName {
  const name = a ?? "linear";
  if (!ACTIVATIONS.includes(name)) fail("activation", a, `one of ${ACTIVATIONS.map((s) => `"${s}"`).join(", ")}`);
  return name as ActivationName;
}

export function activate(x: tf.Tensor, a: ActivationName): tf.Tensor {
  switch (a) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "tanh":
      return tf.tanh(x);
    case "softmax":
      return tf.softmax(x);
    case "elu":
      return tf.elu(x);
    case "selu":
      return tf.selu(x);
    case "softplus":
      return tf.softplus(x);
  }
}

/**
 * "paper": the initialisation of the paper the layer comes from (see each layer);
 * "glorot" / "he": every factor is drawn N(0, σ²) with σ chosen so that the represented dense
 * weight has the variance of glorotNormal (2 / (fanIn + fanOut)) or heNormal (2 / fanIn);
 * "tensornet" (TTDense only): Garipov's TensorNet code, TF1 xavier_initializer(uniform=False) on
 * each core's stored matrix (tt-conv.md §2.6), the scheme of the tt-conv thesis's TT-FC layers.
 */
export type FactorInit = "paper" | "glorot" | "he" | "tensornet";
export const FACTOR_INITS: readonly FactorInit[] = ["paper", "glorot", "he"];

export function checkInit(v: string | undefined, fallback: FactorInit, allowed: readonly FactorInit[] = FACTOR_INITS): FactorInit {
  const i = v ?? fallback;
  if (!(allowed as readonly string[]).includes(i)) fail("kernelInitializer", v, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  return i as FactorInit;
}

/** TF1's xavier_initializer(uniform=False) on a stored array with these fans: a normal truncated at 2σ, σ = √(1.3 · 2 / (fanIn + fanOut)). */
export function tf1XavierStd(fanIn: number, fanOut: number): number {
  return Math.sqrt((1.3 * 2) / (fanIn + fanOut));
}

/** Forward evaluation: through the factors, by rebuilding the dense weight, or the cheaper one. */
export type ForwardPath = "auto" | "factored" | "dense";
export function checkPath(v: string | undefined): ForwardPath {
  const p = v ?? "auto";
  if (p !== "auto" && p !== "factored" && p !== "dense") fail("path", v, `"auto", "factored" or "dense"`);
  return p;
}

/** Picks the path with fewer multiply-adds (ties go to the factored one, which allocates less). */
export function choosePath(path: ForwardPath, factoredMacs: number, denseMacs: number): "factored" | "dense" {
  if (path !== "auto") return path;
  return denseMacs < factoredMacs ? "dense" : "factored";
}

/** Variance of the dense weight under a variance-targeting scheme ("glorot" or "he"). */
export function targetVariance(init: FactorInit, fanIn: number, fanOut: number): number {
  if (init === "he") return 2 / fanIn;
  if (init === "glorot") return 2 / (fanIn + fanOut);
  return fail("kernelInitializer", init, `"glorot" or "he" (a scheme that targets the dense weight's variance)`);
}

/**
 * Std of each of `nFactors` independent zero-mean factors whose chained product, summed over
 * `terms` index combinations (the product of the inner ranks), has variance `target`:
 * Var(W) = terms · ∏ σ_k²  ⇒  σ_k = (target / terms)^(1 / (2·nFactors)).
 */
export function chainStd(target: number, terms: number, nFactors: number): number {
  return Math.pow(target / terms, 1 / (2 * nFactors));
}

export function normalInit(std: number, seed: number | undefined, k: number): Initializer {
  return tf.initializers.randomNormal({ mean: 0, stddev: std, seed: gaussSeed(seed === undefined ? undefined : seed + 7919 * k) });
}

export function uniformInit(limit: number, seed: number | undefined, k: number): Initializer {
  return tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed: seed === undefined ? undefined : seed + 7919 * k });
}

export function truncNormalInit(std: number, seed: number | undefined, k: number): Initializer {
  return tf.initializers.truncatedNormal({ mean: 0, stddev: std, seed: gaussSeed(seed === undefined ? undefined : seed + 7919 * k) });
}

/** The number of entries of a shape (one implementation, linalg's). */
export { size as prod } from "../linalg/ndarray";

export function checkPositiveInt(arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail(arg, v, "a positive integer");
  return v as number;
}

export function checkModes(arg: string, modes: unknown): number[] {
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !Number.isInteger(m) || m < 1)) {
    fail(arg, modes, "a non-empty list of positive integers");
  }
  return [...(modes as number[])];
}

/**
 * Full TT rank list [r_0, ..., r_d] from a number (uniform inner rank) or a list; `first` is the
 * required r_0 (1 for a TT-matrix; free for the TT-conv's spatial rank, pass undefined).
 */
export function expandRanks(arg: string, ranks: unknown, d: number, first: number | undefined): number[] {
  let r: number[];
  if (typeof ranks === "number") {
    checkPositiveInt(arg, ranks);
    r = Array.from({ length: d + 1 }, (_, k) => (k === d || (k === 0 && first !== undefined) ? 1 : ranks));
  } else if (Array.isArray(ranks)) {
    r = [...ranks];
  } else return fail(arg, ranks, `a positive integer or a list of ${d + 1} positive integers`);
  const ends = first === undefined ? "ending with 1" : "starting and ending with 1";
  if (r.length !== d + 1 || r.some((x) => !Number.isInteger(x) || x < 1) || r[d] !== 1 || (first !== undefined && r[0] !== first)) {
    fail(arg, ranks, `a list of ${d + 1} positive integers (d + 1 for ${d} cores) ${ends}`);
  }
  return r;
}

export type Padding = "same" | "valid";
export function checkPadding(p: unknown): Padding {
  const v = p ?? "valid";
  if (v !== "same" && v !== "valid") fail("padding", p, `"same" or "valid"`);
  return v as Padding;
}

/** "same", "valid", or p zero rows / columns on every side (PyTorch's padding = p). */
export type ConvPadding = Padding | number;
export function checkConvPadding(p: unknown): ConvPadding {
  const v = p ?? "valid";
  if (v !== "same" && v !== "valid" && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) {
    fail("padding", p, `"same", "valid" or a non-negative integer (zeros on every side)`);
  }
  return v as ConvPadding;
}

/**
 * Numeric padding is applied with tf.pad and the convolution then runs "valid": the native
 * TensorFlow backend takes no explicit paddings in the convolution gradients ("TF Backend supports
 * only 'valid' and 'same' padding") nor in DepthwiseConv2dNative.
 */
function padded(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return p === 0 ? x : tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
}

/** tf.depthwiseConv2d with our padding. */
export function depthwise(x: tf.Tensor4D, filter: tf.Tensor4D, strides: [number, number], p: ConvPadding): tf.Tensor4D {
  if (typeof p !== "number") return tf.depthwiseConv2d(x, filter, strides, p);
  return tf.depthwiseConv2d(padded(x, p), filter, strides, "valid");
}

/**
 * A kh×1 then a 1×kw depthwise convolution (CP-4's spatial factors) with strides `strides` and
 * padding `p`, as one kh×kw convolution would pad. The whole stride goes to the second step and
 * the first runs at stride 1: TensorFlow's own DepthwiseConv2dNative (the tensorflow backend on
 * CPUs where TensorFlow does not use oneDNN, those without AVX-512 VNNI) takes only equal row
 * and column strides, and [s, 1] then [1, s] are not. Unequal strides end in a subsampling.
 */
export function separableDepthwise(x: tf.Tensor4D, vertical: tf.Tensor4D, horizontal: tf.Tensor4D, strides: [number, number], p: ConvPadding): tf.Tensor4D {
  const [kh, kw] = [vertical.shape[0], horizontal.shape[1]];
  let pads: [number, number, number, number];
  if (typeof p === "number") pads = [p, p, p, p];
  else {
    const info = tf.backend_util.computeConv2DInfo(x.shape, [kh, kw, x.shape[3], 1], strides, 1, p);
    pads = [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right];
  }
  const xp = pads.some((v) => v > 0) ? tf.pad(x, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]]) : x;
  const z = tf.depthwiseConv2d(xp, vertical, 1, "valid");
  const [sh, sw] = strides;
  if (sh === sw) return tf.depthwiseConv2d(z, horizontal, sh, "valid");
  // Subsampled by gathers: tfjs has no gradient for StridedSlice.
  const y = tf.depthwiseConv2d(z, horizontal, 1, "valid");
  const every = (n: number, s: number) => tf.range(0, n, s, "int32");
  return tf.gather(tf.gather(y, every(y.shape[1], sh), 1), every(y.shape[2], sw), 2) as tf.Tensor4D;
}

/** tf.conv2d with our padding. */
export function conv(x: tf.Tensor4D, filter: tf.Tensor4D, strides: [number, number], p: ConvPadding): tf.Tensor4D {
  if (typeof p !== "number") return tf.conv2d(x, filter, strides, p);
  return tf.conv2d(padded(x, p), filter, strides, "valid");
}

export function pair(arg: string, v: unknown, dflt: number): [number, number] {
  const x = v ?? dflt;
  const p: unknown[] = Array.isArray(x) ? x : [x, x];
  if (p.length !== 2 || p.some((s) => !Number.isInteger(s) || (s as number) < 1)) fail(arg, v, "a positive integer or a pair of them");
  return [p[0] as number, p[1] as number];
}

/** Output spatial size of a convolution (TensorFlow's rule). */
export function convOut(size: number, k: number, stride: number, padding: ConvPadding): number {
  if (typeof padding === "number") return Math.floor((size + 2 * padding - k) / stride) + 1;
  return padding === "same" ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

/** The geometry every factorized convolution shares. */
export interface ConvGeometry {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
}

/** Output [H', W'] for an input [batch, H, W, C] (null where the input's size is unknown). */
export function convOutSpatial(g: ConvGeometry, shape: readonly (number | null)[]): [number | null, number | null] {
  return [
    shape[1] === null ? null : convOut(shape[1], g.kernelSize[0], g.strides[0], g.padding),
    shape[2] === null ? null : convOut(shape[2], g.kernelSize[1], g.strides[1], g.padding),
  ];
}

/**
 * The one input shape of a single-input layer (tfjs-layers' getExactlyOneShape): build and
 * computeOutputShape receive either a shape or a list holding one.
 */
export function oneShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  if (!Array.isArray(inputShape[0])) return inputShape as tf.Shape;
  if (inputShape.length !== 1) fail("inputShape", inputShape, "exactly one input shape (the factorized layers take one input)");
  return inputShape[0] as tf.Shape;
}

/** [batch, H, W, C] input shape check, returning the spatial sizes. */
export function imageShape(layer: string, shape: tf.Shape, channels?: number): [number | null, number | null, number] {
  if (shape.length !== 4) fail(`${layer} input shape`, shape, "[batch, height, width, channels]");
  const c = shape[3];
  if (c === null) fail(`${layer} input shape`, shape, "a known channel count");
  if (channels !== undefined && c !== channels) fail(`${layer} input shape`, shape, `${channels} input channels`);
  return [shape[1], shape[2], c as number];
}

/** x [..., cin] @ w [cin, cout]: a 1×1 convolution as a matmul (no Conv2DBackpropFilter needed). */
export function pointwise(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const cin = shape[shape.length - 1];
  const y = tf.matMul(tf.reshape(x, [-1, cin]), w as tf.Tensor2D);
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1] as number]);
}

export function addBias(y: tf.Tensor, b: tf.LayerVariable | null): tf.Tensor {
  return b ? tf.add(y, b.read()) : y;
}
