// Compressing a small trained CNN (synthetic 10-class 8×8 images, seeded): full-rank decompositions
// keep the predictions, low ranks lose accuracy that a short fine-tuning recovers; functional
// graphs with a residual add; MUSCO re-compression and the multi-stage loop; errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { compressModel, multiStage } from "../../lib/compress";
import { rng } from "../../lib/random";
import { cpAls, tucker2 } from "../../lib/decomp";
import type { CPConv2D, Tucker2Conv2D } from "../../lib/layers";
import { asNDArray, reshape } from "../../lib/linalg";
import { relErr, roundTrip } from "../layers/helpers";
import { backendUnderTest } from "../backends";

function dataset(n: number, seed: number): { x: tf.Tensor; y: tf.Tensor; labels: number[] } {
  const t = rng(1234); // class templates shared by train and test
  const templates = Array.from({ length: 10 }, () => Array.from({ length: 64 }, () => t.normal()));
  const r = rng(seed);
  const xs = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels.push(c);
    for (let p = 0; p < 64; p++) xs[i * 64 + p] = templates[c][p] + 1.2 * r.normal();
  }
  return { x: tf.tensor4d(xs, [n, 8, 8, 1]), y: tf.oneHot(tf.tensor1d(labels, "int32"), 10), labels };
}

const train = () => dataset(200, 1);
const testSet = () => dataset(100, 2);

// Trained once per file (cpu convolution training is slow); compressModel never changes its input.
let trained: Promise<tf.LayersModel> | undefined;
function trainedCnn(): Promise<tf.LayersModel> {
  trained ??= trainCnn();
  return trained;
}

async function trainCnn(): Promise<tf.LayersModel> {
  const m = tf.sequential({ name: "tiny" });
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, padding: "same", activation: "relu", name: "c1", kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "relu", name: "c2", kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: "pool" }));
  m.add(tf.layers.flatten({ name: "flat" }));
  m.add(tf.layers.dense({ units: 16, activation: "relu", name: "d1", kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }));
  m.add(tf.layers.dense({ units: 10, activation: "softmax", name: "out", kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }));
  const d = train();
  m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  await m.fit(d.x, d.y, { epochs: 4, batchSize: 40, verbose: 0, shuffle: false });
  tf.dispose([d.x, d.y]);
  return m;
}

function accuracy(m: tf.LayersModel): number {
  const d = testSet();
  const pred = tf.tidy(() => (m.predict(d.x) as tf.Tensor).argMax(-1).dataSync());
  let ok = 0;
  d.labels.forEach((l, i) => (ok += pred[i] === l ? 1 : 0));
  tf.dispose([d.x, d.y]);
  return ok / d.labels.length;
}

function maxDiff(a: tf.LayersModel, b: tf.LayersModel): number {
  const d = testSet();
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(d.x) as tf.Tensor, b.predict(d.x) as tf.Tensor))).dataSync()[0]);
  tf.dispose([d.x, d.y]);
  return diff;
}

async function fineTune(m: tf.LayersModel, epochs = 3): Promise<void> {
  const d = train();
  m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  await m.fit(d.x, d.y, { epochs, batchSize: 50, verbose: 0, shuffle: false });
  tf.dispose([d.x, d.y]);
}

