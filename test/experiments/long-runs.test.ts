// tnlab train: long runs go into the run store with a checkpoint every epoch; an interrupted run
// is listed as in progress with its curve so far, and resuming it gives the run an uninterrupted
// one gives; a finished run is stored with its dates and its checkpoints removed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, engineLabel, use } from "../../lib/backend";
import * as ex from "../../lib/experiments/tt-fc";
import { longRunKind, paperRunsForReport, trainLongRuns } from "../../lib/experiments/long-runs";
import { machineName } from "../../lib/machine";
import { pauseAfter } from "../../lib/train/pause";
import { longRunHistories, longRunRows, longRunTable } from "../../lib/experiments/long-run-views";
import { parseDuration } from "../../lib/cli/commands/train";
import { cifarMissing } from "./helpers";

const ROOT = join(__dirname, "..", "..");
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-longruns-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("an interrupted run is in progress with its curve; resumed, it equals the uninterrupted run", { timeout: 300_000 }, async () => {
  // Always wasm (also under TN_BACKEND): same-seed runs repeat bit for bit on it, which the
  // resumed = uninterrupted check needs, and it is fast enough for three short runs.
  const info = await use("wasm");
  const id = "ttfc.mnist.tt_tt_tt";
  const b = ex.budget("smoke");
  const data = ex.mnistData(b);
  const whole = await ex.mnistRun(id, b.mnist.epochs, data, 0);

  const kind = longRunKind("tt-fc-mnist");
  const store = kind.store("smoke", "test engine", join(dir, "a"));
  // The first of two epochs, as a session that ended after one epoch leaves it.
  await ex.mnistRun(id, 1, data, 0, store.checkpointDir(id));
  const going = store.inProgress();
  assert.equal(going.length, 1);
  assert.equal(going[0].id, id);
  assert.equal(going[0].epochsDone, 1);
  assert.equal(going[0].curve.length, 1);
  assert.ok(going[0].secondsPerEpoch > 0 && Number.isFinite(going[0].hoursLeft));
  assert.equal(store.get(id), undefined, "an unfinished run is no result");

  const lines: string[] = [];
  await trainLongRuns("tt-fc-mnist", [id], "smoke", info, { root: join(dir, "a"), log: (l) => lines.push(l) });
  assert.match(lines.join("\n"), /resuming from its checkpoint/);
  const done = store.record(id)!;
  assert.ok(done, "stored when finished");
  assert.equal(done.meta.engine, describe(info));
  assert.equal(store.inProgress().length, 0);
  assert.equal(existsSync(store.checkpointDir(id)), false, "checkpoints removed once stored");
  const run = done.run as ex.Run;
  assert.equal(done.meta.epochEngines, `1-${run.epochs.length} ${engineLabel()} on ${machineName()}`, "each epoch's engine and machine, in the record");
  assert.deepEqual(run.epochs.map((e) => e.testAcc), whole.epochs.map((e) => e.testAcc), "resumed = uninterrupted");
  assert.equal(run.bestAcc, whole.bestAcc);

  // Finished runs are not trained again.
  lines.length = 0;
  await trainLongRuns("tt-fc-mnist", [id], "smoke", info, { root: join(dir, "a"), log: (l) => lines.push(l) });
  assert.match(lines.join("\n"), /finished before/);
});

test("a pause stops a run right after a checkpointed epoch, leaves the next ids, and the same call resumes both", { timeout: 300_000 }, async () => {
  const info = await use("wasm");
  const [a, b] = ["ttfc.mnist.tt_tt_tt", "ttfc.mnist.tt_tt_fc"];
  const root = join(dir, "pause");
  const store = longRunKind("tt-fc-mnist").store("smoke", "test engine", root);
  const lines: string[] = [];
  pauseAfter(new Date(0));
  try {
    assert.equal(await trainLongRuns("tt-fc-mnist", [a, b], "smoke", info, { root, log: (l) => lines.push(l) }), "paused");
  } finally {
    pauseAfter(undefined);
  }
  assert.match(lines.join("\n"), /tt_tt_tt: paused after epoch 1 of 2, checkpointed in /);
  assert.deepEqual(store.inProgress().map((g) => [g.id, g.epochsDone]), [[a, 1]], "the paused run is in progress; the next id has not started");
  assert.equal(store.get(a), undefined);
  assert.equal(await trainLongRuns("tt-fc-mnist", [a, b], "smoke", info, { root, log: () => {} }), "done");
  const whole = await ex.mnistRun(a, ex.budget("smoke").mnist.epochs, ex.mnistData(ex.budget("smoke")), 0);
  assert.deepEqual((store.get(a) as ex.Run).epochs.map((e) => e.testAcc), whole.epochs.map((e) => e.testAcc), "paused and resumed = uninterrupted");
  assert.ok(store.has(b));
  assert.throws(() => parseDuration("5 min"), /--for = "5 min".*90m/);
  assert.equal(parseDuration("1.5h"), 5.4e6);
});

