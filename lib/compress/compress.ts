// Turning chosen Dense / Conv2D layers of a trained model into factorized layers whose weights come
// from the decomposition of the trained weights, and re-compressing factorized layers (MUSCO
// §1.4.2: only the small Tucker-2 core, or the rank-r product of an SVD layer, is decomposed again).
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { countLayer } from "../flops/count";
import { CPConv2D, FactorLayer, SVDDense, TTConv2D, TTDense, Tucker2Conv2D } from "../layers";
import {
  type NDArray,
  asNDArray,
  cpAls,
  cpRankForRatio,
  evbmfRanks,
  svdRankForRatio,
  svdTruncated,
  ttMatrix,
  ttRankForRatio,
  tucker2,
  tucker2RanksForRatio,
  weakenedRank,
} from "./decomp-api";
import { type Replacement, replaceLayers } from "./surgery";

export type Method = "svd" | "tt" | "ttconv" | "tucker2" | "cp3" | "cp4";

/** How to compress one layer. Give exactly one of `ranks`, `evbmf` or `ratio`. */
export interface LayerPlan {
  method: Method;
  /** svd / cp3 / cp4: the rank; tucker2: [inRank, outRank]; tt: TTDense ranks; ttconv: TTConv2D ranks [r_0, ..., 1]. */
  ranks?: number | number[];
  /** EVBMF ranks (svd, tucker2), weakened by `weaken` (MUSCO's w in (0, 1]; default 1 = the extreme rank). */
  evbmf?: boolean;
  weaken?: number;
  /**
   * tucker2 with evbmf: when one mode's extreme rank is 0, use the other mode's for both (the
   * ResNet-18 notebook's rule, resnet18-cp-tucker.md §2.3). Default false: MUSCO's rule, where a
   * 0 keeps that mode's rank (musco.md §2.7).
   */
  mirrorZero?: boolean;
  /** Floor of EVBMF / ratio ranks (MUSCO: 8 for Tucker-2 and SVD, 2 for CP). */
  minRank?: number;
  /** Parameter-reduction factor ρ of this step for this layer (svd, tucker2, cp3, cp4, tt). */
  ratio?: number;
  /** tt: modes of the input and output features; ttconv: channel modes. */
  inModes?: number[];
  outModes?: number[];
  /**
   * tucker2 / cp3 / cp4 of a "valid" Conv2D fed only by a symmetric ZeroPadding2D: the new layer
   * pads itself (padding = p) and the ZeroPadding2D goes, so its 1×1 step runs on the unpadded
   * map as in PyTorch (default true).
   */
  foldPadding?: boolean;
  /**
   * cp4: how the rank-1 spatial filters V[h, r]·H[w, r] of the 4-way CP are stored. "separable"
   * (default): a kh×1 and a 1×kw depthwise step (kh + kw weights per rank, Lebedev's layer).
   * "full": their products as one kh×kw depthwise filter (kh·kw weights per rank, a "cp3"-shaped
   * layer whose filters start rank-1 and train freely), as the code behind resnet18-cp-tucker.md
   * §2.2 builds its layer from TensorLy's 4-way `parafac`.
   */
  spatial?: "separable" | "full";
  /** cp3 / cp4: CP-ALS iterations (default 100), start ("svd", the default, or "random") and seed. */
  maxIter?: number;
  init?: "svd" | "random";
  seed?: number;
  /**
   * tucker2 / cp3 / cp4 of a convolution without a bias: give the last 1x1 step a bias anyway,
   * initialised like PyTorch's default (U(±1/√fan_in), seeded by `seed`), as the code behind
   * resnet18-cp-tucker.md does (its §2.2-2.3); counted in the parameters and MACs.
   */
  addBias?: boolean;
}

export interface CompressRow {
  layer: string;
  method: Method;
  /** Class before → after, e.g. "Conv2D → Tucker2Conv2D". */
  change: string;
  ranks: number[];
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** ||W − W'||_F / ||W||_F of the dense kernels before and after. */
  relError: number;
}

