// Every factorized layer equals the plain dense / conv layer built from its dense weight, on both
// forward paths; gradients through the factors equal those through the rebuilt dense weight and
// finite differences; save + load reproduces the outputs; a few optimizer steps reduce a loss.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { CPConv2D, type FactorLayer, NaiveTTConv2D, SVDDense, TTConv2D, TTDense, Tucker2Conv2D, type ForwardPath } from "../../lib/layers";
import { free, plainTwin, randn, relErr, roundTrip, weightGrads } from "./helpers";
import { backendUnderTest, onEachBackend } from "../backends";
import type { BackendName } from "../../lib/backend";

interface Case {
  name: string;
  input: number[];
  make: (path: ForwardPath) => FactorLayer;
}

const CASES: Case[] = [
  { name: "TTDense d=3", input: [5, 24], make: (path) => new TTDense({ inModes: [2, 3, 4], outModes: [3, 2, 2], ranks: [1, 3, 2, 1], seed: 1, activation: "tanh", path }) },
  { name: "TTDense d=1", input: [4, 6], make: (path) => new TTDense({ inModes: [6], outModes: [5], ranks: 1, seed: 2, path }) },
  { name: "TTDense glorot no bias", input: [3, 2, 12], make: (path) => new TTDense({ inModes: [3, 4], outModes: [4, 2], ranks: 3, useBias: false, kernelInitializer: "glorot", seed: 3, path }) },
  { name: "TTConv2D same", input: [2, 6, 5, 8], make: (path) => new TTConv2D({ kernelSize: 3, inModes: [2, 4], outModes: [3, 2], ranks: [3, 2, 1], padding: "same", seed: 4, path }) },
  { name: "TTConv2D valid stride 2", input: [2, 7, 7, 6], make: (path) => new TTConv2D({ kernelSize: [3, 2], inModes: [2, 3], outModes: [2, 2], ranks: 2, strides: 2, seed: 5, activation: "relu", path }) },
  { name: "NaiveTTConv2D", input: [2, 6, 6, 4], make: (path) => new NaiveTTConv2D({ filters: 5, kernelSize: 3, ranks: [1, 2, 3, 2, 1], padding: "same", seed: 6, path }) },
  { name: "NaiveTTConv2D stride", input: [1, 7, 6, 3], make: (path) => new NaiveTTConv2D({ filters: 4, kernelSize: 3, ranks: 2, strides: [2, 1], seed: 7, path }) },
  { name: "CPConv2D cp3", input: [2, 6, 6, 4], make: (path) => new CPConv2D({ filters: 5, kernelSize: 3, rank: 3, variant: "cp3", padding: "same", seed: 8, path }) },
  { name: "CPConv2D cp4 stride", input: [2, 7, 8, 4], make: (path) => new CPConv2D({ filters: 3, kernelSize: 3, rank: 4, variant: "cp4", strides: 2, padding: "same", seed: 9, path }) },
  { name: "CPConv2D cp4 strides [2, 1] same", input: [2, 7, 8, 4], make: (path) => new CPConv2D({ filters: 3, kernelSize: [3, 2], rank: 3, variant: "cp4", strides: [2, 1], padding: "same", seed: 14, path }) },
  { name: "CPConv2D cp4 strides [1, 3] valid", input: [1, 6, 9, 3], make: (path) => new CPConv2D({ filters: 2, kernelSize: 3, rank: 2, variant: "cp4", strides: [1, 3], seed: 15, path }) },
  { name: "CPConv2D cp4 valid", input: [1, 6, 6, 3], make: (path) => new CPConv2D({ filters: 4, kernelSize: [3, 2], rank: 2, variant: "cp4", seed: 10, path }) },
  { name: "Tucker2Conv2D", input: [2, 6, 6, 5], make: (path) => new Tucker2Conv2D({ filters: 6, kernelSize: 3, inRank: 3, outRank: 4, padding: "same", seed: 11, path }) },
  { name: "Tucker2Conv2D stride valid", input: [2, 7, 7, 4], make: (path) => new Tucker2Conv2D({ filters: 3, kernelSize: 3, inRank: 2, outRank: 2, strides: 2, seed: 12, path }) },
  { name: "SVDDense", input: [5, 7], make: (path) => new SVDDense({ units: 6, rank: 2, seed: 13, activation: "sigmoid", path }) },
];

function built(c: Case, path: ForwardPath): FactorLayer {
  const l = c.make(path);
  l.build(c.input);
  return l;
}

