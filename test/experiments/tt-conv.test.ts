// tt-conv: every row of Tables 1-2 has a configuration whose compression rounds to the paper's
// under the card's counting convention, and the formula count equals the built model's count.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { use } from "../../lib/backend";
import * as ex from "../../lib/experiments/tt-conv";
import * as runs from "../../lib/experiments/tt-conv-runs";
import { cifarMissing, reproduceSmoke } from "./helpers";
import { backendUnderTest } from "../backends";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-ttconv-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("published configurations A and B: 172,518 and 334,554 parameters, 3.2301x and 41.651x", async () => {
  await use(backendUnderTest("cpu"));
  assert.equal(ex.configParams(ex.PUBLISHED.A), 172518);
  assert.equal(ex.builtParams(ex.PUBLISHED.A), 172518);
  assert.equal(ex.compression(ex.PUBLISHED.A).toFixed(4), "3.2301");
  assert.equal(ex.configParams(ex.PUBLISHED.B), 334554);
  assert.equal(ex.builtParams(ex.PUBLISHED.B), 334554);
  assert.equal(ex.compression(ex.PUBLISHED.B).toFixed(3), "41.651");
  // 13,934,538 / (13,934,538 - 8192·1536 - 1536·512): the card's derived 24.65.
  assert.equal(ex.fcOnlyCeiling().toFixed(2), "24.65");
});

test("buildNet: TT-FC layers start from TensorNet's init, TT convolutions from the thesis code's (tt-conv.md §2.6)", async () => {
  await use("cpu");
  const m = ex.buildNet(ex.PUBLISHED.B, 1);
  try {
    const inits = (cls: string) => m.layers.filter((l) => l.getClassName() === cls).map((l) => l.getConfig().kernelInitializer);
    assert.deepEqual(inits("TTDense"), ["tensornet", "tensornet"]);
    assert.ok(inits("TTConv2D").length > 0 && inits("TTConv2D").every((i) => i === "paper"));
  } finally {
    m.dispose();
  }
});

test("every Table 1-2 row: the configuration's compression rounds to the paper's, counted and built alike", async () => {
  await use(backendUnderTest("cpu"));
  for (const row of ex.ROWS) {
    const c = ex.rowConfig(row);
    assert.equal(Math.round(ex.compression(c) * 100) / 100, row.ratio, `${row.id}: ${ex.compression(c)}`);
    assert.equal(ex.builtParams(c), ex.configParams(c), `${row.id}: built model = formula`);
  }
  // The card's natural candidates come out of the search's tie-break (closest ranks).
  assert.deepEqual(ex.search("conv-tt-fc", 21.01).fc, { fc4_1: [1, 25, 25, 25, 1], fc4_2: [1, 20, 20, 20, 1] });
  assert.deepEqual(ex.search("tt-conv-tt-fc", 82.87).fc, { fc4_1: [1, 20, 20, 20, 1], fc4_2: [1, 20, 20, 20, 1] });
  assert.throws(() => ex.search("conv-tt-fc", 30), /ratio = 30: expected a compression reachable in the conv-tt-fc family/);
  assert.throws(() => ex.search("tt-conv", 0.5), /ratio = 0.5: expected a compression ratio above 1/);
});

test("reshaping study: both TT forms are exact at full rank and their errors fall with the rank", async () => {
  const { ndarray } = await import("../../lib/linalg");
  const { rng } = await import("../../lib/random");
  const g = rng(5);
  const k = ndarray([3, 3, 64, 64], Float64Array.from({ length: 9 * 64 * 64 }, () => g.normal()));
  const pts = ex.reshapingStudy(k, [2, 8, 32, 1000]);
  for (const kind of ["proposed", "naive"] as const) {
    const errs = pts.filter((p) => p.reshaping === kind).map((p) => p.relError);
    for (let i = 1; i < errs.length; i++) assert.ok(errs[i] <= errs[i - 1] + 1e-12, `${kind}: error falls with the rank`);
    assert.ok(errs[errs.length - 1] < 1e-10, `${kind}: full rank rebuilds the kernel (${errs[errs.length - 1]})`);
  }
  assert.throws(() => ex.reshapingStudy(ndarray([5, 5, 64, 64]), [2]), /kernel.shape = \[5, 5, 64, 64\]: expected \[3, 3, C, S\]/);
});

