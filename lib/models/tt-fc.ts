// tt-fc.md §3: the fully-connected networks of the TT-FC thesis, as specs with exact parameter
// counts (weights + biases + BatchNorm gamma/beta; the TT bias is always allocated) and a builder
// (buildFcNet with any TT layer factory; buildTtFcNet with TTDense, as the experiments train them).
// Every layer is followed by BatchNorm + ReLU, the output layer too (then softmax), as in the
// authors' code; CIFAR hidden layers add Dropout(0.2).
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { prod } from "../layers/common";
import { TTDense } from "../layers/tt-dense";
import { batchNorm } from "./blocks";

export type FcLayerSpec =
  | { kind: "dense"; units: number }
  | { kind: "tt"; inModes: number[]; outModes: number[]; ranks: number };

export interface FcNetSpec {
  id: string;
  /** Flattened input size (784 for MNIST, 3072 for CIFAR-10 in CHW order). */
  inputSize: number;
  layers: FcLayerSpec[];
  /** Dropout after the hidden layers' ReLU (CIFAR models: 0.2). */
  dropout?: number;
  /** Whether the spec is the authors' (listed in the thesis code) or a reconstruction from the counts. */
  provenance: "code" | "reconstructed" | "derived";
}

export function layerOutput(l: FcLayerSpec): number {
  return l.kind === "dense" ? l.units : prod(l.outModes);
}

/** Trainable parameters of one layer (without its BatchNorm). */
export function layerParams(l: FcLayerSpec, inputSize: number): number {
  if (l.kind === "dense") return inputSize * l.units + l.units;
  if (prod(l.inModes) !== inputSize) fail("inModes", l.inModes, `modes multiplying to ${inputSize}, the layer's input size`);
  const d = l.inModes.length;
  let cores = 0;
  for (let k = 0; k < d; k++) {
    const rl = k === 0 ? 1 : l.ranks;
    const rr = k === d - 1 ? 1 : l.ranks;
    cores += rl * l.inModes[k] * l.outModes[k] * rr;
  }
  return cores + prod(l.outModes);
}

/** Trainable parameters of the whole network under the thesis's convention. */
export function specParams(spec: FcNetSpec): number {
  let n = 0;
  let width = spec.inputSize;
  for (const l of spec.layers) {
    n += layerParams(l, width);
    width = layerOutput(l);
    n += 2 * width; // BatchNorm gamma and beta
  }
  return n;
}

const MNIST_TT1: FcLayerSpec = { kind: "tt", inModes: [2, 2, 7, 4, 7], outModes: [8, 16, 16, 16, 8], ranks: 4 };
const MNIST_TT2: FcLayerSpec = { kind: "tt", inModes: [8, 16, 16, 16, 8], outModes: [5, 2, 1, 1, 1], ranks: 4 };
// 3-layer TT shapes are not in the thesis: the card's exact-count reconstruction (§7 item 4).
const MNIST3_TT1: FcLayerSpec = { kind: "tt", inModes: [2, 2, 7, 4, 7], outModes: [2, 2, 8, 2, 64], ranks: 4 };
const MNIST3_TT2: FcLayerSpec = { kind: "tt", inModes: [2, 2, 8, 2, 64], outModes: [2, 2, 2, 8, 32], ranks: 4 };
const MNIST3_TT3: FcLayerSpec = { kind: "tt", inModes: [8, 4, 4, 4, 4], outModes: [5, 2, 1, 1, 1], ranks: 4 };

const cifarTT = (ranks: [number, number, number, number]): FcLayerSpec[] => [
  { kind: "tt", inModes: [4, 8, 4, 8, 3], outModes: [8, 8, 8, 8, 8], ranks: ranks[0] },
  { kind: "tt", inModes: [8, 8, 8, 8, 8], outModes: [8, 4, 8, 4, 8], ranks: ranks[1] },
  { kind: "tt", inModes: [8, 4, 8, 4, 8], outModes: [4, 4, 4, 4, 4], ranks: ranks[2] },
  { kind: "tt", inModes: [4, 4, 4, 4, 4], outModes: [4, 4, 4, 4, 4], ranks: ranks[3] },
  { kind: "dense", units: 10 },
];

