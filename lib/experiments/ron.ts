// musco.md §2.9 (chapter 2, a labelled reconstruction: the chapter body is not available): the
// reduced-order network (RON). For a trained network, the tail after a cut layer is replaced by a
// small fully-connected network on selected neurons: the outputs x_i of each tail layer are
// sampled on training images, V_i = their top-r_i left singular vectors, MaxVol picks r_i rows I_i
// of V_i (the kept neurons), and because ReLU and max-pooling commute with picking neurons,
//   z_{i+1} = g(Ŵ_i z_i + b̂_i),  Ŵ_i = P_{i+1} W_i V_i (P_i V_i)^{-1},  b̂_i = P_{i+1} b_i
// with BatchNorm folded into W_i, b_i and, before a 2×2 max-pool, P_{i+1} taking the 4 window
// entries of every kept pooled neuron. No fine-tuning. At full dimension (r_i = N_i) the RON
// computes exactly the original network. The LeNets are tn.models.lenet300 / lenet5
// (lib/models/lenet.ts); the CIFAR-10 network is musco's VGG-S, trained by the caller.
import * as tf from "@tensorflow/tfjs";
import { mnist, type IdxDataset } from "../data/mnist";
import type { ImageSet } from "../data/image-set";
import type { Normalize } from "../data/transform";
import { maxvol } from "../decomp/maxvol";
import { eigSymData } from "../linalg/eig";
import { solve } from "../linalg/solve";
import { size } from "../linalg/ndarray";
import { countModel } from "../flops/count";
import { evaluate } from "../train/fit";
import { lenet300, lenet5 } from "../models/lenet";
import { fail } from "../errors";
import { byProfile, type Profile } from "./profile";
import { CIFAR_NORMALIZE, fitOwned, mnistSplit, type Split } from "./shared";

export { lenet300, lenet5 } from "../models/lenet";

export interface Budget {
  /** MNIST training images (seeded subset) and test images for the LeNets. */
  train: number | "all";
  test: number | "all";
  lenetEpochs: number;
  /** Training images whose layer outputs give the bases (N_i × n snapshots). */
  basisSamples: number;
  /** Reduction factors f: r_i = N_i / f (capped by what the samples span). */
  factors: number[];
  /** Cut layers of the CIFAR-10 network (VGG-S of musco.budget: same profile). */
  cifarCuts: string[];
  cifarBasisSamples: number;
  cifarFactors: number[];
}

export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { train: 1000, test: 500, lenetEpochs: 1, basisSamples: 800, factors: [1, 2, 4, 8], cifarCuts: ["pool3"], cifarBasisSamples: 200, cifarFactors: [2, 8] },
    quick: { train: 20000, test: "all", lenetEpochs: 3, basisSamples: 2000, factors: [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 32], cifarCuts: ["pool3", "pool2"], cifarBasisSamples: 1000, cifarFactors: [1.5, 2, 4, 8, 16, 32] },
    paper: { train: "all", test: "all", lenetEpochs: 10, basisSamples: 5000, factors: [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 32], cifarCuts: ["pool3", "pool2"], cifarBasisSamples: 2000, cifarFactors: [1.5, 2, 4, 8, 16, 32] },
  });
}

export function loadMnist(b: Budget, data: IdxDataset = mnist()): Split {
  return mnistSplit(b, data);
}

// ---------------------------------------------------------------------------------------------
// Training the LeNets (§3.2; the architectures are tn.models.lenet300 and lenet5)

/** Adam lr 1e-3, batch 128, pixels scaled to [0, 1] (the card gives no LeNet schedule). */
export async function trainLenet(model: tf.LayersModel, data: { train: ImageSet; test: ImageSet }, epochs: number, seed = 0): Promise<number> {
  await fitOwned(model, data, { name: "adam", lr: 1e-3 }, { epochs, batchSize: 128, normalize: "scale", outputs: "logits", select: "last", seed });
  return 100 * (await evaluate(model, data.test, { batchSize: 500, normalize: "scale", outputs: "logits" })).acc;
}

// ---------------------------------------------------------------------------------------------
// The tail as a chain of stages: linear (Dense / Conv2D, BatchNorm folded) → ReLU? → 2×2 max-pool?

