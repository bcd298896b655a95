// A folder of finished training runs, one JSON file per run id, so that a notebook whose table
// takes hours (14 tt-conv rows at the quick budget) can be executed again, or finished in a later
// session, without retraining the rows already done. A run is reused only under the budget and
// profile it was made with; a changed budget retrains it. Runs are written when finished, never
// half-way, so what the store holds is always a result and never a run in progress.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { writeAtomic } from "../atomic-file";
import { fail } from "../errors";
import { machineName } from "../machine";
import { engineSegments, runStart, segmentLabel, trainingSeconds, type EpochRecord, type History } from "../train/history";
import { modelSnapshot, readCheckpoint, restoreModel, writeCheckpoint } from "../train/checkpoint";

/** Where and how a stored run was made. */
export interface RunMeta {
  id: string;
  profile: string;
  /** The budget the run was trained under (compared on reuse). */
  budget: unknown;
  seed: number;
  /** The backend's description (engine, threads, versions) of the process that finished the run. */
  engine: string;
  /** Which epochs ran on which engine ("1-11 tensorflow, 12-20 wasm+native"), for a run whose epochs record it. */
  epochEngines?: string;
  /** CPU model and core count of the machine that trained it. */
  machine: string;
  /** ISO times: when its first epoch began (in whichever process ran it) and when it was stored. */
  started: string;
  finished: string;
  /** Wall-clock seconds of training summed over its epochs, for a run whose epochs record their seconds. */
  trainingSeconds?: number;
  /** How a field was filled in after the fact, for a record written before the field was kept. */
  note?: string;
}

/** The engine line of a stored run: the finishing process's engine, and which epochs ran where when the epochs record it. */
export function runEngine(meta: RunMeta): string {
  return meta.epochEngines ? `${meta.engine} (epochs ${meta.epochEngines})` : meta.engine;
}

export interface StoredTraining<T> {
  meta: RunMeta;
  run: T;
}

/** A stored run's training seconds: kept in its meta, else summed over its epochs (records from before the meta had them); undefined when neither tells. */
export function recordTrainingSeconds(rec: StoredTraining<object>): number | undefined {
  if (rec.meta.trainingSeconds !== undefined) return rec.meta.trainingSeconds;
  const es = (rec.run as { epochs?: EpochRecord[] }).epochs;
  return Array.isArray(es) && es.length && es.every((e) => typeof e.seconds === "number") ? trainingSeconds(es) : undefined;
}

/** A run that has checkpointed some epochs and not finished: shown as in progress, never as a result. */
export interface RunInProgress {
  id: string;
  epochsDone: number;
  planned: number;
  /** Test accuracy (%) per finished epoch (or the store's curveMetric), and the epochs' records as fit wrote them. */
  curve: number[];
  epochs: EpochRecord[];
  /** Mean wall-clock seconds per epoch so far (on the newest epoch's engine), and the estimate of what is left at that pace. */
  secondsPerEpoch: number;
  hoursLeft: number;
  /** When the newest epoch was written (ISO). */
  updated: string;
}

/** One line of a store's status table, for a notebook or `tnlab train --list`. */
export interface RunStatus {
  id: string;
  status: "finished" | "in progress" | "not started";
  /** Epochs done / planned ("" when not started). */
  epochs: string;
  /** The finished run's result, or the newest epoch's test accuracy of a run in progress. */
  value: number | null;
  hoursLeft: number | null;
  engine: string;
  /** ISO: when it started (finished runs), when it finished or last wrote an epoch. */
  started: string;
  updated: string;
}

export interface RunStoreOptions {
  profile: string;
  budget: unknown;
  /** The description of the backend that trains (tn.backend.describe(info)). */
  engine: string;
  /**
   * Default: TNLAB_RUNS_DIR; else runs/ in TNLAB_RESULTS_DIR (so `tnlab reproduce` trains into its
   * own output folder, never into the checkout); else notebooks/results/runs in the tnlab folder,
   * where the committed runs are.
   */
  root?: string;
  /**
   * The part of a budget that decides whether a stored run is reused (default: all of it). A
   * table's budget may list the rows to train; a row's run depends on its own budget only, so
   * adding a row to the list must not invalidate the rows already stored.
   */
  reuseKey?: (budget: unknown) => unknown;
  /**
   * The epoch metric (EpochRecord.metrics, a fraction) that a run in progress is followed by, when
   * its result is not the raw test accuracy (e.g. the averaged weights'); NaN for epochs without it.
   */
  curveMetric?: string;
}

export { machineName };

function defaultRoot(): string {
  if (process.env.TNLAB_RUNS_DIR) return resolve(process.env.TNLAB_RUNS_DIR);
  if (process.env.TNLAB_RESULTS_DIR) return resolve(process.env.TNLAB_RESULTS_DIR, "runs");
  for (const up of ["../..", "../../.."]) {
    const d = resolve(__dirname, up);
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "notebooks"))) return join(d, "notebooks", "results", "runs");
  }
  return resolve("results", "runs");
}

