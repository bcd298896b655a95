// tn.papers: the transcribed targets, recording, comparison and the reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as papers from "../../lib/papers";

test("every target id is unique, has a known paper, a finite numeric value, a unit and a meaning", () => {
  const ids = papers.allTargets.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids.filter((id, i) => ids.indexOf(id) !== i)}`);
  const known = new Set(papers.papers.map((p) => p.id));
  for (const t of papers.allTargets) {
    assert.ok(known.has(t.paper), t.id);
    assert.equal(typeof t.value, "number", t.id);
    assert.ok(Number.isFinite(t.value), t.id);
    assert.ok(t.unit.length > 0 && t.meaning.length > 0, t.id);
    assert.equal(papers.paperOf(t.id), t.paper);
  }
  for (const p of papers.papers) assert.ok(papers.targets(p.id).length > 0, p.id);
});

test("spot checks against the cards (values, OCR marks, derived marks)", () => {
  const v = (id: string) => papers.target(id)?.value;
  assert.equal(v("ttfc.mnist.tt_tt.params"), 791294);
  assert.equal(v("ttfc.mnist.tt_tt.acc"), 98.59);
  assert.equal(v("ttfc.mnist.fc_fc.time"), 18 * 60 + 45);
  assert.equal(v("ttfc.cifar.t2.p225278.acc"), 72.92);
  assert.equal(v("ttconv.t2.ttconvttfc_82_87.compression"), 82.87);
  assert.equal(v("ttconv.t1.naive_2_90.acc"), 87.6);
  assert.equal(v("r18.params.cpd"), 5.62);
  assert.equal(v("r18.curve.pure.e17.test_acc"), 84.22);
  assert.equal(v("r18.curve.tkd.e05.test_acc"), 65.79);
  assert.equal(v("musco.t4.baseline_top1.acc"), 69.76);
  const r3 = papers.target("cpconv.cp_r3.acc")!;
  assert.equal(r3.value, 97.12);
  assert.ok(r3.uncertain && r3.tolerance);
  assert.ok(papers.target("cpconv.cp_r9.acc")!.uncertain);
  assert.equal(papers.target("cpconv.cp_r6.acc")!.uncertain, undefined);
  assert.equal(papers.target("ttconv.t1.tt_3_23.params")!.derived, true);
  // Internal consistency the cards derive: 990 / 43R and the TT-FC parameter ratios.
  assert.ok(Math.abs(990 / v("cpconv.cp_r3.params")! - 7.674) < 1e-3);
  assert.ok(Math.abs(v("ttfc.mnist.fc_fc.params")! / v("ttfc.mnist.tt_tt.params")! - v("ttfc.mnist.tt_tt.ratio")!) < 0.01);
  assert.ok(Math.abs(v("ttconv.t1.conv.params")! / v("ttconv.t1.tt_3_23.params")! - 3.2301) < 1e-4);
  assert.throws(() => papers.targets("nope" as never), /paper = "nope": expected one of tt-fc/);
});

test("compare puts reproduced values beside the paper's with the difference", () => {
  const rows = papers.compare([
    { id: "ttfc.mnist.tt_tt.acc", value: 97.59, profile: "quick", backend: "wasm" },
    { id: "cpconv.cp_r3.acc", value: 99, profile: "smoke", backend: "cpu", note: "1 epoch" },
    { id: "cpconv.cp_r3.compression", value: 7.674 },
    { id: "my.extra", value: 5 },
  ]);
  assert.equal(rows[0].paperValue, 98.59);
  assert.ok(Math.abs(rows[0].diff! - -1) < 1e-9);
  assert.ok(Math.abs(rows[0].relDiff! - -1 / 98.59) < 1e-12);
  assert.equal(rows[0].profile, "quick");
  assert.equal(rows[0].backend, "wasm");
  assert.equal(rows[1].withinTolerance, false);
  assert.ok(rows[1].uncertain);
  assert.ok(Math.abs(rows[2].diff! - (7.674 - 7.7)) < 1e-12);
  assert.equal(rows[2].withinTolerance, null);
  assert.equal(rows[3].paperValue, null);
  assert.equal(rows[3].diff, null);
  assert.equal(rows[3].paper, "extra");
});

test("record validates, save writes results/<paper>.json atomically, report writes md and json", () => {
  const dir = mkdtempSync(join(tmpdir(), "tnlab-papers-"));
  try {
    papers.clearRecords();
    assert.throws(() => papers.record("ttfc.nope", 1), /id = "ttfc.nope": not a known paper target/);
    assert.throws(() => papers.record("ttfc.mnist.tt_tt.acc", NaN), /value = NaN: expected a number/);
    papers.record("ttfc.mnist.tt_tt.acc", 90, { note: "first" });
    papers.record("ttfc.mnist.tt_tt.acc", 97.5, { note: "1 epoch", profile: "quick", backend: "wasm" });
    papers.record("cpconv.base.acc", 98.0, { profile: "quick", backend: "wasm" });
    assert.equal(papers.records().length, 2, "a second record of an id replaces the first");
    const files = papers.save(undefined, dir).sort();
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ["cp-conv-mnist.json", "tt-fc.json"]);
    const saved = papers.loadRecordFile(join(dir, "tt-fc.json"));
    assert.equal(saved.length, 1);
    assert.equal(saved[0].value, 97.5);
    assert.equal(saved[0].note, "1 epoch");
    const recs = papers.mergeRecords(saved, papers.loadRecordFile(join(dir, "cp-conv-mnist.json")));
    const rep = papers.report(recs, dir, { profile: "quick", notebooks: [{ notebook: "tt-fc.ipynb", paper: "tt-fc", ok: true, seconds: 3 }] });
    const md = readFileSync(rep.markdown, "utf8");
    assert.match(md, /\| `ttfc\.mnist\.tt_tt\.acc` \| .* \| % \| 98\.59 \| 97\.5 \| -1\.09 \| -1\.1 % \| quick \| wasm \|  \| 1 epoch \|/);
    assert.match(md, /## Ganzha/);
    const json = JSON.parse(readFileSync(rep.json, "utf8"));
    assert.equal(json.rows.length, 2);
    assert.equal(json.profile, "quick");
    assert.ok(readdirSync(dir).every((f) => !f.endsWith(".tmp")), "no temporary files left");
  } finally {
    papers.clearRecords();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("results go to TNLAB_RESULTS_DIR, else to results/ at the package root", () => {
  const before = process.env.TNLAB_RESULTS_DIR;
  try {
    process.env.TNLAB_RESULTS_DIR = "/tmp/somewhere";
    assert.equal(papers.resultsDir(), "/tmp/somewhere");
    delete process.env.TNLAB_RESULTS_DIR;
    assert.equal(papers.resultsDir(), join(__dirname, "..", "..", "results"));
  } finally {
    if (before === undefined) delete process.env.TNLAB_RESULTS_DIR;
    else process.env.TNLAB_RESULTS_DIR = before;
  }
});

test("settings are listed apart from results; values reached by construction are marked", () => {
  papers.clearRecords();
  try {
    // MUSCO's ρ, step count and w are typed into 50-musco: settings, even when recorded plainly.
    for (const id of ["musco.t1.setting.ratio", "musco.t1.setting.steps", "musco.t3.setting.w", "musco.min_rank.rank"]) assert.equal(papers.target(id)!.setting, true, id);
    assert.equal(papers.target("musco.t3.setting.stages")!.setting, undefined, "the stage count until the ranks stabilise is an outcome");
    papers.record("musco.t1.setting.ratio", 3.16);
    papers.record("musco.t3.setting.stages", 3, { note: "until stable" });
    papers.record("musco.a.fixed.rho", 2, { extra: true, setting: true });
    papers.record("ttconv.t1.tt_3_23.compression", 3.23);
    papers.record("ttconv.t1.tt_2_53.compression", 2.53, { byConstruction: "ranks searched to reach the paper's ratio" });
    assert.throws(() => papers.record("ttconv.t1.tt_2_53.compression", 2.53, { byConstruction: " " }), /byConstruction = " ": expected a few words/);
    assert.throws(() => papers.record("musco.a.x", 1, { extra: true, setting: true, byConstruction: "y" }), /setting and byConstruction both given/);
    const rows = papers.compare(papers.records());
    const kind = Object.fromEntries(rows.map((r) => [r.id, r.kind]));
    assert.deepEqual(kind, {
      "musco.t1.setting.ratio": "setting",
      "musco.t3.setting.stages": "result",
      "musco.a.fixed.rho": "setting",
      "ttconv.t1.tt_3_23.compression": "result",
      "ttconv.t1.tt_2_53.compression": "result",
    });
    assert.equal(rows.find((r) => r.id === "ttconv.t1.tt_2_53.compression")!.byConstruction, "ranks searched to reach the paper's ratio");
    const md = papers.reportMarkdown(rows, { generated: "now" });
    const musco = md.slice(md.indexOf("## Ponomarev"));
    const [resultPart, settingPart] = musco.split("Settings given to the runs (not results):");
    assert.ok(settingPart, "a settings table");
    assert.doesNotMatch(resultPart, /musco\.t1\.setting\.ratio/, "a setting is not in the results table");
    assert.match(resultPart, /\| `musco\.t3\.setting\.stages` \|/);
    assert.match(settingPart, /\| `musco\.t1\.setting\.ratio` \| .* \| 3\.16 \| 3\.16 \|/);
    assert.match(md, /\| `ttconv\.t1\.tt_2_53\.compression` c \| .*by construction: ranks searched to reach the paper's ratio/);
    assert.match(md, /\| `ttconv\.t1\.tt_3_23\.compression` \|/, "an independent check carries no mark");
  } finally {
    papers.clearRecords();
  }
});

test("tnlab reproduce's report shows the committed 25-epoch tt-fc runs of the run store once each, with dates and backend", async () => {
  const { paperRunsForReport } = await import("../../lib/experiments/long-runs");
  const { paperRuns } = await import("../../lib/experiments/tt-fc");
  const root = join(__dirname, "..", "..", "notebooks", "results", "runs");
  const runs = paperRuns("paper", root);
  const stored = paperRunsForReport(["tt-fc"], root).stored.filter((s) => s.id.startsWith("ttfc.mnist."));
  const ids = stored.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, `each number once: ${ids.join(", ")}`);
  assert.equal(stored.length, 2 * Object.keys(runs).length, "accuracy and loss of every stored run");
  for (const [id, run] of Object.entries(runs)) {
    const acc = stored.find((s) => s.id === `${id}.acc`)!;
    assert.equal(acc.value, run.bestAcc);
    assert.equal(acc.started, run.started);
    assert.equal(acc.backend, run.backend);
    assert.equal(acc.epochs, run.epochs.length);
    assert.equal(acc.source, `notebooks/results/runs/tt-fc-mnist/paper/${id}.json`);
    assert.equal(stored.find((s) => s.id === `${id}.loss`)!.value, Number(run.lossAtBest.toFixed(2)));
  }
  const md = papers.reportMarkdown([], { generated: "now", stored });
  assert.match(md, /## Stored runs at paper settings/);
  const fc = runs["ttfc.mnist.fc_fc_fc"];
  if (fc) {
    const paper = papers.target("ttfc.mnist.fc_fc_fc.acc")!.value;
    const diff = fc.bestAcc - paper;
    assert.match(md, new RegExp(`\\| \`ttfc\\.mnist\\.fc_fc_fc\\.acc\` \\| .* \\| ${paper} \\| ${fc.bestAcc} \\| ${diff > 0 ? "\\+" : ""}${Number(diff.toFixed(2))} \\| 0 \\| 25 \\| 60,000 / 10,000 \\| ${fc.started.replace(/\./g, "\\.")} \\|`));
  }
});

