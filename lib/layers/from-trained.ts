// What the static constructors (SVDDense.fromDense, CPConv2D.fromConv, ..., as TensorLy-Torch's
// FactorizedLinear.from_linear / FactorizedConv.from_conv) read from a trained layer, and what they
// return. A plain Dense / Conv2D gives its kernel; a factorized layer gives the dense kernel it
// represents, so the same constructors re-compress a factorized layer.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { asNDArray, relError as relErr, type NDArray } from "../linalg/ndarray";
import { type ActivationName, type ConvPadding, checkActivation, checkConvPadding, checkModes, prod } from "./common";
import { FactorConv2D } from "./factor-conv";
import { FactorLayer } from "./factor-layer";

/** A factorized layer built from a trained one. */
export interface Decomposed<L extends FactorLayer> {
  /** Built for the source's input size, holding `weights`. */
  layer: L;
  /** The layer's weights in its `weights` order (the caller owns and disposes them). */
  weights: tf.Tensor[];
  /** ||K - K'||_F / ||K||_F between the source's dense kernel K and the new layer's K'. */
  relError: number;
}

/** Options every static constructor takes. */
export interface FromTrainedOptions {
  /** The new layer's name (default: the source's). */
  name?: string;
  /** A bias for a source without one (the new layer then has one); ignored when the source has a bias. */
  bias?: tf.Tensor;
  /** How errors name these options (default "opts"; tn.compress passes "plan.<layer>"). */
  argPrefix?: string;
}

/** fromConv's options: those of every constructor, and a padding that replaces the source's. */
export interface FromConvOptions extends FromTrainedOptions {
  /** Replaces the source's padding (tn.compress folds a ZeroPadding2D feeding the layer into it). */
  padding?: ConvPadding;
}

/** A trained layer as the constructors read it. */
export interface TrainedLayer {
  name: string;
  activation: ActivationName;
  useBias: boolean;
  /** [in, out] for a dense layer, [kh, kw, cin, cout] for a convolution, in float64. */
  kernel: NDArray;
  /** A copy of the bias (or `opts.bias`), null when there is none. */
  bias: tf.Tensor | null;
}

export interface TrainedConv extends TrainedLayer {
  kernelSize: [number, number];
  strides: [number, number];
  padding: ConvPadding;
}

/** A layer's dense kernel in float64: a Dense / Conv2D's own, the one a factorized layer represents. */
export function denseKernel(layer: tf.layers.Layer): NDArray {
  const t = layer instanceof FactorLayer ? layer.denseWeight() : layer.getWeights()[0].clone();
  const a = asNDArray(t, "kernel");
  t.dispose();
  return a;
}

function read(layer: tf.layers.Layer, opts: FromTrainedOptions): TrainedLayer {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const useBias = cfg.useBias === true;
  const w = layer.getWeights();
  // getWeights() hands out the live variables: the bias is copied, as the result is disposed by the caller.
  const bias = useBias ? w[w.length - 1].clone() : (opts.bias?.clone() ?? null);
  const activation = checkActivation(layer instanceof FactorLayer ? layer.activationName : (cfg.activation as string | undefined));
  return { name: opts.name ?? layer.name, activation, useBias: bias !== null, kernel: denseKernel(layer), bias };
}

/** A Dense layer or a factorized dense layer (kernel [in, out]). */
export function readDense(layer: tf.layers.Layer, who: string, opts: FromTrainedOptions): TrainedLayer {
  const isDense = layer.getClassName() === "Dense" || (layer instanceof FactorLayer && !(layer instanceof FactorConv2D));
  if (!isDense) fail(`${who} layer`, layer.getClassName(), "a Dense layer or a factorized dense layer");
  return read(layer, opts);
}

/** A Conv2D layer or a factorized convolution; `padding` replaces the source's (a folded ZeroPadding2D). */
export function readConv(layer: tf.layers.Layer, who: string, opts: FromConvOptions): TrainedConv {
  if (layer instanceof FactorConv2D) {
    return { ...read(layer, opts), kernelSize: layer.kernelSize, strides: layer.strides, padding: opts.padding ?? layer.padding };
  }
  if (layer.getClassName() !== "Conv2D") fail(`${who} layer`, layer.getClassName(), "a Conv2D layer or a factorized convolution");
  const cfg = layer.getConfig() as Record<string, unknown>;
  const dil = cfg.dilationRate as number[] | number;
  if ((Array.isArray(dil) ? dil : [dil]).some((v) => v !== 1)) fail(`${layer.name}.dilationRate`, dil, "1 (factorized layers have no dilation)");
  if (cfg.padding !== "same" && cfg.padding !== "valid") fail(`${layer.name}.padding`, cfg.padding, `"same" or "valid"`);
  const geometry = { kernelSize: cfg.kernelSize as [number, number], strides: cfg.strides as [number, number], padding: checkConvPadding(opts.padding ?? cfg.padding) };
  return { ...read(layer, opts), ...geometry };
}

/** The base arguments of the new layer. */
export function baseArgs(src: TrainedLayer): { name: string; activation: ActivationName; useBias: boolean } {
  return { name: src.name, activation: src.activation, useBias: src.useBias };
}

/** The base and geometry arguments of a new convolution. */
export function convArgs(src: TrainedConv): ReturnType<typeof baseArgs> & { kernelSize: [number, number]; strides: [number, number]; padding: ConvPadding } {
  return { ...baseArgs(src), kernelSize: src.kernelSize, strides: src.strides, padding: src.padding };
}

/** Builds `layer` for the source's input size, sets the factors and the source's bias, and measures the error. */
export function finish<L extends FactorLayer>(layer: L, src: TrainedLayer, factors: tf.Tensor[]): Decomposed<L> {
  const k = src.kernel.shape;
  layer.build(k.length === 2 ? [null, k[0]] : [null, null, null, k[2]]);
  const weights = src.bias ? [...factors, src.bias] : factors;
  layer.setWeights(weights);
  const dense = layer.denseWeight();
  const relError = relErr(src.kernel, asNDArray(dense, "kernel"));
  dense.dispose();
  return { layer, weights, relError };
}

/** Row-major [rows, cols] with column r scaled by s[r]. */
export function scaleCols(a: NDArray, s: ArrayLike<number>): NDArray {
  const [m, n] = a.shape;
  const d = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = a.data[i * n + j] * s[j];
  return { shape: [m, n], data: d };
}

/**
 * Input and output modes whose products are the kernel's two sides ([in, out], or [cin, cout] for
 * a TT convolution): `what` names the sides in the messages.
 */
export function checkModePair(prefix: string, inModes: number[], outModes: number[], sides: readonly number[], what: [string, string]): [number[], number[]] {
  const inM = checkModes(`${prefix}.inModes`, inModes);
  const outM = checkModes(`${prefix}.outModes`, outModes);
  const [m, n] = sides;
  if (prod(inM) !== m) fail(`${prefix}.inModes`, inModes, `modes multiplying to the layer's ${m} ${what[0]} (they multiply to ${prod(inM)})`);
  if (prod(outM) !== n) fail(`${prefix}.outModes`, outModes, `modes multiplying to the layer's ${n} ${what[1]} (they multiply to ${prod(outM)})`);
  if (outM.length !== inM.length) fail(`${prefix}.outModes`, outModes, `${inM.length} modes, as many as inModes`);
  return [inM, outM];
}