test("every layer equals the plain layer rebuilt from denseWeight(), on both paths", async () => {
  await use(backendUnderTest("cpu"));
  for (const c of CASES) {
    const x = randn(c.input, 100);
    const fac = built(c, "factored");
    const den = built(c, "dense");
    den.setWeights(fac.getWeights());
    const twin = plainTwin(fac, c.input);
    const yTwin = twin.apply(x) as tf.Tensor;
    const yFac = fac.apply(x) as tf.Tensor;
    const yDen = den.apply(x) as tf.Tensor;
    assert.equal(fac.lastPath, "factored", c.name);
    assert.equal(den.lastPath, "dense", c.name);
    assert.deepEqual(yFac.shape, yTwin.shape, c.name);
    assert.deepEqual(fac.computeOutputShape(c.input), yTwin.shape, c.name);
    assert.ok(relErr(yFac, yTwin) < 1e-5, `${c.name}: factored vs dense twin ${relErr(yFac, yTwin)}`);
    assert.ok(relErr(yDen, yTwin) < 1e-5, `${c.name}: dense path vs twin ${relErr(yDen, yTwin)}`);
    assert.equal(fac.countParams(), fac.params(), `${c.name}: params() vs the weights held`);
    tf.dispose([x, yTwin, yFac, yDen]);
    free(fac);
    free(den);
    free(twin);
  }
});

test("gradients through the factors equal those through the rebuilt dense weight", async () => {
  await use(backendUnderTest("cpu"));
  for (const c of CASES) {
    const x = randn(c.input, 200);
    const fac = built(c, "factored");
    const den = built(c, "dense");
    den.setWeights(fac.getWeights());
    const probe = randn((fac.apply(x) as tf.Tensor).shape, 201);
    const gf = weightGrads(fac, x, probe);
    const gd = weightGrads(den, x, probe);
    assert.equal(gf.length, fac.trainableWeights.length);
    gf.forEach((g, i) => assert.ok(relErr(g, gd[i]) < 1e-4, `${c.name} weight ${fac.trainableWeights[i].name}: ${relErr(g, gd[i])}`));
    // The input gradient too.
    const dx = (l: FactorLayer) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(l.apply(xx) as tf.Tensor, probe)))(x);
    assert.ok(relErr(dx(fac), dx(den)) < 1e-4, `${c.name}: input gradient`);
    free(fac);
    free(den);
  }
});

test("gradients match central finite differences (float32, tiny shapes)", async () => {
  await use(backendUnderTest("cpu"));
  for (const c of CASES) {
    const x = randn(c.input, 300);
    const layer = built(c, "factored");
    const probe = randn((layer.apply(x) as tf.Tensor).shape, 301);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)).dataSync()[0]);
    const grads = weightGrads(layer, x, probe);
    for (let wi = 0; wi < layer.trainableWeights.length; wi++) {
      const v = layer.trainableWeights[wi].read() as tf.Variable;
      const base = v.dataSync().slice();
      const g = grads[wi].dataSync();
      for (const idx of [0, base.length - 1, base.length >> 1]) {
        const h = 1e-2 * Math.max(1, Math.abs(base[idx]));
        const at = (delta: number) => {
          const d = base.slice();
          d[idx] += delta;
          v.assign(tf.tensor(d, v.shape));
          return loss();
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        const scale = Math.max(1, Math.abs(fd), Math.abs(g[idx]));
        assert.ok(Math.abs(fd - g[idx]) < 2e-2 * scale, `${c.name} ${v.name}[${idx}]: fd ${fd} vs grad ${g[idx]}`);
      }
    }
    free(layer);
  }
});

test("save + load in a model gives identical outputs (in-memory IOHandler)", async () => {
  await use(backendUnderTest("cpu"));
  for (const c of CASES) {
    const model = tf.sequential();
    model.add(tf.layers.inputLayer({ inputShape: c.input.slice(1) }));
    model.add(c.make("auto"));
    const x = randn(c.input, 400);
    const y = model.predict(x) as tf.Tensor;
    const loaded = await roundTrip(model);
    const l = loaded.layers[0] as FactorLayer;
    assert.equal(l.getClassName(), model.layers[0].getClassName(), c.name);
    assert.deepEqual(l.getConfig(), model.layers[0].getConfig(), c.name);
    const y2 = loaded.predict(x) as tf.Tensor;
    assert.deepEqual(Array.from(y2.dataSync()), Array.from(y.dataSync()), c.name);
    model.dispose();
    loaded.dispose();
  }
});