test("the report gives each paper's budget and engines above its table, and the seeds a value comes from", async () => {
  const { budgetLine } = await import("../../lib/experiments/budgets");
  assert.match(budgetLine("tt-conv", "quick"), /^CIFAR-10 5,000 images × 10 epochs \(LR ÷ 10 every 3\), 10,000 test; seed 12345$/);
  assert.match(budgetLine("cp-conv-mnist", "paper"), /^MNIST 60,000 images × 5 epochs/);
  for (const p of ["tt-fc", "tt-conv", "cp-conv-mnist", "resnet18-cp-tucker", "musco"] as const) {
    for (const profile of ["smoke", "quick", "paper"] as const) assert.ok(budgetLine(p, profile).length > 20, `${p} ${profile}`);
  }
  papers.clearRecords();
  const rec = papers.record("cpconv.cp_r9.acc", 97.5, { profile: "paper", backend: "tensorflow", seeds: [0, 1, 2], note: "mean of 3 seeds" });
  assert.deepEqual(rec.seeds, [0, 1, 2]);
  assert.throws(() => papers.record("cpconv.cp_r9.acc", 97.5, { seeds: [-1] }), /seeds = \[-1\]: expected a non-empty list/);
  const md = papers.reportMarkdown(papers.compare(papers.records()), { profile: "paper", budgets: { "cp-conv-mnist": budgetLine("cp-conv-mnist", "paper") } });
  assert.match(md, /Budget \(profile `paper`\): MNIST 60,000 images × 5 epochs.*Engines: tensorflow\./);
  assert.match(md, /\| `cpconv\.cp_r9\.acc` \* \|.*\| paper \| tensorflow \| 0, 1, 2 \| mean of 3 seeds \|/);
  papers.clearRecords();
});
