// Forward and forward+backward time of each factorized layer against the dense layer it replaces,
// at the papers' shapes: TT-FC 784 → 262,144 (tt-fc.md, ranks 4) and 1024 → 1024; a 128 → 128 3×3
// convolution on 16×16 as TT (tt-conv.md config B), CP3 (R = C/2), CP4, Tucker-2 (resnet18 card
// ranks) and naive TT. Each layer is timed on both of its forward paths (the factored chain, and the
// dense kernel rebuilt from the factors), with the path `auto` would take by multiply-add count, so
// the rows show whether that choice is the faster one on a backend. `quick`: small shapes, few
// repetitions. cpu only runs the small cases.
import * as tf from "@tensorflow/tfjs";
import { choosePath } from "../lib/layers/common";
import { CPConv2D, type FactorLayer, type ForwardPath, NaiveTTConv2D, SVDDense, TTConv2D, TTDense, Tucker2Conv2D } from "../lib/layers";
import { type BenchOptions, type BenchRow, time, useBench } from "./harness";

interface Case {
  name: string;
  input: number[];
  make: (path: ForwardPath) => tf.layers.Layer;
  /** The layer it replaces (omitted when its weight would not fit in memory). */
  dense?: () => tf.layers.Layer;
  big?: boolean;
}

function cases(quick: boolean): Case[] {
  const b = quick ? 2 : 8;
  const hw = quick ? 8 : 16;
  const c = quick ? 32 : 128;
  const conv = (f: number) => tf.layers.conv2d({ filters: f, kernelSize: 3, padding: "same", useBias: false });
  const list: Case[] = [
    {
      name: quick ? "TTDense 256→256 [4,8,8]x[8,8,4] r4" : "TTDense 1024→1024 [4,8,8,4]^2 r8",
      input: [quick ? 4 : 64, quick ? 256 : 1024],
      make: (path) =>
        quick
          ? new TTDense({ inModes: [4, 8, 8], outModes: [8, 8, 4], ranks: 4, path })
          : new TTDense({ inModes: [4, 8, 8, 4], outModes: [4, 8, 8, 4], ranks: 8, path }),
      dense: () => tf.layers.dense({ units: quick ? 256 : 1024 }),
    },
    {
      name: quick ? "SVDDense 256→256 r32" : "SVDDense 1024→1024 r64",
      input: [quick ? 4 : 64, quick ? 256 : 1024],
      make: (path) => new SVDDense({ units: quick ? 256 : 1024, rank: quick ? 32 : 64, path }),
      dense: () => tf.layers.dense({ units: quick ? 256 : 1024 }),
    },
    {
      name: `TTConv2D ${c}→${c} 3x3 r16`,
      input: [b, hw, hw, c],
      make: (path) => new TTConv2D({ kernelSize: 3, inModes: quick ? [4, 2, 4] : [4, 8, 4], outModes: quick ? [4, 2, 4] : [4, 8, 4], ranks: [16, 16, 16, 1], padding: "same", useBias: false, path }),
      dense: () => conv(c),
    },
    {
      name: `NaiveTTConv2D ${c}→${c} 3x3 r16`,
      input: [b, hw, hw, c],
      make: (path) => new NaiveTTConv2D({ filters: c, kernelSize: 3, ranks: 16, padding: "same", useBias: false, path }),
      dense: () => conv(c),
    },
    {
      name: `CPConv2D cp3 ${c}→${c} 3x3 R${c / 2}`,
      input: [b, hw, hw, c],
      make: (path) => new CPConv2D({ filters: c, kernelSize: 3, rank: c / 2, variant: "cp3", padding: "same", useBias: false, path }),
      dense: () => conv(c),
    },
    {
      name: `CPConv2D cp4 ${c}→${c} 3x3 R${c / 2}`,
      input: [b, hw, hw, c],
      make: (path) => new CPConv2D({ filters: c, kernelSize: 3, rank: c / 2, variant: "cp4", padding: "same", useBias: false, path }),
      dense: () => conv(c),
    },
    {
      name: `Tucker2Conv2D ${c}→${c} 3x3 (${quick ? "12,9" : "46,37"})`,
      input: [b, hw, hw, c],
      make: (path) => new Tucker2Conv2D({ filters: c, kernelSize: 3, inRank: quick ? 12 : 46, outRank: quick ? 9 : 37, padding: "same", useBias: false, path }),
      dense: () => conv(c),
    },
  ];
  if (!quick) {
    // tt-fc.md §3.1 fc1: the dense 784 × 262,144 kernel (822 MB) is not allocated.
    list.push({
      name: "TTDense 784→262144 [2,2,7,4,7]x[8,16,16,16,8] r4",
      input: [8, 784],
      make: (path) => new TTDense({ inModes: [2, 2, 7, 4, 7], outModes: [8, 16, 16, 16, 8], ranks: 4, path }),
      big: true,
    });
  }
  return list;
}