export interface Stage {
  /** The model's layers this stage runs, in order. */
  layers: tf.layers.Layer[];
  linear: tf.layers.Layer;
  /** BatchNorm (inference) as y = scale · x + shift per channel, or undefined. */
  bn?: { scale: Float32Array; shift: Float32Array };
  relu: boolean;
  pool: boolean;
  /** Input shape without the batch ([H, W, C] or [N]) and its size N. */
  inShape: number[];
  inDim: number;
  /** Shape of the linear output before pooling, and the stage's output size. */
  preShape: number[];
  outDim: number;
}

function outShape(l: tf.layers.Layer): number[] {
  return (l.outputShape as (number | null)[]).slice(1) as number[];
}

/**
 * Splits a Sequential model at `cut` (the name of the last layer kept as is; null = the input)
 * into the head (layers up to and including `cut`) and the tail's stages.
 */
export function tailStages(model: tf.Sequential, cut: string | null): { head: tf.layers.Layer[]; stages: Stage[] } {
  const layers = model.layers;
  let start = 0;
  if (cut !== null) {
    const i = layers.findIndex((l) => l.name === cut);
    if (i < 0) fail("cut", cut, `null or the name of a layer of ${model.name} (${layers.map((l) => l.name).join(", ")})`);
    start = i + 1;
  }
  const head = layers.slice(0, start);
  // A leading Flatten is part of the input (RON works on flattened vectors anyway).
  while (start < layers.length && layers[start].getClassName() === "Flatten") head.push(layers[start++]);
  let inShape = head.length ? outShape(head[head.length - 1]) : (model.inputs[0].shape.slice(1) as number[]);
  const stages: Stage[] = [];
  let i = start;
  while (i < layers.length) {
    const linear = layers[i];
    const cls = linear.getClassName();
    if (cls !== "Dense" && cls !== "Conv2D") fail(`layer ${linear.name}`, cls, "a Dense or Conv2D layer to start a RON stage");
    const cfg = linear.getConfig() as { activation?: string; dilationRate?: number | number[] };
    if (cls === "Dense" && inShape.length !== 1) fail(`layer ${linear.name}`, `input shape [${inShape}]`, "a flat input (a Flatten before the Dense layer)");
    const st: Stage = { layers: [linear], linear, relu: false, pool: false, inShape, inDim: size(inShape), preShape: outShape(linear), outDim: 0 };
    const act = cfg.activation ?? "linear";
    if (act === "relu") st.relu = true;
    else if (act !== "linear" && !(act === "softmax" && i === layers.length - 1)) fail(`layer ${linear.name}.activation`, act, '"relu" or "linear" (softmax only on the last layer)');
    i++;
    for (; i < layers.length; i++) {
      const l = layers[i];
      const c = l.getClassName();
      if (c === "BatchNormalization" && !st.relu && !st.pool && !st.bn) {
        const [gamma, beta, mean, variance] = l.getWeights().map((w) => w.dataSync() as Float32Array);
        const eps = (l.getConfig() as { epsilon: number }).epsilon;
        const scale = gamma.map((g, k) => g / Math.sqrt(variance[k] + eps));
        st.bn = { scale, shift: beta.map((b, k) => b - mean[k] * scale[k]) };
      } else if ((c === "ReLU" || (c === "Activation" && (l.getConfig() as { activation: string }).activation === "relu")) && !st.pool) {
        st.relu = true;
      } else if (c === "MaxPooling2D" && !st.pool) {
        const pc = l.getConfig() as { poolSize: number[]; strides: number[]; padding: string };
        const [h, w] = st.preShape;
        if (pc.poolSize.join() !== "2,2" || pc.strides.join() !== "2,2" || h % 2 || w % 2) fail(`layer ${l.name}`, JSON.stringify(pc), "a 2×2 max-pool with stride 2 on an even map");
        st.pool = true;
      } else if (c === "Flatten") {
        // NHWC flattening is the order RON uses for the vectors: nothing to do.
      } else break;
      st.layers.push(l);
    }
    st.outDim = st.pool ? size(st.preShape) / 4 : size(st.preShape);
    stages.push(st);
    inShape = st.pool ? [st.preShape[0] / 2, st.preShape[1] / 2, st.preShape[2]] : st.preShape;
    if (st.layers[st.layers.length - 1].getClassName() === "Flatten") inShape = [size(inShape)];
  }
  if (!stages.length) fail("cut", cut, "a layer with at least one Dense or Conv2D layer after it");
  return { head, stages };
}

/** Applies `layers` in inference mode. */
function run(layers: tf.layers.Layer[], x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => layers.reduce((y, l) => l.apply(y, { training: false }) as tf.Tensor, x));
}

