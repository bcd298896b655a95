// The static constructors (fromDense / fromConv): at full rank the factorized layer computes what the
// trained layer it was built from computes; at lower rank the relError it returns is the error
// measured another way (Eckart–Young for the SVD, the decomposition's own float64 error, or the
// kernel the layer applies to unit inputs); bad sources and options are refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { cpAls, ttMatrix, tucker2 } from "../../lib/decomp";
import { CPConv2D, type Decomposed, type FactorLayer, NaiveTTConv2D, SVDDense, TTConv2D, TTDense, Tucker2Conv2D } from "../../lib/layers";
import { asNDArray, reshape, svd } from "../../lib/linalg";
import { rng } from "../../lib/random";
import { backendUnderTest } from "../backends";
import { free, randn, relErr } from "./helpers";

function dense(activation: "relu" | "linear", useBias: boolean): tf.layers.Layer {
  const d = tf.layers.dense({ units: 6, activation, useBias, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) });
  d.build([null, 12]);
  return d;
}

function conv(kernel?: tf.Tensor): tf.layers.Layer {
  const c = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }), biasInitializer: tf.initializers.randomNormal({ seed: 4 }) });
  c.build([null, 7, 7, 4]);
  if (kernel) c.setWeights([kernel, c.getWeights()[1]]);
  return c;
}

/** A [3, 3, 4, 6] kernel of exact 4-way CP rank R (so also of 3-way rank ≤ R). */
function plantedCp(R: number): tf.Tensor {
  const r = rng(9);
  const f = [3, 3, 4, 6].map((n) => Array.from({ length: n * R }, () => r.normal()));
  const d = new Float32Array(3 * 3 * 4 * 6);
  let i = 0;
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) for (let o = 0; o < 6; o++) {
    let s = 0;
    for (let k = 0; k < R; k++) s += f[0][a * R + k] * f[1][b * R + k] * f[2][c * R + k] * f[3][o * R + k];
    d[i++] = s;
  }
  return tf.tensor(d, [3, 3, 4, 6]);
}

function sameOutputs(name: string, source: tf.layers.Layer, d: Decomposed<FactorLayer>, input: number[], tol = 1e-5): void {
  const x = randn(input, 11);
  const [a, b] = [source.apply(x) as tf.Tensor, d.layer.apply(x) as tf.Tensor];
  assert.deepEqual(b.shape, a.shape, name);
  assert.ok(relErr(b, a) < tol, `${name}: outputs differ by ${relErr(b, a)}`);
  assert.ok(d.relError < tol, `${name}: relError ${d.relError}`);
  assert.equal(d.layer.getClassName(), (d.layer.constructor as { className: string }).className);
  tf.dispose([x, a, b]);
}

function release(d: Decomposed<FactorLayer>): void {
  tf.dispose(d.weights);
  free(d.layer);
}

test("at full rank every constructor gives a layer that computes what its source computes", async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const d = dense("relu", true);
  const c = conv();
  const cases: [string, tf.layers.Layer, () => Decomposed<FactorLayer>, number[]][] = [
    ["SVDDense", d, () => SVDDense.fromDense(d, 6), [5, 12]],
    ["TTDense", d, () => TTDense.fromDense(d, { inModes: [3, 4], outModes: [3, 2], ranks: 100 }), [5, 12]],
    ["Tucker2Conv2D", c, () => Tucker2Conv2D.fromConv(c, [4, 6]), [2, 7, 7, 4]],
    ["TTConv2D", c, () => TTConv2D.fromConv(c, { inModes: [2, 2], outModes: [2, 3], ranks: 100 }), [2, 7, 7, 4]],
    ["NaiveTTConv2D", c, () => NaiveTTConv2D.fromConv(c, 100), [2, 7, 7, 4]],
  ];
  for (const [name, source, make, input] of cases) {
    const r = make();
    sameOutputs(name, source, r, input);
    release(r);
  }
  // CP has no exact "full rank": a kernel of exact CP rank 2 is reproduced in every form.
  const planted = plantedCp(2);
  const cc = conv(planted);
  for (const opts of [{ variant: "cp3" as const }, { variant: "cp4" as const }, { variant: "cp4" as const, spatial: "full" as const }]) {
    const r = CPConv2D.fromConv(cc, 2, { ...opts, maxIter: 500 });
    assert.equal(r.layer.variant, opts.spatial === "full" ? "cp3" : opts.variant);
    sameOutputs(`CPConv2D ${JSON.stringify(opts)}`, cc, r, [2, 7, 7, 4], 1e-4);
    release(r);
  }
  free(d, c, cc);
  planted.dispose();
  assert.equal(tf.memory().numTensors, before, "nothing leaks");
});