const SAFE_ID = /^[A-Za-z0-9._-]+$/;

/**
 * Finished runs of one notebook at one profile: `get`/`set` by run id, so it can stand where a
 * `Map` cache of runs is taken. `set` strips what JSON cannot hold (a trained model) by `strip`.
 */
export class RunStore<T extends object> {
  readonly dir: string;
  private readonly budgetKey: string;
  /** Parsed records by file, valid while the file's size and mtime stay the same. */
  private readonly seen = new Map<string, { stamp: string; rec: StoredTraining<T> }>();

  constructor(
    readonly name: string,
    private readonly o: RunStoreOptions,
  ) {
    if (!SAFE_ID.test(name)) fail("name", name, "letters, digits, '.', '_' or '-' (a folder name)");
    this.dir = join(o.root ?? defaultRoot(), name, o.profile);
    this.budgetKey = this.keyOf(o.budget);
  }

  private keyOf(budget: unknown): string {
    return JSON.stringify(this.o.reuseKey ? this.o.reuseKey(budget) : budget);
  }

  file(id: string): string {
    if (!SAFE_ID.test(id)) fail("id", id, "letters, digits, '.', '_' or '-' (a file name)");
    return join(this.dir, `${id}.json`);
  }

  /** The stored record of `id`, if one exists for this profile and budget. */
  record(id: string): StoredTraining<T> | undefined {
    const f = this.file(id);
    if (!existsSync(f)) return undefined;
    const st = statSync(f);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    let rec = this.seen.get(f)?.stamp === stamp ? this.seen.get(f)!.rec : undefined;
    if (!rec) {
      try {
        rec = JSON.parse(readFileSync(f, "utf8")) as StoredTraining<T>;
      } catch (e) {
        throw new Error(`${f}: not a stored run (${(e as Error).message}); delete it to retrain ${id}`);
      }
      if (!rec || typeof rec !== "object" || !rec.meta || !rec.run) throw new Error(`${f}: not a stored run (expected { meta, run }); delete it to retrain ${id}`);
      this.seen.set(f, { stamp, rec });
    }
    if (rec.meta.profile !== this.o.profile || this.keyOf(rec.meta.budget) !== this.budgetKey) return undefined;
    return rec;
  }

  get(id: string): T | undefined {
    return this.record(id)?.run;
  }

  has(id: string): boolean {
    return this.record(id) !== undefined;
  }

  /**
   * Stores a finished run. `started` is when this process began it (default: now); a run with
   * epochs that record their end time started at its first epoch, which for a resumed run ran in an
   * earlier process. `trainingSeconds` (default: the sum of its epochs' seconds) is for a run whose
   * time is not all in `epochs`.
   */
  set(id: string, run: T, opts: { seed?: number; started?: Date; trainingSeconds?: number } = {}): this {
    const epochs = (run as { epochs?: unknown }).epochs;
    const records = Array.isArray(epochs) ? (epochs as EpochRecord[]) : [];
    const segments = engineSegments(records);
    const times = [opts.started ?? new Date(), runStart(records)].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
    const meta: RunMeta = {
      id,
      profile: this.o.profile,
      budget: this.o.budget,
      seed: opts.seed ?? 0,
      engine: this.o.engine,
      ...(segments ? { epochEngines: segments } : {}),
      machine: machineName(),
      started: new Date(Math.min(...times)).toISOString(),
      finished: new Date().toISOString(),
      ...(opts.trainingSeconds !== undefined || records.length ? { trainingSeconds: Number((opts.trainingSeconds ?? trainingSeconds(records)).toFixed(3)) } : {}),
    };
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(this.file(id), JSON.stringify({ meta, run: strip(run) }, null, 1) + "\n");
    return this;
  }

  /** Keeps a finished run's trained weights beside its record (a checkpoint file, checksummed). */
  saveWeights(id: string, model: tf.LayersModel): void {
    mkdirSync(this.dir, { recursive: true });
    const none = { names: [], shapes: [], dtypes: [], values: [] };
    writeCheckpoint(this.weightsFile(id), { epoch: 1, seed: 0, history: { epochs: [], selection: "last", bestEpoch: 0, bestMetric: 0, planned: 0, stoppedEarly: false, seconds: 0 }, optimizer: { className: "none", learningRate: 0 }, meta: { budget: this.o.budget } }, modelSnapshot(model), none, undefined);
  }

  /** Sets `model`'s weights from the stored ones; false when `id` has none under this budget. */
  loadWeights(id: string, model: tf.LayersModel): boolean {
    if (!this.has(id)) return false;
    const f = this.weightsFile(id);
    const ck = readCheckpoint(f);
    if (!ck || this.keyOf(ck.header.meta?.budget) !== this.budgetKey) return false;
    restoreModel(model, ck.model, f);
    return true;
  }

  weightsFile(id: string): string {
    return this.file(id).replace(/\.json$/, ".tnckpt");
  }

