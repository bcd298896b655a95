// resnet18-cp-tucker.md §3.1: torchvision's ImageNet-style ResNet-18 on 32x32 CIFAR-10 inputs
// (not resized), fc replaced by 512 -> 10. Padding is PyTorch's (symmetric), so weights exported
// from torchvision map one to one (layer names follow torchvision's with "." -> "_").
import * as tf from "@tensorflow/tfjs";
import { batchNorm, pad } from "./blocks";
import { gaussSeed } from "../random";

/** Seeds of the initializers: one stream per layer, in build order (undefined = unseeded). */
let nextSeed: (() => number | undefined) | undefined;

// torchvision initialises ResNet convolutions with kaiming_normal_(mode="fan_out", nonlinearity="relu").
function conv(x: tf.SymbolicTensor, filters: number, k: number, stride: number, p: number, name: string): tf.SymbolicTensor {
  if (p > 0) x = pad(p, `${name}_pad`).apply(x) as tf.SymbolicTensor;
  const kernelInitializer = tf.initializers.varianceScaling({ scale: 2, mode: "fanOut", distribution: "normal", seed: gaussSeed(nextSeed?.()) });
  return tf.layers.conv2d({ filters, kernelSize: k, strides: stride, padding: "valid", useBias: false, kernelInitializer, name }).apply(x) as tf.SymbolicTensor;
}

function basicBlock(x: tf.SymbolicTensor, filters: number, stride: number, name: string): tf.SymbolicTensor {
  let y = conv(x, filters, 3, stride, 1, `${name}_conv1`);
  y = batchNorm(`${name}_bn1`).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU({ name: `${name}_relu1` }).apply(y) as tf.SymbolicTensor;
  y = conv(y, filters, 3, 1, 1, `${name}_conv2`);
  y = batchNorm(`${name}_bn2`).apply(y) as tf.SymbolicTensor;
  let shortcut = x;
  if (stride !== 1 || x.shape[3] !== filters) {
    shortcut = conv(x, filters, 1, stride, 0, `${name}_downsample_0`);
    shortcut = batchNorm(`${name}_downsample_1`).apply(shortcut) as tf.SymbolicTensor;
  }
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}_relu2` }).apply(sum) as tf.SymbolicTensor;
}

/** ResNet-18, input [32, 32, 3], logits (10). 11,181,642 parameters. `seed` makes the init repeatable. */
export function resnet18Cifar(opts: { classes?: number; seed?: number } = {}): tf.LayersModel {
  let k = 0;
  nextSeed = opts.seed === undefined ? () => undefined : () => opts.seed! * 1000 + k++;
  const input = tf.input({ shape: [32, 32, 3], name: "image" });
  let x = conv(input, 64, 7, 2, 3, "conv1");
  x = batchNorm("bn1").apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "relu" }).apply(x) as tf.SymbolicTensor;
  x = pad(1, "maxpool_pad").apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "valid", name: "maxpool" }).apply(x) as tf.SymbolicTensor;
  const stages: [number, number][] = [[64, 1], [128, 2], [256, 2], [512, 2]];
  stages.forEach(([filters, stride], i) => {
    x = basicBlock(x, filters, stride, `layer${i + 1}_0`);
    x = basicBlock(x, filters, 1, `layer${i + 1}_1`);
  });
  x = tf.layers.globalAveragePooling2d({ name: "avgpool" }).apply(x) as tf.SymbolicTensor;
  // PyTorch's Linear default: U(±1/√fan_in) for weight and bias.
  const bound = 1 / Math.sqrt(512);
  const fcInit = () => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: nextSeed?.() });
  const out = tf.layers.dense({ units: opts.classes ?? 10, kernelInitializer: fcInit(), biasInitializer: fcInit(), name: "fc" }).apply(x) as tf.SymbolicTensor;
  nextSeed = undefined;
  return tf.model({ inputs: input, outputs: out, name: "resnet18" });
}

/** The layers the card decomposes: the second 3x3 convolution of each of the 8 blocks. */
export const RESNET18_DECOMPOSED = [1, 2, 3, 4].flatMap((s) => [0, 1].map((b) => `layer${s}_${b}_conv2`));
