// Runs too long for a notebook cell (a tt-conv row at the paper's 100 epochs is about a day here),
// trained by `tnlab train` into the run store: each checkpoints every epoch beside its record, so
// it resumes after an interruption or in another session (commit the .run folder to carry it
// over); when it finishes, its record is written and the checkpoints removed. The notebooks show
// finished runs as results and unfinished ones as in progress, with their curve so far.
import { describe, type BackendInfo } from "../backend";
import { meanSd } from "./shared";
import { fail } from "../errors";
import type { RunInProgressRow, StoredRun } from "../papers/compare";
import { recordTrainingSeconds, runEngine, runStore, type RunStore, type StoredTraining } from "../papers/run-store";

export { runEngine } from "../papers/run-store";
import type { Profile } from "./profile";
import { engineSegments, runStart, type EpochRecord } from "../train/history";
import { pauseDue, TrainingPaused } from "../train/pause";
import * as cpConv from "./cp-conv-mnist";
import { cpConvMnistBase } from "../models/cp-conv-mnist";
import * as r18 from "./resnet18-cp-tucker";
import { resnet18Cifar } from "../models/resnet18";
import * as ttConv from "./tt-conv";
import * as ttConvRuns from "./tt-conv-runs";
import * as ttFc from "./tt-fc";

/** One kind of long run, with `T` the record its training stores (methods, so a kind of any `T` is a `LongRunKind`). */
export interface LongRunKind<T extends object = object> {
  /** The paper whose report shows these runs. */
  paper: string;
  /** Training and test images of the full data sets the paper profile uses. */
  images: { train: number; test: number };
  /** The target a finished run's number is compared with, and that number. */
  result(id: string, run: T): { target: string; value: number; note: string };
  /** Further numbers of a finished run (e.g. its loss), each a report row of its own. */
  more?(id: string, run: T): { target: string; value: number; note: string }[];
  /** A finished run's epochs, for its status (default: its `epochs`). */
  epochs?(run: T): EpochRecord[];
  /** What the ids are, for `tnlab train --list` and errors. */
  what: string;
  ids(profile: Profile): string[];
  /** The seed a run gets when none is named; its record is stored under the plain id. */
  defaultSeed: number;
  store(profile: Profile, engine: string, root?: string): RunStore<T>;
  /** Trains (or resumes) one id with `seed` into the store, under the record name `key`; `log` gets progress lines of stages without epochs. */
  train(id: string, key: string, profile: Profile, store: RunStore<T>, info: BackendInfo, seed: number, log: (line: string) => void): Promise<void>;
}

const ttConvKind: LongRunKind<ttConvRuns.RowRun> = {
  paper: "tt-conv",
  images: { train: 50000, test: 10000 },
  result: (id, r) => ({ target: `${id}.acc`, value: Number(r.final.toFixed(2)), note: `averaged weights after the last epoch (best ${r.best.toFixed(2)}, raw ${r.finalRaw.toFixed(2)})` }),
  what: "tt-conv rows of Tables 1-2 (tt-conv.md §5), the thesis recipe",
  ids: (p) => ttConvRuns.budget(p).rows,
  defaultSeed: ttConvRuns.SETTINGS.seed,
  store: (p, engine, root) => ttConvRuns.rowStore(p, ttConvRuns.budget(p), engine, root),
  async train(id, key, p, store, _info, seed) {
    ttConv.row(id);
    const b = ttConvRuns.budget(p);
    const started = new Date();
    const r = await ttConvRuns.trainRow(id, b, ttConvRuns.loadData(b), { seed, checkpointDir: store.checkpointDir(key) });
    store.set(key, r, { seed, started });
  },
};

