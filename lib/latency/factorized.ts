// The blocks of a latency lookup table for factorized networks (musco.md §2.10 carried over to
// MUSCO's layers): one block is one Dense / Conv2D layer's geometry (input shape, kernel, stride,
// padding, output channels) in one form — dense, Tucker-2, CP3, CP4 or SVD — at one rank. The
// LETI cell blocks (blocks.ts) cannot serve here: their keys describe cell operations, not a
// layer at a chosen rank. A variant is built alone, on inputs of the shape it gets inside its
// network, and timed like a cell block (warm-up, median of repeats).
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { countModel } from "../flops/count";
import { CPConv2D, FactorConv2D, FactorLayer, SVDDense, Tucker2Conv2D } from "../layers";
import type { ActivationName, ConvPadding } from "../layers/common";
import { timeModel, type TimingOptions } from "./measure";

export interface ConvGeometry {
  kind: "conv";
  /** [H, W, C_in] of one input. */
  input: [number, number, number];
  filters: number;
  kernel: [number, number];
  strides: [number, number];
  padding: ConvPadding;
  useBias: boolean;
  activation: ActivationName;
}

export interface DenseGeometry {
  kind: "dense";
  /** Input features. */
  input: number;
  units: number;
  useBias: boolean;
  activation: ActivationName;
}

export type LayerGeometry = ConvGeometry | DenseGeometry;

/** "dense" is the layer as a plain Dense / Conv2D; the others are tn.compress's methods. */
export type VariantMethod = "dense" | "tucker2" | "cp3" | "cp4" | "svd";

/** One block of the table: a layer geometry in one form at one rank ([] for "dense"). */
export interface LayerVariant {
  geometry: LayerGeometry;
  method: VariantMethod;
  /** tucker2: [R_in, R_out]; cp3 / cp4 / svd: [R]; dense: []. */
  ranks: number[];
}

/** "conv/32x32x16/k3x3/s1x1/same/f32/relu" or "dense/1024/u256/relu" (bias marked "+b"). */
export type GeometryKey = string;
/** `${method}[ranks]@${GeometryKey}`, e.g. "tucker2[8,16]@conv/32x32x16/k3x3/s1x1/same/f32/relu". */
export type VariantKey = string;

export function geometryKey(g: LayerGeometry): GeometryKey {
  const b = g.useBias ? "+b" : "";
  if (g.kind === "dense") return `dense/${g.input}/u${g.units}${b}/${g.activation}`;
  return `conv/${g.input.join("x")}/k${g.kernel.join("x")}/s${g.strides.join("x")}/${g.padding}/f${g.filters}${b}/${g.activation}`;
}

export function variantKey(v: LayerVariant): VariantKey {
  return `${v.method}[${v.ranks.join(",")}]@${geometryKey(v.geometry)}`;
}

function one(shape: unknown): (number | null)[] {
  const s = shape as (number | null)[] | (number | null)[][];
  return (Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
}

/** The geometry of a Dense, Conv2D or factorized layer inside a built model. */
export function layerGeometry(layer: tf.layers.Layer): LayerGeometry {
  const input = one(layer.inboundNodes[0]?.inputShapes ?? fail(`${layer.name}`, layer.getClassName(), "a layer of a built model (it has no input yet)"));
  const cfg = layer.getConfig() as Record<string, unknown>;
  const activation = (layer instanceof FactorLayer ? layer.activationName : (cfg.activation as ActivationName | undefined)) ?? "linear";
  const useBias = cfg.useBias === true;
  const cls = layer.getClassName();
  if (cls === "Dense" || layer instanceof SVDDense) {
    if (input.length !== 2 || input[1] === null) fail(`${layer.name} input shape`, input, "[batch, features] with known features");
    return { kind: "dense", input: input[1] as number, units: cfg.units as number, useBias, activation };
  }
  if (cls === "Conv2D" || layer instanceof FactorConv2D) {
    if (input.length !== 4 || input.slice(1).some((d) => d === null)) fail(`${layer.name} input shape`, input, "[batch, H, W, C] with known H, W, C");
    const pair = (v: unknown) => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]) as [number, number];
    const c = layer instanceof FactorConv2D ? layer : undefined;
    return {
      kind: "conv",
      input: input.slice(1) as [number, number, number],
      filters: c ? c.filters : (cfg.filters as number),
      kernel: c ? c.kernelSize : pair(cfg.kernelSize),
      strides: c ? c.strides : pair(cfg.strides ?? 1),
      padding: c ? c.padding : ((cfg.padding as ConvPadding | undefined) ?? "valid"),
      useBias,
      activation,
    };
  }
  return fail(`${layer.name}`, cls, "a Dense, Conv2D, SVDDense, Tucker2Conv2D or CPConv2D layer");
}

