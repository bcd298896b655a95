// `tnlab bench train`: images per second of one training step and of evaluation for the papers'
// reference networks: the MNIST FC-FC-FC net 784-4096-2048-10 with BatchNorm (tt-fc.md §3.2), its
// TT version (TTDense, the card's reconstructed 3-layer shapes), the 6-convolution CIFAR-10
// "conv" baseline of tt-conv.md §3.1 (557,248 parameters), and the CIFAR-10 ResNet-18 of the long
// resnet18 runs (batch 64, their step: which engine to train them on). Inputs are random: this measures
// compute, not data loading. On cpu (a slow reference) batches are tiny and repetitions single.
import * as tf from "@tensorflow/tfjs";
import { TTDense } from "../lib/layers";
import { FusedMomentumOptimizer } from "../lib/native";
import { buildFcNet, resnet18Cifar, trainableParams, ttConvBaseline, ttFcSpec } from "../lib/models";
import { countModel } from "../lib/flops";
import { time, useBench, type BenchOptions, type BenchRow } from "./harness";

interface Case {
  name: string;
  build: () => tf.LayersModel;
  input: number[];
  outputs: "logits" | "probabilities";
  /** Batch per backend and mode. */
  batch: (backend: string, quick: boolean) => number;
}

const ttLayer = (l: { inModes: number[]; outModes: number[]; ranks: number }, name: string) =>
  new TTDense({ inModes: l.inModes, outModes: l.outModes, ranks: l.ranks, name });

const CASES: Case[] = [
  {
    name: "mnist fc-fc-fc 784-4096-2048-10 +BN",
    build: () => buildFcNet(ttFcSpec("ttfc.mnist.fc_fc_fc"), ttLayer),
    input: [784],
    outputs: "probabilities",
    batch: (b, q) => (b === "cpu" || q ? 8 : 100),
  },
  {
    name: "mnist tt-tt-tt (TTDense, ranks 4) +BN",
    build: () => buildFcNet(ttFcSpec("ttfc.mnist.tt_tt_tt"), ttLayer),
    input: [784],
    outputs: "probabilities",
    batch: (b, q) => (b === "cpu" || q ? 8 : 100),
  },
  {
    name: "cifar10 tt-conv 'conv' baseline (6 conv)",
    build: () => ttConvBaseline("conv"),
    input: [32, 32, 3],
    outputs: "logits",
    batch: (b, q) => (b === "cpu" ? 1 : q ? 4 : 32),
  },
  {
    name: "cifar10 resnet18 (11.2 M params)",
    build: () => resnet18Cifar({ seed: 0 }),
    input: [32, 32, 3],
    outputs: "logits",
    batch: (b, q) => (b === "cpu" || q ? 2 : 64),
  },
];

function lossOf(kind: "logits" | "probabilities", y: tf.Tensor, out: tf.Tensor): tf.Scalar {
  if (kind === "logits") return tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
  return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(out, 1e-7, 1))), -1))) as tf.Scalar;
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of opts.backends) {
    try {
      await useBench(backend);
    } catch {
      continue;
    }
    // cpu is a slow reference: tiny batches, one repetition.
    const reps = backend === "cpu" || opts.quick ? 1 : 3;
    for (const c of CASES) {
      const batch = c.batch(backend, opts.quick);
      let model: tf.LayersModel | undefined;
      const base = { suite: "train", backend, reps, batch };
      try {
        model = c.build();
        const params = trainableParams(model);
        // Multiply-adds of one image's forward pass: what the images-per-second ratios are bounded by.
        const macsPerImage = countModel(model, c.input).total.macs;
        const x = tf.randomNormal([batch, ...c.input]);
        const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32"), 10).toFloat();
        // tf.train.momentum's update, fused into one native pass per variable on wasm with the addon.
        const opt = new FusedMomentumOptimizer(0.01, 0.9);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const m = model;
        const step = () => {
          const cost = opt.minimize(() => lossOf(c.outputs, y, m.apply(x, { training: true }) as tf.Tensor), true, vars);
          cost?.dataSync();
          cost?.dispose();
        };
        const evalStep = () => {
          const out = tf.tidy(() => m.apply(x, { training: false }) as tf.Tensor);
          out.dataSync();
          out.dispose();
        };
        const tt = await time(step, reps, 1);
        rows.push({ ...base, case: `${c.name} train`, medianMs: tt.medianMs, params, macsPerImage, imagesPerSec: (1000 * batch) / tt.medianMs });
        const te = await time(evalStep, reps, 1);
        rows.push({ ...base, case: `${c.name} eval`, medianMs: te.medianMs, params, macsPerImage, imagesPerSec: (1000 * batch) / te.medianMs });
        tf.dispose([x, y]);
        opt.dispose();
      } catch (err) {
        rows.push({ ...base, case: c.name, medianMs: NaN, error: (err as Error).message.split("\n")[0].slice(0, 120) });
      } finally {
        model?.dispose();
      }
    }
  }
  // The TT aim (issue 21): tt-tt-tt's training images per second over fc-fc-fc's, same backend.
  for (const r of rows) {
    if (!r.case.startsWith("mnist tt-tt-tt")) continue;
    const fc = rows.find((f) => f.backend === r.backend && f.batch === r.batch && f.case === r.case.replace(/^mnist tt-tt-tt \(TTDense, ranks 4\)/, "mnist fc-fc-fc 784-4096-2048-10"));
    if (fc && typeof fc.imagesPerSec === "number" && typeof r.imagesPerSec === "number") r.xFcImagesPerSec = r.imagesPerSec / fc.imagesPerSec;
    // The same ratio if both ran at the same multiply-adds per second (issue 21's 10x aim is above it).
    if (fc && typeof fc.macsPerImage === "number" && typeof r.macsPerImage === "number") r.xFcMacs = fc.macsPerImage / r.macsPerImage;
  }
  return rows;
}
