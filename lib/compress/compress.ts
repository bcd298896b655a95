// Turning chosen Dense / Conv2D layers of a trained model into factorized layers whose weights come
// from the decomposition of the trained weights, and re-compressing factorized layers (MUSCO
// §1.4.2: only the small Tucker-2 core, or the rank-r product of an SVD layer, is decomposed again;
// §1.6.1: a CP layer's rebuilt kernel by CP-ALS at a smaller rank). Which layers each method takes
// and how it builds the replacement is the table in methods.ts; the plan's types are in plan.ts.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { countLayer } from "../flops/count";
import { FactorLayer } from "../layers";
import { METHODS, methodsFor } from "./methods";
import { type CompressResult, type CompressRow, type LayerPlan, checkPlan } from "./plan";
import { type Replacement, replaceLayers } from "./surgery";

export type { Method, LayerPlan, CompressRow, CompressResult } from "./plan";

type Shape = (number | null)[];

function ioShapes(layer: tf.layers.Layer): { input: Shape; output: Shape } {
  const inp = layer.inboundNodes[0].inputShapes as Shape | Shape[];
  const out = layer.outputShape as Shape | Shape[];
  return { input: (Array.isArray(inp[0]) ? inp[0] : inp) as Shape, output: (Array.isArray(out[0]) ? out[0] : out) as Shape };
}

/** A fresh bias as PyTorch initialises one: U(±1/√fanIn). */
function pytorchBias(units: number, fanIn: number, seed = 0): tf.Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([units], -b, b, "float32", seed + 7919);
}

/**
 * A "valid" Conv2D fed only by a symmetric ZeroPadding2D: the new layer pads itself (padding = p)
 * and the ZeroPadding2D goes, so its 1×1 step runs on the unpadded map as in PyTorch.
 */
function foldedPadding(layer: tf.layers.Layer, p: LayerPlan): { absorb: string; padding: number } | undefined {
  if (layer.getClassName() !== "Conv2D" || p.foldPadding === false || (layer.getConfig() as { padding: unknown }).padding !== "valid") return undefined;
  const prev = layer.inboundNodes[0]?.inboundLayers[0];
  if (prev?.getClassName() !== "ZeroPadding2D" || prev.outboundNodes.length !== 1) return undefined;
  const pd = (prev.getConfig() as { padding: number[][] }).padding;
  return pd[0][0] === pd[0][1] && pd[1][0] === pd[1][1] && pd[0][0] === pd[1][0] ? { absorb: prev.name, padding: pd[0][0] } : undefined;
}

/**
 * The layer's replacement, or none when an EVBMF plan keeps every rank of it: musco.md §2.7 (an
 * extreme rank of 0, or a rank at the minimum, means "do not compress") leaves such a layer as it
 * is, rather than factorising it at full rank, which would only add parameters.
 */
function replacementFor(name: string, layer: tf.layers.Layer, p: LayerPlan): { rep?: Replacement; ranks: number[] } {
  const cls = layer.getClassName();
  const row = METHODS[p.method];
  if (!row.accepts.includes(cls)) {
    const allowed = methodsFor(cls);
    if (!allowed) fail(`plan.${name}`, cls, "a Dense, Conv2D, SVDDense, Tucker2Conv2D or CPConv2D layer");
    fail(`plan.${name}.method`, p.method, `${allowed} for the ${cls} layer ${name}`);
  }
  const target = { name, layer, plan: p };
  const choice = row.ranks(target);
  if ("keep" in choice) return { ranks: choice.keep };
  const fold = row.biasFanIn ? foldedPadding(layer, p) : undefined;
  const cfg = layer.getConfig() as { useBias?: boolean; filters?: number };
  const bias = row.biasFanIn && p.addBias && !cfg.useBias ? pytorchBias(cfg.filters!, row.biasFanIn(choice.ranks), p.seed) : undefined;
  const d = row.build(target, choice.ranks, { argPrefix: `plan.${name}`, padding: fold?.padding, bias });
  bias?.dispose();
  const rep = { className: d.layer.getClassName(), config: d.layer.getConfig(), weights: d.weights, absorb: fold?.absorb };
  const ranks = row.reported(d.layer);
  d.layer.release();
  return { rep, ranks };
}

function kernelTensor(layer: tf.layers.Layer): tf.Tensor {
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
      const a = kernelTensor(oldL);
      const b = kernelTensor(newL);
      return tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(a).dataSync()[0];
    });
    return { ...row, paramsAfter: after.params, macsAfter: after.macs, relError };
  });
  const order = Object.keys(plan);
  report.push(...kept);
  report.sort((a, b) => order.indexOf(a.layer) - order.indexOf(b.layer));
  return { model: fresh, report };
}