/** The form and ranks a layer has now: "dense" for a plain layer, its method and ranks when factorized. */
export function currentVariant(layer: tf.layers.Layer): LayerVariant {
  const geometry = layerGeometry(layer);
  if (layer instanceof Tucker2Conv2D) return { geometry, method: "tucker2", ranks: [layer.inRank, layer.outRank] };
  if (layer instanceof CPConv2D) return { geometry, method: layer.variant, ranks: [layer.rank] };
  if (layer instanceof SVDDense) return { geometry, method: "svd", ranks: [layer.rank] };
  if (layer instanceof FactorLayer) return fail(`${layer.name}`, layer.getClassName(), "a plain, Tucker-2, CP or SVD layer (the latency table has no other form)");
  return { geometry, method: "dense", ranks: [] };
}

function checkVariant(v: LayerVariant): void {
  const want = v.method === "dense" ? 0 : v.method === "tucker2" ? 2 : 1;
  const conv = v.geometry.kind === "conv";
  if (v.method === "svd" ? conv : v.method !== "dense" && !conv) fail("variant.method", v.method, `a method for a ${v.geometry.kind} layer (svd for dense, tucker2 / cp3 / cp4 for conv)`);
  if (v.ranks.length !== want || v.ranks.some((r) => !Number.isInteger(r) || r < 1)) fail("variant.ranks", v.ranks, `${want} positive integer rank(s) for ${v.method}`);
}

/** The variant alone as a model on inputs of its geometry's shape (random weights: only time matters). */
export function variantModel(v: LayerVariant, seed = 0): tf.LayersModel {
  checkVariant(v);
  const g = v.geometry;
  const base = { useBias: g.useBias, activation: g.activation };
  if (g.kind === "dense") {
    const x = tf.input({ shape: [g.input] });
    const layer = v.method === "svd" ? new SVDDense({ ...base, units: g.units, rank: v.ranks[0], seed }) : tf.layers.dense({ ...base, units: g.units });
    return tf.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor });
  }
  const x = tf.input({ shape: [...g.input] });
  const conv = { ...base, filters: g.filters, kernelSize: g.kernel, strides: g.strides, padding: g.padding, seed };
  let layer: tf.layers.Layer;
  if (v.method === "tucker2") layer = new Tucker2Conv2D({ ...conv, inRank: v.ranks[0], outRank: v.ranks[1] });
  else if (v.method === "cp3" || v.method === "cp4") layer = new CPConv2D({ ...conv, rank: v.ranks[0], variant: v.method });
  else {
    if (typeof g.padding === "number") fail("variant.geometry.padding", g.padding, `"same" or "valid" for a plain Conv2D`);
    layer = tf.layers.conv2d({ ...base, filters: g.filters, kernelSize: g.kernel, strides: g.strides, padding: g.padding });
  }
  return tf.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor });
}

/** One measured block: median and IQR (ms) at batch 1, and its multiply-adds (lib/flops "plain"). */
export interface VariantTiming {
  ms: number;
  iqrMs: number;
  macs: number;
}

/**
 * Measures every distinct variant not yet in `table` (the cache, returned filled): built alone,
 * counted, timed at batch 1 with warm-up and the median of repeats, disposed.
 */
export async function measureVariants(variants: Iterable<LayerVariant>, o: TimingOptions, table: Record<VariantKey, VariantTiming> = {}): Promise<Record<VariantKey, VariantTiming>> {
  const todo = new Map<VariantKey, LayerVariant>();
  for (const v of variants) {
    const k = variantKey(v);
    if (!(k in table)) todo.set(k, v);
  }
  for (const [k, v] of todo) {
    const model = variantModel(v);
    try {
      const shape = v.geometry.kind === "dense" ? [v.geometry.input] : [...v.geometry.input];
      const macs = countModel(model, shape, "plain").total.macs;
      const t = await timeModel(model, o);
      table[k] = { ms: t.medianMs, iqrMs: t.iqrMs, macs };
    } finally {
      model.dispose();
    }
  }
  return table;
}