/** The stage inputs X_i (n × N_i, row-major float32) on the first `n` images of `set`. */
export async function stageInputs(head: tf.layers.Layer[], stages: Stage[], set: ImageSet, n: number, normalize: Normalize): Promise<Float32Array[]> {
  if (!Number.isInteger(n) || n < 1 || n > set.size) fail("n", n, `a number of samples in 1..${set.size}`);
  const sub = n === set.size ? set : set.subset(n, 7);
  const out = stages.map((s) => new Float32Array(n * s.inDim));
  let row = 0;
  await sub.forEachBatch(250, { normalize }, (b) => {
    let x = run(head, b.x);
    for (let i = 0; i < stages.length; i++) {
      out[i].set(x.dataSync(), row * stages[i].inDim);
      if (i === stages.length - 1) break;
      const y = run(stages[i].layers, x);
      x.dispose();
      x = y;
    }
    x.dispose();
    row += b.size;
  });
  return out;
}

export interface Basis {
  /** N × k, orthonormal columns (row-major). */
  v: Float64Array;
  N: number;
  k: number;
  /** Squared singular values of the snapshot matrix, descending (min(n, N) of them). */
  s2: Float64Array;
}

/**
 * The top-k left singular vectors of the N × n snapshot matrix Xᵀ. The Gram matrix is formed on
 * the backend (float32) and diagonalised in float64: XᵀX (N × N) when N <= n, which gives a full
 * orthonormal basis; otherwise X Xᵀ (n × n) and V = Xᵀ W Λ^{-1/2}, at most the directions the
 * samples span above 1e-10 of the largest.
 */
export function outputBasis(X: Float32Array, n: number, N: number, k: number): Basis {
  if (X.length !== n * N) fail("X.length", X.length, `n·N = ${n}·${N}`);
  if (!Number.isInteger(k) || k < 1 || k > N) fail("k", k, `an integer in 1..${N}`);
  if (N <= n) {
    const g = tf.tidy(() => {
      const x = tf.tensor2d(X, [n, N]);
      return tf.matMul(x, x, true, false).dataSync();
    });
    const e = eigSymData(Float64Array.from(g), N, true);
    const v = new Float64Array(N * k);
    for (let i = 0; i < N; i++) for (let j = 0; j < k; j++) v[i * k + j] = e.vectors.data[i * N + j];
    return { v, N, k, s2: e.values.map((s) => Math.max(s, 0)) };
  }
  const g = tf.tidy(() => {
    const x = tf.tensor2d(X, [n, N]);
    return tf.matMul(x, x, false, true).dataSync();
  });
  const e = eigSymData(Float64Array.from(g), n, true);
  const s2 = e.values.map((s) => Math.max(s, 0));
  let kk = 0;
  while (kk < Math.min(k, n) && s2[kk] > 1e-10 * s2[0]) kk++;
  if (kk === 0) fail("X", "all-zero snapshots", "layer outputs that are not all zero");
  const w = new Float32Array(n * kk);
  for (let i = 0; i < n; i++) for (let j = 0; j < kk; j++) w[i * kk + j] = e.vectors.data[i * n + j] / Math.sqrt(s2[j]);
  const v = tf.tidy(() => tf.matMul(tf.tensor2d(X, [n, N]), tf.tensor2d(w, [n, kk]), true, false).dataSync());
  return { v: Float64Array.from(v), N, k: kk, s2 };
}

interface ReducedStage {
  /** Ŵᵀ: [r_i, rows]. */
  wt: tf.Tensor2D;
  bias: tf.Tensor1D;
  relu: boolean;
  pool: boolean;
  rows: number;
  r: number;
}

export interface Ron {
  head: tf.layers.Layer[];
  /** Kept neurons of the cut layer's output (the reduced network's input). */
  inputRows: number[];
  stages: ReducedStage[];
  /** Reduced dimension r_i of every stage input. */
  dims: number[];
  /** Multiply-adds of the reduced tail (Σ rows_i · r_i) and of the original tail, one image. */
  tailMacs: number;
  originalTailMacs: number;
  /** MaxVol's max |V (P V)^{-1}| per stage (≤ 1 + tol). */
  maxCoefficients: number[];
  dispose(): void;
}

/** Column-major pick of basis columns 0..r-1 (row-major N × r). */
function leading(b: Basis, r: number): Float64Array {
  if (r > b.k) fail("r", r, `at most the ${b.k} basis vectors available`);
  const out = new Float64Array(b.N * r);
  for (let i = 0; i < b.N; i++) for (let j = 0; j < r; j++) out[i * r + j] = b.v[i * b.k + j];
  return out;
}

