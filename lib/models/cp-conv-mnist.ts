// cp-conv-mnist.md §3.1: the base network NetBase (the card's recommended completion).
import * as tf from "@tensorflow/tfjs";

/** conv3x3(10)-relu-conv3x3(10)-relu-maxpool2-flatten-dense(128)-relu-dense(10). Input [28, 28, 1]. */
export function cpConvMnistBase(opts: { seed?: number } = {}): tf.Sequential {
  const init = (k: number) => tf.initializers.heUniform({ seed: opts.seed === undefined ? undefined : opts.seed + k });
  return tf.sequential({
    name: "NetBase",
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 10, kernelSize: 3, activation: "relu", kernelInitializer: init(1), name: "conv1" }),
      tf.layers.conv2d({ filters: 10, kernelSize: 3, activation: "relu", kernelInitializer: init(2), name: "conv2" }),
      tf.layers.maxPooling2d({ poolSize: 2, name: "pool" }),
      tf.layers.flatten({ name: "flatten" }),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: init(3), name: "fc1" }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(4), name: "fc2" }),
    ],
  });
}
