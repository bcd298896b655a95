// musco.md §3.2: the LeNets of the RON study (chapter 2) on MNIST, with logits out.
import * as tf from "@tensorflow/tfjs";

/** LeNet-300-100: 784 → 300 → 100 → 10 with ReLU; 266,610 parameters. */
export function lenet300(seed = 0): tf.Sequential {
  const init = (k: number) => tf.initializers.heUniform({ seed: seed * 100 + k });
  return tf.sequential({
    name: "LeNet-300-100",
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1], name: "flatten" }),
      tf.layers.dense({ units: 300, activation: "relu", kernelInitializer: init(1), name: "fc1" }),
      tf.layers.dense({ units: 100, activation: "relu", kernelInitializer: init(2), name: "fc2" }),
      tf.layers.dense({ units: 10, kernelInitializer: init(3), name: "fc3" }),
    ],
  });
}

/** LeNet-5: conv 1→6 5×5 pad 2 → pool → conv 6→16 5×5 → pool → 400 → 120 → 84 → 10; 61,706 parameters. */
export function lenet5(seed = 0): tf.Sequential {
  const init = (k: number) => tf.initializers.heUniform({ seed: seed * 100 + k });
  return tf.sequential({
    name: "LeNet-5",
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: "same", activation: "relu", kernelInitializer: init(1), name: "conv1" }),
      tf.layers.maxPooling2d({ poolSize: 2, name: "pool1" }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: "valid", activation: "relu", kernelInitializer: init(2), name: "conv2" }),
      tf.layers.maxPooling2d({ poolSize: 2, name: "pool2" }),
      tf.layers.flatten({ name: "flatten" }),
      tf.layers.dense({ units: 120, activation: "relu", kernelInitializer: init(3), name: "fc1" }),
      tf.layers.dense({ units: 84, activation: "relu", kernelInitializer: init(4), name: "fc2" }),
      tf.layers.dense({ units: 10, kernelInitializer: init(5), name: "fc3" }),
    ],
  });
}
