// cp-conv-mnist.md §3.1: the base network NetBase (the card's recommended completion), and the
// same network with its two convolutions built by a factory: NetTens (cpConvMnistTens) has CP4
// layers. Convolution kernels start with PyTorch's default variance (card §4); biases at zero and
// the dense layers He-uniform, the same in both networks.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { CPConv2D } from "../layers/cp-conv";

/** Builds a 3x3, 10-filter, ReLU convolution named `name` (inputShape given for the first). */
export type ConvFactory = (name: "conv1" | "conv2", inputShape?: number[]) => tf.layers.Layer;

/**
 * PyTorch's default Conv2d kernel init, kaiming_uniform_(a=√5): U(±1/√fan_in), fan_in = kh·kw·C_in,
 * so Var = 1/(3·kh·kw·C_in). The card (§4) reads the paper as PyTorch code and gives the CP
 * factors of NetTens that variance for the kernel they represent; NetBase's kernels get the same
 * init, so the two networks start from kernels of equal variance.
 */
export function pytorchConvInit(seed?: number): ReturnType<typeof tf.initializers.varianceScaling> {
  return tf.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed });
}

/** conv3x3(10)-relu-conv3x3(10)-relu-maxpool2-flatten-dense(128)-relu-dense(10). Input [28, 28, 1]. */
export function cpConvMnistBase(opts: { seed?: number; conv?: ConvFactory; name?: string } = {}): tf.Sequential {
  const seedOf = (k: number) => (opts.seed === undefined ? undefined : opts.seed + k);
  const init = (k: number) => tf.initializers.heUniform({ seed: seedOf(k) });
  const conv: ConvFactory =
    opts.conv ??
    ((name, inputShape) =>
      tf.layers.conv2d({ ...(inputShape ? { inputShape } : {}), filters: 10, kernelSize: 3, activation: "relu", kernelInitializer: pytorchConvInit(seedOf(name === "conv1" ? 1 : 2)), name }));
  return tf.sequential({
    name: opts.name ?? "NetBase",
    layers: [
      conv("conv1", [28, 28, 1]),
      conv("conv2"),
      tf.layers.maxPooling2d({ poolSize: 2, name: "pool" }),
      tf.layers.flatten({ name: "flatten" }),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: init(3), name: "fc1" }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(4), name: "fc2" }),
    ],
  });
}

/**
 * NetTens: NetBase with both convolutions replaced by CP4 layers of rank `rank`. The factors start
 * from the card's §4 init (the reconstructed kernel has PyTorch's default conv variance).
 */
export function cpConvMnistTens(rank: number, seed = 0): tf.Sequential {
  if (!Number.isInteger(rank) || rank < 1) fail("rank", rank, "a positive integer");
  return cpConvMnistBase({
    seed,
    name: `NetTens_r${rank}`,
    conv: (name, inputShape) =>
      new CPConv2D({ name, filters: 10, kernelSize: 3, rank, variant: "cp4", padding: "valid", activation: "relu", seed: seed * 100 + (name === "conv1" ? 1 : 2), ...(inputShape ? { inputShape } : {}) }),
  });
}
