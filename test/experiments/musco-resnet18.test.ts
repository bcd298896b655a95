// musco-resnet18: the plan covers the block 3×3 convolutions and nothing else, a missing quick Pure
// is an error naming the command that trains it, and at smoke the one-shot vs MUSCO comparison runs
// end to end for Tucker-2 and CP (ranks never grow across stages, the models are smaller).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import * as m18 from "../../lib/experiments/musco-resnet18";
import { counts } from "../../lib/experiments/musco";
import { resnet18Cifar } from "../../lib/models/resnet18";
import { compressModel } from "../../lib/compress/compress";
import { cifarMissing } from "./helpers";
import { meanSd } from "../../lib/experiments/shared";
import { backendUnderTest } from "../backends";

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "tnlab-musco-r18-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

test("the plan compresses exactly the 3×3 convolutions but the stem, by the chosen method", async () => {
  await use(backendUnderTest("cpu"));
  const model = resnet18Cifar({ seed: 0 });
  const threeByThree = model.layers
    .filter((l) => l.getClassName() === "Conv2D" && (l.getConfig() as { kernelSize: number[] }).kernelSize.join() === "3,3")
    .map((l) => l.name);
  const stem = model.getLayer("conv1").getConfig() as { kernelSize: number[] };
  model.dispose();
  assert.equal(threeByThree.length, 16, "two 3×3 convolutions in each of the 8 blocks");
  assert.deepEqual(stem.kernelSize, [7, 7], "the stem is the 7×7 conv on 3 channels");
  for (const method of ["tucker2", "cp3", "cp4"] as const) {
    const plan = m18.ratioPlan(3.16, method, { cpIter: 5, seed: 1 });
    assert.deepEqual(Object.keys(plan).sort(), [...threeByThree].sort(), method);
    for (const p of Object.values(plan)) assert.equal(p.method, method);
  }
  assert.ok(!("conv1" in m18.ratioPlan(3.16)), "the stem stays dense");
  assert.deepEqual(m18.LEFT_DENSE.map((l) => l.layer).sort(), ["conv1", "fc", "layer2_0_downsample_0", "layer3_0_downsample_0", "layer4_0_downsample_0"]);
  assert.throws(() => m18.ratioPlan(1), /ratio.*1.*> 1/);
  assert.throws(() => m18.ratioPlan(2, "svd" as "cp3"), /method.*svd.*"tucker2", "cp3" or "cp4"/);
});

test("a Tucker-2 plan's maxIter caps the HOOI sweeps: fewer sweeps, a larger kernel error", { timeout: 60_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 24], filters: 24, kernelSize: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }), name: "c" })] });
  const before = tf.memory().numTensors;
  const err = async (maxIter?: number) => {
    const { model: m, report } = await compressModel(model, { c: { method: "tucker2", ranks: [6, 6], ...(maxIter === undefined ? {} : { maxIter }) } });
    m.dispose();
    return report[0].relError;
  };
  const [hosvd, full] = [await err(0), await err(undefined)];
  assert.ok(full < hosvd - 1e-4, `HOOI to convergence ${full} below HOSVD (0 sweeps) ${hosvd}`);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
  assert.equal(m18.ratioPlan(3.16, "tucker2", { hooiIter: 2 }).layer4_1_conv2.maxIter, 2);
});

test("verdicts: a difference counts only beyond the seeds' spread and the test noise", () => {
  const run = (d: number) => ({ deltaAcc: d, final: { acc: 80 + d } }) as unknown as m18.SeedRun;
  const mk = (schedule: "one-shot" | "MUSCO", ds: number[]): m18.Row => ({
    method: "tucker2", schedule, label: schedule, runs: ds.map(run),
    deltaAcc: meanSd(ds), acc: meanSd(ds.map((d) => 80 + d)), paramReduction: { mean: 10, sd: 0 }, macReduction: { mean: 9, sd: 0 },
  });
  const v = (a: number[], b: number[], n = 10000) => m18.verdicts([mk("one-shot", a), mk("MUSCO", b)], n)[0];
  assert.equal(v([-5, -5.2, -4.8], [-2, -2.2, -1.8]).verdict, "supported");
  assert.equal(v([-2, -2.2, -1.8], [-5, -5.2, -4.8]).verdict, "not supported");
  assert.equal(v([-5, 1, -9], [-2, 4, -8]).verdict, "inconclusive", "a 2.3 pp gain inside a spread of several pp");
  assert.equal(v([-5], [-4], 128).verdict, "inconclusive", "1 pp on 128 test images is noise");
  assert.deepEqual(meanSd([1, 3]), { mean: 2, sd: Math.SQRT2 });
  assert.throws(() => m18.verdicts([], 0), /testSize.*0/);
});