test("tnlab train names a bad experiment, id, profile or seed and exits 2", { timeout: 120_000 }, () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "train", ...args], { encoding: "utf8", timeout: 110_000, env: { ...process.env, TNLAB_RUNS_DIR: join(dir, "cli"), TN_QUIET: "1" } });
  const bad = cli(["nonesuch", "x"]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /EXPERIMENT = "nonesuch".*cp-conv, resnet18, tt-conv, tt-fc-cifar, tt-fc-mnist/);
  assert.match(cli(["tt-conv", "ttconv.t9.nope", "--profile", "smoke"]).stderr, /id = "ttconv\.t9\.nope"/);
  assert.match(cli(["tt-conv", "x", "--profile", "fast"]).stderr, /--profile.*"fast".*smoke, quick, paper/);
  assert.match(cli(["tt-conv", "x", "--seed", "-1"]).stderr, /--seed/);
  assert.match(cli(["cp-conv", "cpconv.base", "--seed", "4-1"]).stderr, /--seed = "4-1".*range A-B/);
  assert.match(cli(["tt-conv"]).stderr, /missing ids/);
  // A run begun and without an epoch yet (a CPD/TKD run decomposing): in progress, 0 epochs.
  const begun = join(dir, "cli", "tt-conv", "smoke", "ttconv.t1.tt_3_23.run");
  mkdirSync(begun, { recursive: true });
  writeFileSync(join(begun, "history.json"), JSON.stringify({ epochs: [], selection: "last", bestEpoch: 0, bestMetric: 0, planned: 2, stoppedEarly: false, seconds: 0 }));
  const list = cli(["tt-conv", "--list", "--profile", "smoke"]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /ttconv\.t1\.conv: not started/);
  assert.match(list.stdout, /ttconv\.t1\.tt_3_23: in progress, 0\/2 epochs \(begun 20\d\d-.*before the first epoch/);
});

test("tnlab train --for: the run stops after the first epoch past the time, in progress, and the same command without it finishes", { timeout: 240_000 }, () => {
  const env = { ...process.env, TNLAB_RUNS_DIR: join(dir, "cli-for"), TN_QUIET: "1", TN_BACKEND: "wasm" };
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "train", "tt-fc-mnist", "ttfc.mnist.tt_tt_tt", "--profile", "smoke", ...args], { encoding: "utf8", timeout: 110_000, env });
  const first = cli(["--for", "0s"]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /paused after epoch 1 of 2/);
  assert.match(cli(["--list"]).stdout, /ttfc\.mnist\.tt_tt_tt: in progress, 1\/2 epochs/);
  const rest = cli([]);
  assert.equal(rest.status, 0, rest.stderr);
  assert.match(rest.stdout, /resuming from its checkpoint[\s\S]*finished, stored/);
  assert.equal(cli(["--for", "soon"]).status, 2);
});

