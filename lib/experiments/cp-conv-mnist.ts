// cp-conv-mnist.md: NetBase and its CP-tensorized version (both 3x3 convolutions as CP4 layers:
// 1x1 -> 3x1 -> 1x3 -> 1x1), trained on MNIST with the card's settings (Adam lr 1e-4, batch 64,
// 5 epochs, standardised pixels, epoch-5 test accuracy reported). One function per table or
// figure; budgets come from the profile. Both networks are in lib/models/cp-conv-mnist.ts.
import * as tf from "@tensorflow/tfjs";
import { mnist, type IdxDataset } from "../data/mnist";
import { standardization, type ImageSet } from "../data/image-set";
import { cpConvMnistBase, cpConvMnistTens as cpNet } from "../models/cp-conv-mnist";
import { trainableParams } from "../models/count";
import { compressModel } from "../compress/compress";
import { evaluate, fit } from "../train/fit";
import { fail } from "../errors";
import { runStore, type RunStore } from "../papers/run-store";
import { target } from "../papers/registry";
import { byProfile, type Profile } from "./profile";
import { meanSd, mnistSplit, secondsSince, testAccs, type RunResult, type Split } from "./shared";

/** NetTens (tn.models.cpConvMnistTens): NetBase with both convolutions CP4 layers of a rank. */
export { cpConvMnistTens as cpNet } from "../models/cp-conv-mnist";

/** The ranks of the paper's Table 1. */
export const TABLE_RANKS = [3, 6, 9] as const;

/** The card's §4 settings (lr and epochs from the paper; optimiser and batch size recommended). */
export const SETTINGS = { lr: 1e-4, epochs: 5, batchSize: 64 } as const;

export interface Budget {
  /** Training images (a seeded subset) or "all" 60,000. */
  train: number | "all";
  /** Test images (a seeded subset) or "all" 10,000. */
  test: number | "all";
  /** Epochs of Table 1 (the paper: 5). */
  epochs: number;
  /** Epochs of training after the CP-ALS initialisation (reading (b)). */
  initEpochs: number;
  /** Ranks and epochs of the sweep beyond the paper. */
  sweepRanks: number[];
  sweepEpochs: number;
  /** Seeds (0..seeds-1) and epochs of the spread study. */
  seeds: number;
  seedEpochs: number;
}

/**
 * `paper` runs Table 1 exactly as the card specifies; the studies beyond the paper (reading (b),
 * the rank sweep, the seed spread) get one epoch each on the full data so that the whole
 * notebook stays within the better part of an hour on a 2-core CPU.
 */
export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { train: 1000, test: 1000, epochs: 1, initEpochs: 1, sweepRanks: [1, 3, 9], sweepEpochs: 1, seeds: 2, seedEpochs: 1 },
    quick: { train: 10000, test: "all", epochs: 2, initEpochs: 1, sweepRanks: [1, 2, 3, 4, 6, 9, 12], sweepEpochs: 1, seeds: 3, seedEpochs: 1 },
    paper: { train: "all", test: "all", epochs: SETTINGS.epochs, initEpochs: 1, sweepRanks: [1, 2, 3, 4, 5, 6, 8, 10, 12], sweepEpochs: 1, seeds: 3, seedEpochs: 1 },
  });
}

/** MNIST cut to the budget (seeded subsets, so every model of a run sees the same images). */
export function loadData(b: Budget, data: IdxDataset = mnist()): Split {
  return mnistSplit(b, data);
}

/** Kernel weights of the two convolutions (biases excluded: the card's §2.3 convention). */
export function convKernelParams(model: tf.LayersModel): number {
  let n = 0;
  for (const name of ["conv1", "conv2"]) {
    const layer = model.getLayer(name);
    n += layer.countParams() - ((layer.getConfig() as { useBias?: boolean }).useBias === false ? 0 : 10);
  }
  return n;
}

/** 990 / 43R, counted on the built models. */
export function compressionRatio(rank: number): { base: number; cp: number; ratio: number } {
  const b = cpConvMnistBase({ seed: 0 });
  const c = cpNet(rank);
  const out = { base: convKernelParams(b), cp: convKernelParams(c), ratio: convKernelParams(b) / convKernelParams(c) };
  b.dispose();
  c.dispose();
  return out;
}

