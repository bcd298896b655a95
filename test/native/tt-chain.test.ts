// The fused native TT-matrix chain (native/src/tt.cc through lib/native/tt-chain.ts) that TTDense
// uses on wasm with the addon: values and gradients against the TensorFlow.js chain on cpu
// (ttApplyRows there; test/layers/tt-chain.test.ts checks it against ttApply), the
// layer against the dense layer rebuilt from its cores, gradients against finite differences,
// and no tensor growth over training steps. The intermediates the forward kernel keeps for the
// backward one: the same bits as recomputing them, the size limit, no leaks. Shapes cover the native code's branches: one core,
// slices wider than a 64-column block and with ragged tails, odd core dimensions. Skipped when
// the addon is not built (TN_NATIVE=0 or no OpenBLAS): then the TensorFlow.js chain runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { TTDense } from "../../lib/layers";
import { ttApplyRows } from "../../lib/layers/tt-chain";
import { addon, FusedMomentumOptimizer, nativeTTChain, nativeTTChainCalls, nativeTTChainKeptCalls, setNativeEnabled, setTTChainKeepLimit, ttChainKeptSize } from "../../lib/native";
import { assertClose, on, randn } from "../backend/compare";

const skip = addon() ? false : "the native addon is not built or TN_NATIVE=0";
const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

interface Case {
  inModes: number[];
  outModes: number[];
  ranks: number | number[];
  batch: number[];
}

const CASES: Case[] = [
  { inModes: [6], outModes: [5], ranks: 1, batch: [3] }, // one core: a single product
  { inModes: [3, 5], outModes: [4, 2], ranks: 3, batch: [7] },
  { inModes: [2, 3, 4], outModes: [3, 2, 5], ranks: [1, 3, 2, 1], batch: [2, 3] }, // leading dims
  { inModes: [2, 5, 30], outModes: [3, 1, 7], ranks: 5, batch: [4] }, // Q = 150: blocks + tail
  { inModes: [2, 2, 8, 2, 16], outModes: [2, 2, 2, 8, 8], ranks: 4, batch: [5] }, // the MNIST TT shapes, smaller
];

/** y, dx and every core's gradient of sum(layer(x) ⊙ g), the layer built from fixed cores. */
function layerGrads(c: Case, seed: number, path: "factored" | "dense" = "factored") {
  return () => {
    const layer = new TTDense({ inModes: c.inModes, outModes: c.outModes, ranks: c.ranks, path, seed, kernelInitializer: "glorot" });
    const xShape = [...c.batch, prod(c.inModes)];
    const x = tf.tensor(randn(xShape, seed), xShape);
    layer.build(xShape);
    // Random bias too, so the comparison covers it.
    layer.setWeights(layer.weights.map((v, i) => tf.tensor(randn(v.shape as number[], seed + 10 + i), v.shape as number[])));
    const y = layer.apply(x) as tf.Tensor;
    const g = tf.tensor(randn(y.shape, seed + 1), y.shape);
    const f = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, g)) as tf.Scalar;
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, g)))(x);
    const { grads } = tf.variableGrads(f, layer.trainableWeights.map((v) => v.read() as tf.Variable));
    const out = [y, dx, ...layer.trainableWeights.map((v) => grads[v.read().name])];
    for (const v of layer.weights) v.dispose();
    return out;
  };
}

test("fused TT chain: values and gradients equal the TensorFlow.js chain on cpu", { skip, timeout: 120_000 }, async () => {
  setNativeEnabled(true);
  let seed = 1;
  for (const c of CASES) {
    const ref = await on("cpu", layerGrads(c, seed));
    const before = nativeTTChainCalls();
    const got = await on("wasm", layerGrads(c, seed));
    // Forward (y, and again inside each gradient) and backward (dx, the cores) both ran natively.
    assert.ok(nativeTTChainCalls() >= before + 4, `${JSON.stringify(c)}: the native chain ran forward and backward`);
    const names = ["y", "dx", ...Array.from({ length: c.inModes.length }, (_, k) => `dcore_${k + 1}`), "dbias"];
    got.forEach((v, i) => assertClose(v, ref[i], `${JSON.stringify(c)} ${names[i]}`, 1e-4, "native"));
    seed += 20;
  }
});

test("fused TT chain: the layer equals the dense layer rebuilt from its cores", { skip, timeout: 60_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  const c = CASES[4];
  const [y, dx] = tf.tidy(layerGrads(c, 5, "factored")).slice(0, 2).map((t) => t.dataSync() as Float32Array);
  const [yd, dxd] = tf.tidy(layerGrads(c, 5, "dense")).slice(0, 2).map((t) => t.dataSync() as Float32Array);
  assertClose(y, yd, "y: factored (native) against x·W(cores) + b", 1e-4, "native");
  assertClose(dx, dxd, "dx: factored (native) against the dense path", 1e-4, "native");
});

