// tn.experiments.leti end to end on a few cells: measure → save → read back → fit the five
// predictors → the Table 15 analogue; the dataset file's errors; the committed smoke dataset and
// notebook (52-leti) as `tnlab reproduce --only musco` runs them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import * as leti from "../../lib/experiments/leti";
import { loadDataset } from "../../lib/latency/dataset";
import { cellHash, generateCells } from "../../lib/latency/cells";
import { reproductionNotebooks } from "../../lib/cli/commands/reproduce";
import { builtOrFail, ROOT } from "../kernel/helpers";
import { backendUnderTest } from "../backends";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-leti-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const tiny: leti.Budget = { ...leti.budget("smoke"), cells: 12, train: 8, warmup: 0, repeats: 2, trees: 30, gcnEpochs: 30 };

test("smoke experiment: measured dataset saved and read back, five predictors scored on the held-out cells", { timeout: 240_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const before = tf.memory().numTensors;
  const m = await leti.dataset("smoke", { dir, budget: tiny, measure: true });
  assert.equal(m.measured, true);
  assert.equal(m.file, join(dir, "smoke.json"));
  assert.equal(m.data.cells.length, 12);
  assert.equal(m.data.environment.backend, tf.getBackend());
  assert.ok(m.data.cells.every((c) => c.blocks.every((k) => m.data.blocks[k] > 0)), "every block of every cell is in the table");
  const r = await leti.dataset("smoke", { dir, budget: tiny });
  assert.equal(r.measured, false, "a file that exists is read, not re-measured");
  assert.deepEqual(r.data, m.data);
  const ev = await leti.evaluate(r.data, tiny);
  assert.equal(ev.train.length, 8);
  assert.equal(ev.test.length, 4);
  assert.equal(new Set([...ev.train, ...ev.test].map((c) => c.hash)).size, 12, "train and test are disjoint");
  assert.deepEqual(ev.scores.map((s) => s.predictor), ["FLOPs + RANSAC", "FLOPs + RANSAC, 2 memory clusters", "lookup table", "gradient-boosted trees", "GCN"]);
  for (const s of ev.scores) {
    assert.ok(s.acc10 >= 0 && s.acc10 <= 100 && Number.isFinite(s.r2), JSON.stringify(s));
    assert.equal(ev.predictions[s.predictor].length, 4);
    assert.ok(ev.predictions[s.predictor].every(Number.isFinite));
  }
  assert.equal(leti.scoreRows(ev).length, 5);
  assert.match(leti.provenance(r.data), /12 cells measured .* on wasm|12 cells measured .* on (cpu|tensorflow)/);
  ev.predictors.forEach((p) => p.dispose());
  assert.equal(tf.memory().numTensors, before, "no tensor left after the study");
});

test("dataset files: missing or damaged → an error naming the file and how to measure it", { timeout: 30_000 }, async () => {
  const how = leti.howToMeasure("smoke");
  assert.match(how, /npx tnlab run notebooks\/52-leti\.ipynb --profile smoke --param measure=true/);
  const missing = join(dir, "nothing", "smoke.json");
  await assert.rejects(leti.dataset("smoke", { dir: join(dir, "nothing"), measure: false }), new RegExp(`latency dataset ${missing}: not found; measure it with`));
  const bad = join(dir, "bad.json");
  writeFileSync(bad, "{ not json");
  assert.throws(() => loadDataset(bad, how), new RegExp(`latency dataset ${bad}: not valid JSON .*--param measure=true`));
  const good = JSON.parse(readFileSync(join(ROOT, "notebooks", "results", "leti", "smoke.json"), "utf8"));
  good.cells[3].latencyMs = -1;
  writeFileSync(bad, JSON.stringify(good));
  assert.throws(() => loadDataset(bad, how), /cells\[3\]\.latencyMs = -1, expected a positive number/);
  delete good.blocks[good.cells[0].blocks[0]];
  good.cells[3].latencyMs = 1;
  writeFileSync(bad, JSON.stringify(good));
  assert.throws(() => loadDataset(bad, how), /cells\[0\]\.blocks name a block missing from the block table/);
  assert.throws(() => leti.split(good.cells, 2), /train = 2: expected a number of training cells in 4\.\./);
});

test("the committed smoke dataset matches the smoke budget, and 52-leti is a musco reproduction notebook", { timeout: 30_000 }, () => {
  const d = loadDataset(leti.datasetFile("smoke"), leti.howToMeasure("smoke"));
  const b = leti.budget("smoke");
  assert.equal(d.cells.length, b.cells);
  assert.deepEqual(d.timing, { warmup: b.warmup, repeats: b.repeats });
  assert.equal(d.profile, "smoke");
  assert.deepEqual(d.cells.map((c) => c.hash), generateCells(b.cells, { seed: b.seed }).map(cellHash), "the generator's cells, in its order");
  const nbs = reproductionNotebooks(join(ROOT, "notebooks")).filter((n) => n.paper === "musco").map((n) => n.file.split("/").pop());
  assert.ok(nbs.includes("52-leti.ipynb"), nbs.join(", "));
});

test("52-leti runs headless at smoke from the committed dataset (no re-measurement) and records the scores", { timeout: 330_000 }, () => {
  builtOrFail();
  const out = join(dir, "run");
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "run", join(ROOT, "notebooks", "52-leti.ipynb"), "--profile", "smoke", "--out", join(out, "52-leti.ipynb")], {
    encoding: "utf8",
    env: { ...process.env, TN_QUIET: "1", TNLAB_RESULTS_DIR: out },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const text = readFileSync(join(out, "52-leti.ipynb"), "utf8");
  assert.match(text, /read: results\/leti\/smoke\.json/);
  assert.match(text, /accuracy ±10 % \(%\)/);
  const recs = JSON.parse(readFileSync(join(out, "musco.json"), "utf8")).records as { id: string; value: number }[];
  for (const p of ["flops_ransac", "flops_ransac_2_memory_clusters", "lookup_table", "gradient_boosted_trees", "gcn"]) {
    assert.ok(recs.some((x) => x.id === `musco.a.leti_cpu.${p}.r2`), `${p} recorded`);
  }
  assert.equal(recs.find((x) => x.id === "musco.t15.setting.train_size")?.value, leti.budget("smoke").train);
});