export interface Run extends RunResult {
  model: string;
  rank: number | null;
  seed: number;
  convKernelParams: number;
  /** Test accuracy (%) after the last epoch: the card's reported epoch. */
  finalAcc: number;
  /** Best test accuracy (%) over the epochs, logged as the card asks. */
  bestAcc: number;
}

/** Trains `model` with the card's optimiser and schedule on `data` for `epochs` epochs. */
export async function train(model: tf.LayersModel, data: { train: ImageSet; test: ImageSet }, o: { epochs: number; seed: number; label: string; rank: number | null; live?: boolean }): Promise<Run> {
  const t0 = Date.now();
  const r = await fit(model, data, {
    epochs: o.epochs,
    batchSize: SETTINGS.batchSize,
    optimizer: { name: "adam", lr: SETTINGS.lr },
    normalize: standardization(data.train, "channel"),
    select: "last",
    seed: o.seed,
    live: o.live ?? false,
  });
  const accs = testAccs(r.history.epochs);
  return {
    model: o.label,
    rank: o.rank,
    seed: o.seed,
    params: trainableParams(model),
    convKernelParams: convKernelParams(model),
    epochs: r.history.epochs,
    finalAcc: accs[accs.length - 1],
    bestAcc: Math.max(...accs),
    seconds: secondsSince(t0),
  };
}

/**
 * Table 1 and Figs. 1-2: NetBase and NetTens at ranks 3, 6, 9 trained from scratch (reading (a)).
 * Returns the runs and the trained NetBase (for reading (b); the caller disposes it).
 */
export async function table1(profile: Profile, opts: { seed?: number; data?: { train: ImageSet; test: ImageSet }; live?: boolean } = {}): Promise<{ runs: Run[]; base: tf.Sequential }> {
  const b = budget(profile);
  const data = opts.data ?? loadData(b);
  const seed = opts.seed ?? 0;
  const runs: Run[] = [];
  const base = cpConvMnistBase({ seed });
  runs.push(await train(base, data, { epochs: b.epochs, seed, label: "NetBase", rank: null, live: opts.live }));
  for (const rank of TABLE_RANKS) {
    const m = cpNet(rank, seed);
    runs.push(await train(m, data, { epochs: b.epochs, seed, label: `NetTens R=${rank}`, rank, live: opts.live }));
    m.dispose();
  }
  return { runs, base };
}

export interface InitComparison {
  rank: number;
  /** Reading (a): random factors, trained from scratch. */
  scratch: Run;
  /** Reading (b): CP-ALS of the trained NetBase kernels, accuracy right after the decomposition. */
  decomposedAcc: number;
  /** Relative kernel error of CP-ALS for conv1 and conv2. */
  kernelError: [number, number];
  /** Reading (b) after `initEpochs` epochs of training (compare with scratch.epochs at that epoch). */
  finetuned: Run;
}

/**
 * Reading (b) of the card's §7 item 1: decompose the kernels of a trained NetBase by CP-ALS
 * (random init, 100 iterations), then train the whole network with the same budget; compared with
 * reading (a) at the same rank and seed.
 */
export async function scratchVsCpAls(profile: Profile, trainedBase: tf.LayersModel, scratchRuns: Run[], opts: { seed?: number; data?: { train: ImageSet; test: ImageSet } } = {}): Promise<InitComparison[]> {
  const b = budget(profile);
  const data = opts.data ?? loadData(b);
  const seed = opts.seed ?? 0;
  const out: InitComparison[] = [];
  for (const rank of TABLE_RANKS) {
    const scratch = scratchRuns.find((r) => r.rank === rank);
    if (!scratch) fail("scratchRuns", scratchRuns.map((r) => r.rank), `a run at rank ${rank}`);
    const plan = { method: "cp4" as const, ranks: rank, maxIter: 100, seed };
    const { model, report } = await compressModel(trainedBase, { conv1: plan, conv2: plan });
    const norm = standardization(data.train, "channel");
    const before = await evaluate(model, data.test, { batchSize: 500, normalize: norm });
    const finetuned = await train(model, data, { epochs: b.initEpochs, seed, label: `CP-ALS init R=${rank}`, rank });
    model.dispose();
    out.push({
      rank,
      scratch,
      decomposedAcc: 100 * before.acc,
      kernelError: [report[0].relError, report[1].relError],
      finetuned,
    });
  }
  return out;
}

