import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import * as models from "../../lib/models";
import { backendUnderTest } from "../backends";

test("tt-fc: every Table 1/2 model has the paper's parameter count (thesis convention)", () => {
  const paper: Record<string, number> = {
    "ttfc.mnist.fc_fc": 208_928_798,
    "ttfc.mnist.tt_tt": 791_294,
    "ttfc.mnist.tt_fc": 3_411_518,
    "ttfc.mnist.fc_fc_fc": 11_638_814,
    "ttfc.mnist.tt_tt_tt": 30_574,
    "ttfc.mnist.tt_tt_fc": 50_622,
    "ttfc.cifar.t2.p146814": 146_814,
    "ttfc.cifar.t2.p225278": 225_278,
    "ttfc.cifar.fc_baseline": 33_592_350,
    // Not in the thesis: the card's all-TT variant (§7 item 3).
    "ttfc.cifar.all_tt": 136_926,
  };
  for (const [id, n] of Object.entries(paper)) assert.equal(models.specParams(models.ttFcSpec(id)), n, id);
});

test("tt-fc: a built dense model's trainable count equals its spec's", async () => {
  await use(backendUnderTest("cpu"));
  const spec = models.ttFcSpec("ttfc.mnist.fc_fc_fc");
  const m = models.buildFcNet(spec, () => {
    throw new Error("no TT layer in this spec");
  });
  assert.equal(models.trainableParams(m), 11_638_814);
  assert.deepEqual(m.outputs[0].shape, [null, 10]);
  m.dispose();
});

test("tt-fc: a wrong mode list is an error naming inModes", () => {
  assert.throws(
    () => models.layerParams({ kind: "tt", inModes: [2, 2, 7, 4], outModes: [8, 8, 8, 8], ranks: 4 }, 784),
    /inModes = \[2, 2, 7, 4\]: expected modes multiplying to 784/,
  );
});

test("tt-conv baselines: 557,248 and 13,934,538 parameters, output 10", async () => {
  await use(backendUnderTest("cpu"));
  const conv = models.ttConvBaseline("conv");
  assert.equal(models.trainableParams(conv), 557_248);
  assert.deepEqual(conv.outputs[0].shape, [null, 10]);
  const convFc = models.ttConvBaseline("conv-fc");
  assert.equal(models.trainableParams(convFc), 13_934_538);
  conv.dispose();
  convFc.dispose();
});

test("resnet18 on 32x32: 11,181,642 parameters and torchvision's feature-map sizes", async () => {
  await use(backendUnderTest("cpu"));
  const m = models.resnet18Cifar();
  assert.equal(models.trainableParams(m), 11_181_642);
  const shapeOf = (name: string) => m.getLayer(name).outputShape;
  assert.deepEqual(shapeOf("relu"), [null, 16, 16, 64]);
  assert.deepEqual(shapeOf("maxpool"), [null, 8, 8, 64]);
  assert.deepEqual(shapeOf("layer2_0_relu2"), [null, 4, 4, 128]);
  assert.deepEqual(shapeOf("layer4_1_relu2"), [null, 1, 1, 512]);
  assert.equal(models.RESNET18_DECOMPOSED.length, 8);
  for (const n of models.RESNET18_DECOMPOSED) assert.equal((m.getLayer(n) as tf.layers.Layer).getWeights()[0].shape[0], 3);
  m.dispose();
});

test("cp-conv-mnist base: 990 convolution kernel weights; the card's layer sizes", async () => {
  await use(backendUnderTest("cpu"));
  const m = models.cpConvMnistBase({ seed: 1 });
  const kernels = ["conv1", "conv2"].map((n) => m.getLayer(n).getWeights()[0].size);
  assert.equal(kernels[0] + kernels[1], 990);
  assert.equal(m.getLayer("fc1").countParams(), 184_448);
  assert.equal(m.getLayer("fc2").countParams(), 1_290);
  m.dispose();
});
