// cp-conv-mnist.md §4: NetBase's convolution kernels and the kernels NetTens's CP factors represent
// both start with PyTorch's default conv variance 1/(3·9·C_in) (NetBase: U(±1/√(9·C_in))).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { cpNet } from "../../lib/experiments/cp-conv-mnist";
import type { FactorLayer } from "../../lib/layers";
import { cpConvMnistBase } from "../../lib/models";

const CIN = { conv1: 1, conv2: 10 } as const;
/** PyTorch's default Conv2d init, kaiming_uniform_(a=√5): Var = 1/(3·fan_in), fan_in = 3·3·C_in. */
const pytorchVar = (cin: number) => 1 / (3 * 9 * cin);
const DRAWS = 16;

/** E[W²] of the kernels of conv1 / conv2 averaged over seeded draws (the entries have mean 0). */
function meanSquare(kernelOf: (seed: number, name: "conv1" | "conv2") => tf.Tensor): Record<"conv1" | "conv2", number> {
  const out = { conv1: 0, conv2: 0 };
  for (const name of ["conv1", "conv2"] as const) {
    for (let seed = 0; seed < DRAWS; seed++) {
      const w = kernelOf(seed, name);
      out[name] += tf.tidy(() => tf.mean(tf.square(w)).dataSync()[0]) / DRAWS;
      w.dispose();
    }
  }
  return out;
}

test("NetBase convolutions: PyTorch's default U(±1/√(9·C_in)), variance 1/(27·C_in) (not He-uniform's 2/(9·C_in))", async () => {
  await use("cpu");
  const v = meanSquare((seed, name) => {
    const m = cpConvMnistBase({ seed });
    const w = m.getLayer(name).getWeights()[0].clone();
    const bound = 1 / Math.sqrt(9 * CIN[name]);
    const max = tf.tidy(() => tf.max(tf.abs(w)).dataSync()[0]);
    assert.ok(max <= bound && max > 0.9 * bound, `${name} seed ${seed}: max |w| ${max} vs bound ${bound}`);
    m.dispose();
    return w;
  });
  for (const name of ["conv1", "conv2"] as const) {
    const want = pytorchVar(CIN[name]);
    assert.ok(Math.abs(v[name] / want - 1) < 0.1, `${name}: E[W²] ${v[name]} vs 1/(27·C_in) = ${want}`);
  }
});

test("NetTens CP factors: the kernel they represent has the variance 1/(27·C_in) of NetBase's kernels", async () => {
  await use("cpu");
  // A CP4 kernel entry is a sum over R of products of four independent zero-mean factors, so
  // Var(W) = R · σ_in² σ_v² σ_h² σ_out². Each σ_k² is estimated from the factor entries pooled over
  // seeded draws: the sample E[W²] of the kernel itself scatters by tens of per cent even over
  // hundreds of draws (products of four normals are heavy-tailed).
  const R = 3;
  const N = 256;
  for (const name of ["conv1", "conv2"] as const) {
    const sum = [0, 0, 0, 0];
    const count = [0, 0, 0, 0];
    for (let seed = 0; seed < N; seed++) {
      const m = cpNet(R, seed);
      const layer = m.getLayer(name) as FactorLayer;
      assert.deepEqual(layer.weights.slice(0, 4).map((w) => w.originalName.split("/").pop()), ["in_factor", "vertical", "horizontal", "out_factor"]);
      layer.getWeights().slice(0, 4).forEach((w, k) => {
        for (const x of w.dataSync()) sum[k] += x * x;
        count[k] += w.size;
      });
      m.dispose();
    }
    const implied = R * sum.reduce((p, s, k) => p * (s / count[k]), 1);
    const want = pytorchVar(CIN[name]);
    assert.ok(Math.abs(implied / want - 1) < 0.2, `${name}: implied Var(W) ${implied} vs 1/(27·C_in) = ${want}`);
  }
});