  /**
   * The folder a long run checkpoints into (fit's checkpointDir, resumed on the next call): kept
   * beside the records so that it can be committed and the run continued in another session.
   */
  checkpointDir(id: string): string {
    return this.file(id).replace(/\.json$/, ".run");
  }

  /** Removes a finished run's checkpoints (its record and weights stay). */
  dropCheckpoints(id: string): void {
    rmSync(this.checkpointDir(id), { recursive: true, force: true });
  }

  /** The accuracy (%) a run of this store is followed by, per epoch: the test accuracy, or the store's curveMetric (NaN where an epoch lacks it). */
  curve(epochs: readonly EpochRecord[]): number[] {
    const m = this.o.curveMetric;
    return epochs.map((e) => 100 * ((m ? e.metrics?.[m] : e.testAcc) ?? NaN));
  }

  /** Runs with checkpointed epochs and no finished record, with their curve so far. */
  inProgress(): RunInProgress[] {
    if (!existsSync(this.dir)) return [];
    const out: RunInProgress[] = [];
    for (const d of readdirSync(this.dir).filter((f) => f.endsWith(".run")).sort()) {
      const id = d.slice(0, -4);
      const hist = join(this.dir, d, "history.json");
      if (this.has(id) || !existsSync(hist)) continue;
      let h: History;
      try {
        h = JSON.parse(readFileSync(hist, "utf8")) as History;
      } catch (e) {
        throw new Error(`${hist}: not a run's history (${(e as Error).message}); the checkpoint beside it still resumes the run`);
      }
      const done = h.epochs.length;
      const spe = paceOf(h);
      out.push({
        id, epochsDone: done, planned: h.planned, epochs: h.epochs,
        curve: this.curve(h.epochs),
        secondsPerEpoch: spe, hoursLeft: ((h.planned - done) * spe) / 3600,
        updated: statSync(hist).mtime.toISOString(),
      });
    }
    return out;
  }

  /** Each id's state: finished (with `value` of its run), in progress (curve so far) or not started. */
  status(ids: string[], value: (run: T) => number): RunStatus[] {
    const going = new Map(this.inProgress().map((r) => [r.id, r]));
    return ids.map((id): RunStatus => {
      const rec = this.record(id);
      const g = going.get(id);
      if (rec) {
        const n = (rec.run as { epochs?: unknown[] }).epochs?.length;
        return { id, status: "finished", epochs: n === undefined ? "" : `${n}/${n}`, value: value(rec.run), hoursLeft: 0, engine: rec.meta.epochEngines ?? rec.meta.engine, started: rec.meta.started, updated: rec.meta.finished };
      }
      if (g) {
        const last = g.curve[g.curve.length - 1];
        return { id, status: "in progress", epochs: `${g.epochsDone}/${g.planned}`, value: Number.isFinite(last) ? last : null, hoursLeft: g.hoursLeft, engine: engineSegments(g.epochs), started: "", updated: g.updated };
      }
      return { id, status: "not started", epochs: "", value: null, hoursLeft: null, engine: "", started: "", updated: "" };
    });
  }

  /** Every record in the folder made under this profile and budget. */
  records(): StoredTraining<T>[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => this.record(f.slice(0, -5)))
      .filter((r): r is StoredTraining<T> => r !== undefined);
  }
}

/**
 * Mean seconds per epoch, over the newest epochs that ran on the same engine and machine as the
 * last one (a run resumed on a faster engine or machine is estimated at its new pace); over all
 * epochs when none records its engine. NaN before the first epoch.
 */
export function paceOf(h: History): number {
  const e = h.epochs;
  if (e.length === 0) return NaN;
  if (e[e.length - 1].engine === undefined) return h.seconds / e.length;
  const last = segmentLabel(e[e.length - 1]);
  let k = e.length;
  while (k > 0 && segmentLabel(e[k - 1]) === last) k--;
  const tail = e.slice(k);
  return tail.reduce((a, r) => a + r.seconds, 0) / tail.length;
}

/**
 * Drops what a record cannot hold: functions and objects with a `dispose` method (models,
 * tensors). Done before JSON.stringify, which would otherwise call a model's own toJSON.
 */
function strip<T extends object>(run: T): T {
  const plain = (v: unknown): unknown => {
    if (typeof v === "function") return undefined;
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
      if (typeof (v as { dispose?: unknown }).dispose === "function") return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const p = plain(x);
        if (p !== undefined) out[k] = p;
      }
      return out;
    }
    return v;
  };
  return plain(run) as T;
}

/** The store of a notebook's runs: `tn.papers.runStore("20-tt-conv", profile, budget, engine)`. */
export function runStore<T extends object>(
  name: string,
  profile: string,
  budget: unknown,
  engine: string,
  root?: string,
  reuseKey?: (budget: unknown) => unknown,
  curveMetric?: string,
): RunStore<T> {
  return new RunStore<T>(name, { profile, budget, engine, root, reuseKey, curveMetric });
}
