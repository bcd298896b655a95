import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { countModel } from "../../lib/flops";
import { CPConv2D, TTDense } from "../../lib/layers";
import * as models from "../../lib/models";
import { backendUnderTest } from "../backends";

test("small sequential CNN: hand-computed params and MACs, both conventions", async () => {
  await use(backendUnderTest("cpu"));
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: "relu", name: "c1" })); // → 6×6×4
  m.add(tf.layers.batchNormalization({ name: "bn" }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: "dw" })); // → 4×4×8
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: "pool" })); // → 2×2×8
  m.add(tf.layers.flatten({ name: "flat" }));
  m.add(tf.layers.dense({ units: 3, name: "fc" }));
  const plain = countModel(m, [8, 8, 3]);
  const by = Object.fromEntries(plain.rows.map((r) => [r.name, r]));
  assert.equal(by.c1.macs, 6 * 6 * 4 * 3 * 3 * 3);
  assert.equal(by.c1.params, 3 * 3 * 3 * 4 + 4);
  assert.equal(by.bn.params, 8);
  assert.equal(by.bn.macs, 0);
  assert.equal(by.dw.macs, 4 * 4 * 8 * 9);
  assert.equal(by.dw.params, 9 * 4 * 2 + 8);
  assert.equal(by.fc.macs, 32 * 3);
  assert.equal(plain.total.macs, 3888 + 1152 + 96);
  assert.equal(plain.total.params, 112 + 8 + 80 + 99);
  const pt = countModel(m, undefined, "ptflops");
  const bp = Object.fromEntries(pt.rows.map((r) => [r.name, r]));
  assert.equal(bp.c1.macs, 3888 + 144 + 2 * 144); // + bias + ReLU (module and functional)
  assert.equal(bp.bn.macs, 2 * 144);
  assert.equal(bp.dw.macs, 1152 + 128);
  assert.equal(bp.pool.macs, 2 * 128);
  assert.equal(bp.fc.macs, 96 + 3);
  m.dispose();
});

test("ResNet-18 at 32×32: 11,181,642 parameters and 37,245,962 MACs (ptflops convention, resnet18-cp-tucker.md §3.1)", async () => {
  await use(backendUnderTest("cpu"));
  const m = models.resnet18Cifar();
  const pt = countModel(m, [32, 32, 3], "ptflops");
  assert.equal(pt.total.params, 11_181_642);
  assert.equal(pt.total.macs, 37_245_962);
  const plain = countModel(m, [32, 32, 3]);
  assert.equal(plain.total.macs, 37_016_586 - 10); // conv + fc products, without the fc bias
  const bn = pt.rows.filter((r) => r.type === "BatchNormalization").reduce((a, r) => a + r.macs, 0);
  assert.equal(bn, 101_376);
  m.dispose();
});

test("factorized layers count their factored MACs; TT-FC 784 → 262,144 at ranks 4", async () => {
  await use(backendUnderTest("cpu"));
  const m = tf.sequential();
  m.add(tf.layers.inputLayer({ inputShape: [784] }));
  m.add(new TTDense({ inModes: [2, 2, 7, 4, 7], outModes: [8, 16, 16, 16, 8], ranks: 4, name: "tt" }));
  const c = countModel(m, [784]);
  assert.equal(c.rows[0].params, 3_616 + 262_144);
  // tt-fc.md §2.4: core k costs (∏_{l>k} m_l)(∏_{l<k} n_l) r_{k-1} m_k n_k r_k.
  const inM = [2, 2, 7, 4, 7];
  const outN = [8, 16, 16, 16, 8];
  const r = [1, 4, 4, 4, 4, 1];
  let want = 0;
  for (let k = 0; k < 5; k++) {
    const after = inM.slice(k + 1).reduce((a, b) => a * b, 1);
    const before = outN.slice(0, k).reduce((a, b) => a * b, 1);
    want += after * before * r[k] * inM[k] * outN[k] * r[k + 1];
  }
  assert.equal(c.rows[0].macs, want);
  const cnn = tf.sequential();
  cnn.add(new CPConv2D({ inputShape: [8, 8, 16], filters: 32, kernelSize: 3, rank: 4, variant: "cp3", padding: "same", name: "cp" }));
  const cc = countModel(cnn, [8, 8, 16], "ptflops");
  assert.equal(cc.rows[0].macs, 64 * 16 * 4 + 64 * 9 * 4 + 64 * 4 * 32 + 64 * 32);
  assert.throws(() => countModel(cnn, [8, 8, 3]), /inputShape = \[8, 8, 3\]: expected the model's input shape \[8, 8, 16\]/);
  m.dispose();
  cnn.dispose();
});

test("ResNet-18 with the 8 conv2 layers as CP3 (R = C/2): 5,621,642 parameters; 20,553,226 MACs (card §3.2)", async () => {
  await use(backendUnderTest("cpu"));
  const { replaceLayers } = await import("../../lib/compress");
  const m = models.resnet18Cifar();
  const reps = new Map();
  for (const name of models.RESNET18_DECOMPOSED) {
    const l = m.getLayer(name);
    const c = l.getConfig() as { filters: number };
    const cin = l.getWeights()[0].shape[2] as number;
    const R = c.filters / 2;
    // As tn.compress does: the CP layer pads itself (padding 1) and its ZeroPadding2D goes.
    const cp = new CPConv2D({ filters: c.filters, kernelSize: 3, rank: R, variant: "cp3", padding: 1, name });
    reps.set(name, {
      className: "CPConv2D",
      config: cp.getConfig(),
      weights: [tf.zeros([cin, R]), tf.zeros([3, 3, R, 1]), tf.zeros([R, c.filters]), tf.zeros([c.filters])],
      absorb: `${name}_pad`,
    });
  }
  const cpd = await replaceLayers(m, reps);
  const pt = countModel(cpd, [32, 32, 3], "ptflops");
  assert.equal(pt.total.params, 5_621_642);
  assert.equal(pt.total.macs, 20_553_226);
  assert.throws(() => cpd.getLayer("layer1_0_conv2_pad"));
  m.dispose();
  cpd.dispose();
});