test("relError at lower rank is the error measured independently", async () => {
  await use(backendUnderTest("cpu"));
  // A linear dense layer without bias applied to the identity gives its kernel: no rebuild involved.
  const d = dense("linear", false);
  const w = asNDArray(d.getWeights()[0]);
  const s = svd(w).s;
  const tail = (r: number) => Math.sqrt(s.slice(r).reduce((a, v) => a + v * v, 0) / s.reduce((a, v) => a + v * v, 0));
  for (const r of [1, 3]) {
    const f = SVDDense.fromDense(d, r);
    assert.ok(Math.abs(f.relError - tail(r)) < 1e-6, `SVD rank ${r}: ${f.relError} vs Eckart–Young ${tail(r)}`);
    const eye = tf.eye(12);
    const applied = f.layer.apply(eye) as tf.Tensor;
    assert.ok(Math.abs(relErr(applied, d.getWeights()[0]) - f.relError) < 1e-6, "the kernel the layer applies");
    tf.dispose([eye, applied]);
    release(f);
  }
  const tt = TTDense.fromDense(d, { inModes: [3, 4], outModes: [3, 2], ranks: 1 });
  assert.ok(Math.abs(tt.relError - ttMatrix(w, [3, 4], [3, 2], { ranks: 1 }).error) < 1e-6);
  assert.ok(tt.relError > 0.05);
  release(tt);
  const c = conv();
  const k = asNDArray(c.getWeights()[0]);
  const t2 = Tucker2Conv2D.fromConv(c, [2, 3]);
  assert.ok(Math.abs(t2.relError - tucker2(k, [3, 2]).relError(k)) < 1e-6, `Tucker-2: ${t2.relError}`);
  const cp = CPConv2D.fromConv(c, 3, { maxIter: 50, seed: 1 });
  assert.ok(Math.abs(cp.relError - cpAls(reshape(k, [9, 4, 6]), 3, { maxIter: 50, seed: 1 }).error) < 1e-6, `CP: ${cp.relError}`);
  const ttc = TTConv2D.fromConv(c, { inModes: [2, 2], outModes: [2, 3], ranks: [2, 1, 1] });
  assert.ok(Math.abs(ttc.relError - ttMatrix(reshape(k, [36, 6]), [9, 2, 2], [1, 2, 3], { ranks: [1, 2, 1, 1] }).error) < 1e-6);
  // Re-compressing a factorized layer: the error is against that layer, not the original conv.
  const again = Tucker2Conv2D.fromConv(t2.layer, [1, 2]);
  const [k1, k2] = [t2.layer.denseWeight(), again.layer.denseWeight()];
  assert.ok(Math.abs(again.relError - relErr(k2, k1)) < 1e-6, `core-only: ${again.relError} vs ${relErr(k2, k1)}`);
  tf.dispose([k1, k2]);
  for (const r of [t2, cp, ttc, again]) release(r);
  free(d, c);
});

test("bad sources and options are refused by name", async () => {
  await use(backendUnderTest("cpu"));
  const d = dense("relu", true);
  const c = conv();
  assert.throws(() => SVDDense.fromDense(c, 2), /SVDDense.fromDense layer = "Conv2D": expected a Dense layer or a factorized dense layer/);
  assert.throws(() => CPConv2D.fromConv(d, 2), /CPConv2D.fromConv layer = "Dense": expected a Conv2D layer or a factorized convolution/);
  assert.throws(() => SVDDense.fromDense(d, 7), /opts.rank = 7: expected an integer in \[1, 6\] for a 12 x 6 kernel/);
  assert.throws(() => TTDense.fromDense(d, { inModes: [3, 3], outModes: [3, 2], ranks: 2 }), /opts.inModes = \[3, 3\]: expected modes multiplying to the layer's 12 input features \(they multiply to 9\)/);
  assert.throws(() => TTConv2D.fromConv(c, { inModes: [4], outModes: [2, 3], ranks: 2 }, { argPrefix: "plan.c" }), /plan.c.outModes = \[2, 3\]: expected 1 modes, as many as inModes/);
  assert.throws(() => Tucker2Conv2D.fromConv(c, [2] as never), /opts.ranks = \[2\]: expected \[inRank, outRank\] for tucker2/);
  assert.throws(() => CPConv2D.fromConv(c, 2, { variant: "cp3", spatial: "full" }), /opts.spatial = "full": expected only with variant cp4/);
  free(d, c);
});