/** The rows of the linear output a stage keeps: the kept neurons, or the 4 window entries of each kept pooled neuron. */
function preRows(st: Stage, kept: number[] | null): number[] {
  const all = size(st.preShape);
  if (kept === null) return Array.from({ length: all }, (_, i) => i);
  if (!st.pool) return kept;
  const [h, w, c] = st.preShape;
  const [ph, pw] = [h / 2, w / 2];
  const rows: number[] = [];
  for (const q of kept) {
    const ch = q % c;
    const x = Math.floor(q / c) % pw;
    const y = Math.floor(q / (c * pw));
    if (y >= ph) fail("kept neuron", q, `an index below ${ph * pw * c}`);
    for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) rows.push(((2 * y + dy) * w + (2 * x + dx)) * c + ch);
  }
  return rows;
}

/** The stage's linear map (BatchNorm folded, no bias) applied to the r columns of v (N × r): [r, preDim]. */
function linearOnColumns(st: Stage, v: Float64Array, r: number): tf.Tensor2D {
  return tf.tidy(() => {
    const cols = tf.transpose(tf.tensor2d(Float32Array.from(v), [st.inDim, r])); // [r, N]
    const kernel = st.linear.getWeights()[0];
    let y: tf.Tensor;
    if (st.linear.getClassName() === "Dense") y = tf.matMul(cols, kernel as tf.Tensor2D);
    else {
      const cfg = st.linear.getConfig() as { strides: [number, number]; padding: "same" | "valid" };
      y = tf.conv2d(tf.reshape(cols, [r, st.inShape[0], st.inShape[1], st.inShape[2]]) as tf.Tensor4D, kernel as tf.Tensor4D, cfg.strides, cfg.padding);
    }
    if (st.bn) y = tf.mul(y, st.bn.scale);
    return tf.reshape(y, [r, size(st.preShape)]) as tf.Tensor2D;
  });
}

/** The stage's bias (conv / dense bias, BatchNorm folded) per linear output [preDim]. */
function stageBias(st: Stage): Float32Array {
  const c = st.preShape[st.preShape.length - 1];
  const ws = st.linear.getWeights();
  const hasBias = (st.linear.getConfig() as { useBias?: boolean }).useBias !== false && ws.length > 1;
  const b = hasBias ? (ws[1].dataSync() as Float32Array) : new Float32Array(c);
  const per = st.bn ? b.map((v, k) => v * st.bn!.scale[k] + st.bn!.shift[k]) : b;
  const out = new Float32Array(size(st.preShape));
  for (let p = 0; p < out.length; p++) out[p] = per[p % c];
  return out;
}

/**
 * Builds the RON of the tail: `bases[i]` for the input of stage i, `dims[i]` its reduced size.
 * The last stage's output (the logits) stays full.
 */
export function buildRon(head: tf.layers.Layer[], stages: Stage[], bases: Basis[], dims: number[], o: { tol?: number } = {}): Ron {
  if (bases.length !== stages.length) fail("bases.length", bases.length, `${stages.length}, one per stage`);
  if (dims.length !== stages.length) fail("dims.length", dims.length, `${stages.length}, one per stage`);
  dims.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 1 || r > bases[i].k) fail(`dims[${i}]`, r, `an integer in 1..${bases[i].k} (basis size of stage ${i})`);
  });
  const vs = dims.map((r, i) => leading(bases[i], r));
  const picks = vs.map((v, i) => maxvol({ shape: [bases[i].N, dims[i]], data: v }, { tol: o.tol ?? 0.01 }));
  const reduced: ReducedStage[] = [];
  let tailMacs = 0;
  let originalTailMacs = 0;
  try {
    stages.forEach((st, i) => {
      const r = dims[i];
      const rowsIdx = preRows(st, i === stages.length - 1 ? null : picks[i + 1].rows);
      // Ŵᵀ = (P_i V_i)^{-T} (P_{i+1} W_i V_i)ᵀ, solved in float64.
      const m = linearOnColumns(st, vs[i], r);
      const mt = tf.tidy(() => tf.gather(m, rowsIdx, 1).dataSync());
      m.dispose();
      const sT = new Float64Array(r * r); // (P V)ᵀ
      picks[i].rows.forEach((row, a) => {
        for (let j = 0; j < r; j++) sT[j * r + a] = vs[i][row * r + j];
      });
      const wt = solve({ shape: [r, r], data: sT }, { shape: [r, rowsIdx.length], data: Float64Array.from(mt) });
      const bias = stageBias(st);
      reduced.push({
        wt: tf.tensor2d(Float32Array.from(wt.data), [r, rowsIdx.length]),
        bias: tf.tensor1d(Float32Array.from(rowsIdx, (p) => bias[p])),
        relu: st.relu,
        pool: st.pool && i < stages.length - 1,
        rows: rowsIdx.length,
        r,
      });
      tailMacs += r * rowsIdx.length;
      originalTailMacs += st.linear.getClassName() === "Dense" ? st.inDim * size(st.preShape) : convMacs(st);
    });
  } catch (e) {
    for (const s of reduced) tf.dispose([s.wt, s.bias]);
    throw e;
  }
  if (stages[stages.length - 1].pool) fail("tail", "a max-pool after the last linear layer", "the logits as the last stage's output");
  return {
    head,
    inputRows: picks[0].rows,
    stages: reduced,
    dims,
    tailMacs,
    originalTailMacs,
    maxCoefficients: picks.map((p) => p.maxCoefficient),
    dispose: () => reduced.forEach((s) => tf.dispose([s.wt, s.bias])),
  };
}

