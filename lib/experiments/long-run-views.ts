// The runs of one `tnlab train` experiment at one profile as a notebook shows them: each id with
// the paper's number, ours when finished, or how far it is and the time left at its own pace when
// in progress (never a result), and the per-epoch histories so far for a curve plot.
import { target } from "../papers";
import { recordTrainingSeconds } from "../papers/run-store";
import { engineSegments, runStart, trainingSeconds, type EpochRecord } from "../train/history";
import { finishedEpochs, longRunKind, parseRunKey, runKey } from "./long-runs";
import type { Profile } from "./profile";

export interface LongRunRow {
  id: string;
  status: "finished" | "in progress" | "not started";
  /** Epochs done / planned ("" when not started). */
  epochs: string;
  /** The paper's number for the run's result (its target), when the card has one. */
  paper: number | null;
  /** The finished run's result; null for a run in progress or not started. */
  ours: number | null;
  gap: number | null;
  /** Test accuracy (%) after the newest epoch of a run in progress. */
  newest: number | null;
  /** Hours of training so far (summed epochs) and, for a run in progress, left at its pace on its newest engine and machine. */
  trainingHours: number | null;
  hoursLeft: number | null;
  /** Which epochs ran on which engine and machine. */
  engines: string;
  /** ISO: when the run began (its first epoch's start, where recorded), and when it finished or last wrote an epoch. */
  started: string | null;
  updated: string | null;
}

/** Each id of `name` (default seed) at `profile`: finished, in progress or not started. */
export function longRunRows(name: string, profile: Profile = "paper", root?: string): LongRunRow[] {
  const kind = longRunKind(name);
  const store = kind.store(profile, "", root);
  const going = new Map(store.inProgress().map((g) => [g.id, g]));
  return kind.ids(profile).map((id): LongRunRow => {
    const key = runKey(kind, id, kind.defaultSeed);
    const rec = store.record(key);
    const g = going.get(key);
    const paperOf = (t: string) => target(t)?.value ?? null;
    if (rec) {
      const r = kind.result(id, rec.run);
      const paper = paperOf(r.target);
      const epochs = finishedEpochs(kind, rec.run);
      const secs = recordTrainingSeconds(rec);
      return {
        id, status: "finished", epochs: `${epochs.length}/${epochs.length}`, paper, ours: r.value, gap: paper === null ? null : r.value - paper, newest: null,
        trainingHours: secs === undefined ? null : secs / 3600, hoursLeft: 0, engines: rec.meta.epochEngines ?? rec.meta.engine, started: rec.meta.started, updated: rec.meta.finished,
      };
    }
    if (g) {
      const last = g.curve[g.curve.length - 1];
      return {
        id, status: "in progress", epochs: `${g.epochsDone}/${g.planned}`, paper: paperOf(`${id}.acc`), ours: null, gap: null,
        newest: Number.isFinite(last) ? last : null, trainingHours: trainingSeconds(g.epochs) / 3600,
        hoursLeft: Number.isFinite(g.hoursLeft) ? g.hoursLeft : null, engines: engineSegments(g.epochs), started: runStart(g.epochs)?.toISOString() ?? null, updated: g.updated,
      };
    }
    return { id, status: "not started", epochs: "", paper: paperOf(`${id}.acc`), ours: null, gap: null, newest: null, trainingHours: null, hoursLeft: null, engines: "", started: null, updated: null };
  });
}

/** For tn.display.table: the rows with numbers rounded for reading. */
export function longRunTable(rows: readonly LongRunRow[]): Record<string, string>[] {
  const f = (v: number | null, d = 2) => (v === null ? "–" : v.toFixed(d));
  return rows.map((r) => ({
    id: r.id, status: r.status, epochs: r.epochs || "–", paper: f(r.paper), ours: r.status === "finished" ? f(r.ours) : r.status === "in progress" ? "– (in progress)" : "–",
    "gap (ours − paper)": r.gap === null ? "–" : `${r.gap > 0 ? "+" : ""}${r.gap.toFixed(2)}`, "test acc, newest epoch": f(r.newest),
    "training hours": f(r.trainingHours), "hours left": r.status === "in progress" ? f(r.hoursLeft, 1) : r.status === "finished" ? "0" : "–", engines: r.engines || "–",
  }));
}

/**
 * For tn.plot.history: each run's epochs so far (finished or in progress), by id; runs not started
 * are left out. Their testAcc is the accuracy the store follows runs by (tt-conv: the averaged
 * weights'; NaN for epochs that did not keep it).
 */
export function longRunHistories(name: string, profile: Profile = "paper", root?: string): Record<string, { epochs: EpochRecord[] }> {
  const kind = longRunKind(name);
  const store = kind.store(profile, "", root);
  const followed = (epochs: EpochRecord[]) => {
    const acc = store.curve(epochs);
    return { epochs: epochs.map((e, i) => ({ ...e, testAcc: acc[i] / 100 })) };
  };
  const out: Record<string, { epochs: EpochRecord[] }> = {};
  for (const rec of store.records()) {
    const { id, seed } = parseRunKey(kind, rec.meta.id);
    const epochs = finishedEpochs(kind, rec.run);
    if (seed === kind.defaultSeed && epochs.length) out[id] = followed(epochs);
  }
  for (const g of store.inProgress()) {
    const { id, seed } = parseRunKey(kind, g.id);
    if (seed === kind.defaultSeed && g.epochsDone > 0) out[`${id} (in progress, ${g.epochsDone}/${g.planned})`] = followed(g.epochs);
  }
  return out;
}
