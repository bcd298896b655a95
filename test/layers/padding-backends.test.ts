// Numeric padding in the CP and Tucker-2 convolutions: the native TensorFlow backend's convolution
// gradients and depthwise convolution take no explicit paddings, so the layers pad themselves. The factored path's gradients
// must equal the dense path's (the kernel rebuilt from the same factors) on every backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { CPConv2D, type FactorLayer, Tucker2Conv2D } from "../../lib/layers";
import { onEachBackend } from "../backends";
import { free } from "./helpers";

test("CPConv2D and Tucker2Conv2D with numeric padding: factored-path gradients equal the dense path's, on every backend", { timeout: 120_000 }, async (t) => {
  await onEachBackend(t, ["cpu", "wasm", "tensorflow"], async () => {
    const makers: Record<string, (path: "factored" | "dense") => FactorLayer> = {
      cp3: (path) => new CPConv2D({ filters: 4, kernelSize: 3, rank: 3, variant: "cp3", padding: 1, strides: 2, seed: 7, path }),
      cp4: (path) => new CPConv2D({ filters: 4, kernelSize: 3, rank: 3, variant: "cp4", padding: 1, strides: 2, seed: 7, path }),
      tucker2: (path) => new Tucker2Conv2D({ filters: 4, kernelSize: 3, inRank: 2, outRank: 3, padding: 1, strides: 2, seed: 7, path }),
    };
    for (const [variant, make] of Object.entries(makers)) {
      const grads = (path: "factored" | "dense") => {
        const l = make(path);
        const x = tf.tidy(() => tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 3));
        l.build(x.shape);
        const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.square(l.apply(a) as tf.Tensor)))(x);
        const out = [Array.from(gx.dataSync())];
        tf.dispose([x, gx]);
        free(l);
        return out[0];
      };
      const f = grads("factored");
      const d = grads("dense");
      assert.equal(f.length, d.length);
      const scale = Math.max(...d.map(Math.abs));
      f.forEach((v, i) => assert.ok(Math.abs(v - d[i]) <= 1e-4 * scale, `${variant} dx[${i}]: ${v} vs ${d[i]}`));
    }
  });
});