function convMacs(st: Stage): number {
  const k = st.linear.getWeights()[0].shape as number[];
  const [h, w, cout] = st.preShape;
  return h * w * cout * k[0] * k[1] * k[2];
}

/** Logits of the RON on a batch of images. */
export function ronPredict(ron: Ron, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const h = run(ron.head, x);
    let z = tf.gather(tf.reshape(h, [h.shape[0], -1]), ron.inputRows, 1) as tf.Tensor2D;
    for (const s of ron.stages) {
      let y: tf.Tensor = tf.add(tf.matMul(z, s.wt), s.bias);
      if (s.relu) y = tf.relu(y);
      if (s.pool) y = tf.max(tf.reshape(y, [y.shape[0], s.rows / 4, 4]), 2);
      z = y as tf.Tensor2D;
    }
    return z;
  });
}

/** Test accuracy (%) of the RON and the relative error of its logits against the full network's. */
export async function ronAccuracy(ron: Ron, model: tf.LayersModel, set: ImageSet, normalize: Normalize): Promise<{ acc: number; fullAcc: number; logitError: number }> {
  let correct = 0;
  let fullCorrect = 0;
  let num = 0;
  let den = 0;
  await set.forEachBatch(250, { normalize }, (b) => {
    const [c, fc, e, d] = tf.tidy(() => {
      const y = ronPredict(ron, b.x);
      const f = model.predict(b.x) as tf.Tensor;
      const label = tf.argMax(b.y, -1);
      return [
        tf.sum(tf.cast(tf.equal(tf.argMax(y, -1), label), "float32")),
        tf.sum(tf.cast(tf.equal(tf.argMax(f, -1), label), "float32")),
        tf.sum(tf.square(tf.sub(y, f))),
        tf.sum(tf.square(f)),
      ];
    });
    correct += c.dataSync()[0];
    fullCorrect += fc.dataSync()[0];
    num += e.dataSync()[0];
    den += d.dataSync()[0];
    tf.dispose([c, fc, e, d]);
  });
  return { acc: (100 * correct) / set.size, fullAcc: (100 * fullCorrect) / set.size, logitError: Math.sqrt(num / Math.max(den, 1e-30)) };
}

// ---------------------------------------------------------------------------------------------
// Studies

export interface SweepRow {
  model: string;
  cut: string;
  factor: number;
  dims: number[];
  acc: number;
  baseAcc: number;
  logitError: number;
  /** Whole-network multiply-adds: the original, and head + reduced tail. */
  macs: number;
  ronMacs: number;
  flopReduction: number;
  tailReduction: number;
  maxCoefficient: number;
  seconds: number;
}

export interface Spectrum {
  model: string;
  /** Stage inputs: the cut layer's output and the outputs of the tail layers but the last. */
  layer: string;
  dim: number;
  /** σ_h / σ_1 (as many as the samples give). */
  normalized: number[];
}

/**
 * Fig. 2.1 / 2.2 / 2.3 analogue: for one cut of a trained model, the output spectra and the RON's
 * accuracy and FLOP reduction for every factor f (r_i = max(1, round(N_i / f)), capped by the basis).
 */