const ttFcMnistKind: LongRunKind<ttFc.Run> = {
  paper: "tt-fc",
  images: { train: 60000, test: 10000 },
  result: (id, r) => ({
    target: `${id}.acc`,
    value: r.bestAcc,
    note: `best of ${r.epochs.length} epochs (last ${r.lastAcc} %${r.bnReestimatedAcc === undefined ? "" : `; BN statistics re-estimated ${r.bnReestimatedAcc.toFixed(2)} %`})`,
  }),
  what: "tt-fc MNIST models of Table 1 (tt-fc.md §5), SGD 0.001 momentum 0.9, best-test selection",
  ids: (p) => ttFc.budget(p).mnist.models,
  defaultSeed: 0,
  more: (id, r) => [{ target: `${id}.loss`, value: Number(r.lossAtBest.toFixed(2)), note: "at the best epoch" }],
  store: (p, engine, root) => ttFc.mnistStore(p, engine, root),
  async train(id, key, p, store, info, seed) {
    if (!ttFc.runnable(id, info.backend)) fail("id", id, `a model the ${info.backend} backend can train (the 262,144-wide models need the native backend: npx tnlab native)`);
    const b = ttFc.budget(p);
    const started = new Date();
    const r = await ttFc.mnistRun(id, b.mnist.epochs, ttFc.mnistData(b), seed, store.checkpointDir(key));
    store.set(key, r, { seed, started });
  },
};

/** tt-fc.md Table 2 (CIFAR-10): both TT nets, the dense baseline and the all-TT variant (§7.3), Adadelta, best-test selection. */
const TT_FC_CIFAR_IDS: string[] = [...ttFc.TABLE2_IDS, ttFc.CIFAR_BASELINE, "ttfc.cifar.all_tt"];

const ttFcCifarKind: LongRunKind<ttFc.Run> = {
  paper: "tt-fc",
  images: { train: 50000, test: 10000 },
  result: (id, r) => ({ target: `${id}.acc`, value: Number(r.bestAcc.toFixed(2)), note: `best of ${r.epochs.length} epochs (last ${r.lastAcc.toFixed(2)} %)` }),
  what: "tt-fc CIFAR-10 Table 2 models and the dense baseline (tt-fc.md §5), Adadelta, best-test selection",
  ids: () => TT_FC_CIFAR_IDS,
  defaultSeed: 0,
  store: (p, engine, root) => ttFc.cifarRunStore(p, engine, root),
  async train(id, key, p, store, _info, seed) {
    const b = ttFc.budget(p);
    const model = ttFc.build(id, seed);
    const started = new Date();
    try {
      const r = await ttFc.run(model, ttFc.cifarData(b), { id, label: id, epochs: b.cifar.table2Epochs, optimizer: { name: "adadelta" }, seed, checkpointDir: store.checkpointDir(key) });
      store.set(key, r, { seed, started });
    } finally {
      model.dispose();
    }
  },
};

/** What a ResNet-18 run stores: Pure's epochs, or a decomposition's record (the models are not kept in it). */
export type R18Run = r18.StoredRun;

/**
 * resnet18-cp-tucker.md at the paper profile, from scratch (ImageNet weights are not available
 * offline): Pure (checkpointed every epoch, its weights kept for the decompositions), then CPD, TKD
 * at EVBMF's ranks (the card's method) and TKD at the authors' notebook ranks (card §3.3, the run
 * behind the card's TKD numbers), each decomposed from Pure's weights with its faithful and
 * corrected recovery.
 */
const R18_IDS = ["r18.pure", "r18.cpd", "r18.tkd", "r18.tkd.notebook"];