export interface CompressResult {
  model: tf.LayersModel;
  report: CompressRow[];
}

type Shape = (number | null)[];

function ioShapes(layer: tf.layers.Layer): { input: Shape; output: Shape } {
  const inp = layer.inboundNodes[0].inputShapes as Shape | Shape[];
  const out = layer.outputShape as Shape | Shape[];
  return { input: (Array.isArray(inp[0]) ? inp[0] : inp) as Shape, output: (Array.isArray(out[0]) ? out[0] : out) as Shape };
}

function nd2tensor(a: NDArray, shape?: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(a.data), shape ?? [...a.shape]);
}

/** Row-major [rows, cols] with column r scaled by s[r]. */
function scaleCols(a: NDArray, s: ArrayLike<number>): NDArray {
  const [m, n] = a.shape;
  const d = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = a.data[i * n + j] * s[j];
  return { shape: [m, n], data: d };
}

function transpose2(a: NDArray): NDArray {
  const [m, n] = a.shape;
  const d = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[j * m + i] = a.data[i * n + j];
  return { shape: [n, m], data: d };
}

/** The dense kernel of a factorized layer as float64 (the tensor is freed). */
function readDense(layer: FactorLayer): NDArray {
  const t = layer.denseWeight();
  const a = asNDArray(t, "kernel");
  t.dispose();
  return a;
}

function checkPlan(name: string, p: LayerPlan): void {
  const given = [p.ranks !== undefined, p.evbmf === true, p.ratio !== undefined].filter(Boolean).length;
  if (given !== 1) fail(`plan.${name}`, JSON.stringify(p), "exactly one of ranks, evbmf: true or ratio");
  if (p.evbmf && p.method !== "svd" && p.method !== "tucker2") fail(`plan.${name}.evbmf`, true, "only with method svd or tucker2 (EVBMF gives no CP or TT rank)");
  if (p.weaken !== undefined && !(p.weaken > 0 && p.weaken <= 1)) fail(`plan.${name}.weaken`, p.weaken, "a weakening factor in (0, 1]");
  if (p.init !== undefined && p.init !== "svd" && p.init !== "random") fail(`plan.${name}.init`, p.init, '"svd" or "random"');
  if (p.mirrorZero && !(p.method === "tucker2" && p.evbmf)) fail(`plan.${name}.mirrorZero`, true, "only with method tucker2 and evbmf: true");
  if (p.mirrorZero && p.weaken !== undefined && p.weaken !== 1) fail(`plan.${name}.weaken`, p.weaken, "no weakening with mirrorZero (the ResNet-18 rule takes the estimates as they are)");
  if (p.addBias && !["tucker2", "cp3", "cp4"].includes(p.method)) fail(`plan.${name}.addBias`, true, "only with method tucker2, cp3 or cp4");
  if (p.spatial !== undefined) {
    if (p.method !== "cp4") fail(`plan.${name}.spatial`, p.spatial, "only with method cp4 (a 3-way CP has no separable spatial filters)");
    if (p.spatial !== "separable" && p.spatial !== "full") fail(`plan.${name}.spatial`, p.spatial, '"separable" or "full"');
  }
}

function rankNumber(name: string, p: LayerPlan): number {
  const r = p.ranks;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) fail(`plan.${name}.ranks`, r, `one positive integer rank for ${p.method}`);
  return r as number;
}

/** D[h, w, r] = V[h, r] · H[w, r] from V [kh, R] and H [kw, R], row-major [kh, kw, R]. */
function spatialProducts(v: NDArray, h: NDArray): NDArray {
  const [kh, R] = v.shape;
  const kw = h.shape[0];
  const d = new Float64Array(kh * kw * R);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let r = 0; r < R; r++) d[(i * kw + j) * R + r] = v.data[i * R + r] * h.data[j * R + r];
  return { shape: [kh, kw, R], data: d };
}