test("fused TT chain: core gradients match central finite differences", { skip, timeout: 60_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  const [m, n, r] = [[3, 4, 2], [2, 3, 2], [1, 2, 3, 1]];
  const x = tf.tensor2d(randn([3, 24], 7), [3, 24]);
  const cores = m.map((mk, k) => tf.tensor(randn([r[k], mk, n[k], r[k + 1]], 8 + k), [r[k], mk, n[k], r[k + 1]]));
  const g = tf.tensor2d(randn([3, 12], 12), [3, 12]);
  const loss = (cs: tf.Tensor[]) => tf.tidy(() => tf.sum(tf.mul(nativeTTChain(x, cs, m, n, r)!, g)).dataSync()[0]);
  const analytic = tf.grads((...cs: tf.Tensor[]) => tf.sum(tf.mul(nativeTTChain(x, cs, m, n, r)!, g)))(cores);
  const eps = 1e-2;
  for (let k = 0; k < cores.length; k++) {
    const base = cores[k].dataSync() as Float32Array;
    const want = analytic[k].dataSync();
    for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
      const bump = (s: number) => {
        const v = Float32Array.from(base);
        v[i] += s * eps;
        const t = tf.tensor(v, cores[k].shape);
        const out = loss(cores.map((c, j) => (j === k ? t : c)));
        t.dispose();
        return out;
      };
      const fd = (bump(1) - bump(-1)) / (2 * eps);
      assert.ok(Math.abs(fd - want[i]) <= 2e-2 * Math.max(1, Math.abs(fd)), `core ${k + 1} entry ${i}: analytic ${want[i]}, finite difference ${fd}`);
    }
  }
  tf.dispose([x, g, ...cores, ...analytic]);
});

test("fused TT chain: training steps do not grow the tensor count; off, the TensorFlow.js chain runs", { skip, timeout: 60_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  const layer = new TTDense({ inModes: [4, 7], outModes: [8, 4], ranks: 3, seed: 2, path: "factored" });
  const x = tf.tensor2d(randn([6, 28], 3), [6, 28]);
  layer.apply(x);
  const opt = tf.train.momentum(0.01, 0.9);
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const step = () => opt.minimize(() => tf.mean(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, false, vars);
  step();
  const count = tf.memory().numTensors;
  const calls = nativeTTChainCalls();
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, count, "tensors after three more steps");
  assert.ok(nativeTTChainCalls() >= calls + 6, "each step ran the native chain forward and backward");
  setNativeEnabled(false);
  try {
    const offCalls = nativeTTChainCalls();
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    assert.equal(nativeTTChainCalls(), offCalls, "no native call when switched off");
    assert.equal(layer.lastPath, "factored");
    assert.equal(nativeTTChain(x, vars.slice(0, 2), [4, 7], [8, 4], [1, 3, 1]), undefined, "nativeTTChain declines when switched off");
    y.dispose();
  } finally {
    setNativeEnabled(true);
  }
  opt.dispose();
  x.dispose();
  for (const v of layer.weights) v.dispose();
});

// Odd shapes for the kept intermediates: d = 2..5, ranks 1..5, batch 1 and odd, a slice wider
// than a 64-column block, an intermediate made by the Q = 1 (OpenBLAS) step, and one real layer.
const ODD: { m: number[]; n: number[]; r: number[]; B: number }[] = [
  { m: [3, 5], n: [2, 7], r: [1, 4, 1], B: 1 },
  { m: [1, 3], n: [3, 1], r: [1, 1, 1], B: 3 },
  { m: [2, 3, 5], n: [3, 2, 1], r: [1, 5, 2, 1], B: 7 },
  { m: [3, 4, 1], n: [2, 3, 2], r: [1, 3, 2, 1], B: 9 }, // z_3 comes from the Q = 1 step
  { m: [3, 2, 1, 5], n: [2, 3, 3, 1], r: [1, 2, 5, 3, 1], B: 1 },
  { m: [2, 3, 5, 17], n: [2, 1, 2, 3], r: [1, 5, 3, 4, 1], B: 3 }, // Q = 255: blocks and a tail
  { m: [2, 3, 2, 1, 3], n: [1, 2, 3, 2, 2], r: [1, 3, 4, 5, 2, 1], B: 5 },
  { m: [2, 2, 8, 2, 64], n: [2, 2, 2, 8, 32], r: [1, 4, 4, 4, 4, 1], B: 100 }, // MNIST tt-tt-tt's second layer, multithreaded
];

/** y, dx and every core's gradient of sum(chain(x) ⊙ g) through `chain`. */
function chainGrads(c: (typeof ODD)[number], seed: number, chain: (x: tf.Tensor2D, cores: tf.Tensor[]) => tf.Tensor2D) {
  return () => {
    const x = tf.tensor2d(randn([c.B, prod(c.m)], seed), [c.B, prod(c.m)]);
    const cores = c.m.map((mk, k) => tf.tensor(randn([c.r[k], mk, c.n[k], c.r[k + 1]], seed + 1 + k), [c.r[k], mk, c.n[k], c.r[k + 1]]));
    const g = tf.tensor2d(randn([c.B, prod(c.n)], seed + 9), [c.B, prod(c.n)]);
    const y = chain(x, cores);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(chain(args[0] as tf.Tensor2D, args.slice(1)), g)))([x, ...cores]);
    return [y, ...grads];
  };
}

