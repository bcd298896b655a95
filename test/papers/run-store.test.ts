// tn.papers.RunStore: finished runs kept per notebook, profile and budget, with their weights, so a
// re-executed notebook skips rows trained before and retrains them when the budget changed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { paceOf, RunStore, runStore } from "../../lib/papers/run-store";
import type { EpochRecord, History } from "../../lib/train/history";
import * as runs from "../../lib/experiments/tt-conv-runs";
import { buildNet, row, rowConfig } from "../../lib/experiments/tt-conv";
import { backendUnderTest } from "../backends";

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "tnlab-runstore-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

test("a stored run comes back under its profile and budget only, with where and when it ran", () => {
  const s = runStore<{ acc: number; curve: number[] }>("nb-a", "quick", { train: 10, epochs: 2 }, "cpu · test", root);
  assert.equal(s.get("row.one"), undefined);
  const started = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  s.set("row.one", { acc: 51.5, curve: [40, 51.5] }, { seed: 7, started });
  assert.deepEqual(s.get("row.one"), { acc: 51.5, curve: [40, 51.5] });
  const rec = s.record("row.one")!;
  assert.equal(rec.meta.seed, 7);
  assert.equal(rec.meta.started, "2026-01-02T03:04:05.000Z");
  assert.equal(rec.meta.engine, "cpu · test");
  assert.match(rec.meta.machine, /cores$/);
  assert.ok(Date.parse(rec.meta.finished) >= started.getTime());
  // Another budget or profile does not see it (the row is retrained), the same one does.
  assert.equal(runStore("nb-a", "quick", { train: 10, epochs: 3 }, "x", root).get("row.one"), undefined);
  assert.equal(runStore("nb-a", "paper", { train: 10, epochs: 2 }, "x", root).get("row.one"), undefined);
  assert.deepEqual(runStore("nb-a", "quick", { train: 10, epochs: 2 }, "x", root).get("row.one")?.acc, 51.5);
  assert.equal(s.records().length, 1);
});

test("a run resumed on another engine: its record and status say which epochs ran where; the time left is at the newest engine's pace", () => {
  const ep = (epoch: number, seconds: number, engine?: string): EpochRecord => ({ epoch, lr: 0.01, trainLoss: 1, trainAcc: 0.5, testAcc: 0.4 + epoch / 100, seconds, ...(engine ? { engine } : {}) });
  const epochs = [ep(1, 600, "tensorflow"), ep(2, 600, "tensorflow"), ep(3, 200, "wasm+native"), ep(4, 300, "wasm+native")];
  const hist = (es: EpochRecord[]): History => ({ epochs: es, selection: "last", bestEpoch: es.length, bestMetric: 0, planned: 10, stoppedEarly: false, seconds: es.reduce((a, e) => a + e.seconds, 0) });
  assert.equal(paceOf(hist(epochs)), 250);
  assert.equal(paceOf(hist(epochs.slice(0, 2))), 600);
  assert.equal(paceOf(hist([ep(1, 100), ep(2, 300)])), 200, "no engine recorded: the mean of all");
  const moved = [...epochs, { ...ep(5, 900, "wasm+native"), machine: "slower CPU · 2 cores" }, { ...ep(6, 1100, "wasm+native"), machine: "slower CPU · 2 cores" }];
  assert.equal(paceOf(hist(moved)), 1000, "a run moved to another machine is estimated at that machine's pace");
  assert.ok(Number.isNaN(paceOf(hist([]))));

  const s = runStore<{ epochs: EpochRecord[] }>("nb-engines", "paper", { epochs: 10 }, "wasm · test", root);
  const dir = s.checkpointDir("r.mixed");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "history.json"), JSON.stringify(hist(epochs)));
  const [going] = s.status(["r.mixed"], () => 0);
  assert.equal(going.status, "in progress");
  assert.equal(going.engine, "1-2 tensorflow, 3-4 wasm+native");
  assert.equal(going.hoursLeft, (6 * 250) / 3600);
  s.set("r.mixed", { epochs });
  assert.equal(s.record("r.mixed")!.meta.epochEngines, "1-2 tensorflow, 3-4 wasm+native");
  assert.equal(s.status(["r.mixed"], () => 0)[0].engine, "1-2 tensorflow, 3-4 wasm+native");
});