async function trainsOn(backend: BackendName, c: Case): Promise<void> {
  await use(backend);
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: c.input.slice(1) }));
  model.add(c.make("factored"));
  const x = randn(c.input, 500);
  const target = randn((model.predict(x) as tf.Tensor).shape, 501);
  model.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
  const h = await model.fit(x, target, { epochs: 8, batchSize: c.input[0], verbose: 0 });
  const loss = h.history.loss as number[];
  assert.ok(loss[loss.length - 1] < 0.8 * loss[0], `${c.name} on ${backend}: loss ${loss[0]} -> ${loss[loss.length - 1]}`);
  model.dispose();
  tf.dispose([x, target]);
}

test("every layer trains on cpu (a few Adam steps reduce an MSE loss)", async () => {
  for (const c of CASES) await trainsOn(backendUnderTest("cpu"), c);
});

// Every layer trains on each fast backend present (wasm has the convolution gradients it lacked
// through lib/backend/wasm-kernels; the native backend has its own).
test("every layer trains on wasm and on the native backend", async (t) => {
  await onEachBackend(t, ["wasm", "tensorflow"], async (backend, st) => {
    for (const c of CASES) await st.test(c.name, () => trainsOn(backend, c));
  });
});

test("explicit symmetric padding p (PyTorch's padding = p) equals ZeroPadding then a valid convolution", async () => {
  await use(backendUnderTest("cpu"));
  const makers: [string, (path: ForwardPath) => FactorLayer][] = [
    ["cp3", (path) => new CPConv2D({ filters: 5, kernelSize: 3, rank: 3, variant: "cp3", padding: 1, seed: 1, path })],
    ["cp4 stride 2", (path) => new CPConv2D({ filters: 4, kernelSize: 3, rank: 3, variant: "cp4", padding: 1, strides: 2, seed: 2, path })],
    ["cp4 strides [2, 3]", (path) => new CPConv2D({ filters: 3, kernelSize: [3, 2], rank: 2, variant: "cp4", padding: 1, strides: [2, 3], seed: 4, path })],
    ["tucker2 p=2", (path) => new Tucker2Conv2D({ filters: 4, kernelSize: 3, inRank: 2, outRank: 3, padding: 2, seed: 3, path })],
  ];
  for (const [name, make] of makers) {
    const x = randn([2, 7, 6, 4], 700);
    const fac = make("factored");
    fac.build(x.shape);
    const den = make("dense");
    den.build(x.shape);
    den.setWeights(fac.getWeights());
    const p = fac.getConfig().padding as number;
    const w = fac.denseWeight();
    const ref = tf.add(tf.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D, w as tf.Tensor4D, fac.getConfig().strides as [number, number], "valid"), fac.biasWeight()!);
    const yf = fac.apply(x) as tf.Tensor;
    assert.deepEqual(yf.shape, ref.shape, name);
    assert.deepEqual(fac.computeOutputShape(x.shape), ref.shape, name);
    assert.ok(relErr(yf, ref) < 1e-5, `${name}: ${relErr(yf, ref)}`);
    assert.ok(relErr(den.apply(x) as tf.Tensor, ref) < 1e-5, name);
    free(fac, den);
  }
});

test("auto path: the factored evaluation for a small batch of a big TT layer, dense for a tiny layer", async () => {
  await use(backendUnderTest("cpu"));
  const big = new TTDense({ inModes: [4, 4, 4, 4], outModes: [4, 4, 4, 4], ranks: 2, seed: 1 });
  big.build([2, 256]);
  const c = big.pathCosts([2, 256]);
  assert.ok(c.factored < c.dense);
  tf.dispose(big.apply(tf.ones([2, 256])) as tf.Tensor);
  assert.equal(big.lastPath, "factored");
  // 2 inputs → 2 outputs with rank 3: rebuilding W (2·3·... tiny) and one matmul beats the chain.
  const tiny = new TTDense({ inModes: [2, 2], outModes: [2, 2], ranks: 4, seed: 1 });
  tiny.build([64, 4]);
  const ct = tiny.pathCosts([64, 4]);
  assert.ok(ct.dense < ct.factored, JSON.stringify(ct));
  tf.dispose(tiny.apply(tf.ones([64, 4])) as tf.Tensor);
  assert.equal(tiny.lastPath, "dense");
  free(big);
  free(tiny);
});

test("repeated forward passes do not leak tensors", async () => {
  await use(backendUnderTest("cpu"));
  for (const c of CASES) {
    const l = built(c, "auto");
    const x = randn(c.input, 600);
    tf.dispose(l.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(l.apply(x) as tf.Tensor);
    tf.dispose(l.denseWeight());
    assert.equal(tf.memory().numTensors, before, c.name);
    free(l);
    x.dispose();
  }
});
