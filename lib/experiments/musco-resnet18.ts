// musco.md §3 / §5.2 `musco.a.resnet18` (the T4 analogue): MUSCO on the CIFAR-10 ResNet-18 that
// resnet18-cp-tucker's runs train (`tnlab train resnet18 r18.pure`), read from that run store.
// One-shot at ρ^K against MUSCO(nx, ρ, K) at an equal total fine-tuning budget, with Tucker-2 and
// with CP, repeated over seeds. Compression, fine-tuning and counting are musco.ts's (the card's
// §4 fine-tuning protocol), so the VGG-S and ResNet-18 analogues differ only in network and plan.
import type * as tf from "@tensorflow/tfjs";
import type { LayerPlan } from "../compress/compress";
import { fail } from "../errors";
import { runStore, type RunStore } from "../papers/run-store";
import { resnet18Cifar } from "../models/resnet18";
import type { EpochRecord } from "../train/history";
import { type CompressionRun, SETTINGS, multiStageRun, testAccuracy } from "./musco";
import { byProfile, type Profile } from "./profile";
import * as r18 from "./resnet18-cp-tucker";
import { differenceMargin, meanSd, type Split } from "./shared";

/**
 * The 3×3 convolutions MUSCO compresses: both convolutions of each of the 8 basic blocks. The stem
 * (7×7, C_in = 3) is below the minimum rank and stays dense (card §3). Also dense: the three 1×1
 * downsample convolutions, which the card gives to SVD but tn.compress's SVD takes Dense layers
 * only (172,032 of 11.18 M parameters, 1.5 %), and the 512 → 10 head (10 outputs, below the
 * minimum rank, as the card says).
 */
export const COMPRESSED_CONVS: readonly string[] = [1, 2, 3, 4].flatMap((s) => [0, 1].flatMap((b) => [1, 2].map((c) => `layer${s}_${b}_conv${c}`)));

/** The layers left dense, with why (for the notebook's plan table). */
export const LEFT_DENSE: readonly { layer: string; why: string }[] = [
  { layer: "conv1", why: "stem, C_in = 3 below the minimum rank" },
  ...[2, 3, 4].map((s) => ({ layer: `layer${s}_0_downsample_0`, why: "1×1 conv: the card's SVD takes Dense layers only in tn.compress" })),
  { layer: "fc", why: "head, 10 outputs below the minimum rank" },
];

export type Method = "tucker2" | "cp3" | "cp4";

export interface Budget {
  /** Fine-tuning images of one run (one-shot or all stages of MUSCO together). */
  ftImages: number;
  /** Repetitions: seeds 0 .. seeds − 1 (CP start, fine-tuning subsets and order). */
  seeds: number;
  /** Per-step reduction ρ and number of MUSCO stages K; one-shot runs at ρ^K. */
  ratio: number;
  stages: number;
  methods: Method[];
  cpIter: number;
  /** HOOI sweeps of each Tucker-2 (undefined: tucker2's default, 100). */
  hooiIter?: number;
}

/**
 * Beside musco.ts's budget. smoke: a few minutes (decomposing dominates, not training). quick: the quick Pure (10,000-image subset),
 * one epoch of it per run. paper: the card's §8 (3 + 3 epochs for MUSCO, 6 for one-shot) and the
 * card's 3 repetitions.
 */
export function budget(profile: Profile): Budget {
  const common = { ratio: 3.16, stages: 2, methods: ["tucker2", "cp4"] as Method[] };
  return byProfile<Budget>(profile, {
    // Decomposing the 16 kernels (up to 3×3×512×512) dominates at smoke: two seeds, 2 HOOI sweeps.
    smoke: { ...common, ftImages: 128, seeds: 2, cpIter: 2, hooiIter: 2 },
    quick: { ...common, ftImages: 10000, seeds: 3, cpIter: 50 },
    paper: { ...common, ftImages: 6 * 50000, seeds: 3, cpIter: 100 },
  });
}

/** The data the Pure of `profile` was trained and is tested on (resnet18-cp-tucker's budget). */
export function loadData(profile: Profile): Split {
  return r18.loadData(r18.budget(profile));
}

export interface Base {
  model: tf.LayersModel;
  acc: number;
  epochs: EpochRecord[];
  engine: string;
  /** When the stored Pure finished (ISO): a compression run is reused only on the same base. */
  finished: string;
  /** Where the weights came from: the store's folder, and whether this call trained them. */
  folder: string;
  trainedNow: boolean;
}

/**
 * The trained Pure ResNet-18 of `profile` from the `resnet18` run store. At smoke a missing one is
 * trained here (seconds) and stored with its weights; at quick / paper that would be hours, so
 * the error names the folder and the command that trains it.
 */