test("reshaping study at equal budgets: ranks fill the budget, both forms are compared at counts within 5 % of it", async () => {
  await use("cpu");
  for (const shape of [[9, 16, 64, 16], [3, 3, 128, 128], [9, 16, 16, 16]]) {
    for (const budget of [500, 7373, 44237]) {
      const r = ex.ranksForBudget(shape, budget)!;
      const count = (q: number[]) => shape.reduce((a, n, i) => a + q[i] * n * q[i + 1], 0);
      assert.ok(count(r) <= budget, `${shape}: ${count(r)} > ${budget}`);
      // Full: no single bond can grow by one without passing the budget (or its maximum).
      const bound = [1, ...shape.slice(0, -1).map((_, k) => Math.min(shape.slice(0, k + 1).reduce((a, b) => a * b, 1), shape.slice(k + 1).reduce((a, b) => a * b, 1))), 1];
      for (let i = 1; i < r.length - 1; i++) {
        if (r[i] < bound[i]) assert.ok(count(r.map((x, j) => (j === i ? x + 1 : x))) > budget, `${shape} @${budget}: bond ${i} could grow`);
      }
    }
  }
  assert.equal(ex.ranksForBudget([9, 16, 64, 16], 10), undefined);
  const kernel = { shape: [3, 3, 64, 64], data: Float64Array.from({ length: 9 * 64 * 64 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011)) };
  const pts = ex.reshapingAtBudgets(kernel, [2000, 9 * 64 * 64 * 4]);
  for (const b of [2000]) {
    const [p, n] = ["proposed", "naive"].map((k) => pts.find((q) => q.budget === b && q.reshaping === k)!);
    assert.ok(p.params <= b && n.params <= b && p.params > 0.95 * b && n.params > 0.95 * b, `${p.params}, ${n.params} vs ${b}`);
  }
  // A budget above both full TT sizes: both reshapings are exact.
  for (const q of pts.filter((x) => x.budget > 9 * 64 * 64)) assert.ok(q.relError < 1e-6, `${q.reshaping}: ${q.relError}`);
});

test("tnlab reproduce --profile smoke --only tt-conv: every row's compression, the published counts, the ceiling and the smoke rows' accuracies", { skip: cifarMissing(), timeout: 600_000 }, () => {
  const out = join(dir, "results");
  const byId = reproduceSmoke("tt-conv", out, 590_000);
  for (const r of ex.ROWS) assert.equal(byId.get(`${r.id}.compression`)?.value, r.ratio, `${r.id}.compression`);
  assert.equal(byId.get("ttconv.t1.conv.params")?.value, 557248);
  assert.equal(byId.get("ttconv.t2.convfc.params")?.value, 13934538);
  assert.equal(byId.get("ttconv.t1.tt_3_23.params")?.value, 172518);
  assert.equal(byId.get("ttconv.t2.ttconvttfc_41_65.params")?.value, 334554);
  assert.equal(byId.get("ttconv.claim.bottleneck.ceiling")?.value, 24.65);
  for (const id of runs.budget("smoke").rows) {
    const acc = byId.get(`${id}.acc`)?.value;
    assert.ok(acc !== undefined && acc >= 0 && acc <= 100, `${id}.acc recorded as a percentage (${acc})`);
  }
  assert.ok(existsSync(join(out, "20-tt-conv.ipynb")), "executed notebook written");
});

test("the thesis recipe learns: the conv baseline on 1,000 images x 2 epochs clears chance by far", { skip: cifarMissing(), timeout: 900_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const b = { ...runs.budget("smoke"), train: 1000, test: 500, epochs: 2, stepEvery: 1 };
  const r = await runs.trainRow("ttconv.t1.conv", b, runs.loadData(b));
  // The seeded run reached 27.4 % (averaged weights) where chance is 10 % (one standard error on
  // 500 images: 1.3 pp); 15 % fails a run that learned nothing.
  assert.ok(r.final > 15, `conv baseline learned: ${r.final} % (chance 10 %)`);
  assert.equal(r.epochs.length, 2);
});


