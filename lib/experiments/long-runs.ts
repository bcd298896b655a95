// Runs too long for a notebook cell (a tt-conv row at the paper's 100 epochs is about a day here),
// trained by `tnlab train` into the run store: each checkpoints every epoch beside its record, so
// it resumes after an interruption or in another session (commit the .run folder to carry it
// over); when it finishes, its record is written and the checkpoints removed. The notebooks show
// finished runs as results and unfinished ones as in progress, with their curve so far.
import { describe, type BackendInfo } from "../backend";
import { fail } from "../errors";
import type { RunInProgressRow, StoredRun } from "../papers/compare";
import { runStore, type RunStore } from "../papers/run-store";
import type { Profile } from "./profile";
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
  /** What the ids are, for `tnlab train --list` and errors. */
  what: string;
  ids(profile: Profile): string[];
  store(profile: Profile, engine: string, root?: string): RunStore<T>;
  /** Trains (or resumes) one id into the store. */
  train(id: string, profile: Profile, store: RunStore<T>, info: BackendInfo, seed?: number): Promise<void>;
}

const ttConvKind: LongRunKind<ttConvRuns.RowRun> = {
  paper: "tt-conv",
  images: { train: 50000, test: 10000 },
  result: (id, r) => ({ target: `${id}.acc`, value: Number(r.final.toFixed(2)), note: `averaged weights after the last epoch (best ${r.best.toFixed(2)}, raw ${r.finalRaw.toFixed(2)})` }),
  what: "tt-conv rows of Tables 1-2 (tt-conv.md §5), the thesis recipe",
  ids: (p) => ttConvRuns.budget(p).rows,
  store: (p, engine, root) => ttConvRuns.rowStore(p, ttConvRuns.budget(p), engine, root),
  async train(id, p, store, _info, seed) {
    ttConv.row(id);
    const b = ttConvRuns.budget(p);
    const started = new Date();
    const r = await ttConvRuns.trainRow(id, b, ttConvRuns.loadData(b), { seed, checkpointDir: store.checkpointDir(id) });
    store.set(id, r, { seed: seed ?? ttConvRuns.SETTINGS.seed, started });
  },
};

const ttFcMnistKind: LongRunKind<ttFc.Run> = {
  paper: "tt-fc",
  images: { train: 60000, test: 10000 },
  result: (id, r) => ({ target: `${id}.acc`, value: r.bestAcc, note: `best of ${r.epochs.length} epochs (last ${r.lastAcc} %)` }),
  what: "tt-fc MNIST models of Table 1 (tt-fc.md §5), SGD 0.001 momentum 0.9, best-test selection",
  ids: (p) => ttFc.budget(p).mnist.models,
  store: (p, engine, root) => runStore<ttFc.Run>("tt-fc-mnist", p, ttFc.budget(p).mnist, engine, root),
  async train(id, p, store, info, seed = 0) {
    if (!(ttFc.MNIST_IDS as readonly string[]).includes(id)) fail("id", id, `one of ${ttFc.MNIST_IDS.join(", ")}`);
    if (!ttFc.runnable(id, info.backend)) fail("id", id, `a model the ${info.backend} backend can train (the 262,144-wide models need the native backend: npx tnlab native)`);
    const b = ttFc.budget(p);
    const started = new Date();
    const r = await ttFc.mnistRun(id, b.mnist.epochs, ttFc.mnistData(b), seed, store.checkpointDir(id));
    store.set(id, r, { seed, started });
  },
};

export const LONG_RUNS: Record<string, LongRunKind> = { "tt-conv": ttConvKind, "tt-fc-mnist": ttFcMnistKind };

export function longRunKind(name: string): LongRunKind {
  const k = LONG_RUNS[name];
  if (!k) fail("experiment", name, `one of ${Object.keys(LONG_RUNS).join(", ")}`);
  return k;
}

/** Trains the ids one after another, skipping finished ones; a run's checkpoints go once it is stored. */
export async function trainLongRuns(name: string, ids: string[], profile: Profile, info: BackendInfo, o: { seed?: number; root?: string; log?: (line: string) => void } = {}): Promise<void> {
  const kind = longRunKind(name);
  const store = kind.store(profile, describe(info), o.root);
  const log = o.log ?? ((l: string) => console.log(l));
  const known = kind.ids(profile);
  for (const id of ids) if (!known.includes(id)) fail("id", id, `one of ${known.join(", ")}`);
  for (const id of ids) {
    if (store.has(id)) {
      log(`${id}: finished before (${store.file(id)})`);
      continue;
    }
    log(`${id}: training at ${profile}${store.inProgress().some((r) => r.id === id) ? ", resuming from its checkpoint" : ""}`);
    await kind.train(id, profile, store, info, o.seed);
    store.dropCheckpoints(id);
    log(`${id}: finished, stored in ${store.file(id)}`);
  }
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
    for (const rec of store.records()) {
      const r = kind.result(rec.meta.id, rec.run);
      const epochs = (rec.run as { epochs?: unknown[] }).epochs?.length ?? 0;
      stored.push({ id: r.target, label: rec.meta.id, value: r.value, epochs, ...kind.images, started: rec.meta.started, finished: rec.meta.finished, backend: rec.meta.engine, source: source(store.file(rec.meta.id)), note: `tnlab train ${name}: ${r.note}` });
    }
    for (const g of store.inProgress()) {
      const last = g.curve[g.curve.length - 1];
      inProgress.push({ id: g.id, epochs: `${g.epochsDone}/${g.planned}`, value: Number.isFinite(last) ? last : null, hoursLeft: Number.isFinite(g.hoursLeft) ? g.hoursLeft : null, updated: g.updated, source: source(store.checkpointDir(g.id)) });
    }
  }
  return { stored, inProgress };
}
