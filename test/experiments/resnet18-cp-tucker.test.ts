// resnet18-cp-tucker: the faithful mode moves only BatchNorm statistics, pretrained weights load
// by name, and the smoke run through `tnlab reproduce` records the card's exact counts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { ImageSet } from "../../lib/data/image-set";
import * as ex from "../../lib/experiments/resnet18-cp-tucker";
import { cifarMissing, reproduceSmoke } from "./helpers";
import { backendUnderTest } from "../backends";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-r18-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tinyNet(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 4, kernelSize: 3, strides: 4, kernelInitializer: tf.initializers.glorotUniform({ seed }), name: "c" }),
      tf.layers.batchNormalization({ momentum: 0.9, name: "bn" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), name: "fc" }),
    ],
  });
}

function tinySet(n: number): ImageSet {
  const pixels = new Uint8Array(n * 32 * 32 * 3).map((_, i) => (i * 37) % 251);
  return new ImageSet({ name: "tiny", images: pixels, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), shape: [n, 32, 32, 3], classes: Array.from({ length: 10 }, (_, i) => String(i)) });
}

test("faithful mode: BatchNorm moving statistics change, every trainable weight stays", async () => {
  await use(backendUnderTest("cpu"));
  const m = tinyNet(1);
  const set = tinySet(64);
  const trainable = m.trainableWeights.map((w) => w.read().dataSync().slice());
  const movingMean = () => (m.getLayer("bn").getWeights()[2] as tf.Tensor).dataSync().slice();
  const before = movingMean();
  const accs = await ex.recalibrateBatchNorm(m, { train: set, test: set }, 2);
  assert.equal(accs.length, 2);
  assert.notDeepEqual(movingMean(), before, "moving mean updated");
  m.trainableWeights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), trainable[i], `${w.name} unchanged`));
  m.dispose();
});

test("loadWeights reads a TensorFlow.js model.json by weight name and refuses a file that matches nothing", async () => {
  await use(backendUnderTest("cpu"));
  const src = tinyNet(3);
  const dst = tinyNet(4);
  await src.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(join(dir, "weights.bin"), Buffer.from(a.weightData as ArrayBuffer));
      writeFileSync(join(dir, "model.json"), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const n = ex.loadWeights(dst, join(dir, "model.json"));
  assert.equal(n, src.weights.length);
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 5);
  assert.deepEqual((dst.predict(x) as tf.Tensor).dataSync(), (src.predict(x) as tf.Tensor).dataSync());
  writeFileSync(join(dir, "other.json"), JSON.stringify({ weightsManifest: [{ paths: ["weights.bin"], weights: [{ name: "nothing/here", shape: [1], dtype: "float32" }] }] }));
  assert.throws(() => ex.loadWeights(dst, join(dir, "other.json")), /weights.*match/);
  assert.throws(() => ex.loadWeights(dst, join(dir, "missing.json")), /missing\.json.*model\.json/);
});

test("tnlab reproduce --profile smoke --only resnet18-cp-tucker: exact Pure and CPD counts, every stage recorded", { timeout: 300_000 }, (t) => {
  const missing = cifarMissing();
  if (missing) return void t.skip(missing);
  const recs = reproduceSmoke("resnet18-cp-tucker", join(dir, "results"), 290_000);
  const value = (id: string) => recs.get(id)?.value;
  assert.equal(value("r18.params.pure.exact"), 11181642);
  assert.equal(value("r18.params.cpd.exact"), 5621642);
  assert.equal(value("r18.macs.pure.exact"), 37245962);
  assert.equal(value("r18.macs.cpd.exact"), 20553226);
  assert.equal(Number(value("r18.params.pure")!.toFixed(2)), 11.18);
  assert.equal(Number(value("r18.macs.cpd")!.toFixed(2)), 20.55);
  for (const id of ["r18.acc.pure", "r18.finetune.pure", "r18.acc.cpd", "r18.finetune.cpd", "r18.acc.tkd", "r18.finetune.tkd", "r18.params.tkd", "r18.macs.tkd", "r18.finetune.cpd.corrected"]) {
    assert.ok(recs.has(id), `${id} recorded`);
  }
});