test("SVD of a Dense layer at full rank keeps the predictions; the report has ranks, params, MACs, error", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  const { model, report } = await compressModel(m, { d1: { method: "svd", ranks: 16 } });
  assert.ok(maxDiff(m, model) < 1e-4, String(maxDiff(m, model)));
  const r = report[0];
  assert.equal(r.change, "Dense → SVDDense");
  assert.deepEqual(r.ranks, [16]);
  assert.equal(r.paramsBefore, 128 * 16 + 16);
  assert.equal(r.paramsAfter, 16 * (128 + 16) + 16);
  assert.equal(r.macsBefore, 128 * 16);
  assert.equal(r.macsAfter, 16 * (128 + 16));
  assert.ok(r.relError < 1e-5, String(r.relError));
  // A lower rank: a real error, and the original model is untouched.
  const low = await compressModel(m, { d1: { method: "svd", ranks: 3 } });
  assert.ok(low.report[0].relError > 0.05 && low.report[0].relError < 1);
  assert.equal(m.getLayer("d1").getClassName(), "Dense");
  model.dispose();
  low.model.dispose();
  // Compressing and disposing the result leaves no tensor behind.
  const before = tf.memory().numTensors;
  const again = await compressModel(m, { d1: { method: "svd", ranks: 4 }, c2: { method: "tucker2", ranks: [3, 3] } });
  again.model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("Tucker-2 at full ranks gives the same predictions; lower ranks drop accuracy and fine-tuning recovers", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  const acc0 = accuracy(m);
  assert.ok(acc0 > 0.6, `the tiny CNN should learn the synthetic task (accuracy ${acc0})`);
  const full = await compressModel(m, { c2: { method: "tucker2", ranks: [6, 8] } });
  assert.ok(maxDiff(m, full.model) < 1e-4, String(maxDiff(m, full.model)));
  assert.ok(full.report[0].relError < 1e-5);
  const low = await compressModel(m, { c2: { method: "tucker2", ranks: [2, 3] }, d1: { method: "svd", ranks: 3 } });
  const accLow = accuracy(low.model);
  console.log(`# accuracy: trained ${acc0.toFixed(3)}, Tucker-2 [2,3] + SVD 3 before fine-tuning ${accLow.toFixed(3)}`);
  assert.ok(accLow < acc0, `low ranks should lose accuracy (${acc0} → ${accLow})`);
  await fineTune(low.model);
  const accFt = accuracy(low.model);
  console.log(`# after fine-tuning ${accFt.toFixed(3)}`);
  assert.ok(accFt > accLow, `fine-tuning should recover (${accLow} → ${accFt})`);
  // The compressed model saves and loads.
  const loaded = await roundTrip(low.model);
  assert.ok(maxDiff(low.model, loaded) === 0);
  for (const mm of [full.model, low.model, loaded]) mm.dispose();
});

test("CP3 / CP4 of a trained conv: the reported kernel error falls with the rank", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  for (const method of ["cp3", "cp4"] as const) {
    const errs: number[] = [];
    for (const R of [2, 8, 24]) {
      const { model, report } = await compressModel(m, { c2: { method, ranks: R, maxIter: 60, seed: 1 } });
      assert.equal(report[0].change, "Conv2D → CPConv2D");
      assert.equal(report[0].paramsAfter, R * (6 + (method === "cp3" ? 9 : 6) + 8) + 8);
      errs.push(report[0].relError);
      model.dispose();
    }
    assert.ok(errs[0] > errs[1] && errs[1] > errs[2], `${method}: ${errs}`);
    assert.ok(errs[2] < 0.6 * errs[0], `${method}: rank 24 error ${errs[2]} vs rank 2 ${errs[0]}`);
  }
});

test("functional graph with a residual add: conv inside the block and the dense head are replaced", async () => {
  await use(backendUnderTest("cpu"));
  const inp = tf.input({ shape: [8, 8, 3] });
  const a = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "relu", name: "a" }).apply(inp) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: "same", name: "b" }).apply(a) as tf.SymbolicTensor;
  const s = tf.layers.add({ name: "sum" }).apply([a, b]) as tf.SymbolicTensor;
  const g = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(s) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, name: "head" }).apply(g) as tf.SymbolicTensor;
  const m = tf.model({ inputs: inp, outputs: out, name: "res" });
  const x = tf.randomNormal([3, 8, 8, 3], 0, 1, "float32", 3);
  const { model } = await compressModel(m, { b: { method: "tucker2", ranks: [6, 6] }, head: { method: "svd", ranks: 4 } });
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(m.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor))).dataSync()[0]);
  assert.ok(diff < 1e-4, String(diff));
  assert.equal(model.getLayer("head").getClassName(), "SVDDense");
  assert.equal(model.getLayer("b").getClassName(), "Tucker2Conv2D");
  assert.deepEqual(model.getLayer("sum").inboundNodes[0].inboundLayers.map((l) => l.name), ["a", "b"]);
  for (const mm of [m, model]) mm.dispose();
  tf.dispose([x]);
});