test("a resumed run's record starts at its first epoch, from an earlier process, and sums its epochs' seconds", () => {
  const s = runStore<{ epochs: EpochRecord[] }>("nb-resumed", "paper", { epochs: 3 }, "wasm · test", root);
  // Epochs 1-2 ran a day before the process that trained epoch 3 and stores the run.
  const ep = (epoch: number, seconds: number, ended: string): EpochRecord => ({ epoch, lr: 0.01, trainLoss: 1, trainAcc: 0.5, testAcc: 0.5, seconds, ended });
  const epochs = [ep(1, 600, "2026-01-01T10:10:00.000Z"), ep(2, 500, "2026-01-01T10:18:20.000Z"), ep(3, 400, "2026-01-02T09:06:40.000Z")];
  s.set("r.resumed", { epochs }, { started: new Date("2026-01-02T09:00:00.000Z") });
  const meta = s.record("r.resumed")!.meta;
  assert.equal(meta.started, "2026-01-01T10:00:00.000Z", "the first epoch's end less its seconds");
  assert.equal(meta.trainingSeconds, 1500);
  // A process that began before its first recorded epoch (loading data) keeps its own start.
  s.set("r.fresh", { epochs: epochs.slice(2) }, { started: new Date("2026-01-02T08:59:00.000Z") });
  assert.equal(s.record("r.fresh")!.meta.started, "2026-01-02T08:59:00.000Z");
  // Epochs from before end times were kept: the process's start, as before.
  s.set("r.old", { epochs: [{ epoch: 1, lr: 0.01, trainLoss: 1, trainAcc: 0.5, seconds: 60 }] }, { started: new Date("2026-01-03T00:00:00.000Z") });
  assert.equal(s.record("r.old")!.meta.started, "2026-01-03T00:00:00.000Z");
  // A run whose time is not all in epochs (a decomposition before its fine-tuning) gives its own.
  s.set("r.given", { epochs }, { trainingSeconds: 1800.5 });
  assert.equal(s.record("r.given")!.meta.trainingSeconds, 1800.5);
});

test("what JSON cannot hold (a model) is left out of the record; bad names and damaged files are named", async () => {
  await use(backendUnderTest("cpu"));
  const s = new RunStore<{ acc: number; model?: tf.LayersModel }>("nb-b", { profile: "quick", budget: 1, engine: "e", root });
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  s.set("r", { acc: 1, model });
  assert.deepEqual(JSON.parse(readFileSync(s.file("r"), "utf8")).run, { acc: 1 });
  model.dispose();
  assert.throws(() => s.get("../up"), /id = "\.\.\/up".*file name/);
  assert.throws(() => runStore("a/b", "quick", 1, "e", root), /name = "a\/b"/);
  writeFileSync(s.file("broken"), "{ not json");
  assert.throws(() => s.get("broken"), (e: Error) => e.message.startsWith(s.file("broken")) && /delete it to retrain broken/.test(e.message));
});

