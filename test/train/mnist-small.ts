// Shared by the train tests: a small MNIST subset and a small seeded model.
import * as tf from "@tensorflow/tfjs";
import { mnist } from "../../lib/data";
import type { ImageSet } from "../../lib/data";
import { withSeed } from "../../lib/train";

let cache: { train: ImageSet; test: ImageSet } | undefined;

export function mnistSmall(nTrain = 2000, nTest = 1000): { train: ImageSet; test: ImageSet } {
  if (!cache || cache.train.size !== nTrain || cache.test.size !== nTest) {
    const m = mnist();
    cache = { train: m.train.subset(nTrain, 11), test: m.test.subset(nTest, 12) };
  }
  return cache;
}

/** 784 → hidden (BatchNorm, ReLU, Dropout) → 10 logits, initial weights from `seed`. */
export function smallNet(seed: number, hidden = 64, dropout = 0.2): tf.LayersModel {
  return withSeed(seed, () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: hidden }),
        tf.layers.batchNormalization(),
        tf.layers.reLU(),
        tf.layers.dropout({ rate: dropout }),
        tf.layers.dense({ units: 10 }),
      ],
    }),
  );
}