const r18Kind: LongRunKind<R18Run> = {
  paper: "resnet18-cp-tucker",
  images: { train: 50000, test: 10000 },
  // The card's numbers: r18.finetune.{cpd,tkd} come from its faithful ("paper") mode, 5 passes that
  // re-estimate the BatchNorm statistics only (card §7 item 1); the corrected mode's real
  // fine-tuning has no paper number and is an extra row.
  result: (id, r) => {
    const ranks = id === "r18.tkd.notebook" ? " at the authors' notebook ranks (card §3.3: those of the card's r18.finetune.tkd)" : "";
    if ("corrected" in r) return { target: `r18.finetune.${id.slice(4)}`, value: Number(r.faithful[r.faithful.length - 1].toFixed(2)), note: `faithful mode (BatchNorm statistics only, the card's)${ranks}, after ${r.faithful.length} passes; from scratch, not ImageNet` };
    return { target: "r18.finetune.pure", value: Number(lastAcc(r.epochs).toFixed(2)), note: `after ${r.epochs.length} epochs from scratch (the paper starts from ImageNet weights)` };
  },
  more: (id, r) => {
    if ("corrected" in r) {
      const m = id.slice(4);
      return [
        { target: `r18.acc.${m}`, value: Number(r.accAfter.toFixed(2)), note: "right after decomposition, before any pass" },
        { target: `r18.finetune.${m}.corrected`, value: Number(lastAcc(r.corrected).toFixed(2)), note: `corrected mode (SGD on the factorized model), after ${r.corrected.length} epochs; no paper number` },
      ];
    }
    return [{ target: "r18.acc.pure", value: Number(lastAcc(r.epochs.slice(0, 1)).toFixed(2)), note: "after the first epoch from scratch (the paper's is the first epoch from ImageNet weights)" }];
  },
  // A decomposition's epochs are its corrected-mode fine-tuning epochs.
  epochs: (r) => ("corrected" in r ? r.corrected : r.epochs),
  what: "ResNet-18 Pure, CPD, TKD (EVBMF ranks) and TKD at the authors' notebook ranks (resnet18-cp-tucker.md §3.3-§4), from scratch; the decompositions start from Pure's stored weights",
  ids: () => R18_IDS,
  defaultSeed: 0,
  store: (p, engine, root) => r18.store(p, engine, root),
  async train(id, key, p, store, _info, seed, log) {
    const b = r18.budget(p);
    const data = r18.loadData(b);
    const started = new Date();
    if (id === "r18.pure") {
      const { model, ...run } = await r18.pure(data, b, { seed, checkpointDir: store.checkpointDir(key) });
      try {
        store.saveWeights(key, model);
        store.set(key, run, { seed, started });
      } finally {
        model.dispose();
      }
      return;
    }
    const pureKey = runKey(r18Kind, "r18.pure", seed);
    const base = resnet18Cifar({ seed });
    try {
      if (!store.loadWeights(pureKey, base)) fail("id", id, `a run after ${pureKey} has finished (train it first: npx tnlab train resnet18 r18.pure --profile ${p})`);
      // r18.tkd.notebook: Tucker-2 at the ranks of the authors' notebook run (card §3.3), whose curve the card's TKD numbers are.
      const tkdRanks = id === "r18.tkd.notebook" ? r18.NOTEBOOK_TKD_RANKS : undefined;
      const d = await r18.decomposeAndRecover(base, id === "r18.cpd" ? "cp" : "tucker2", data, b, seed, { tkdRanks, checkpointDir: store.checkpointDir(key), log });
      // A resumed run began (at the latest) with its first fine-tuning epoch, in an earlier process.
      const first = runStart(d.corrected);
      store.set(key, d, { seed, started: first && first < started ? first : started, trainingSeconds: d.seconds });
    } finally {
      base.dispose();
    }
  },
};

function lastAcc(epochs: readonly { testAcc?: number }[]): number {
  return 100 * (epochs[epochs.length - 1]?.testAcc ?? NaN);
}

/** cp-conv-mnist.md Table 1: NetBase and NetTens R = 3, 6, 9, one record per model and seed. */
const CP_CONV_IDS = cpConv.TABLE_IDS;

