// tt-conv.md §3.3-3.4: the factorized variants of Garipov's CIFAR-10 networks. A configuration
// names the family (TT-conv, naive 4-D TT, TT-FC, both) and the TT ranks of each factorized layer;
// `ttConvNet` builds it on the baselines of ./tt-conv.ts. Which ranks reproduce which row of the
// paper's tables (published or searched) is tn.experiments.ttConv's business.
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { prod } from "../layers/common";
import { NaiveTTConv2D } from "../layers/naive-tt-conv";
import { TTConv2D } from "../layers/tt-conv";
import { TTDense } from "../layers/tt-dense";
import { ttConvBaseline, type TTConvBaseline } from "./tt-conv";

/** The five 3x3 convolutions that are factorized (conv1_1, 3 -> 64, never is). */
export const CONV_LAYERS = [
  { name: "conv1_2", cin: 64, cout: 64 },
  { name: "conv2_1", cin: 64, cout: 128 },
  { name: "conv2_2", cin: 128, cout: 128 },
  { name: "conv3_1", cin: 128, cout: 128 },
  { name: "conv3_2", cin: 128, cout: 128 },
] as const;

/** 64 = 4·4·4, 128 = 4·8·4 (§3.3). */
export const CHANNEL_MODES: Record<number, number[]> = { 64: [4, 4, 4], 128: [4, 8, 4] };

/** The TT-FC layers of configuration B: 8192 -> 1536 and 1536 -> 512. */
export const FC_LAYERS = [
  { name: "fc4_1", inModes: [8, 8, 8, 16], outModes: [4, 6, 8, 8] },
  { name: "fc4_2", inModes: [4, 6, 8, 8], outModes: [4, 4, 4, 8] },
] as const;

/** The four compressed families, and the two baselines ("conv" of Table 1, "conv-fc" of Table 2). */
export type Family = "tt-conv" | "naive" | "conv-tt-fc" | "tt-conv-tt-fc" | "conv" | "conv-fc";

export interface Config {
  family: Family;
  /** TT-conv: [r_0, r_1, r_2, 1]; naive: [1, r_1, r_2, r_3, 1]; per factorized convolution. */
  conv?: Record<string, number[]>;
  /** TTDense ranks [1, r_1, r_2, r_3, 1] of fc4_1 and fc4_2. */
  fc?: Record<string, number[]>;
  /** "published" (the author's repository) or "searched" (found by tn.experiments.ttConv.search). */
  source: "published" | "searched";
}

export const BASE_OF: Record<Family, TTConvBaseline> = { "tt-conv": "conv", naive: "conv", "conv-tt-fc": "conv-fc", "tt-conv-tt-fc": "conv-fc", conv: "conv", "conv-fc": "conv-fc" };

/** Builds the TensorFlow.js model of a configuration (TT layers without bias, as counted). */
export function ttConvNet(c: Config, seed = 0): tf.LayersModel {
  return ttConvBaseline(
    BASE_OF[c.family],
    {
      conv: (name, filters, padding) => {
        const r = c.conv?.[name];
        if (!r) return undefined;
        const l = CONV_LAYERS.find((x) => x.name === name)!;
        // A distinct seed per layer: same-shaped layers must not start from the same cores.
        const s = seed * 100 + CONV_LAYERS.indexOf(l);
        // The thesis code rebuilds the kernel and runs one dense convolution ("dense" path). On wasm
        // it is also the faster path: the naive layer's factored path trains at 2/3 of its speed
        // (its 5-D transposes cost more than the multiply-adds it saves).
        if (c.family === "naive") return new NaiveTTConv2D({ name, filters, kernelSize: 3, ranks: r, padding, useBias: false, kernelInitializer: "paper", seed: s, path: "dense" });
        return new TTConv2D({ name, kernelSize: 3, inModes: CHANNEL_MODES[l.cin], outModes: CHANNEL_MODES[filters], ranks: r, padding, useBias: false, kernelInitializer: "paper", seed: s, path: "dense" });
      },
      dense: (name, units) => {
        const r = c.fc?.[name];
        if (!r) return undefined;
        const l = FC_LAYERS.find((x) => x.name === name)!;
        if (prod(l.outModes) !== units) fail(`fc ${name}`, l.outModes, `modes multiplying to ${units}`);
        return new TTDense({ name, inModes: [...l.inModes], outModes: [...l.outModes], ranks: r, useBias: false, kernelInitializer: "tensornet", seed: seed * 100 + 10 + FC_LAYERS.indexOf(l) });
      },
    },
    seed,
  );
}