test("initDrift: zero for the seed's own initialisation, the relative distance for a moved kernel", { timeout: 120_000 }, async () => {
  await use(backendUnderTest("wasm"));
  const model = resnet18Cifar({ seed: 0 });
  try {
    const fresh = m18.initDrift(model, 0);
    assert.deepEqual(fresh.map((d) => d.layer), [...m18.COMPRESSED_CONVS]);
    assert.ok(fresh.every((d) => d.drift === 0), "an untrained model has not moved");
    // W = 1.5 W_init moved by half its norm; W_init + W_init' (another seed's start) by about √2 for independent starts.
    const layer = model.getLayer("layer2_1_conv2");
    const [w0] = layer.getWeights();
    layer.setWeights([tf.mul(w0, 1.5), ...layer.getWeights().slice(1)]);
    const moved = m18.initDrift(model, 0);
    for (const d of moved) assert.ok(Math.abs(d.drift - (d.layer === "layer2_1_conv2" ? 0.5 : 0)) < 1e-5, `${d.layer}: ${d.drift}`);
    const other = m18.initDrift(resnet18Cifar({ seed: 0 }), 1);
    assert.ok(other.every((d) => d.drift > 1.3 && d.drift < 1.5), other.map((d) => d.drift.toFixed(3)).join(" "));
    assert.throws(() => m18.initDrift(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], name: "layer1_0_conv1" })] }), 0, ["layer1_0_conv1"]), /model = .*layer1_0_conv1 kernel/);
  } finally {
    model.dispose();
  }
});

test("the notebook's tables: mean ± sd per run, ranks and kernel error stage by stage of one seed", () => {
  const stage = (n: number, rank: number, err: number[], acc: [number, number]) => ({
    stage: n, params: 0, macs: 0, ftImages: 100, accCompressed: acc[0], accFineTuned: acc[1],
    ranks: Object.fromEntries(m18.COMPRESSED_CONVS.map((l) => [l, [rank, rank]])),
    rows: err.map((relError) => ({ relError })),
  });
  const run = (stages: ReturnType<typeof stage>[], d: number, pr: number) => ({ deltaAcc: d, paramReduction: pr, ftImages: 200, stages }) as unknown as m18.SeedRun;
  const musco: m18.Row = {
    method: "tucker2", schedule: "MUSCO", label: "MUSCO Tucker-2",
    runs: [run([stage(1, 32, [0.2, 0.4], [50, 60]), stage(2, 16, [0.5, 0.7], [40, 55.5])], -3, 9.5), run([stage(1, 30, [0.1], [50, 61])], -5, 10.5)],
    deltaAcc: meanSd([-3, -5]), acc: meanSd([57, 55]), paramReduction: meanSd([9.5, 10.5]), macReduction: { mean: 8, sd: NaN },
  };
  const [sum] = m18.summaryRows([musco]);
  assert.deepEqual(sum, { run: "MUSCO Tucker-2", seeds: 2, "top-1 (%)": "56.00 ± 1.41", "Δtop-1 (pp)": "-4.00 ± 1.41", "param reduction": "10.00 ± 0.71×", "MAC reduction": "8.00×", "fine-tuning images": 200 });
  assert.equal(m18.rankRows([musco])[0]["MUSCO Tucker-2"], "32/32 → 16/16");
  assert.equal(m18.rankRows([musco], 1)[0]["MUSCO Tucker-2"], "30/30");
  assert.deepEqual(m18.stageRows([musco]), [{ run: "MUSCO Tucker-2", "stage 1: kernel error · top-1 compressed → fine-tuned": "0.30 · 50.0 % → 60.0 %", "stage 2: kernel error · top-1 compressed → fine-tuned": "0.60 · 40.0 % → 55.5 %" }]);
  assert.throws(() => m18.stageRows([musco], 2), /seed = 2.*below 2/);
  assert.deepEqual(m18.deltaScatter([musco]), { "MUSCO Tucker-2": { x: [9.5, 10.5], y: [-3, -5], labels: ["seed 0", "seed 1"] } });
});