export interface SweepPoint {
  rank: number;
  ratio: number;
  acc: number;
  seconds: number;
}

/** Beyond the paper: accuracy against compression over a range of ranks (seed 0, `sweepEpochs` epochs). */
export async function rankSweep(profile: Profile, opts: { seed?: number; data?: { train: ImageSet; test: ImageSet } } = {}): Promise<SweepPoint[]> {
  const b = budget(profile);
  const data = opts.data ?? loadData(b);
  const seed = opts.seed ?? 0;
  const out: SweepPoint[] = [];
  for (const rank of b.sweepRanks) {
    const m = cpNet(rank, seed);
    const r = await train(m, data, { epochs: b.sweepEpochs, seed, label: `R=${rank}`, rank });
    m.dispose();
    out.push({ rank, ratio: compressionRatio(rank).ratio, acc: r.finalAcc, seconds: r.seconds });
  }
  return out;
}

export interface Spread {
  model: string;
  rank: number | null;
  accs: number[];
  mean: number;
  std: number;
}

/** Mean and sample standard deviation over seeds 0..n-1 of the test accuracy after `seedEpochs` epochs. */
export async function seedSpread(profile: Profile, opts: { data?: { train: ImageSet; test: ImageSet }; known?: Run[] } = {}): Promise<Spread[]> {
  const b = budget(profile);
  const data = opts.data ?? loadData(b);
  const out: Spread[] = [];
  for (const rank of [null, ...TABLE_RANKS]) {
    const accs: number[] = [];
    for (let seed = 0; seed < b.seeds; seed++) {
      // A Table 1 run of this seed already holds the accuracy at that epoch.
      const done = opts.known?.find((r) => r.rank === rank && r.seed === seed && r.epochs.length >= b.seedEpochs);
      if (done) {
        accs.push(100 * (done.epochs[b.seedEpochs - 1].testAcc ?? NaN));
        continue;
      }
      const m = rank === null ? cpConvMnistBase({ seed }) : cpNet(rank, seed);
      accs.push((await train(m, data, { epochs: b.seedEpochs, seed, label: "", rank })).finalAcc);
      m.dispose();
    }
    const { mean, sd } = meanSd(accs);
    const std = accs.length > 1 ? sd : 0;
    out.push({ model: rank === null ? "NetBase" : `NetTens R=${rank}`, rank, accs, mean, std });
  }
  return out;
}

/** The Table 1 model ids, in the table's order. */
export const TABLE_IDS = ["cpconv.base", ...TABLE_RANKS.map((r) => `cpconv.cp_r${r}`)];

/** The store of Table 1 runs per model and seed (`tnlab train cp-conv all --seed 0-4`). */
export function seedStore(profile: Profile, engine = "", root?: string): RunStore<Run> {
  const { train, test, epochs } = budget(profile);
  return runStore<Run>("cp-conv", profile, { train, test, epochs }, engine, root);
}

export interface SeedRow {
  id: string;
  model: string;
  paper: number;
  /** The seeds stored for this model, their last-epoch accuracies (%), mean and sample sd. */
  seeds: number[];
  accs: number[];
  mean: number;
  sd: number;
}

/** Table 1 over the seeds stored at `profile`: each model's mean ± sd beside the paper's single run. */
export function seedTable(profile: Profile = "paper", root?: string): SeedRow[] {
  const store = seedStore(profile, "", root);
  const recs = store.records();
  return TABLE_IDS.map((id) => {
    const mine = recs.filter((r) => r.meta.id === id || r.meta.id.startsWith(`${id}.seed`)).sort((a, b) => a.meta.seed - b.meta.seed);
    const accs = mine.map((r) => r.run.finalAcc);
    const { mean, sd } = meanSd(accs);
    return { id, model: id === "cpconv.base" ? "NetBase" : `NetTens R=${id.slice("cpconv.cp_r".length)}`, paper: target(`${id}.acc`)!.value, seeds: mine.map((r) => r.meta.seed), accs, mean, sd };
  });
}
