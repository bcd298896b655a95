// A built factor layer declares its input (tfjs InputSpec), so an input with the wrong feature or
// channel count is refused by apply() with the layer's name and the expected size, not a raw
// reshape or matmul error from deep inside the forward pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { CPConv2D, type FactorLayer, NaiveTTConv2D, SVDDense, TTConv2D, TTDense, Tucker2Conv2D } from "../../lib/layers";
import { randn } from "./helpers";

interface Case {
  name: string;
  input: number[];
  wrong: number[];
  expected: number;
  make: () => FactorLayer;
}

const CASES: Case[] = [
  { name: "TTDense", input: [3, 24], wrong: [3, 20], expected: 24, make: () => new TTDense({ name: "tt_dense_x", inModes: [2, 3, 4], outModes: [3, 2, 2], ranks: 2, seed: 1 }) },
  { name: "SVDDense", input: [3, 7], wrong: [3, 8], expected: 7, make: () => new SVDDense({ name: "svd_dense_x", units: 6, rank: 2, seed: 2 }) },
  { name: "TTConv2D", input: [1, 6, 6, 8], wrong: [1, 6, 6, 6], expected: 8, make: () => new TTConv2D({ name: "tt_conv_x", kernelSize: 3, inModes: [2, 4], outModes: [3, 2], ranks: 2, padding: "same", seed: 3 }) },
  { name: "NaiveTTConv2D", input: [1, 6, 6, 4], wrong: [1, 6, 6, 3], expected: 4, make: () => new NaiveTTConv2D({ name: "naive_tt_x", filters: 5, kernelSize: 3, ranks: 2, padding: "same", seed: 4 }) },
  { name: "CPConv2D", input: [1, 6, 6, 4], wrong: [1, 6, 6, 5], expected: 4, make: () => new CPConv2D({ name: "cp_conv_x", filters: 5, kernelSize: 3, rank: 3, padding: "same", seed: 5 }) },
  { name: "Tucker2Conv2D", input: [1, 6, 6, 5], wrong: [1, 6, 6, 4], expected: 5, make: () => new Tucker2Conv2D({ name: "tucker2_x", filters: 6, kernelSize: 3, inRank: 3, outRank: 4, padding: "same", seed: 6 }) },
];

for (const c of CASES) {
  test(`${c.name}: the wrong feature or channel count is refused naming the layer and the expected size`, async () => {
    await use("cpu");
    const layer = c.make();
    const good = randn(c.input, 1);
    const bad = randn(c.wrong, 2);
    (layer.apply(good) as tf.Tensor).dispose();
    const before = tf.memory().numTensors;
    const refused = (e: Error) => e.message.includes(`incompatible with layer ${layer.name}`) && e.message.includes(`expected axis -1 of input shape to have value ${c.expected}`);
    assert.throws(() => layer.apply(bad), refused);
    assert.equal(tf.memory().numTensors, before, "nothing leaks from the refused call");
    // Symbolic inputs (building a model) are checked the same way.
    assert.throws(() => layer.apply(tf.input({ shape: c.wrong.slice(1) })), refused);
    if (c.input.length === 4) {
      const flat = randn([1, 6, c.expected], 3);
      assert.throws(() => layer.apply(flat), (e: Error) => e.message.includes(`incompatible with layer ${layer.name}: expected ndim=4, found ndim=3`));
      flat.dispose();
    }
    // The right shape still works after a refusal.
    (layer.apply(good) as tf.Tensor).dispose();
    tf.dispose([good, bad]);
    layer.dispose();
  });
}
