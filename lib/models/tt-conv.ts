// tt-conv.md §3: Garipov's CIFAR-10 baselines "conv" (557,248 parameters) and "conv-fc" (13,934,538).
// Convolutions carry no bias: each is followed by BatchNorm, and the card's counting convention
// excludes conv biases, so leaving them out changes neither the function nor the count.
import * as tf from "@tensorflow/tfjs";
import { batchNorm } from "./blocks";
import { gaussSeed } from "../random";

export type TTConvBaseline = "conv" | "conv-fc";

/**
 * Replacement layers for the compressed variants: return a layer to use instead of the 3x3
 * convolution / the hidden dense layer `name`, or undefined to keep the baseline's.
 */
export interface TTConvFactories {
  conv?: (name: string, filters: number, padding: "same" | "valid") => tf.layers.Layer | undefined;
  dense?: (name: string, units: number) => tf.layers.Layer | undefined;
}

let factories: TTConvFactories = {};
let seed = 0;

/** TF 1.x's BatchNorm as the thesis code used it (eps 1e-3, moving-average decay 0.99). */
const bn = (name: string) => batchNorm(name, { epsilon: 1e-3, momentum: 0.99 });

/**
 * TF 1.x's xavier_initializer(uniform=False), the thesis code's init for every dense weight:
 * truncated normal with std sqrt(1.3 * 2 / (fanIn + fanOut)); tfjs's "normal" variance scaling
 * is the same truncated normal without the 1.3, hence scale 1.3.
 */
const xavier = (k: number) => tf.initializers.varianceScaling({ scale: 1.3, mode: "fanAvg", distribution: "normal", seed: gaussSeed(seed * 1000 + k) });
let layerIndex = 0;

function convBnRelu(x: tf.SymbolicTensor, filters: number, padding: "same" | "valid", name: string): tf.SymbolicTensor {
  const layer = factories.conv?.(name, filters, padding) ?? tf.layers.conv2d({ filters, kernelSize: 3, padding, useBias: false, name, kernelInitializer: xavier(layerIndex++) });
  let y = layer.apply(x) as tf.SymbolicTensor;
  y = bn(`${name}_bn`).apply(y) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}_relu` }).apply(y) as tf.SymbolicTensor;
}

/**
 * The 6-convolution network; input [32, 32, 3]; outputs logits (10). `f` swaps in factorized
 * layers; `initSeed` seeds the dense weights' initializers.
 */
export function ttConvBaseline(kind: TTConvBaseline = "conv", f: TTConvFactories = {}, initSeed = 0): tf.LayersModel {
  factories = f;
  seed = initSeed;
  layerIndex = 0;
  try {
    return build(kind);
  } finally {
    factories = {};
  }
}

function build(kind: TTConvBaseline): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: "image" });
  const tail: "same" | "valid" = kind === "conv" ? "valid" : "same";
  let x = convBnRelu(input, 64, "same", "conv1_1");
  x = convBnRelu(x, 64, "same", "conv1_2");
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same", name: "pool1" }).apply(x) as tf.SymbolicTensor;
  x = convBnRelu(x, 128, "same", "conv2_1");
  x = convBnRelu(x, 128, "same", "conv2_2");
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same", name: "pool2" }).apply(x) as tf.SymbolicTensor;
  x = convBnRelu(x, 128, tail, "conv3_1");
  x = convBnRelu(x, 128, tail, "conv3_2");
  let out: tf.SymbolicTensor;
  if (kind === "conv") {
    x = tf.layers.averagePooling2d({ poolSize: 4, strides: 4, padding: "same", name: "avgpool" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
    out = tf.layers.dense({ units: 10, useBias: false, name: "fc", kernelInitializer: xavier(layerIndex++) }).apply(x) as tf.SymbolicTensor;
  } else {
    x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
    for (const [units, name] of [[1536, "fc4_1"], [512, "fc4_2"]] as const) {
      x = (factories.dense?.(name, units) ?? tf.layers.dense({ units, useBias: false, name, kernelInitializer: xavier(layerIndex++) })).apply(x) as tf.SymbolicTensor;
      x = bn(`${name}_bn`).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ name: `${name}_relu` }).apply(x) as tf.SymbolicTensor;
    }
    out = tf.layers.dense({ units: 10, name: "fc4_3", kernelInitializer: xavier(layerIndex++) }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: out, name: `tt-conv-${kind}` });
}