test("a quick Pure missing from the run store is an error naming its folder and the command that trains it", { timeout: 60_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const empty = { train: undefined, test: undefined } as unknown as Parameters<typeof m18.resnet18Base>[1];
  await assert.rejects(m18.resnet18Base("quick", empty, { root }), (e: Error) => {
    assert.match(e.message, /npx tnlab train resnet18 r18\.pure --profile quick/);
    assert.ok(e.message.includes(join(root, "resnet18", "quick")), e.message);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, "the model built for the weights is disposed");
});

test("at smoke: Pure trained and stored once, then one-shot vs MUSCO for Tucker-2 and CP end to end", { skip: cifarMissing(), timeout: 900_000 }, async () => {
  // wasm, as the long-run tests: ResNet-18 on the pure-JS cpu backend would take many minutes.
  await use(backendUnderTest("wasm"));
  const data = m18.loadData("smoke");
  const first = await m18.resnet18Base("smoke", data, { root, engine: "test" });
  assert.ok(first.trainedNow, "no Pure in the empty store: trained here");
  assert.ok(existsSync(join(root, "resnet18", "smoke", "r18.pure.tnckpt")), "weights kept in the store");
  const again = await m18.resnet18Base("smoke", data, { root });
  assert.ok(!again.trainedNow, "the second call reads the store");
  assert.equal(again.acc, first.acc, "same weights, same accuracy");
  first.model.dispose();
  const base = again.model;
  const b = { ...m18.budget("smoke"), methods: ["tucker2", "cp4"] as m18.Method[] };
  const cache = m18.store("smoke", b, again, "test", root);
  const { rows, kept } = await m18.comparison(base, data, b, { baseAcc: again.acc, keep: true, cache });
  assert.deepEqual(rows.map((r) => `${r.method}:${r.schedule}`), ["tucker2:one-shot", "tucker2:MUSCO", "cp4:one-shot", "cp4:MUSCO"]);
  const baseCounts = counts(base);
  for (const r of rows) {
    assert.equal(r.runs.length, b.seeds, r.label);
    for (const run of r.runs) {
      assert.equal(run.ftImages, r.schedule === "MUSCO" ? b.stages * Math.floor(b.ftImages / b.stages) : b.ftImages, `${r.label}: equal fine-tuning budget`);
      assert.equal(run.stages.length, r.schedule === "MUSCO" ? b.stages : 1);
      assert.ok(run.final.params < baseCounts.params && run.final.macs < baseCounts.macs, `${r.label}: ${run.final.params} params`);
      assert.ok(Number.isFinite(run.deltaAcc));
    }
    if (r.schedule !== "MUSCO") continue;
    for (const run of r.runs) {
      for (const layer of m18.COMPRESSED_CONVS) {
        const seq = run.stages.map((s) => s.ranks[layer]);
        for (let i = 1; i < seq.length; i++) seq[i].forEach((x, k) => assert.ok(x <= seq[i - 1][k], `${r.label} ${layer}: ${seq.map((q) => q.join("/")).join(" → ")}`));
      }
    }
  }
  for (const k of kept) {
    assert.ok(counts(k.model).params < baseCounts.params / 2, `${k.label}: the compressed model is much smaller`);
    k.model.dispose();
  }

  // Each finished run is a record: an execution cut off after some runs makes only the others.
  const ids = rows.flatMap((r) => r.runs.map((_, seed) => m18.runId(r.method, r.schedule, seed)));
  assert.equal(new Set(ids).size, 4 * b.seeds);
  for (const id of ids) assert.ok(existsSync(cache.file(id)), `${id} stored`);
  rmSync(cache.file("cp4.musco.s1"));
  const lines: string[] = [];
  const resumed = await m18.comparison(base, data, b, { baseAcc: again.acc, cache: m18.store("smoke", b, again, "test", root), log: (l) => lines.push(l) });
  assert.equal(lines.length, ids.length);
  assert.deepEqual(lines.map((l, i) => [ids[i], l.endsWith("(stored)")]), ids.map((id) => [id, id !== "cp4.musco.s1"]), lines.join("\n"));
  assert.ok(existsSync(cache.file("cp4.musco.s1")), "the run made again is stored");
  resumed.rows.forEach((r, i) => {
    assert.equal(r.label, rows[i].label);
    if (r.label !== rows[3].label) assert.deepEqual([r.acc, r.deltaAcc, r.paramReduction], [rows[i].acc, rows[i].deltaAcc, rows[i].paramReduction], r.label);
  });
  assert.equal(m18.store("smoke", b, { ...again, finished: "2000-01-01T00:00:00.000Z" }, "", root).get(ids[0]), undefined, "runs on another Pure are not reused");
  assert.equal(m18.store("smoke", { ...b, ftImages: 256 }, again, "", root).get(ids[0]), undefined, "nor under another budget");
  base.dispose();
});