const cpConvKind: LongRunKind<cpConv.Run> = {
  paper: "cp-conv-mnist",
  images: { train: 60000, test: 10000 },
  result: (id, r) => ({ target: `${id}.acc`, value: r.finalAcc, note: `after the last of ${r.epochs.length} epochs (best ${r.bestAcc.toFixed(2)})` }),
  what: "cp-conv Table 1 models (cp-conv-mnist.md §4), Adam 1e-4, batch 64, the last epoch's test accuracy; a few minutes each",
  ids: () => CP_CONV_IDS,
  defaultSeed: 0,
  store: (p, engine, root) => cpConv.seedStore(p, engine, root),
  async train(id, key, p, store, _info, seed) {
    const b = cpConv.budget(p);
    const rank = id === "cpconv.base" ? null : Number(id.slice("cpconv.cp_r".length));
    const model = rank === null ? cpConvMnistBase({ seed }) : cpConv.cpNet(rank, seed);
    const started = new Date();
    try {
      const r = await cpConv.train(model, cpConv.loadData(b), { epochs: b.epochs, seed, label: rank === null ? "NetBase" : `NetTens R=${rank}`, rank });
      store.set(key, r, { seed, started });
    } finally {
      model.dispose();
    }
  },
};

export const LONG_RUNS: Record<string, LongRunKind> = { "cp-conv": cpConvKind, resnet18: r18Kind, "tt-conv": ttConvKind, "tt-fc-cifar": ttFcCifarKind, "tt-fc-mnist": ttFcMnistKind };

/** The record name of `id` trained with `seed`: the plain id for the kind's default seed. */
export function runKey(kind: LongRunKind, id: string, seed: number): string {
  return seed === kind.defaultSeed ? id : `${id}.seed${seed}`;
}

/** The id and seed a record name stands for. */
export function parseRunKey(kind: LongRunKind, key: string): { id: string; seed: number } {
  const m = /^(.*)\.seed(\d+)$/.exec(key);
  return m ? { id: m[1], seed: Number(m[2]) } : { id: key, seed: kind.defaultSeed };
}

/** A finished run's epochs: through the kind's reader where its result keeps them elsewhere (default: its `epochs`). */
export function finishedEpochs(kind: LongRunKind, run: object): EpochRecord[] {
  return kind.epochs?.(run) ?? (run as { epochs?: EpochRecord[] }).epochs ?? [];
}

export function longRunKind(name: string): LongRunKind {
  const k = LONG_RUNS[name];
  if (!k) fail("experiment", name, `one of ${Object.keys(LONG_RUNS).join(", ")}`);
  return k;
}

/**
 * Trains each id with each seed, one after another, skipping finished ones; a run's checkpoints go
 * once it is stored. A pause (tn.train.pauseAfter / requestPause) stops after the epoch in
 * progress is checkpointed: the paused run stays in progress, the ids after it are left, and the
 * result says so ("paused"); the same call later resumes there.
 */
export async function trainLongRuns(name: string, ids: string[], profile: Profile, info: BackendInfo, o: { seeds?: number[]; root?: string; log?: (line: string) => void } = {}): Promise<"done" | "paused"> {
  const kind = longRunKind(name);
  const store = kind.store(profile, describe(info), o.root);
  const log = o.log ?? ((l: string) => console.log(l));
  const known = kind.ids(profile);
  for (const id of ids) if (!known.includes(id)) fail("id", id, `one of ${known.join(", ")}`);
  const seeds = o.seeds ?? [kind.defaultSeed];
  for (const s of seeds) if (!(Number.isInteger(s) && s >= 0)) fail("seeds", s, "whole numbers >= 0");
  let startedOne = false;
  for (const seed of seeds) {
    for (const id of ids) {
      const key = runKey(kind, id, seed);
      if (store.has(key)) {
        log(`${key}: finished before (${store.file(key)})`);
        continue;
      }
      // The first run this call trains always starts (a pause ends it after an epoch); later ones wait.
      if (startedOne && pauseDue()) {
        log(`${key}: not started (a pause was due); the same command starts it`);
        return "paused";
      }
      log(`${key}: training at ${profile}, seed ${seed}${store.inProgress().some((r) => r.id === key) ? ", resuming from its checkpoint" : ""}`);
      startedOne = true;
      try {
        await kind.train(id, key, profile, store, info, seed, (l) => log(`${key}: ${l}`));
      } catch (e) {
        if (!(e instanceof TrainingPaused)) throw e;
        log(`${key}: paused after epoch ${e.epoch} of ${e.planned}, checkpointed in ${e.dir}; the same command resumes it`);
        return "paused";
      }
      store.dropCheckpoints(key);
      log(`${key}: finished, stored in ${store.file(key)}`);
    }
  }
  return "done";
}