test("the report shows finished paper-profile runs beside the paper and unfinished ones as in progress only", { timeout: 60_000 }, async () => {
  const { paperRunsForReport, longRunKind: kindOf } = await import("../../lib/experiments/long-runs");
  const { reportMarkdown } = await import("../../lib/papers/compare");
  const root = join(dir, "report");
  const store = kindOf("tt-fc-mnist").store("paper", "tensorflow · test", root);
  const epochs = [1, 2].map((epoch) => ({ epoch, lr: 0.001, trainLoss: 0.1, trainAcc: 0.97, testLoss: 0.08, testAcc: 0.9812, seconds: 60 }));
  store.set("ttfc.mnist.tt_tt", { id: "ttfc.mnist.tt_tt", label: "tt_tt", params: 791294, epochs, bestAcc: 98.12, lastAcc: 98.1, lossAtBest: 8, seconds: 120 } as unknown as object, { started: new Date(Date.UTC(2026, 10, 1)) });
  // An unfinished run: only its history, as fit writes it every epoch.
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(store.checkpointDir("ttfc.mnist.tt_fc"), { recursive: true });
  writeFileSync(join(store.checkpointDir("ttfc.mnist.tt_fc"), "history.json"), JSON.stringify({ epochs: epochs.slice(0, 1), selection: "best-test", bestEpoch: 1, bestMetric: 0.95, planned: 25, stoppedEarly: false, seconds: 3600 }));
  assert.deepEqual(paperRunsForReport(["musco"], root), { stored: [], inProgress: [] }, "only the chosen papers");
  const { stored, inProgress } = paperRunsForReport(["tt-fc"], root);
  assert.deepEqual(stored.map((s) => [s.id, s.value]), [["ttfc.mnist.tt_tt.acc", 98.12], ["ttfc.mnist.tt_tt.loss", 8]], "accuracy and loss of the run, once each");
  assert.equal(stored[0].epochs, 2);
  assert.equal(stored[0].backend, "tensorflow · test");
  assert.equal(stored[0].source, "notebooks/results/runs/tt-fc-mnist/paper/ttfc.mnist.tt_tt.json");
  assert.equal(stored[1].note, "tnlab train tt-fc-mnist: at the best epoch");
  assert.deepEqual(inProgress.map((r) => [r.id, r.epochs, r.hoursLeft]), [["ttfc.mnist.tt_fc", "1/25", 24]]);
  assert.equal(stored[0].hours, Number((120 / 3600).toFixed(2)), "training hours are the epochs' sum, not finished − started");
  const md = reportMarkdown([], { generated: "now", stored, inProgress });
  assert.match(md, /\| `ttfc\.mnist\.tt_tt\.acc` \| .* \| 98\.59 \| 98\.12 \| -0\.47 \| 0 \| 2 \| 60,000 \/ 10,000 \| 2026-11-01T00:00:00\.000Z \| [^|]+ \| 0\.03 \|/);
  assert.match(md, /### In progress \(not results\)[\s\S]*\| `ttfc\.mnist\.tt_fc` \| 1\/25 \| 98\.12 \| 24\.0 \|/);
});

test("longRunRows: a finished run beside the paper, a run in progress with its pace and no result, the rest not started", () => {
  const root = join(dir, "views");
  const store = longRunKind("tt-fc-mnist").store("paper", "wasm · test", root);
  const ep = (epoch: number, testAcc: number) => ({ epoch, lr: 0.001, trainLoss: 0.1, trainAcc: 0.9, testAcc, seconds: 360, engine: "wasm+native", machine: "CPU · 2 cores" });
  store.set("ttfc.mnist.tt_tt_tt", { id: "ttfc.mnist.tt_tt_tt", label: "tt_tt_tt", params: 1, epochs: [ep(1, 0.95), ep(2, 0.9767)], bestAcc: 97.67, lastAcc: 97.67, lossAtBest: 8, seconds: 720 } as unknown as object);
  const { mkdirSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
  mkdirSync(store.checkpointDir("ttfc.mnist.tt_tt"), { recursive: true });
  writeFileSync(join(store.checkpointDir("ttfc.mnist.tt_tt"), "history.json"), JSON.stringify({ epochs: [ep(1, 0.9), ep(2, 0.93)], selection: "best-test", bestEpoch: 2, bestMetric: 0.93, planned: 25, stoppedEarly: false, seconds: 720 }));
  const rows = longRunRows("tt-fc-mnist", "paper", root);
  const by = (id: string) => rows.find((r) => r.id === id)!;
  assert.deepEqual([by("ttfc.mnist.tt_tt_tt").status, by("ttfc.mnist.tt_tt_tt").ours, by("ttfc.mnist.tt_tt_tt").paper], ["finished", 97.67, 98.21]);
  assert.ok(Math.abs(by("ttfc.mnist.tt_tt_tt").gap! - (97.67 - 98.21)) < 1e-9);
  const going = by("ttfc.mnist.tt_tt");
  assert.deepEqual([going.status, going.epochs, going.ours, going.newest, going.hoursLeft, going.trainingHours], ["in progress", "2/25", null, 93, (23 * 360) / 3600, 0.2]);
  assert.equal(by("ttfc.mnist.fc_fc").status, "not started");
  const table = longRunTable(rows);
  assert.equal(table.find((r) => r.id === "ttfc.mnist.tt_tt")!.ours, "– (in progress)");
  assert.deepEqual(Object.keys(longRunHistories("tt-fc-mnist", "paper", root)).sort(), ["ttfc.mnist.tt_tt (in progress, 2/25)", "ttfc.mnist.tt_tt_tt"]);
});

test("a tt-conv row in progress is followed by its averaged weights' accuracy (NaN for an epoch that did not keep it), in its row and its curve", () => {
  const root = join(dir, "views-ttconv");
  const store = longRunKind("tt-conv").store("paper", "wasm · test", root);
  const ep = (epoch: number, testAcc: number, averaged?: number) => ({ epoch, lr: 0.1, trainLoss: 1, trainAcc: 0.5, testAcc, seconds: 240, ...(averaged === undefined ? {} : { metrics: { averagedTestAcc: averaged } }) });
  mkdirSync(store.checkpointDir("ttconv.t1.conv"), { recursive: true });
  writeFileSync(join(store.checkpointDir("ttconv.t1.conv"), "history.json"), JSON.stringify({ epochs: [ep(1, 0.5), ep(2, 0.55, 0.6)], selection: "last", bestEpoch: 2, bestMetric: 0.55, planned: 100, stoppedEarly: false, seconds: 480 }));
  const row = longRunRows("tt-conv", "paper", root).find((r) => r.id === "ttconv.t1.conv")!;
  assert.deepEqual([row.status, row.epochs, row.newest], ["in progress", "2/100", 60], "the averaged accuracy, not the raw 55 %");
  const h = longRunHistories("tt-conv", "paper", root)["ttconv.t1.conv (in progress, 2/100)"];
  assert.ok(Number.isNaN(h.epochs[0].testAcc!) && h.epochs[1].testAcc === 0.6);
  assert.equal(h.epochs[1].trainAcc, 0.5, "the other columns as recorded");
});

test("ResNet-18 in the report: the card's fine-tune numbers come from the faithful mode, the corrected mode is an extra row", () => {
  const root = join(dir, "report-r18");
  const store = longRunKind("resnet18").store("paper", "wasm · test", root);
  const ep = (epoch: number, testAcc: number) => ({ epoch, lr: 0.01, trainLoss: 1, trainAcc: 0.5, testAcc, seconds: 600 });
  store.set("r18.pure", { epochs: [ep(1, 0.4512), ep(2, 0.7354)], counts: {}, inferenceMs: 1, pretrained: false, seconds: 1200 } as unknown as object);
  store.set("r18.cpd", { kind: "cp", report: [], counts: {}, accAfter: 12.345, faithful: [55, 61.234], corrected: [ep(1, 0.6), ep(2, 0.7012)], inferenceMs: 1, seconds: 1 } as unknown as object);
  const { stored } = paperRunsForReport(["resnet18-cp-tucker"], root);
  const value = (id: string) => stored.find((r) => r.id === id)?.value;
  assert.equal(value("r18.finetune.pure"), 73.54, "Pure: the last epoch");
  assert.equal(value("r18.acc.pure"), 45.12, "Pure: the first epoch, as the card's r18.acc");
  assert.equal(value("r18.finetune.cpd"), 61.23, "CPD: the last BatchNorm-only pass, the mode that made the card's 68.13 %");
  assert.equal(value("r18.acc.cpd"), 12.35, "CPD: right after decomposition");
  assert.equal(value("r18.finetune.cpd.corrected"), 70.12, "the corrected mode under its own id");
  assert.equal(stored.find((r) => r.id === "r18.finetune.pure")!.hours, 0.33, "training hours from the epochs");
  assert.equal(stored.find((r) => r.id === "r18.finetune.cpd")!.epochs, 2, "a CPD run's epochs are its fine-tuning's (kept under corrected)");
});

test("seeds: each seed is its own record (the default seed under the plain id), and the report gives their mean and spread", { timeout: 300_000 }, async () => {
  const { parseSeeds } = await import("../../lib/cli/commands/train");
  assert.deepEqual(parseSeeds("3"), [3]);
  assert.deepEqual(parseSeeds("0-4"), [0, 1, 2, 3, 4]);
  assert.deepEqual(parseSeeds("2,0,2"), [2, 0]);
  assert.throws(() => parseSeeds("1,x"), /--seed/);
  const { paperRunsForReport, runKey, parseRunKey } = await import("../../lib/experiments/long-runs");
  const { reportMarkdown } = await import("../../lib/papers/compare");
  const kind = longRunKind("cp-conv");
  assert.equal(runKey(kind, "cpconv.cp_r3", 0), "cpconv.cp_r3");
  assert.equal(runKey(kind, "cpconv.cp_r3", 2), "cpconv.cp_r3.seed2");
  assert.deepEqual(parseRunKey(kind, "cpconv.cp_r3.seed2"), { id: "cpconv.cp_r3", seed: 2 });

  // Two seeds of a real (smoke) cp-conv run: two records, different initial weights, so different curves.
  const info = await use("wasm");
  const root = join(dir, "seeds");
  await trainLongRuns("cp-conv", ["cpconv.cp_r3"], "smoke", info, { seeds: [0, 1], root, log: () => {} });
  const store = kind.store("smoke", "", root);
  const [a, b] = [store.record("cpconv.cp_r3")!, store.record("cpconv.cp_r3.seed1")!];
  assert.deepEqual([a.meta.seed, b.meta.seed], [0, 1]);
  assert.notDeepEqual(a.run, b.run);
  assert.ok((a.run as { finalAcc: number }).finalAcc > 0);

  // At paper: three seeds of one id make one report row, their mean ± sample sd.
  const paper = kind.store("paper", "tensorflow · test", root);
  const epochs = [{ epoch: 1, lr: 1e-4, trainLoss: 0.1, trainAcc: 0.9, testLoss: 0.1, testAcc: 0.97, seconds: 60 }];
  [97.0, 97.5, 98.0].forEach((acc, seed) =>
    paper.set(runKey(kind, "cpconv.cp_r9", seed), { model: "NetTens R=9", rank: 9, seed, params: 1, convKernelParams: 1, epochs, finalAcc: acc, bestAcc: acc, seconds: 60 }, { seed }),
  );
  const { stored } = paperRunsForReport(["cp-conv-mnist"], root);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].id, "cpconv.cp_r9.acc");
  assert.equal(stored[0].value, 97.5);
  assert.deepEqual(stored[0].seeds, [0, 1, 2]);
  assert.ok(Math.abs(stored[0].spread! - 0.5) < 1e-9);
  assert.match(reportMarkdown([], { generated: "now", stored }), /\| 97\.5 ± 0\.5 \| [^|]+ \| 3 \(0, 1, 2\), sd 0\.5 \| 1 \|/);
  // The notebook's table of the same runs.
  const { seedTable } = await import("../../lib/experiments/cp-conv-mnist");
  const rows = seedTable("paper", root);
  assert.deepEqual(rows.map((r) => r.id), ["cpconv.base", "cpconv.cp_r3", "cpconv.cp_r6", "cpconv.cp_r9"]);
  const r9 = rows[3];
  assert.deepEqual([r9.seeds, r9.accs, r9.mean, r9.paper], [[0, 1, 2], [97, 97.5, 98], 97.5, 97.67]);
  assert.ok(Math.abs(r9.sd - 0.5) < 1e-9);
  assert.deepEqual(rows[0].seeds, [], "no stored runs of NetBase");
});