test("a valid conv fed by a ZeroPadding2D: the factorized layer pads itself and the padding layer goes", async () => {
  await use(backendUnderTest("cpu"));
  const inp = tf.input({ shape: [6, 6, 4] });
  const p = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: "c_pad" }).apply(inp) as tf.SymbolicTensor;
  const c = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: "valid", name: "c" }).apply(p) as tf.SymbolicTensor;
  const m = tf.model({ inputs: inp, outputs: tf.layers.flatten({ name: "f" }).apply(c) as tf.SymbolicTensor });
  const x = tf.randomNormal([2, 6, 6, 4], 0, 1, "float32", 9);
  for (const plan of [{ c: { method: "tucker2" as const, ranks: [4, 5] } }, { c: { method: "cp4" as const, ranks: 40, maxIter: 200 } }]) {
    const { model, report } = await compressModel(m, plan);
    assert.throws(() => model.getLayer("c_pad"));
    assert.equal(model.getLayer("c").getConfig().padding, 1);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(m.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(m.predict(x) as tf.Tensor)).dataSync()[0]);
    if (plan.c.method === "tucker2") assert.ok(diff < 1e-4 * scale, String(diff));
    else assert.ok(diff < 0.2 * scale && report[0].relError < 0.2, `cp4: ${diff} / ${scale}, kernel error ${report[0].relError}`);
    // The leading 1×1 runs on the 6×6 map, not the padded 8×8.
    assert.equal(report[0].macsAfter, plan.c.method === "tucker2" ? 36 * 4 * 4 + 36 * 9 * 4 * 5 + 36 * 5 * 5 : 36 * 4 * 40 + 36 * 3 * 40 + 36 * 3 * 40 + 36 * 40 * 5);
    model.dispose();
  }
  for (const mm of [m]) mm.dispose();
  tf.dispose([x]);
});

test("MUSCO re-compression of a Tucker-2 layer (core only) and the multi-stage loop", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  const s1 = await compressModel(m, { c2: { method: "tucker2", ranks: [4, 6] } });
  // Re-compressing at the same ranks changes nothing.
  const same = await compressModel(s1.model, { c2: { method: "tucker2", ranks: [4, 6] } });
  assert.ok(same.report[0].relError < 1e-4, String(same.report[0].relError));
  assert.equal(same.report[0].change, "Tucker2Conv2D → Tucker2Conv2D");
  const s2 = await compressModel(s1.model, { c2: { method: "tucker2", ranks: [2, 3] } });
  assert.deepEqual(s2.report[0].ranks, [2, 3]);
  assert.ok(s2.report[0].paramsAfter < s2.report[0].paramsBefore);
  // Core-only re-compression equals the direct Tucker-2 of the original kernel's projection quality:
  // its error against the stage-1 kernel is below 1 and above 0.
  assert.ok(s2.report[0].relError > 0 && s2.report[0].relError < 1);
  // musco.md `musco.a.recompress`: with orthonormal factors, core-only re-compression matches a
  // fresh Tucker-2 of the whole stage-1 kernel at the same ranks.
  const k1 = (s1.model.getLayer("c2") as Tucker2Conv2D).denseWeight();
  const naive = tucker2(k1, [3, 2]);
  const naiveErr = naive.relError(k1);
  assert.ok(Math.abs(s2.report[0].relError - naiveErr) < 0.05 * naiveErr + 1e-6, `core-only ${s2.report[0].relError} vs full ${naiveErr}`);
  k1.dispose();
  let tuned = 0;
  const run = await multiStage(m, {
    plan: { c2: { method: "tucker2", ratio: 1.6, minRank: 2 }, d1: { method: "svd", ratio: 1.6, minRank: 2 } },
    stages: 2,
    fineTune: async (model) => {
      tuned++;
      await fineTune(model, 1);
    },
    evaluate: async (model) => accuracy(model),
  });
  assert.equal(tuned, 2);
  assert.equal(run.stages.length, 2);
  const [r1, r2] = run.stages.map((s) => s.rows.find((r) => r.layer === "c2")!);
  assert.ok(r2.paramsAfter < r1.paramsAfter, `stage 2 compresses further (${r1.paramsAfter} → ${r2.paramsAfter})`);
  assert.ok(r1.paramsAfter * 1.6 <= r1.paramsBefore + 1e-9);
  for (const s of run.stages) assert.ok(s.metricFineTuned !== undefined && s.metricCompressed !== undefined);
  for (const mm of [s1.model, same.model, s2.model, run.model]) mm.dispose();
});

