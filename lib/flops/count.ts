// Analytic parameter and multiply-accumulate counts per layer and per model.
//
// Conventions:
//  "plain"   — multiply-adds of the products only: Dense in·out, Conv2D H'W'·C_out·kh·kw·C_in,
//              DepthwiseConv2D H'W'·C·mult·kh·kw, factorized layers through their factors
//              (layer.macs); bias adds, BatchNorm, activations, pooling and adds cost nothing.
//              Parameters: trainable values (BatchNorm γ and β; running statistics are buffers).
//  "ptflops" — resnet18-cp-tucker.md §2.5 (ptflops 0.7.2): conv H'W'·C_out·(kh·kw·C_in/groups)
//              + H'W'·C_out with a bias; linear in·out + out; BatchNorm 2 × output elements;
//              ReLU = its elements; max/avg pooling = input elements; and ReLU and pooling counted
//              twice (the headline re-counts the functional calls inside those modules), which is
//              what reproduces 37.25 MMac for ResNet-18 at 32×32. A factorized layer counts as the
//              chain of convolutions / matmuls it runs, plus its bias.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { FactorLayer } from "../layers/factor-layer";

export type Convention = "plain" | "ptflops";

export interface LayerCount {
  name: string;
  type: string;
  params: number;
  macs: number;
  outputShape: (number | null)[];
}

export interface ModelCount {
  rows: LayerCount[];
  total: { params: number; macs: number };
  convention: Convention;
}

type Shape = (number | null)[];

function elements(shape: Shape): number {
  return shape.slice(1).reduce<number>((a, s) => a * (s ?? 1), 1);
}

function trainable(layer: tf.layers.Layer): number {
  let n = 0;
  for (const w of layer.trainableWeights) n += w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
  return n;
}

function activationOf(layer: tf.layers.Layer): string {
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof a === "string" ? a : "linear";
}

/** Counts for one layer given its input and output shapes (batch of one; a null batch counts as 1). */
export function countLayer(layer: tf.layers.Layer, inputShape: Shape, outputShape: Shape, convention: Convention = "plain", poolInput?: Shape): LayerCount {
  const type = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const one = [1, ...inputShape.slice(1)];
  const outEl = elements(outputShape);
  const inEl = elements(inputShape);
  const pt = convention === "ptflops";
  let macs = 0;
  const useBias = cfg.useBias === true;
  if (layer instanceof FactorLayer) {
    macs = layer.macs(one) + (pt && layer.useBias ? outEl : 0);
  } else if (type === "Dense") {
    const units = cfg.units as number;
    macs = (inEl / (inputShape[inputShape.length - 1] ?? 1)) * (inputShape[inputShape.length - 1] ?? 1) * units + (pt && useBias ? outEl : 0);
  } else if (type === "Conv2D" || type === "DepthwiseConv2D" || type === "SeparableConv2D") {
    const [kh, kw] = cfg.kernelSize as [number, number];
    const cin = inputShape[3] ?? 1;
    const hw = (outputShape[1] ?? 1) * (outputShape[2] ?? 1);
    if (type === "Conv2D") macs = hw * (outputShape[3] ?? 1) * kh * kw * cin;
    else if (type === "DepthwiseConv2D") macs = hw * (outputShape[3] ?? 1) * kh * kw;
    else macs = hw * cin * (cfg.depthMultiplier as number) * kh * kw + hw * (outputShape[3] ?? 1) * cin * (cfg.depthMultiplier as number);
    if (pt && useBias) macs += outEl;
  } else if (pt && type === "BatchNormalization") {
    macs = 2 * outEl;
  } else if (pt && (type === "ReLU" || (type === "Activation" && activationOf(layer) === "relu"))) {
    macs = 2 * outEl;
  } else if (pt && /Pooling[12]D$/.test(type)) {
    macs = 2 * elements(poolInput ?? inputShape);
  }
  if (pt && type !== "ReLU" && type !== "Activation" && activationOf(layer) === "relu") macs += 2 * outEl;
  return { name: layer.name, type, params: trainable(layer), macs, outputShape };
}

function shapesOf(layer: tf.layers.Layer): { input: Shape; output: Shape } {
  const node = layer.inboundNodes[0];
  const input = (node?.inputShapes ?? []) as Shape | Shape[];
  const output = layer.outputShape as Shape | Shape[];
  const first = (s: Shape | Shape[]): Shape => (Array.isArray(s[0]) ? (s[0] as Shape) : (s as Shape));
  return { input: first(input), output: first(output) };
}

/**
 * Per-layer and total counts for one example. `inputShape` (without the batch) checks that the
 * model's input has that shape; models with unknown spatial sizes must be built with known ones.
 */
export function countModel(model: tf.LayersModel, inputShape?: number[], convention: Convention = "plain"): ModelCount {
  if (convention !== "plain" && convention !== "ptflops") fail("convention", convention, `"plain" or "ptflops"`);
  const modelIn = model.inputs[0].shape.slice(1);
  if (inputShape && (inputShape.length !== modelIn.length || inputShape.some((s, i) => modelIn[i] !== null && modelIn[i] !== s))) {
    fail("inputShape", inputShape, `the model's input shape [${modelIn.join(", ")}] (without the batch)`);
  }
  if (modelIn.some((s) => s === null)) fail("model input shape", modelIn, "known sizes (build the model with a fixed input shape)");
  const rows: LayerCount[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    const { input, output } = shapesOf(layer);
    // A pooling layer fed by a ZeroPadding2D counts the unpadded input, as PyTorch's padded pool does.
    const prev = layer.inboundNodes[0]?.inboundLayers[0];
    const poolInput = prev && prev.getClassName() === "ZeroPadding2D" ? shapesOf(prev).input : undefined;
    rows.push(countLayer(layer, input, output, convention, poolInput));
  }
  const total = rows.reduce((t, r) => ({ params: t.params + r.params, macs: t.macs + r.macs }), { params: 0, macs: 0 });
  return { rows, total, convention };
}