/** SVD factors of W [m, n] at rank r: U √s [m, r] and √s Vᵀ [r, n]. */
function svdFactors(w: NDArray, r: number): [tf.Tensor, tf.Tensor] {
  const s = svdTruncated(w, r);
  const root = Array.from(s.s, Math.sqrt);
  return [nd2tensor(scaleCols(s.u, root)), nd2tensor(transpose2(scaleCols(s.v, root)))];
}

function svdRank(name: string, p: LayerPlan, w: NDArray, current: number, currentParams?: number): number {
  const [m, n] = w.shape;
  let r: number;
  if (p.ranks !== undefined) r = rankNumber(name, p);
  else if (p.evbmf) r = weakenedRank(current, evbmfRanks(w).rIn, p.weaken ?? 1, p.minRank ?? 8);
  else r = svdRankForRatio(m, n, p.ratio!, { currentParams, minRank: p.minRank });
  return Math.min(r, current, m, n);
}

/** A fresh bias as PyTorch initialises one: U(±1/√fanIn). */
function pytorchBias(units: number, fanIn: number, seed = 0): tf.Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([units], -b, b, "float32", seed + 7919);
}

/**
 * The layer's replacement, or none when an EVBMF plan keeps every rank of it: musco.md §2.7 (an
 * extreme rank of 0, or a rank at the minimum, means "do not compress") leaves such a layer as it
 * is, rather than factorising it at full rank, which would only add parameters.
 */