test("CP re-compression (musco.md §1.6.1): a CPConv2D's rebuilt kernel at a smaller rank, its error against the layer it replaces; at its own rank it is reproduced", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  for (const method of ["cp3", "cp4"] as const) {
    const s1 = await compressModel(m, { c2: { method, ranks: 6, maxIter: 60, seed: 1 } });
    const s2 = await compressModel(s1.model, { c2: { method, ranks: 3, maxIter: 200, seed: 1 } });
    const row = s2.report[0];
    assert.equal(row.change, "CPConv2D → CPConv2D", method);
    assert.deepEqual(row.ranks, [3]);
    const [cp1, cp2] = [s1.model.getLayer("c2") as CPConv2D, s2.model.getLayer("c2") as CPConv2D];
    assert.equal(cp2.variant, method, "the layer keeps its form");
    assert.equal(row.paramsAfter, 3 * (6 + (method === "cp3" ? 9 : 6) + 8) + 8);
    // The reported error is the new kernel's against the stage-1 kernel (not the original conv's) ...
    const [k1, k2] = [cp1.denseWeight(), cp2.denseWeight()];
    assert.ok(Math.abs(row.relError - relErr(k2, k1)) < 1e-6, `${method}: ${row.relError} vs ${relErr(k2, k1)}`);
    // ... and is what CP-ALS reaches on that rebuilt kernel (tn.decomp's own float64 measure).
    const x = asNDArray(k1);
    const direct = cpAls(method === "cp3" ? reshape(x, [9, 6, 8]) : x, 3, { maxIter: 200, seed: 1 });
    assert.ok(Math.abs(direct.error - row.relError) < 1e-5, `${method}: ${direct.error} vs ${row.relError}`);
    assert.ok(row.relError > 1e-3 && row.relError < 1, `${method}: ${row.relError}`);
    // At its own rank (or above: clipped to it) the re-compression reproduces the layer.
    const same = await compressModel(s1.model, { c2: { method, ranks: 9, maxIter: 5000, seed: 1 } });
    assert.deepEqual(same.report[0].ranks, [6]);
    assert.ok(same.report[0].relError < 1e-3, `${method} full rank: ${same.report[0].relError}`);
    assert.ok(maxDiff(same.model, s1.model) < 1e-3, `${method} full rank predictions: ${maxDiff(same.model, s1.model)}`);
    tf.dispose([k1, k2]);
    for (const mm of [s1.model, s2.model, same.model]) mm.dispose();
  }
  // MUSCO's loop re-compresses CP layers at each stage.
  const run = await multiStage(m, { plan: { c2: { method: "cp3", ratio: 1.5, minRank: 2, maxIter: 30 } }, stages: 2, fineTune: async () => {} });
  const [r1, r2] = run.stages.map((st) => st.rows[0]);
  assert.equal(r2.change, "CPConv2D → CPConv2D");
  // The ratio applies to the factors (the 8 bias values stay).
  assert.ok(r2.ranks[0] < r1.ranks[0] && (r2.paramsAfter - 8) * 1.5 <= r2.paramsBefore - 8, `${r1.ranks} → ${r2.ranks}`);
  run.model.dispose();
});