/** Forward time, and forward+backward (gradients of sum(y) for the weights and the input). */
async function measure(layer: tf.layers.Layer, x: tf.Tensor, reps: number): Promise<{ fwd: number; bwd: number | string }> {
  // Both passes read back scalars only: copying a 100x262144 output to JavaScript would time the
  // host copy, not the layer.
  const fwd = await time(() => tf.tidy(() => tf.sum(layer.apply(x) as tf.Tensor).dataSync()), reps, 1);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let bwd: number | string;
  try {
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
        Object.values(grads).forEach((g) => g.dataSync());
        value.dataSync();
      });
    bwd = (await time(step, reps, 1)).medianMs;
  } catch (err) {
    bwd = `unsupported (${(err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 60)})`;
  }
  return { fwd: fwd.medianMs, bwd };
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const reps = opts.quick ? 2 : 5;
  for (const backend of opts.backends) {
    if (!["cpu", "wasm", "wasm+native", "tensorflow"].includes(backend)) continue;
    try {
      await useBench(backend);
    } catch {
      continue;
    }
    // cpu is the slow reference: only the quick shapes.
    const list = cases(opts.quick || backend === "cpu");
    for (const c of list) {
      const x = tf.randomNormal(c.input);
      let denseFwd: number | undefined;
      let denseBwd: number | string | undefined;
      if (c.dense) {
        const d = c.dense();
        d.build(c.input);
        const dm = await measure(d, x, reps);
        denseFwd = dm.fwd;
        denseBwd = dm.bwd;
        d.weights.forEach((w) => w.dispose());
      }
      // The big case's rebuilt kernel would be the dense weight that does not fit: factored only.
      const paths: ("factored" | "dense")[] = c.big ? ["factored"] : ["factored", "dense"];
      for (const path of paths) {
        const layer = c.make(path);
        layer.build(c.input);
        const f = layer as FactorLayer;
        const m = await measure(layer, x, reps);
        const costs = f.pathCosts(c.input);
        const auto = choosePath("auto", costs.factored, costs.dense);
        const common = { suite: "layers", case: c.name, backend, reps, params: f.params(), macs: costs.factored, macsDense: costs.dense, path, took: f.lastPath ?? "", autoPicks: auto };
        rows.push({ ...common, pass: "forward", medianMs: m.fwd, denseMs: denseFwd ?? null, speedup: denseFwd ? denseFwd / m.fwd : null });
        rows.push({
          ...common,
          pass: "forward+backward",
          medianMs: typeof m.bwd === "number" ? m.bwd : NaN,
          denseMs: typeof denseBwd === "number" ? denseBwd : null,
          speedup: typeof m.bwd === "number" && typeof denseBwd === "number" ? denseBwd / m.bwd : null,
          note: typeof m.bwd === "string" ? m.bwd : typeof denseBwd === "string" ? `dense: ${denseBwd}` : undefined,
        });
        layer.weights.forEach((w) => w.dispose());
      }
      x.dispose();
    }
  }
  return rows;
}