test("cachedRow: a stored row is not retrained; with keepModel its model is rebuilt from the stored weights", async () => {
  await use(backendUnderTest("cpu"));
  const id = "ttconv.t1.tt_3_23";
  const b = runs.budget("smoke");
  const store = runStore<runs.RowRun>("nb-c", "smoke", b, "e", root);
  const trained = buildNet(rowConfig(row(id)), 3);
  const fake: runs.RowRun = { id, table: 1, family: "tt-conv", paperRatio: 3.23, compression: 3.23, params: 1, lr: 0.1, epochs: [], emaAcc: [42], final: 42, best: 42, finalRaw: 41, seconds: 1, trainImgPerSec: 1 };
  store.set(id, fake);
  store.saveWeights(id, trained);
  const before = tf.memory().numTensors;
  // Data is never touched when the row is stored: a training attempt would fail on it.
  const noData = {} as runs.Data;
  const got = await runs.cachedRow(id, b, noData, store, { keepModel: true });
  assert.equal(got.final, 42);
  const a = trained.getWeights();
  const w = got.model!.getWeights();
  assert.equal(w.length, a.length);
  a.forEach((t, i) => assert.deepEqual(Array.from(w[i].dataSync()), Array.from(t.dataSync()), `weight ${i}`));
  got.model!.dispose();
  trained.dispose();
  assert.ok(tf.memory().numTensors <= before, "no tensors left behind");
  // Without keepModel the record alone is returned.
  assert.equal((await runs.cachedRow(id, b, noData, store)).model, undefined);
  // A Map works as a cache too.
  const m = new Map([[id, fake]]);
  assert.equal((await runs.cachedRow(id, b, noData, m)).final, 42);
});

test("tt-conv rows are reused when the table's row list changes, not when a row's own budget does; a rewritten record is read again", () => {
  const b = runs.budget("quick");
  const id = "ttconv.t1.conv";
  const fake: runs.RowRun = { id, table: 1, family: "conv", paperRatio: 1, compression: 1, params: 1, lr: 0.1, epochs: [], emaAcc: [50], final: 50, best: 50, finalRaw: 49, seconds: 1, trainImgPerSec: 1 };
  runs.rowStore("quick", b, "e", root).set(id, fake);
  assert.equal(runs.rowStore("quick", { ...b, rows: [id] }, "e", root).get(id)?.final, 50, "fewer rows listed: still reused");
  assert.equal(runs.rowStore("quick", { ...b, epochs: b.epochs + 1 }, "e", root).get(id), undefined, "another epoch count: retrained");
  assert.equal(runs.rowStore("quick", { ...b, train: 1000 }, "e", root).get(id), undefined, "another subset: retrained");
  // Without a reuse key every field of the budget counts.
  assert.equal(runStore<runs.RowRun>("tt-conv", "quick", { ...b, rows: [id] }, "e", root).get(id), undefined);
  const store = runs.rowStore("quick", b, "e", root);
  assert.equal(store.get(id)?.final, 50);
  store.set(id, { ...fake, final: 51 });
  assert.equal(store.get(id)?.final, 51, "the same store sees the rewritten record");
});

test("a row trained through a store checkpoints every epoch beside its record and drops the checkpoints once stored", { timeout: 300_000 }, async (t) => {
  const { cifarMissing } = await import("../experiments/helpers");
  const missing = cifarMissing();
  if (missing) return void t.skip(missing);
  const { existsSync } = await import("node:fs");
  await use(backendUnderTest("wasm"));
  const id = "ttconv.t1.tt_3_23";
  const b: runs.Budget = { train: 100, test: 100, epochs: 1, stepEvery: 1, rows: [id] };
  const store = runs.rowStore("smoke", b, "e", join(root, "ckpt"));
  const seen: string[] = [];
  const cache: runs.RowCache = {
    get: (k) => store.get(k),
    set: (k, r, o) => store.set(k, r, o),
    checkpointDir: (k) => (seen.push(`dir ${k}`), store.checkpointDir(k)),
    dropCheckpoints: (k) => {
      seen.push(`drop ${k}: checkpoint ${existsSync(join(store.checkpointDir(k), "checkpoint.tnckpt")) ? "written" : "missing"}`);
      store.dropCheckpoints(k);
    },
  };
  const r = await runs.cachedRow(id, b, runs.loadData(b), cache);
  assert.deepEqual(seen, [`dir ${id}`, `drop ${id}: checkpoint written`]);
  assert.equal(existsSync(store.checkpointDir(id)), false);
  assert.equal(store.get(id)?.final, r.final);
});
