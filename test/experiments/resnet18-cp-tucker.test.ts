// resnet18-cp-tucker: the CP model uses the authors' 4-way CP (rank-1 depthwise filters), the TKD
// model at the authors' notebook ranks has the card's exact counts, the faithful mode moves only
// BatchNorm statistics, pretrained weights load by name, and the smoke run through `tnlab
// reproduce` records the card's exact counts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { ImageSet } from "../../lib/data/image-set";
import * as ex from "../../lib/experiments/resnet18-cp-tucker";
import { compressModel } from "../../lib/compress";
import { CPConv2D, Tucker2Conv2D } from "../../lib/layers";
import { RESNET18_DECOMPOSED, resnet18Cifar } from "../../lib/models/resnet18";
import { worstRank1Defect } from "../compress/helpers";
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

test("CP plans: the authors' 4-way CP by default (every depthwise filter rank-1), the 3-way CP as the named option", async () => {
  await use("cpu");
  const m = resnet18Cifar({ seed: 1 });
  const b = ex.budget("smoke");
  const four = ex.plans(m, "cp", b, 0);
  const three = ex.plans(m, "cp", b, 0, "3-way");
  for (const [name, c] of RESNET18_DECOMPOSED.map((n, i) => [n, [64, 64, 128, 128, 256, 256, 512, 512][i]] as const)) {
    assert.deepEqual({ method: four[name].method, spatial: four[name].spatial, ranks: four[name].ranks }, { method: "cp4", spatial: "full", ranks: c / 2 }, name);
    assert.deepEqual({ method: three[name].method, ranks: three[name].ranks }, { method: "cp3", ranks: c / 2 }, name);
  }
  assert.throws(() => ex.plans(m, "cp", b, 0, "2-way" as ex.CPWay), /cp = "2-way": expected "4-way" or "3-way"/);
  // Tucker-2: EVBMF's ranks by default, the notebook run's (R_in, R_out) when given.
  const evbmf = ex.plans(m, "tucker2", b, 0);
  const notebook = ex.plans(m, "tucker2", b, 0, "4-way", ex.NOTEBOOK_TKD_RANKS);
  RESNET18_DECOMPOSED.forEach((n, i) => {
    assert.equal(evbmf[n].evbmf, true, n);
    assert.deepEqual([notebook[n].method, notebook[n].evbmf, notebook[n].ranks], ["tucker2", undefined, [...ex.NOTEBOOK_TKD_RANKS[i]]], n);
  });
  assert.throws(() => ex.plans(m, "tucker2", b, 0, "4-way", [[1, 2]]), /tkdRanks = \[\[1, 2\]\]: expected 8 \(R_in, R_out\) pairs/);
  const name = "layer1_0_conv2";
  const defect = async (plan: (typeof four)[string]) => {
    const { model, report } = await compressModel(m, { [name]: { ...plan, maxIter: 10 } });
    const layer = model.getLayer(name) as CPConv2D;
    const d = worstRank1Defect(tf.reshape(layer.getWeights()[1], [3, 3, 32]));
    // Same layer either way: 4,448 parameters with the new bias (card §2.2).
    assert.equal(report[0].paramsAfter, 4_448);
    assert.equal(layer.variant, "cp3");
    model.dispose();
    return d;
  };
  const d4 = await defect(four[name]);
  const d3 = await defect(three[name]);
  assert.ok(d4 < 1e-6, `4-way: rank-1 filters (worst 2x2 minor ${d4})`);
  assert.ok(d3 > 1e-3, `3-way: free filters (worst 2x2 minor ${d3})`);
  m.dispose();
});

test("TKD at the authors' notebook ranks (card §3.3): 6,332,186 parameters, 21,677,182 MACs (ptflops)", async () => {
  await use("cpu");
  // The card's §3.3 table: (R_in, R_out) and parameters (with the new bias) per layer.
  assert.deepEqual(ex.NOTEBOOK_TKD_RANKS, [[23, 24], [16, 20], [46, 37], [22, 29], [84, 74], [52, 66], [104, 98], [268, 299]]);
  const perLayer = [8_040, 5_248, 26_070, 12_398, 96_648, 61_352, 195_664, 1_012_004];
  const m = resnet18Cifar({ seed: 1 });
  const tkd = await ex.tucker2Skeleton(m);
  RESNET18_DECOMPOSED.forEach((name, i) => {
    const l = tkd.getLayer(name) as Tucker2Conv2D;
    assert.deepEqual([l.inRank, l.outRank], ex.NOTEBOOK_TKD_RANKS[i], name);
    assert.equal(l.params(), perLayer[i], name);
  });
  const c = ex.counts(tkd);
  assert.equal(c.params, 6_332_186);
  assert.equal(c.macs, 21_677_182);
  assert.ok(!tkd.layers.some((l) => RESNET18_DECOMPOSED.some((n) => l.name === `${n}_pad`)), "the padding layers are folded");
  await assert.rejects(ex.tucker2Skeleton(m, [[1, 1]]), /ranks = \[\[1, 1\]\]: expected 8 \(R_in, R_out\) pairs/);
  tkd.dispose();
  m.dispose();
});

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

test("tnlab reproduce --profile smoke --only resnet18-cp-tucker: exact Pure and CPD counts, every stage recorded", { skip: cifarMissing(), timeout: 300_000 }, () => {
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