test("tt-fc-cifar: a Table 2 model trains into its store with its epochs and parameter count", { skip: cifarMissing(), timeout: 300_000 }, async () => {
  const info = await use("wasm");
  const root = join(dir, "cifar");
  const id = "ttfc.cifar.t2.p146814";
  await trainLongRuns("tt-fc-cifar", [id], "smoke", info, { root, log: () => {} });
  const rec = longRunKind("tt-fc-cifar").store("smoke", "", root).record(id)!;
  const run = rec.run as ex.Run;
  assert.equal(run.params, 146814);
  assert.equal(run.epochs.length, ex.budget("smoke").cifar.table2Epochs);
  assert.ok(run.bestAcc >= 0 && run.bestAcc <= 100);
});

test("resnet18: CPD waits for Pure; Pure keeps its weights and TKD starts from them", { skip: cifarMissing(), timeout: 600_000 }, async () => {
  const info = await use("wasm");
  const root = join(dir, "r18");
  await assert.rejects(trainLongRuns("resnet18", ["r18.cpd"], "smoke", info, { root, log: () => {} }), /r18\.pure has finished.*npx tnlab train resnet18 r18\.pure/);
  await trainLongRuns("resnet18", ["r18.pure", "r18.tkd"], "smoke", info, { root, log: () => {} });
  const store = longRunKind("resnet18").store("smoke", "", root);
  assert.ok(existsSync(store.weightsFile("r18.pure")), "Pure's weights are stored");
  const pure = store.record("r18.pure")!.run as { epochs: unknown[]; counts: { params: number } };
  assert.equal(pure.epochs.length, 1);
  assert.equal(pure.counts.params, 11181642);
  const tkd = store.record("r18.tkd")!.run as { kind: string; corrected: unknown[]; counts: { params: number } };
  assert.equal(tkd.kind, "tucker2");
  assert.equal(tkd.corrected.length, 1);
  assert.ok(tkd.counts.params < pure.counts.params, "the decomposed network is smaller");
});