/** The models of Table 1 (MNIST) and Table 2 (CIFAR-10), keyed by the card's row ids. */
export const TT_FC_MODELS: Record<string, FcNetSpec> = {
  "ttfc.mnist.fc_fc": { id: "ttfc.mnist.fc_fc", inputSize: 784, layers: [{ kind: "dense", units: 262144 }, { kind: "dense", units: 10 }], provenance: "code" },
  "ttfc.mnist.tt_tt": { id: "ttfc.mnist.tt_tt", inputSize: 784, layers: [MNIST_TT1, MNIST_TT2], provenance: "code" },
  "ttfc.mnist.tt_fc": { id: "ttfc.mnist.tt_fc", inputSize: 784, layers: [MNIST_TT1, { kind: "dense", units: 10 }], provenance: "derived" },
  "ttfc.mnist.fc_fc_fc": { id: "ttfc.mnist.fc_fc_fc", inputSize: 784, layers: [{ kind: "dense", units: 4096 }, { kind: "dense", units: 2048 }, { kind: "dense", units: 10 }], provenance: "derived" },
  "ttfc.mnist.tt_tt_tt": { id: "ttfc.mnist.tt_tt_tt", inputSize: 784, layers: [MNIST3_TT1, MNIST3_TT2, MNIST3_TT3], provenance: "reconstructed" },
  "ttfc.mnist.tt_tt_fc": { id: "ttfc.mnist.tt_tt_fc", inputSize: 784, layers: [MNIST3_TT1, MNIST3_TT2, { kind: "dense", units: 10 }], provenance: "reconstructed" },
  "ttfc.cifar.t2.p146814": { id: "ttfc.cifar.t2.p146814", inputSize: 3072, layers: cifarTT([4, 4, 4, 4]), dropout: 0.2, provenance: "code" },
  "ttfc.cifar.t2.p225278": { id: "ttfc.cifar.t2.p225278", inputSize: 3072, layers: cifarTT([4, 14, 22, 22]), dropout: 0.2, provenance: "reconstructed" },
  // The card's §7 item 3: Table 2's "4 × TT_FC – FC" with the dense head replaced by a fifth TT layer (an extra row, no paper value).
  "ttfc.cifar.all_tt": {
    id: "ttfc.cifar.all_tt",
    inputSize: 3072,
    layers: [...cifarTT([4, 4, 4, 4]).slice(0, 4), { kind: "tt", inModes: [4, 4, 4, 4, 4], outModes: [5, 2, 1, 1, 1], ranks: 4 }],
    dropout: 0.2,
    provenance: "derived",
  },
  "ttfc.cifar.fc_baseline": {
    id: "ttfc.cifar.fc_baseline",
    inputSize: 3072,
    layers: [{ kind: "dense", units: 4096 }, { kind: "dense", units: 4096 }, { kind: "dense", units: 1024 }, { kind: "dense", units: 10 }],
    provenance: "code",
  },
};

export function ttFcSpec(id: string): FcNetSpec {
  const s = TT_FC_MODELS[id];
  if (!s) fail("id", id, `one of ${Object.keys(TT_FC_MODELS).join(", ")}`);
  return s;
}

/** A layer factory for the TT layers (ttDense below; tests pass others). */
export type TTLayerFactory = (l: Extract<FcLayerSpec, { kind: "tt" }>, name: string) => tf.layers.Layer;

export interface BuildOptions {
  /**
   * Accept images [h, w, c] and flatten them in the authors' channel-first (CHW) order (PyTorch's
   * view of a [c, h, w] tensor), so the TT input modes see the layout the thesis factorised.
   */
  imageShape?: [number, number, number];
  /** Seed of the dense layers' init (PyTorch's nn.Linear default: weight and bias U(±1/√fan_in)). */
  seed?: number;
}

/** Builds the network of a spec: input [inputSize] (or an image, see BuildOptions), output class probabilities. */
export function buildFcNet(spec: FcNetSpec, ttLayer: TTLayerFactory, opts: BuildOptions = {}): tf.Sequential {
  const model = tf.sequential({ name: spec.id.replace(/\./g, "_") });
  if (opts.imageShape) {
    const [h, w, c] = opts.imageShape;
    if (h * w * c !== spec.inputSize) fail("imageShape", opts.imageShape, `an image of ${spec.inputSize} values`);
    model.add(tf.layers.inputLayer({ inputShape: opts.imageShape }));
    if (c > 1) model.add(tf.layers.permute({ dims: [3, 1, 2], name: "to_chw" }));
    model.add(tf.layers.flatten({ name: "flatten" }));
  } else {
    model.add(tf.layers.inputLayer({ inputShape: [spec.inputSize] }));
  }
  let width = spec.inputSize;
  spec.layers.forEach((l, i) => {
    const name = `fc${i + 1}`;
    if (l.kind === "dense") {
      const bound = 1 / Math.sqrt(width);
      const init = (k: number) => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: opts.seed === undefined ? undefined : opts.seed * 100 + 2 * i + k });
      model.add(tf.layers.dense({ units: l.units, name, kernelInitializer: init(0), biasInitializer: init(1) }));
    } else model.add(ttLayer(l, name));
    width = layerOutput(l);
    model.add(batchNorm(`bn${i + 1}`));
    model.add(tf.layers.reLU({ name: `relu${i + 1}` }));
    if (spec.dropout && i < spec.layers.length - 1) model.add(tf.layers.dropout({ rate: spec.dropout, name: `drop${i + 1}` }));
  });
  model.add(tf.layers.softmax({ name: "softmax" }));
  return model;
}

/** TTDense for the specs, with the thesis's per-core init (tt-fc.md §2.5) unless told otherwise. */
export function ttDense(seed = 0, init: "paper" | "glorot" = "paper"): TTLayerFactory {
  return (l, name) => new TTDense({ name, inModes: l.inModes, outModes: l.outModes, ranks: l.ranks, kernelInitializer: init, seed: seed * 100 + Number(name.replace(/\D/g, "")) });
}

/** The network of a spec (or of a card row id) with TTDense layers, taking images as input. */
export function buildTtFcNet(spec: FcNetSpec | string, seed = 0, init: "paper" | "glorot" = "paper"): tf.Sequential {
  const s = typeof spec === "string" ? ttFcSpec(spec) : spec;
  const imageShape: [number, number, number] = s.inputSize === 784 ? [28, 28, 1] : s.inputSize === 3072 ? [32, 32, 3] : fail("spec.inputSize", s.inputSize, "784 (MNIST) or 3072 (CIFAR-10)");
  return buildFcNet(s, ttDense(seed, init), { imageShape, seed });
}