/**
 * For `tnlab reproduce`'s report: the finished paper-profile runs of the chosen papers' kinds, as
 * stored runs beside the paper's numbers, and the unfinished ones as in progress.
 */
export function paperRunsForReport(papers: string[], root?: string): { stored: StoredRun[]; inProgress: RunInProgressRow[] } {
  const stored: StoredRun[] = [];
  const inProgress: RunInProgressRow[] = [];
  for (const [name, kind] of Object.entries(LONG_RUNS)) {
    if (!papers.includes(kind.paper)) continue;
    const store = kind.store("paper", "", root);
    const source = (f: string) => `notebooks/results/runs/${store.name}/paper/${f.slice(f.lastIndexOf("/") + 1)}`;
    const groups = new Map<string, StoredTraining<object>[]>();
    for (const rec of store.records()) {
      const { id } = parseRunKey(kind, rec.meta.id);
      groups.set(id, [...(groups.get(id) ?? []), rec]);
    }
    for (const [id, recs] of groups) {
      // Each record's numbers, the result first; row i averages number i over the records (seeds).
      const numbers = recs.map((rec) => [kind.result(id, rec.run), ...(kind.more?.(id, rec.run) ?? [])]);
      for (let i = 0; i < numbers[0].length; i++) stored.push(storedRow(name, kind, id, recs, numbers.map((n) => n[i]), source(store.file(id))));
    }
    for (const g of store.inProgress()) {
      const last = g.curve[g.curve.length - 1];
      inProgress.push({ id: g.id, epochs: `${g.epochsDone}/${g.planned}`, value: Number.isFinite(last) ? last : null, hoursLeft: Number.isFinite(g.hoursLeft) ? g.hoursLeft : null, updated: g.updated, engines: engineSegments(g.epochs), source: source(store.checkpointDir(g.id)) });
    }
  }
  return { stored, inProgress };
}

/** One report row for one number of a run id (`results`, one per record): its one record, or the mean over its seeds with their spread. */
function storedRow(name: string, kind: LongRunKind, id: string, recs: StoredTraining<object>[], results: { target: string; value: number; note: string }[], source: string): StoredRun {
  const values = results.map((r) => r.value);
  const { mean, sd } = meanSd(values);
  const seeds = recs.map((rec) => rec.meta.seed);
  const first = recs[0];
  const epochs = finishedEpochs(kind, first.run).length;
  const secs = recs.map(recordTrainingSeconds);
  const note = values.length > 1 ? `mean of ${values.length} seeds (${values.map((v) => v.toFixed(2)).join(", ")})` : results[0].note;
  return {
    id: results[0].target,
    label: id,
    value: Number(mean.toFixed(2)),
    epochs,
    ...kind.images,
    started: recs.map((r) => r.meta.started).sort()[0],
    finished: recs.map((r) => r.meta.finished).sort()[recs.length - 1],
    ...(secs.every((x) => x !== undefined) ? { hours: Number((secs.reduce((a: number, x) => a + x!, 0) / 3600).toFixed(2)) } : {}),
    backend: runEngine(first.meta),
    source: values.length > 1 ? `${source} (+${values.length - 1} seeds)` : source,
    note: `tnlab train ${name}: ${note}`,
    seeds,
    spread: Number.isNaN(sd) ? null : sd,
  };
}
