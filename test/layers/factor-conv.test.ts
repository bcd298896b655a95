// The FactorConv2D base: models saved before it load into the same layers, and the geometry it
// owns is checked with named errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { TnArgumentError } from "../../lib/errors";
import { CPConv2D, type FactorLayer, NaiveTTConv2D, TTConv2D, Tucker2Conv2D } from "../../lib/layers";
import { backendUnderTest } from "../backends";
import { free, randn } from "./helpers";

const BASE = { trainable: true, dtype: "float32", useBias: true, activation: "linear", kernelInitializer: "paper", seed: 3, path: "auto" };

// The configs these classes wrote before the base existed (written out here, as saved then).
const OLD: [string, Record<string, unknown>][] = [
  ["CPConv2D", { ...BASE, name: "cp", filters: 4, kernelSize: [3, 3], rank: 3, variant: "cp4", strides: [1, 1], padding: 1 }],
  ["Tucker2Conv2D", { ...BASE, name: "tk", filters: 4, kernelSize: [3, 3], inRank: 2, outRank: 3, strides: [2, 2], padding: "same" }],
  ["TTConv2D", { ...BASE, name: "tt", kernelSize: [3, 3], inModes: [2, 2], outModes: [2, 2], ranks: [2, 2, 1], strides: [1, 1], padding: "same" }],
  ["NaiveTTConv2D", { ...BASE, name: "nt", filters: 4, kernelSize: [3, 3], ranks: [1, 2, 2, 2, 1], strides: [1, 1], padding: "valid" }],
];

test("a model saved before FactorConv2D loads, and its layers write the same config keys back", async () => {
  await use(backendUnderTest("cpu"));
  for (const [className, config] of OLD) {
    const topology = {
      class_name: "Sequential",
      config: { name: "old", layers: [{ class_name: className, config: { ...config, batch_input_shape: [null, 7, 7, 4] } }] },
    };
    const model = (await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON["modelTopology"] })) as tf.LayersModel;
    const layer = model.layers[0] as FactorLayer;
    assert.equal(layer.getClassName(), className);
    const cfg = layer.getConfig() as Record<string, unknown>;
    for (const [k, v] of Object.entries(config)) assert.deepEqual(cfg[k], v, `${className}.${k}`);
    assert.deepEqual(Object.keys(cfg).sort(), [...Object.keys(config), "batchInputShape"].sort(), className);
    // The loaded layer computes what a layer constructed from the same arguments computes.
    const fresh = new (tf.serialization.SerializationMap.getMap().classNameMap[className][0] as unknown as new (a: unknown) => FactorLayer)(config);
    fresh.build([2, 7, 7, 4]);
    fresh.setWeights(layer.getWeights());
    const x = randn([2, 7, 7, 4], 5);
    const a = model.predict(x) as tf.Tensor;
    const b = fresh.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), className);
    tf.dispose([x, a, b]);
    free(fresh);
    model.dispose();
  }
});

test("FactorConv2D geometry: bad kernel size, strides or padding and two input shapes are refused by name", () => {
  assert.throws(() => new CPConv2D({ filters: 2, kernelSize: 0, rank: 2 }), (e: unknown) => e instanceof TnArgumentError && /kernelSize = 0: expected a positive integer or a pair of them/.test(e.message));
  assert.throws(() => new Tucker2Conv2D({ filters: 2, kernelSize: 3, inRank: 1, outRank: 1, strides: [1, 2, 3] as never }), /strides = \[1, 2, 3\]: expected a positive integer or a pair of them/);
  assert.throws(() => new TTConv2D({ kernelSize: 3, inModes: [2], outModes: [2], ranks: 1, padding: 1 as never }), /padding = 1: expected "same" or "valid"/);
  const l = new NaiveTTConv2D({ filters: 2, kernelSize: 3, ranks: 1 });
  assert.throws(() => l.computeOutputShape([[1, 5, 5, 2], [1, 5, 5, 2]]), /inputShape = .*: expected exactly one input shape/);
  assert.deepEqual(l.computeOutputShape([[1, 5, 5, 2]]), [1, 3, 3, 2]);
  assert.deepEqual(new CPConv2D({ filters: 2, kernelSize: [3, 1], rank: 1, strides: 2, padding: 1 }).computeOutputShape([null, 9, null, 1]), [null, 5, null, 2]);
});