test("EVBMF ranks with weakening for Tucker-2 and SVD", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  const ext = await compressModel(m, { c2: { method: "tucker2", evbmf: true, minRank: 1 }, d1: { method: "svd", evbmf: true, minRank: 1 } });
  const weak = await compressModel(m, { c2: { method: "tucker2", evbmf: true, weaken: 0.5, minRank: 1 }, d1: { method: "svd", evbmf: true, weaken: 0.5, minRank: 1 } });
  for (let i = 0; i < 2; i++) {
    const e = ext.report[i].ranks;
    const w = weak.report[i].ranks;
    e.forEach((r, k) => assert.ok(w[k] >= r, `weakened ranks keep more (${w} vs ${e})`));
  }
  for (const mm of [ext.model, weak.model]) mm.dispose();
});

test("EVBMF that finds no signal (extreme rank 0) leaves a conv and a dense layer uncompressed (musco.md §2.7)", async () => {
  // Issue 19.3: the Tucker-2 path turned an extreme rank of 0 into 1 and compressed the layer to
  // the minimum rank; weaken_rank keeps the rank instead, so pure-noise kernels stay as they are.
  await use("cpu");
  const r = rng(77);
  const noise = (n: number) => Float32Array.from({ length: n }, () => r.normal());
  const m = tf.sequential({ name: "noisy" });
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 8], filters: 10, kernelSize: 3, padding: "same", useBias: true, name: "c" }));
  m.add(tf.layers.flatten({ name: "flat" }));
  m.add(tf.layers.dense({ units: 30, name: "d" }));
  m.getLayer("c").setWeights([tf.tensor4d(noise(3 * 3 * 8 * 10), [3, 3, 8, 10]), tf.zeros([10])]);
  m.getLayer("d").setWeights([tf.tensor2d(noise(360 * 30), [360, 30]), tf.zeros([30])]);
  const before = tf.memory().numTensors;
  const { model, report } = await compressModel(m, { c: { method: "tucker2", evbmf: true, minRank: 1 }, d: { method: "svd", evbmf: true, minRank: 1 } });
  assert.deepEqual(report.map((x) => x.layer), ["c", "d"], "rows in plan order");
  assert.deepEqual(report.map((x) => x.change), ["Conv2D kept (EVBMF keeps every rank)", "Dense kept (EVBMF keeps every rank)"]);
  assert.deepEqual(report.map((x) => x.ranks), [[8, 10], [30]]);
  for (const row of report) assert.equal(row.paramsAfter, row.paramsBefore);
  assert.equal(model.getLayer("c").getClassName(), "Conv2D");
  assert.equal(model.getLayer("d").getClassName(), "Dense");
  const x = tf.tensor4d(noise(2 * 6 * 6 * 8), [2, 6, 6, 8]);
  assert.equal(tf.tidy(() => tf.max(tf.abs(tf.sub(m.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor))).dataSync()[0]), 0);
  x.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "a kept layer leaks no copied bias");
  // The ResNet-18 notebook's rule is opt-in and only for tucker2 + evbmf.
  await assert.rejects(compressModel(m, { d: { method: "svd", evbmf: true, mirrorZero: true } }), /plan.d.mirrorZero = true: expected only with method tucker2 and evbmf: true/);
  await assert.rejects(compressModel(m, { c: { method: "tucker2", evbmf: true, mirrorZero: true, weaken: 0.7 } }), /plan.c.weaken = 0.7: expected no weakening with mirrorZero/);
  // Under the ResNet-18 rule (resnet18-cp-tucker.md §2.3: no weakening) both estimates 0 give the
  // smallest layer, not the uncompressed one.
  const resnetRule = await compressModel(m, { c: { method: "tucker2", evbmf: true, mirrorZero: true, minRank: 1 } });
  assert.deepEqual(resnetRule.report[0].ranks, [1, 1]);
  assert.equal(resnetRule.model.getLayer("c").getClassName(), "Tucker2Conv2D");
  resnetRule.model.dispose();
  m.dispose();
});

