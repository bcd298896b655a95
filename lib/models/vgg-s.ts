// musco.md §3.2: VGG-S, the small VGG on which the MUSCO analogues run (full width, or the
// half-width VGG-S/2 that trains at tens of images per second on a 2-core wasm CPU).
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { gaussSeed } from "../random";
import { batchNorm } from "./blocks";

/**
 * VGG-S for 32×32×3: [conv3×3 → BN → ReLU] ×2 → max-pool, three times (32-64-128 channels, or
 * 16-32-64 at width 0.5), flatten, fc1 + ReLU (256 or 128), fc2 (10 logits). Convolutions have no
 * bias. 814,570 parameters (204,794 at width 0.5), 39.2 M (10.0 M) multiply-adds.
 */
export function vggS(opts: { width?: 1 | 0.5; seed?: number } = {}): tf.Sequential {
  const width = opts.width ?? 1;
  if (width !== 1 && width !== 0.5) fail("width", width, "1 (VGG-S) or 0.5 (VGG-S/2)");
  const seed = opts.seed ?? 0;
  let k = 0;
  // He-normal (fan-in) for the convolutions, as torchvision's VGG (kaiming, ReLU); seeded per layer.
  const he = () => tf.initializers.heNormal({ seed: gaussSeed(seed * 1000 + k++) });
  const layers: tf.layers.Layer[] = [];
  [32, 64, 128].forEach((c, b) => {
    for (const i of [1, 2]) {
      const name = `${b + 1}_${i}`;
      layers.push(
        tf.layers.conv2d({
          name: `conv${name}`,
          filters: c * width,
          kernelSize: 3,
          padding: "same",
          useBias: false,
          kernelInitializer: he(),
          ...(layers.length === 0 ? { inputShape: [32, 32, 3] } : {}),
        }),
      );
      layers.push(batchNorm(`bn${name}`));
      layers.push(tf.layers.reLU({ name: `relu${name}` }));
    }
    layers.push(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${b + 1}` }));
  });
  layers.push(tf.layers.flatten({ name: "flatten" }));
  layers.push(tf.layers.dense({ name: "fc1", units: 256 * width, activation: "relu", kernelInitializer: he() }));
  layers.push(tf.layers.dense({ name: "fc2", units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + k++ }) }));
  return tf.sequential({ name: width === 1 ? "VGG-S" : "VGG-S/2", layers });
}