test("fused TT chain: kept intermediates give the same bits as recomputing them, and equal cpu", { skip, timeout: 120_000 }, async () => {
  setNativeEnabled(true);
  const limit = setTTChainKeepLimit(64 * 2 ** 20);
  try {
    let seed = 200;
    for (const c of ODD) {
      const what = JSON.stringify(c);
      const native = (x: tf.Tensor2D, cores: tf.Tensor[]) => nativeTTChain(x, cores, c.m, c.n, c.r)!;
      const ref = await on("cpu", chainGrads(c, seed, (x, cores) => ttApplyRows(x, cores, c.m, c.n, c.r)));
      const kept0 = nativeTTChainKeptCalls();
      const kept = await on("wasm", chainGrads(c, seed, native));
      assert.equal(nativeTTChainKeptCalls(), kept0 + 1, `${what}: the backward pass used the kept intermediates`);
      setTTChainKeepLimit(0);
      const redone = await on("wasm", chainGrads(c, seed, native));
      setTTChainKeepLimit(64 * 2 ** 20);
      assert.equal(nativeTTChainKeptCalls(), kept0 + 1, `${what}: with the limit at 0 the backward pass recomputed`);
      const names = ["y", "dx", ...c.m.map((_, k) => `dcore_${k + 1}`)];
      kept.forEach((v, i) => {
        assert.deepEqual(v, redone[i], `${what} ${names[i]}: kept and recomputed intermediates differ`);
        assertClose(v, ref[i], `${what} ${names[i]}`, 1e-4, "native");
      });
      seed += 20;
    }
  } finally {
    setTTChainKeepLimit(limit);
  }
});

test("fused TT chain: the size limit picks the path per call", { skip, timeout: 60_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  const c = ODD[2];
  const bytes = 4 * ttChainKeptSize(c.B, c.m, c.n, c.r);
  // z_2 [7·3, 5·3, 5] and z_3 [7·3·2, 2·5, 1].
  assert.equal(bytes, 4 * (7 * 3 * 5 * 3 * 5 + 7 * 3 * 2 * 2 * 5 * 1));
  const limit = setTTChainKeepLimit(bytes);
  try {
    const native = (x: tf.Tensor2D, cores: tf.Tensor[]) => nativeTTChain(x, cores, c.m, c.n, c.r)!;
    const kept0 = nativeTTChainKeptCalls();
    tf.dispose(tf.tidy(chainGrads(c, 3, native)));
    assert.equal(nativeTTChainKeptCalls(), kept0 + 1, "at the limit: kept");
    setTTChainKeepLimit(bytes - 1);
    tf.dispose(tf.tidy(chainGrads(c, 3, native)));
    assert.equal(nativeTTChainKeptCalls(), kept0 + 1, "one byte under: recomputed");
  } finally {
    setTTChainKeepLimit(limit);
  }
});

test("fused TT chain: kept intermediates leak no tensors and no wasm memory, training or evaluating", { skip, timeout: 60_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  const heapBytes = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength);
  const layer = new TTDense({ inModes: [4, 7, 3], outModes: [8, 2, 4], ranks: 3, seed: 4, path: "factored" });
  const x = tf.tensor2d(randn([33, 84], 5), [33, 84]);
  layer.apply(x);
  const opt = new FusedMomentumOptimizer(0.01, 0.9);
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const step = () => opt.minimize(() => tf.mean(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, false, vars);
  const evaluate = () => tf.tidy(() => tf.sum(layer.apply(x) as tf.Tensor).dataSync()[0]);
  const limit = setTTChainKeepLimit(64 * 2 ** 20);
  try {
    for (const keepBytes of [64 * 2 ** 20, 0]) {
      setTTChainKeepLimit(keepBytes);
      step();
      evaluate();
      const count = tf.memory().numTensors;
      const heap = heapBytes();
      const kept0 = nativeTTChainKeptCalls();
      for (let i = 0; i < 5; i++) {
        step();
        evaluate();
      }
      assert.equal(nativeTTChainKeptCalls(), kept0 + (keepBytes > 0 ? 5 : 0), `limit ${keepBytes}: backward passes on kept intermediates`);
      assert.equal(tf.memory().numTensors, count, `limit ${keepBytes}: tensors after five more steps and evaluations`);
      assert.equal(heapBytes(), heap, `limit ${keepBytes}: wasm memory after five more steps and evaluations`);
    }
  } finally {
    setTTChainKeepLimit(limit);
    opt.dispose();
    x.dispose();
    for (const v of layer.weights) v.dispose();
  }
});
