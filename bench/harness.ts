// Shared plumbing for the benchmarks: timing, a printed table, JSON output.
// Every suite in bench/ exports `run(opts: BenchOptions): Promise<BenchRow[]>`.
import { writeFileSync, renameSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface BenchOptions {
  /** Backends to measure, e.g. ["wasm", "cpu"]; suites skip the ones they cannot run. */
  backends: string[];
  /** Fewer repetitions and smaller cases, for a quick look (used by tests). */
  quick: boolean;
  /** A Python with tensorflow for the reference suite (bench/reference.py). */
  referencePython?: string;
}

export interface BenchRow {
  suite: string;
  case: string;
  backend: string;
  /** Median wall-clock milliseconds of one repetition. */
  medianMs: number;
  reps: number;
  /** Extra figures: GFLOP/s, images/s, relative error, ... */
  [metric: string]: string | number | boolean | null | undefined;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  reps: number;
}

/** Runs `fn` `warmup` times untimed, then `reps` times, and returns the median. */
export async function time(fn: () => unknown | Promise<unknown>, reps = 5, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  const mid = t.length >> 1;
  const median = t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
  return { medianMs: median, minMs: t[0], reps };
}

function fmt(v: unknown): string {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
  }
  return v == null ? "" : String(v);
}

/** Prints rows as an aligned text table (columns = union of keys). */
export function printTable(rows: BenchRow[]): void {
  if (rows.length === 0) {
    console.log("(no rows)");
    return;
  }
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join("  ");
  console.log(line(cols));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells) console.log(line(row));
}

/** Writes JSON atomically (temp file + rename), so an interrupted run never leaves half a file. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, file);
}

/** Bench rows for "wasm+native" are the wasm backend with the native addon's kernels on. */
export const NATIVE_SUFFIX = "+native";

/** Adds "wasm+native" after "wasm" when the native addon is built, so one run has both rows. */
export function withNative(backends: string[]): string[] {
  const { addon } = require("../lib/native") as typeof import("../lib/native");
  if (!addon()) return backends;
  const out: string[] = [];
  for (const b of backends) {
    out.push(b);
    if (b === "wasm" && !backends.includes(`wasm${NATIVE_SUFFIX}`)) out.push(`wasm${NATIVE_SUFFIX}`);
  }
  return out;
}

/** Starts a bench backend name: "wasm+native" is wasm with the native kernels switched on. */
export async function useBench(name: string): Promise<void> {
  const { setNativeEnabled } = require("../lib/native") as typeof import("../lib/native");
  const { use } = require("../lib/backend") as typeof import("../lib/backend");
  const native = name.endsWith(NATIVE_SUFFIX);
  if (native) {
    const { addon } = require("../lib/native") as typeof import("../lib/native");
    if (!addon()) throw new Error("the native addon is not built (or TN_NATIVE=0)");
  }
  setNativeEnabled(native);
  await use(native ? name.slice(0, -NATIVE_SUFFIX.length) : name);
}

/**
 * Adds `xWasm` (for base "wasm") to every row measured beside a `base` row of the same work (suite,
 * case, batch, size, path and pass: cpu often runs smaller sizes, which are not compared) in the same
 * run: base median / this median, so 3 means three times faster than `base`. Ratios taken in one
 * run share the machine's load, unlike figures from separate runs.
 */
export function addRatios(rows: BenchRow[], base = "wasm"): BenchRow[] {
  const key = (r: BenchRow) => [r.suite, r.case, r.batch, r.size, r.path, r.pass].map((v) => String(v ?? "")).join("\u0000");
  const ref = new Map<string, number>();
  for (const r of rows) if (r.backend === base && Number.isFinite(r.medianMs) && r.medianMs > 0) ref.set(key(r), r.medianMs);
  const col = `x${base[0].toUpperCase()}${base.slice(1)}`;
  for (const r of rows) {
    const b = ref.get(key(r));
    if (b !== undefined && r.backend !== base && Number.isFinite(r.medianMs) && r.medianMs > 0) r[col] = b / r.medianMs;
  }
  return rows;
}
