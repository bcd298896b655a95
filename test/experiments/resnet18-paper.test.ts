// resnet18-paper: the stored paper-profile runs beside the card. A finished run gives numbers and
// gaps, a run in progress gives its curve so far and no result, a missing one says so.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import * as r18 from "../../lib/experiments/resnet18-cp-tucker";
import { RESNET18_DECOMPOSED, resnet18Cifar } from "../../lib/models/resnet18";
import { backendUnderTest } from "../backends";
import type { EpochRecord, History } from "../../lib/train/history";

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "tnlab-r18-paper-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

const ep = (epoch: number, testAcc: number, seconds = 900): EpochRecord => ({ epoch, lr: 0.01, trainLoss: 1, trainAcc: 0.5, testAcc, seconds, engine: "wasm+native" });

test("finished Pure, CPD and TKD at the notebook's ranks beside the card, TKD in progress with no result", () => {
  const s = r18.store("paper", "wasm · test", root);
  s.set("r18.pure", { epochs: Array.from({ length: 20 }, (_, i) => ep(i + 1, 0.45 + i / 100)), counts: { params: 11181642, macs: 37245962, macsPlain: 0 }, inferenceMs: 1, pretrained: false, seconds: 1 });
  s.set("r18.cpd", { kind: "cp", report: [], counts: { params: 5621642, macs: 20553226, macsPlain: 0 }, accAfter: 20, faithful: [50, 51, 52, 53, 54.5], corrected: [60, 62, 64, 66, 68.5].map((a, i) => ep(i + 1, a / 100)), inferenceMs: 1, seconds: 1 });
  s.set("r18.tkd.notebook", { kind: "tucker2", report: [], counts: { params: 6332186, macs: 21677182, macsPlain: 0 }, accAfter: 21, faithful: [40, 45, 50, 55, 60.5], corrected: [62, 64, 66, 68, 70].map((a, i) => ep(i + 1, a / 100)), inferenceMs: 1, seconds: 1 });
  const dir = s.checkpointDir("r18.tkd");
  mkdirSync(dir, { recursive: true });
  const h: History = { epochs: [ep(1, 0.61, 1800), ep(2, 0.63, 1800)], selection: "last", bestEpoch: 2, bestMetric: 0.63, planned: 5, stoppedEarly: false, seconds: 3600 };
  writeFileSync(join(dir, "history.json"), JSON.stringify(h));

  const p = r18.paperRuns("paper", root);
  const rows = r18.comparisonRows(p);
  const by = (id: string) => rows.find((r) => r.id === id)!;
  assert.equal(by("r18.finetune.pure").ours, 64, "Pure: the last epoch");
  assert.ok(Math.abs(by("r18.finetune.pure").gap! - (64 - 84)) < 1e-9);
  assert.equal(by("r18.acc.pure").ours, 45);
  assert.equal(by("r18.finetune.cpd").ours, 54.5, "CPD: the last faithful pass, the card's mode");
  assert.ok(Math.abs(by("r18.finetune.cpd").gap! - (54.5 - 68.13)) < 1e-9);
  assert.equal(by("r18.finetune.cpd.corrected").paper, null, "the corrected mode has no paper number");
  assert.equal(by("r18.finetune.cpd.corrected").ours, 68.5);
  assert.ok(Math.abs(by("r18.params.cpd").ours! - 5.621642) < 1e-9);
  for (const id of ["r18.acc.tkd", "r18.finetune.tkd", "r18.params.tkd"]) {
    assert.equal(by(id).ours, null, `${id}: no result from a run in progress`);
    assert.match(by(id).note, /in progress, 2\/5 epochs: not a result/);
  }
  assert.equal(by("r18.finetune.tkd.corrected").ours, 63, "the newest corrected epoch, marked in progress");
  // TKD at the notebook's ranks has rows of its own, beside the card's TKD numbers (measured at those ranks).
  assert.deepEqual([by("r18.finetune.tkd.notebook").ours, by("r18.finetune.tkd.notebook").paper], [60.5, 65.79]);
  assert.deepEqual([by("r18.acc.tkd.notebook").ours, by("r18.acc.tkd.notebook").paper], [21, 22.13]);
  assert.equal(by("r18.params.tkd.notebook").paper, by("r18.params.tkd").paper);
  assert.match(by("r18.params.tkd.notebook").note, /6\.33 M/);
  assert.equal(by("r18.finetune.tkd.notebook.corrected").ours, 70);
  assert.equal(by("r18.finetune.tkd.notebook.corrected").paper, null);
  assert.match(by("r18.finetune.tkd.corrected").note, /in progress.*newest epoch shown/);

  const status = r18.statusRows(p);
  assert.deepEqual(status.map((r) => [r.run, r.status.split(" (")[0], r.epochs]), [["Pure", "finished", "20/20"], ["CPD", "finished", "5/5"], ["TKD", "in progress", "2/5"], ["TKD at the notebook's ranks", "finished", "5/5"]]);
  assert.equal(status[0]["training hours"], "5.00", "20 epochs of 900 s");
  assert.equal(status[2]["hours left"], "1.5", "3 epochs at 1,800 s");

  const table = r18.comparisonTable(rows);
  assert.equal(table.find((r) => r.id === "r18.finetune.tkd")!.ours, "–");

  const rec = r18.recoveryCurves(p);
  assert.deepEqual(rec.x, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(rec.series["CPD faithful, ours"], [20, 50, 51, 52, 53, 54.5]);
  assert.deepEqual(rec.series["CPD faithful, card"], [17.84, 67.06, 68.39, 68.17, 68.4, 68.13]);
  assert.ok(!("TKD faithful, ours" in rec.series));
  assert.deepEqual(rec.series["TKD at the notebook's ranks faithful, ours"], [21, 40, 45, 50, 55, 60.5]);
  assert.ok(!("TKD at the notebook's ranks faithful, card" in rec.series), "the card's TKD curve is drawn once");
  assert.deepEqual(rec.series["TKD corrected, ours (in progress)"].slice(0, 3).map((v) => (Number.isNaN(v) ? "nan" : Math.round(v))), ["nan", 61, 63]);
  assert.ok(Object.values(rec.series).every((s) => s.length === 6));

  const pure = r18.pureCurves(p);
  assert.equal(pure.x.length, 20);
  assert.equal(pure.series["card, from ImageNet weights"][19], 84.03);
  assert.equal(pure.series["ours, from scratch"][0], 45);
});

test("an empty store: every run not started, no numbers", () => {
  const p = r18.paperRuns("quick", join(root, "none"));
  assert.deepEqual(r18.statusRows(p).map((r) => r.status), ["not started", "not started", "not started", "not started"]);
  assert.ok(r18.comparisonRows(p).every((r) => r.ours === null && r.note === "not run"));
  assert.equal(r18.paperCurve("cpd").length, 5);
});

test("a CPD/TKD run shows as in progress from its start, 0/5 epochs, before its first fine-tuning epoch writes a checkpoint", async () => {
  await use(backendUnderTest("cpu"));
  const where = join(root, "begun");
  const dir = r18.store("paper", "wasm · test", where).checkpointDir("r18.cpd");
  // Not a ResNet-18: the decomposition fails at once, after the run was marked begun.
  const notResnet = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  await assert.rejects(r18.decomposeAndRecover(notResnet, "cp", { train: undefined, test: undefined } as never, r18.budget("paper"), 0, { checkpointDir: dir }));
  notResnet.dispose();
  const row = r18.statusRows(r18.paperRuns("paper", where)).find((r) => r.run === "CPD")!;
  assert.equal(row.status, "in progress (decomposition and faithful mode, before its first corrected-mode epoch)");
  assert.equal(row.epochs, "0/5");
  assert.equal(row["hours left"], "?");
});

test("kernelRows: Pure's drift from its random start beside each decomposition's kernel error and ranks", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const s = r18.store("paper", "wasm · test", join(root, "kernels"));
  const model = resnet18Cifar({ seed: 0 });
  try {
    const layer = model.getLayer("layer3_0_conv2");
    layer.setWeights([tf.mul(layer.getWeights()[0], 1.5), ...layer.getWeights().slice(1)]);
    s.saveWeights("r18.pure", model);
  } finally {
    model.dispose();
  }
  s.set("r18.pure", { epochs: [ep(1, 0.5)], counts: { params: 1, macs: 1, macsPlain: 1 }, inferenceMs: 1, pretrained: false, seconds: 1 });
  const row = { layer: "layer3_0_conv2", method: "cp4", change: "", ranks: [128], paramsBefore: 0, paramsAfter: 0, macsBefore: 0, macsAfter: 0, relError: 0.8123 } as const;
  s.set("r18.cpd", { kind: "cp", report: [row], counts: { params: 1, macs: 1, macsPlain: 1 }, accAfter: 1, faithful: [1], corrected: [], inferenceMs: 1, seconds: 1 });
  const rows = r18.kernelRows(r18.paperRuns("paper", join(root, "kernels")));
  assert.deepEqual(rows.map((r) => r.layer), [...RESNET18_DECOMPOSED]);
  for (const r of rows) assert.equal(r["Pure: ‖W − W_init‖ / ‖W_init‖"], r.layer === "layer3_0_conv2" ? "0.500" : "0.000", r.layer);
  const l3 = rows.find((r) => r.layer === "layer3_0_conv2")!;
  assert.deepEqual([l3["CPD rank"], l3["CPD kernel error"], l3["TKD kernel error"]], ["128", "0.812", "–"]);
  assert.deepEqual(r18.kernelRows(r18.paperRuns("paper", join(root, "none"))), [], "no Pure, no rows");
});