test("lrDrops marks the epochs after which the rate fell; averagedHistory reports the averaged weights' accuracy per epoch", () => {
  const epochs = [0.1, 0.1, 0.01, 0.01, 0.001].map((lr, i) => ({ epoch: i + 1, lr, trainLoss: 2 - i / 10, trainAcc: 0.3, testAcc: 0.2 + i / 100, seconds: 1 }));
  const r = { id: "ttconv.t1.conv", epochs, emaAcc: [21, 23, 25, 26, 27] } as unknown as runs.RowRun;
  assert.deepEqual(runs.lrDrops(r), [{ at: 2.5, label: "LR ÷ 10" }, { at: 4.5, label: "LR ÷ 10" }]);
  const h = runs.averagedHistory(r);
  assert.equal(h.label, "t1.conv");
  assert.deepEqual(h.epochs.map((e) => e.testAcc), [0.21, 0.23, 0.25, 0.26, 0.27]);
  assert.deepEqual(h.epochs.map((e) => e.trainLoss), epochs.map((e) => e.trainLoss), "the rest of each record is kept");
});

test("rowSeeds reads each row's runs over seeds from the store; compareRows counts the seeds' spread beside the test noise", async () => {
  const { rowSeeds, rowSeedsTable, compareRows } = await import("../../lib/experiments/tt-conv-seeds");
  const { differenceMargin } = await import("../../lib/experiments/shared");
  const root = join(dir, "seeds");
  const store = runs.rowStore("quick", runs.budget("quick"), "e", root);
  const fake = (id: string, final: number): runs.RowRun => ({ id, table: 1, family: "tt-conv", paperRatio: 2.02, compression: 2.02, params: 1, lr: 0.1, epochs: [], emaAcc: [final], final, best: final, finalRaw: final, seconds: 1, trainImgPerSec: 1 });
  const [a, b] = ["ttconv.t1.tt_2_02", "ttconv.t1.naive_2_02"];
  store.set(`${a}.seed2`, fake(a, 60.4), { seed: 2 });
  store.set(a, fake(a, 60), { seed: 12345 });
  store.set(`${a}.seed1`, fake(a, 59.6), { seed: 1 });
  store.set(b, fake(b, 55), { seed: 12345 });
  // Another row whose id starts like a's is not one of a's seeds.
  store.set("ttconv.t1.tt_2_02x", fake(a, 10), { seed: 12345 });
  const [sa, sb, none] = rowSeeds([a, b, "ttconv.t1.tt_4_02"], "quick", root);
  assert.deepEqual(sa.seeds, [12345, 1, 2], "the default seed first, then by seed");
  assert.deepEqual(sa.finals, [60, 59.6, 60.4]);
  assert.ok(Math.abs(sa.mean - 60) < 1e-9 && Math.abs(sa.sd - 0.4) < 1e-9);
  assert.deepEqual(none.finals, []);
  assert.deepEqual(rowSeedsTable([sa, sb, none]).map((r) => r["averaged-weight acc (%)"]), ["60.00 ± 0.40", "55.00", "–"]);
  // 5 pp on 10,000 test images: far beyond the noise (√2·binomial SE at 55 % is 0.70 pp) and the seeds' SE.
  const c = compareRows(sa, sb, 10000);
  assert.equal(c.verdict, "higher");
  assert.match(c.text, /^\+5\.00 pp \(higher; counts beyond ±1\.41 pp: seed SE 0\.23, test noise 0\.70; 3 and 1 seed\(s\)\)$/);
  assert.equal(compareRows(sb, sa, 10000).verdict, "lower");
  // The same means with a spread of several pp between seeds: within noise.
  const wide = { ...sa, finals: [52, 60, 68] };
  assert.equal(compareRows(wide, sb, 10000).verdict, "within noise");
  // One seed each on 500 test images: 5 pp is within 2·√2·SE ≈ 6.3 pp.
  assert.equal(compareRows({ ...sa, finals: [60] }, sb, 500).verdict, "within noise");
  const m = differenceMargin([50], [40], 10000);
  assert.ok(Math.abs(m.testNoise - 100 * Math.SQRT2 * Math.sqrt(0.24 / 10000)) < 1e-12 && m.seedSe === 0 && m.margin === 2 * m.testNoise && m.difference === 10);
  assert.throws(() => differenceMargin([], [1], 100), /accuracies = "0 and 1": expected at least one value on each side/);
  assert.throws(() => differenceMargin([1], [1], 0), /testSize = 0/);
});