export async function resnet18Base(profile: Profile, data: Split, o: { engine?: string; root?: string } = {}): Promise<Base> {
  const store = r18.store(profile, o.engine ?? "", o.root);
  let model = resnet18Cifar({ seed: 0 });
  let trainedNow = false;
  try {
    if (!store.loadWeights(r18.PURE_ID, model)) {
      if (profile !== "smoke") {
        throw new Error(`profile = "${profile}": no trained Pure ResNet-18 in ${store.dir}; train it first (hours) with: npx tnlab train resnet18 ${r18.PURE_ID} --profile ${profile}`);
      }
      model.dispose();
      const started = new Date();
      const { model: trained, ...run } = await r18.pure(data, r18.budget(profile), { seed: 0 });
      model = trained;
      store.saveWeights(r18.PURE_ID, trained);
      store.set(r18.PURE_ID, run, { seed: 0, started });
      trainedNow = true;
    }
    const rec = store.record(r18.PURE_ID)!;
    const epochs = (rec.run as Omit<r18.PureRun, "model">).epochs ?? [];
    return { model, acc: await testAccuracy(model, data.test), epochs, engine: rec.meta.engine, finished: rec.meta.finished, folder: store.dir, trainedNow };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Per-step reduction ρ on every compressed 3×3 conv, as musco.ratioPlan: Tucker-2 ranks floored
 * at SETTINGS.minRank (`hooiIter` HOOI sweeps), CP ranks at 2 with `cpIter` ALS iterations from a seeded start.
 */
export function ratioPlan(ratio: number, method: Method = "tucker2", o: { minRank?: number; cpIter?: number; hooiIter?: number; seed?: number } = {}): Record<string, LayerPlan> {
  if (!(ratio > 1)) fail("ratio", ratio, "a per-step parameter reduction > 1");
  if (!["tucker2", "cp3", "cp4"].includes(method)) fail("method", method, '"tucker2", "cp3" or "cp4"');
  const minRank = o.minRank ?? SETTINGS.minRank;
  const plan: Record<string, LayerPlan> = {};
  for (const c of COMPRESSED_CONVS) {
    plan[c] = method === "tucker2" ? { method, ratio, minRank, ...(o.hooiIter === undefined ? {} : { maxIter: o.hooiIter }) } : { method, ratio, minRank: 2, maxIter: o.cpIter ?? 100, seed: o.seed ?? 0 };
  }
  return plan;
}

/** One seed's run without its model (disposed), with its ranks after every stage. */
export type SeedRun = Omit<CompressionRun, "model">;

export interface Row {
  method: Method;
  schedule: "one-shot" | "MUSCO";
  label: string;
  runs: SeedRun[];
  deltaAcc: { mean: number; sd: number };
  acc: { mean: number; sd: number };
  paramReduction: { mean: number; sd: number };
  macReduction: { mean: number; sd: number };
}

function row(method: Method, schedule: Row["schedule"], label: string, runs: SeedRun[]): Row {
  const of = (f: (r: SeedRun) => number) => meanSd(runs.map(f));
  return { method, schedule, label, runs, deltaAcc: of((r) => r.deltaAcc), acc: of((r) => r.final.acc), paramReduction: of((r) => r.paramReduction), macReduction: of((r) => r.macReduction) };
}

/** Where finished seed runs are kept: a `Map` (one session) or the folder store of `store`. */
export interface SeedCache {
  get(id: string): SeedRun | undefined;
  set(id: string, run: SeedRun, opts?: { seed?: number; started?: Date }): unknown;
}

/** The id of one seed's run in a SeedCache: "tucker2.musco.s1". */
export function runId(method: Method, schedule: Row["schedule"], seed: number): string {
  return `${method}.${schedule === "MUSCO" ? "musco" : "oneshot"}.s${seed}`;
}

/**
 * The folder store of finished seed runs ("musco-resnet18" beside the resnet18 runs), so that an
 * execution cut off after some of its runs (each takes minutes to an hour) resumes at the next.
 * A run is reused only under the same budget and the same stored Pure (its epochs and finishing time).
 */
export function store(profile: Profile, b: Budget, base: Pick<Base, "epochs" | "finished">, engine = "", root?: string): RunStore<SeedRun> {
  return runStore<SeedRun>("musco-resnet18", profile, { ...b, base: { pureEpochs: base.epochs.length, pureFinished: base.finished } }, engine, root);
}

/**
 * For each method: one-shot at ρ^K and MUSCO(nx, ρ, K), each with `ftImages` fine-tuning images in
 * all, for seeds 0 .. seeds − 1. Runs found in `cache` are not made again; each run made here is
 * added to it as soon as it finishes. `keep` returns the last seed's models of the runs made here
 * (a stored run has none; the caller disposes them).
 */
export async function comparison(base: tf.LayersModel, data: Split, b: Budget, o: { baseAcc?: number; keep?: boolean; cache?: SeedCache; log?: (line: string) => void } = {}): Promise<{ rows: Row[]; kept: { label: string; model: tf.LayersModel }[] }> {
  if (!Number.isInteger(b.stages) || b.stages < 2) fail("budget.stages", b.stages, "MUSCO stages K >= 2");
  if (!Number.isInteger(b.seeds) || b.seeds < 1) fail("budget.seeds", b.seeds, "a positive number of repetitions");
  const baseAcc = o.baseAcc ?? (await testAccuracy(base, data.test));
  const oneShotRatio = b.ratio ** b.stages;
  const rows: Row[] = [];
  const kept: { label: string; model: tf.LayersModel }[] = [];
  for (const method of b.methods) {
    const schedules = [
      { schedule: "one-shot" as const, ratio: oneShotRatio, stages: 1, label: `one-shot ${method} (ρ = ${oneShotRatio.toFixed(2)})` },
      { schedule: "MUSCO" as const, ratio: b.ratio, stages: b.stages, label: `MUSCO(nx, ${b.ratio}, ${b.stages}) ${method}` },
    ];
    for (const s of schedules) {
      const runs: SeedRun[] = [];
      for (let seed = 0; seed < b.seeds; seed++) {
        const id = runId(method, s.schedule, seed);
        const stored = o.cache?.get(id);
        let run: SeedRun;
        if (stored) run = stored;
        else {
          const started = new Date();
          const plan = ratioPlan(s.ratio, method, { cpIter: b.cpIter, hooiIter: b.hooiIter, seed });
          const { model, ...made } = await multiStageRun(base, data, { label: s.label, plan, stages: s.stages, ftImages: b.ftImages, seed, baseAcc });
          if (o.keep && seed === b.seeds - 1) kept.push({ label: s.label, model });
          else model.dispose();
          run = made;
          o.cache?.set(id, run, { seed, started });
        }
        runs.push(run);
        o.log?.(`${s.label}, seed ${seed}: ${run.final.acc.toFixed(2)} % (Δ ${run.deltaAcc.toFixed(2)} pp), ${run.paramReduction.toFixed(2)}× params, ${run.seconds.toFixed(0)} s${stored ? " (stored)" : ""}`);
      }
      rows.push(row(method, s.schedule, s.label, runs));
    }
  }
  return { rows, kept };
}

export interface Verdict {
  method: Method;
  /** MUSCO's mean Δtop-1 minus one-shot's (pp). */
  difference: number;
  /** The difference that counts: twice the larger of the seeds' standard error and the test-set noise (pp). */
  margin: number;
  verdict: "supported" | "not supported" | "inconclusive";
  why: string;
}

/**
 * The card's claim per method: MUSCO's Δtop-1 ≥ one-shot's at the same compression. A difference
 * counts beyond twice the larger of (a) the standard error of the difference of the two means over
 * seeds and (b) the binomial noise of two accuracies on `testSize` images (one seed has no (a)).
 */
export function verdicts(rows: Row[], testSize: number): Verdict[] {
  if (!(Number.isInteger(testSize) && testSize > 0)) fail("testSize", testSize, "the number of test images (> 0)");
  const out: Verdict[] = [];
  for (const method of new Set(rows.map((r) => r.method))) {
    const one = rows.find((r) => r.method === method && r.schedule === "one-shot");
    const mus = rows.find((r) => r.method === method && r.schedule === "MUSCO");
    if (!one || !mus) fail("rows", method, "a one-shot and a MUSCO row for each method");
    // Δtop-1 shifted by one constant, so that one-shot's mean is its accuracy, where the test noise is taken.
    const shift = one.acc.mean - one.deltaAcc.mean;
    const at = (r: Row) => r.runs.map((x) => x.deltaAcc + shift);
    const { difference, margin, seedSe, testNoise } = differenceMargin(at(mus), at(one), testSize);
    const verdict = difference > margin ? "supported" : -difference > margin ? "not supported" : "inconclusive";
    const why = `difference ${difference.toFixed(2)} pp against ±${margin.toFixed(2)} pp (seed SE ${seedSe.toFixed(2)}, test noise ${testNoise.toFixed(2)}; ${mus.runs.length} seed(s))`;
    out.push({ method, difference, margin, verdict, why });
  }
  return out;
}

// The notebook's tables and plot series (kept apart: they only read a comparison's rows).
export { pm, initDrift, summaryRows, deltaScatter, rankRows, meanKernelError, stageRows } from "./musco-resnet18-views";