function replacementFor(name: string, layer: tf.layers.Layer, p: LayerPlan): { rep?: Replacement; ranks: number[] } {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const base = { name, activation: (cfg.activation as string) ?? "linear", useBias: cfg.useBias as boolean };
  const ws = layer.getWeights();
  // getWeights() hands out the live variables: copy the bias, the replacement weights are disposed later.
  const bias = base.useBias ? [ws[ws.length - 1].clone()] : [];
  const wrongMethod = (allowed: string) => fail(`plan.${name}.method`, p.method, `${allowed} for the ${cls} layer ${name}`);

  if (cls === "Dense" || cls === "SVDDense") {
    if (p.method !== "svd" && !(p.method === "tt" && cls === "Dense")) wrongMethod(cls === "Dense" ? `"svd" or "tt"` : `"svd"`);
    const w = cls === "Dense" ? asNDArray(ws[0], "kernel") : readDense(layer as SVDDense);
    const [m, n] = w.shape;
    const units = n;
    if (p.method === "svd") {
      const current = cls === "Dense" ? Math.min(m, n) : (layer as SVDDense).rank;
      const cur = cls === "Dense" ? undefined : (layer as SVDDense).rank * (m + n);
      const r = svdRank(name, p, w, current, cur);
      if (p.evbmf && r >= current) {
        tf.dispose(bias);
        return { ranks: [current] };
      }
      const l = new SVDDense({ ...base, units, rank: r } as ConstructorParameters<typeof SVDDense>[0]);
      return { rep: { className: "SVDDense", config: l.getConfig(), weights: [...svdFactors(w, r), ...bias] }, ranks: [r] };
    }
    const inModes = p.inModes ?? fail(`plan.${name}.inModes`, undefined, "the input feature modes of the TT layer");
    const outModes = p.outModes ?? fail(`plan.${name}.outModes`, undefined, "the output modes of the TT layer");
    const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
    if (prod(inModes) !== m) fail(`plan.${name}.inModes`, inModes, `modes multiplying to the layer's ${m} input features (they multiply to ${prod(inModes)})`);
    if (prod(outModes) !== n) fail(`plan.${name}.outModes`, outModes, `modes multiplying to the layer's ${n} units (they multiply to ${prod(outModes)})`);
    if (outModes.length !== inModes.length) fail(`plan.${name}.outModes`, outModes, `${inModes.length} modes, as many as inModes`);
    const ranks = p.ratio !== undefined ? ttRankForRatio(inModes.map((mk, k) => [mk, outModes[k]] as [number, number]), p.ratio, { minRank: p.minRank }) : p.ranks;
    if (ranks === undefined) fail(`plan.${name}.ranks`, ranks, "TT ranks or a ratio (EVBMF gives no TT rank)");
    const tt = ttMatrix(w, inModes, outModes, { ranks });
    const l = new TTDense({ ...base, inModes, outModes, ranks: [...tt.ranks] } as ConstructorParameters<typeof TTDense>[0]);
    return { rep: { className: "TTDense", config: l.getConfig(), weights: [...tt.cores.map((c) => nd2tensor(c)), ...bias] }, ranks: [...tt.ranks] };
  }

  if (cls === "Conv2D" || cls === "Tucker2Conv2D") {
    const addBias = p.addBias === true && !base.useBias && p.method !== "ttconv";
    const conv: { padding: "same" | "valid" | number; [k: string]: unknown } = {
      ...base,
      useBias: base.useBias || addBias,
      kernelSize: cfg.kernelSize as [number, number],
      strides: cfg.strides as [number, number],
      padding: cfg.padding as "same" | "valid" | number,
    };
    let absorb: string | undefined;
    const prev = layer.inboundNodes[0]?.inboundLayers[0];
    if (
      cls === "Conv2D" &&
      conv.padding === "valid" &&
      p.method !== "ttconv" &&
      p.foldPadding !== false &&
      prev?.getClassName() === "ZeroPadding2D" &&
      prev.outboundNodes.length === 1
    ) {
      const pd = (prev.getConfig() as { padding: number[][] }).padding;
      if (pd[0][0] === pd[0][1] && pd[1][0] === pd[1][1] && pd[0][0] === pd[1][0]) {
        absorb = prev.name;
        conv.padding = pd[0][0];
      }
    }
    if (cls === "Conv2D") {
      const dil = cfg.dilationRate as number[] | number;
      if ((Array.isArray(dil) ? dil : [dil]).some((v) => v !== 1)) fail(`${name}.dilationRate`, dil, "1 (factorized layers have no dilation)");
      if (cfg.padding !== "same" && cfg.padding !== "valid") fail(`${name}.padding`, cfg.padding, `"same" or "valid"`);
    } else if (p.method !== "tucker2") wrongMethod(`"tucker2" (re-compression of the core)`);
    const k = cls === "Conv2D" ? asNDArray(ws[0], "kernel") : readDense(layer as Tucker2Conv2D);
    const [kh, kw, cin, cout] = k.shape;
    const filters = cout;
    if (p.method === "tucker2") {
      let rIn: number;
      let rOut: number;
      const t2 = cls === "Tucker2Conv2D" ? (layer as Tucker2Conv2D) : undefined;
      const curIn = t2 ? t2.inRank : cin;
      const curOut = t2 ? t2.outRank : cout;
      const coreNd = t2 ? asNDArray(ws[1], "core") : k;
      if (p.ranks !== undefined) {
        if (!Array.isArray(p.ranks) || p.ranks.length !== 2) fail(`plan.${name}.ranks`, p.ranks, "[inRank, outRank] for tucker2");
        [rIn, rOut] = p.ranks as number[];
      } else if (p.evbmf) {
        // weaken_rank per mode (musco.md §2.7): an extreme rank of 0 keeps that mode's rank, and a
        // layer that keeps both is left as it is. The ResNet-18 notebook's rule (copy the other
        // mode's estimate) only with plan.mirrorZero.
        const e = evbmfRanks(coreNd, { mirrorZero: p.mirrorZero === true });
        if (p.mirrorZero) {
          // resnet18-cp-tucker.md §2.3: the estimates as they are, no weakening; when both are 0
          // (EVBMF sees only noise) the smallest layer, rank minRank, not the uncompressed one.
          rIn = Math.max(e.rIn, p.minRank ?? 1);
          rOut = Math.max(e.rOut, p.minRank ?? 1);
        } else {
          rIn = weakenedRank(curIn, e.rIn, p.weaken ?? 1, p.minRank ?? 8);
          rOut = weakenedRank(curOut, e.rOut, p.weaken ?? 1, p.minRank ?? 8);
        }
        if (rIn >= curIn && rOut >= curOut) {
          tf.dispose(bias);
          return { ranks: [curIn, curOut] };
        }
      } else {
        const current = t2 ? t2.params() - (t2.useBias ? filters : 0) : undefined;
        ({ rIn, rOut } = tucker2RanksForRatio([kh, kw, cin, cout], p.ratio!, { currentParams: current, minRank: p.minRank }));
      }
      rIn = Math.min(rIn, curIn, kh * kw * curOut);
      rOut = Math.min(rOut, curOut, kh * kw * curIn);
      const t = tucker2(coreNd, [rOut, rIn]);
      const uIn = t.factors[2]!;
      const uOut = t.factors[3]!;
      let inW: tf.Tensor;
      let outW: tf.Tensor;
      if (t2) {
        // musco.md (1.13): θ'_in = θ_in · Û_in, θ'_out = Û_outᵀ · θ_out.
        inW = tf.tidy(() => tf.matMul(ws[0] as tf.Tensor2D, nd2tensor(uIn) as tf.Tensor2D));
        outW = tf.tidy(() => tf.matMul(nd2tensor(uOut) as tf.Tensor2D, ws[2] as tf.Tensor2D, true, false));
      } else {
        inW = nd2tensor(uIn);
        outW = nd2tensor(transpose2(uOut));
      }
      const l = new Tucker2Conv2D({ ...conv, filters, inRank: rIn, outRank: rOut } as ConstructorParameters<typeof Tucker2Conv2D>[0]);
      const newBias = addBias ? [pytorchBias(filters, rOut, p.seed)] : [];
      return { rep: { className: "Tucker2Conv2D", config: l.getConfig(), weights: [inW, nd2tensor(t.core), outW, ...bias, ...newBias], absorb }, ranks: [rIn, rOut] };
    }
    if (p.method === "cp3" || p.method === "cp4") {
      // The layer's shape: a 4-way CP stored "full" is a cp3-shaped layer.
      const variant = p.method === "cp4" && p.spatial === "full" ? "cp3" : p.method;
      const R = p.ranks !== undefined ? rankNumber(name, p) : cpRankForRatio([kh, kw, cin, cout], p.ratio!, { variant, minRank: p.minRank });
      const x = p.method === "cp3" ? { shape: [kh * kw, cin, cout], data: k.data } : k;
      const cp = cpAls(x, R, { maxIter: p.maxIter, seed: p.seed, init: p.init });
      const f = cp.factors;
      const outF = nd2tensor(transpose2(scaleCols(f[f.length - 1], cp.weights)));
      const inF = nd2tensor(f[f.length - 2]);
      let spatial: tf.Tensor[];
      if (p.method === "cp3") spatial = [nd2tensor(f[0], [kh, kw, R, 1])];
      else if (variant === "cp3") spatial = [nd2tensor(spatialProducts(f[0], f[1]), [kh, kw, R, 1])];
      else spatial = [nd2tensor(f[0], [kh, 1, R, 1]), nd2tensor(f[1], [1, kw, R, 1])];
      const l = new CPConv2D({ ...conv, filters, rank: R, variant } as ConstructorParameters<typeof CPConv2D>[0]);
      const newBias = addBias ? [pytorchBias(filters, R, p.seed)] : [];
      return { rep: { className: "CPConv2D", config: l.getConfig(), weights: [inF, ...spatial, outF, ...bias, ...newBias], absorb }, ranks: [R] };
    }
    if (p.method === "ttconv") {
      const inModes = p.inModes ?? fail(`plan.${name}.inModes`, undefined, "the input channel modes");
      const outModes = p.outModes ?? fail(`plan.${name}.outModes`, undefined, "the output channel modes");
      const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
      if (prod(inModes) !== cin) fail(`plan.${name}.inModes`, inModes, `modes multiplying to the layer's ${cin} input channels (they multiply to ${prod(inModes)})`);
      if (prod(outModes) !== cout) fail(`plan.${name}.outModes`, outModes, `modes multiplying to the layer's ${cout} filters (they multiply to ${prod(outModes)})`);
      // The spatial core is the first TT-matrix core, with mode pair (kh·kw, 1).
      const ranks = typeof p.ranks === "number" ? [1, ...inModes.map(() => p.ranks as number), 1] : p.ranks ? [1, ...(p.ranks as number[])] : undefined;
      if (!ranks) fail(`plan.${name}.ranks`, p.ranks, "TTConv2D ranks (ratio is not supported for ttconv)");
      const tt = ttMatrix({ shape: [kh * kw * cin, cout], data: k.data }, [kh * kw, ...inModes], [1, ...outModes], { ranks });
      const r = tt.ranks.slice(1);
      const l = new TTConv2D({ ...conv, inModes, outModes, ranks: [...r] } as ConstructorParameters<typeof TTConv2D>[0]);
      const cores = tt.cores.map((c) => nd2tensor(c));
      const spatial = tf.reshape(cores[0], [kh, kw, 1, r[0]]);
      return { rep: { className: "TTConv2D", config: l.getConfig(), weights: [spatial, ...cores.slice(1), ...bias] }, ranks: [...r] };
    }
    return wrongMethod(cls === "Conv2D" ? `"tucker2", "cp3", "cp4" or "ttconv"` : `"tucker2"`);
  }
  return fail(`plan.${name}`, cls, "a Dense, Conv2D, SVDDense or Tucker2Conv2D layer");
}