test("TT-matrix of a Dense layer at full ranks keeps the predictions", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  const { model, report } = await compressModel(m, { d1: { method: "tt", inModes: [4, 4, 8], outModes: [2, 2, 4], ranks: [1, 8, 32, 1] } });
  assert.ok(maxDiff(m, model) < 1e-4);
  assert.equal(report[0].change, "Dense → TTDense");
  model.dispose();
});

test("bad plans: clear errors", async () => {
  await use(backendUnderTest("cpu"));
  const m = await trainedCnn();
  await assert.rejects(compressModel(m, { nope: { method: "svd", ranks: 2 } }), /plan = "nope": expected the name of a layer of tiny/);
  await assert.rejects(compressModel(m, { d1: { method: "tucker2", ranks: [2, 2] } }), /plan.d1.method = "tucker2": expected "svd" or "tt" for the Dense layer d1/);
  await assert.rejects(compressModel(m, { c2: { method: "svd", ranks: 2 } }), /plan.c2.method = "svd": expected "tucker2", "cp3", "cp4" or "ttconv"/);
  await assert.rejects(compressModel(m, { d1: { method: "svd", ranks: 2, ratio: 2 } }), /plan.d1 = .*: expected exactly one of ranks, evbmf: true or ratio/);
  await assert.rejects(compressModel(m, { d1: { method: "tt", inModes: [2, 2, 7, 4], outModes: [2, 2, 2, 2], ranks: 2 } }), /plan.d1.inModes = \[2, 2, 7, 4\]: expected modes multiplying to the layer's 128 input features \(they multiply to 112\)/);
  await assert.rejects(compressModel(m, { c2: { method: "cp3", evbmf: true } }), /plan.c2.evbmf = true: expected only with method svd or tucker2/);
  await assert.rejects(compressModel(m, { c2: { method: "tucker2", ranks: 3 } }), /plan.c2.ranks = 3: expected \[inRank, outRank\] for tucker2/);
  await assert.rejects(compressModel(m, { pool: { method: "svd", ranks: 2 } }), /plan.pool = "MaxPooling2D": expected a Dense, Conv2D, SVDDense, Tucker2Conv2D or CPConv2D layer/);
});

test("addBias gives a bias-less convolution's replacement a fresh bias, counted; init chooses the CP start", async () => {
  await use(backendUnderTest("cpu"));
  const input = tf.input({ shape: [8, 8, 3] });
  const c = tf.layers.conv2d({ filters: 6, kernelSize: 3, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: "c" }).apply(input) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: c });
  for (const method of ["cp3", "tucker2"] as const) {
    const ranks = method === "cp3" ? 3 : [2, 3];
    const plain = await compressModel(m, { c: { method, ranks } });
    const biased = await compressModel(m, { c: { method, ranks, addBias: true, seed: 1 } });
    assert.equal(biased.report[0].paramsAfter, plain.report[0].paramsAfter + 6, `${method}: 6 bias values more`);
    const b = biased.model.getLayer("c").getWeights().slice(-1)[0];
    assert.deepEqual(b.shape, [6]);
    const bound = 1 / Math.sqrt(3);
    assert.ok(b.dataSync().every((v) => Math.abs(v) <= bound && v !== 0), "U(±1/√fan_in) with fan_in = the last step's input rank");
  }
  const svdStart = await compressModel(m, { c: { method: "cp3", ranks: 2, maxIter: 3 } });
  const randomStart = await compressModel(m, { c: { method: "cp3", ranks: 2, maxIter: 3, init: "random", seed: 4 } });
  assert.notEqual(svdStart.report[0].relError, randomStart.report[0].relError, "the start changes a 3-iteration fit");
  await assert.rejects(compressModel(m, { c: { method: "cp3", ranks: 2, init: "best" as never } }), /plan.c.init = "best": expected "svd" or "random"/);
  await assert.rejects(compressModel(m, { c: { method: "ttconv", ranks: [1, 1], addBias: true } }), /plan.c.addBias = true: expected only with method tucker2, cp3 or cp4/);
});
