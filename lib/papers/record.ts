// Notebooks report reproduced numbers with record(id, value); save() writes them to
// <results>/<paper>.json, which `tnlab reproduce` merges into the report.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeAtomic as writeFileAtomic } from "../atomic-file";
import { paperOf, target } from "./registry";
import type { CheckedId, PaperId } from "./types";

export interface RunRecord {
  id: string;
  value: number;
  note?: string;
  profile?: string;
  backend?: string;
  time?: string;
  /** "setting": a value the run was given (typed into the notebook), not one it produced. */
  kind?: "setting";
  /** Why the value equals the paper's by construction (e.g. ranks searched to reach its ratio). */
  byConstruction?: string;
  /** The seeds of the runs the value comes from. */
  seeds?: number[];
}

export interface RecordOptions {
  note?: string;
  profile?: string;
  backend?: string;
  /** Allow an id that is not in the registry (an extra measurement). */
  extra?: boolean;
  /**
   * The value is a setting the run was given, not a result (the report lists it under settings).
   * Targets marked `setting` are settings without this.
   */
  setting?: boolean;
  /** The seeds of the runs the value comes from (one run: its seed; a mean: all of them). */
  seeds?: number[];
  /**
   * The value matches the paper's by construction, not as an independent check: say how (e.g.
   * "ranks searched to reach the paper's ratio"). The report marks it.
   */
  byConstruction?: string;
}

const recorded: RunRecord[] = [];

/** The profile of this run: TN_PROFILE (set by `tnlab run`/`reproduce`), else "interactive". */
export function currentProfile(): string {
  return process.env.TN_PROFILE || "interactive";
}

/** The TensorFlow.js backend in use, without loading TensorFlow.js if it is not loaded yet. */
export function currentBackend(): string {
  try {
    const key = Object.keys(require.cache).find((k) => /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/](index|tf-core\.node)\.js$/.test(k));
    if (!key) return "unknown";
    const tf = require.cache[key]?.exports as { engine?: () => { backendName?: string | null } };
    return tf.engine?.().backendName ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Records a reproduced value for a paper's number (replacing an earlier record of the same id).
 * A literal id must be a registered target (a misspelling does not compile) unless `extra: true`.
 */
export function record(id: string, value: number, opts: RecordOptions & { extra: true }): RunRecord;
export function record<I extends string>(id: CheckedId<I>, value: number, opts?: RecordOptions): RunRecord;
export function record(id: string, value: number, opts: RecordOptions = {}): RunRecord {
  if (typeof id !== "string" || id === "") throw new TypeError(`id = ${JSON.stringify(id)}: expected a target id such as "ttfc.mnist.tt_tt.acc"`);
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`value = ${String(value)}: expected a number (for ${id})`);
  if (!opts.extra && !target(id)) {
    throw new Error(`id = ${JSON.stringify(id)}: not a known paper target; see tn.papers.targets(), or pass {extra: true}`);
  }
  if (opts.byConstruction !== undefined && (typeof opts.byConstruction !== "string" || opts.byConstruction.trim() === "")) {
    throw new TypeError(`byConstruction = ${JSON.stringify(opts.byConstruction)}: expected a few words saying how the value is reached by construction (for ${id})`);
  }
  if (opts.setting && opts.byConstruction) throw new TypeError(`setting and byConstruction both given for ${id}: expected one (a setting is not a result at all)`);
  const r: RunRecord = {
    id,
    value,
    note: opts.note,
    profile: opts.profile ?? currentProfile(),
    backend: opts.backend ?? currentBackend(),
    time: new Date().toISOString(),
    ...(opts.setting || target(id)?.setting ? { kind: "setting" as const } : {}),
    ...(opts.byConstruction ? { byConstruction: opts.byConstruction } : {}),
    ...(opts.seeds ? { seeds: checkSeeds(id, opts.seeds) } : {}),
  };
  const i = recorded.findIndex((x) => x.id === id);
  if (i >= 0) recorded[i] = r;
  else recorded.push(r);
  return r;
}

function checkSeeds(id: string, seeds: unknown): number[] {
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new TypeError(`seeds = ${JSON.stringify(seeds)}: expected a non-empty list of whole numbers >= 0 (for ${id})`);
  }
  return [...seeds];
}

export function records(): RunRecord[] {
  return recorded.slice();
}

export function clearRecords(): void {
  recorded.length = 0;
}

/**
 * Where results go: TNLAB_RESULTS_DIR (set by `tnlab reproduce`), else results/ at the root of
 * the tnlab checkout (git-ignored), else ./results.
 */
export function resultsDir(): string {
  if (process.env.TNLAB_RESULTS_DIR) return resolve(process.env.TNLAB_RESULTS_DIR);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "tnlab") return join(dir, "results");
      } catch {
        /* not ours */
      }
    }
    if (dirname(dir) === dir) return resolve("results");
  }
}

/** Writes the records of `paper` (default: every paper with records) to <dir>/<paper>.json; returns the files. */
export function save(paper?: PaperId, dir = resultsDir()): string[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of recorded) {
    const p = paperOf(r.id) ?? "extra";
    if (paper && p !== paper) continue;
    if (!groups.has(p)) groups.set(p, []);
    groups.get(p)!.push(r);
  }
  const files: string[] = [];
  for (const [p, rs] of groups) {
    const file = join(dir, `${p}.json`);
    const merged = mergeRecords(loadRecordFile(file), rs);
    writeFileAtomic(file, JSON.stringify({ paper: p, records: merged }, null, 2) + "\n");
    files.push(file);
  }
  return files;
}

export function loadRecordFile(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  const j = JSON.parse(readFileSync(file, "utf8")) as { records?: RunRecord[] };
  return Array.isArray(j.records) ? j.records : [];
}

/** Later records replace earlier ones with the same id. */
export function mergeRecords(a: RunRecord[], b: RunRecord[]): RunRecord[] {
  const m = new Map<string, RunRecord>();
  for (const r of [...a, ...b]) m.set(r.id, r);
  return [...m.values()];
}