function denseKernel(layer: tf.layers.Layer): tf.Tensor {
  return layer instanceof FactorLayer ? layer.denseWeight() : layer.getWeights()[0].clone();
}

/**
 * Replaces the layers named in `plan` by factorized layers with decomposed weights. The input
 * model is not changed. Works for Sequential models and functional graphs (residual adds too).
 */
export async function compressModel(model: tf.LayersModel, plan: Record<string, LayerPlan>): Promise<CompressResult> {
  const reps = new Map<string, Replacement>();
  const pending: Omit<CompressRow, "paramsAfter" | "macsAfter" | "relError">[] = [];
  const kept: CompressRow[] = [];
  for (const [name, p] of Object.entries(plan)) {
    checkPlan(name, p);
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      return fail("plan", name, `the name of a layer of ${model.name} (${model.layers.map((l) => l.name).join(", ")})`);
    }
    const { rep, ranks } = replacementFor(name, layer, p);
    const { input, output } = ioShapes(layer);
    const before = countLayer(layer, input, output);
    if (!rep) {
      kept.push({ layer: name, method: p.method, change: `${layer.getClassName()} kept (EVBMF keeps every rank)`, ranks, paramsBefore: before.params, macsBefore: before.macs, paramsAfter: before.params, macsAfter: before.macs, relError: 0 });
      continue;
    }
    reps.set(name, rep);
    pending.push({ layer: name, method: p.method, change: `${layer.getClassName()} → ${rep.className}`, ranks, paramsBefore: before.params, macsBefore: before.macs });
  }
  const fresh = await replaceLayers(model, reps);
  for (const r of reps.values()) tf.dispose(r.weights);
  const report = pending.map((row) => {
    const oldL = model.getLayer(row.layer);
    const newL = fresh.getLayer(row.layer);
    const { input, output } = ioShapes(newL);
    const after = countLayer(newL, input, output);
    const relError = tf.tidy(() => {
      const a = denseKernel(oldL);
      const b = denseKernel(newL);
      return tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(a).dataSync()[0];
    });
    return { ...row, paramsAfter: after.params, macsAfter: after.macs, relError };
  });
  const order = Object.keys(plan);
  report.push(...kept);
  report.sort((a, b) => order.indexOf(a.layer) - order.indexOf(b.layer));
  return { model: fresh, report };
}