export async function ronSweep(
  model: tf.Sequential,
  cut: string | null,
  data: { train: ImageSet; test: ImageSet },
  o: { factors: number[]; samples: number; normalize: Normalize; inputShape: number[] },
): Promise<{ rows: SweepRow[]; spectra: Spectrum[] }> {
  const { head, stages } = tailStages(model, cut);
  const X = await stageInputs(head, stages, data.train, o.samples, o.normalize);
  const maxF = Math.min(...o.factors);
  const bases = stages.map((st, i) => outputBasis(X[i], o.samples, st.inDim, Math.min(st.inDim, Math.max(1, Math.round(st.inDim / maxF)))));
  // Name each stage input by the last layer that is not a Flatten (the same output as the cut of another sweep).
  const named = (ls: tf.layers.Layer[]) => [...ls].reverse().find((l) => l.getClassName() !== "Flatten")?.name ?? "input";
  const names = [cut ?? "input", ...stages.slice(0, -1).map((s) => named(s.layers))];
  const spectra = bases.map((b, i) => ({ model: model.name, layer: names[i], dim: stages[i].inDim, normalized: Array.from(b.s2, (s) => Math.sqrt(s / b.s2[0])) }));
  const macs = countModel(model, o.inputShape, "plain").total.macs;
  const rows: SweepRow[] = [];
  for (const f of o.factors) {
    const t0 = Date.now();
    const dims = stages.map((st, i) => Math.min(bases[i].k, Math.max(1, Math.round(st.inDim / f))));
    const ron = buildRon(head, stages, bases, dims);
    try {
      const r = await ronAccuracy(ron, model, data.test, o.normalize);
      const headMacs = macs - ron.originalTailMacs;
      rows.push({
        model: model.name,
        cut: cut ?? "input",
        factor: f,
        dims,
        acc: r.acc,
        baseAcc: r.fullAcc,
        logitError: r.logitError,
        macs,
        ronMacs: headMacs + ron.tailMacs,
        flopReduction: macs / (headMacs + ron.tailMacs),
        tailReduction: ron.originalTailMacs / ron.tailMacs,
        maxCoefficient: Math.max(...ron.maxCoefficients),
        seconds: (Date.now() - t0) / 1000,
      });
    } finally {
      ron.dispose();
    }
  }
  return { rows, spectra };
}

/** The LeNets on MNIST: trained, then RON sweeps (LeNet-300-100 from the input; LeNet-5 after pool1 and after pool2). */
export async function lenetStudy(b: Budget, o: { seed?: number; data?: { train: ImageSet; test: ImageSet } } = {}): Promise<{ rows: SweepRow[]; spectra: Spectrum[]; trained: { model: string; acc: number; params: number }[] }> {
  const data = o.data ?? loadMnist(b);
  const samples = Math.min(b.basisSamples, data.train.size);
  const rows: SweepRow[] = [];
  const spectra: Spectrum[] = [];
  const trained: { model: string; acc: number; params: number }[] = [];
  for (const [build, cuts] of [[lenet300, [null]], [lenet5, ["pool1", "pool2"]]] as [(s?: number) => tf.Sequential, (string | null)[]][]) {
    const m = build(o.seed ?? 0);
    try {
      trained.push({ model: m.name, acc: await trainLenet(m, data, b.lenetEpochs, o.seed ?? 0), params: m.countParams() });
      for (const cut of cuts) {
        const s = await ronSweep(m, cut, data, { factors: b.factors, samples, normalize: "scale", inputShape: [28, 28, 1] });
        rows.push(...s.rows);
        spectra.push(...s.spectra);
      }
    } finally {
      m.dispose();
    }
  }
  return { rows, spectra, trained };
}

/** RON on the CIFAR-10 VGG-S of tn.models.vggS (trained by the caller, e.g. by musco.pretrain) for every cut of the budget. */
export async function cifarStudy(model: tf.Sequential, data: { train: ImageSet; test: ImageSet }, b: Budget): Promise<{ rows: SweepRow[]; spectra: Spectrum[] }> {
  const rows: SweepRow[] = [];
  const spectra: Spectrum[] = [];
  for (const cut of b.cifarCuts) {
    const s = await ronSweep(model, cut, data, { factors: b.cifarFactors, samples: Math.min(b.cifarBasisSamples, data.train.size), normalize: CIFAR_NORMALIZE, inputShape: [32, 32, 3] });
    rows.push(...s.rows);
    spectra.push(...s.spectra);
  }
  return { rows, spectra };
}
