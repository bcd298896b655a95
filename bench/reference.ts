// `tnlab bench reference`: the same work as the backend / train / decomp suites, timed in a native
// CPU framework on this machine by bench/reference.py: TensorFlow/Keras (Python) for the training
// steps, our NumPy code and (when TN_TENSORLY names a checkout) TensorLy for the decompositions.
// Runs only when a Python with tensorflow is given (--reference-python PATH or
// TN_REFERENCE_PYTHON); otherwise one row says it was skipped. bench.ts then prints
// tnlab / reference ratios for every engine row of the same work (referenceRatios).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { BenchOptions, BenchRow } from "./harness";

const SCRIPT = join(__dirname, "..", "..", "bench", "reference.py");
const SOURCE_SCRIPT = join(__dirname, "reference.py");

/** The Python to run the reference with, or undefined when none was given. */
export function referencePython(opts: BenchOptions): string | undefined {
  return opts.referencePython ?? (process.env.TN_REFERENCE_PYTHON || undefined);
}

function skipped(note: string): BenchRow[] {
  return [{ suite: "reference", case: "reference framework", backend: "none", medianMs: NaN, reps: 0, note }];
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const python = referencePython(opts);
  if (!python) return skipped("skipped: pass --reference-python PATH (a Python with tensorflow) or set TN_REFERENCE_PYTHON");
  if (opts.quick) return skipped("skipped with --quick: the reference times the full-size cases only");
  const env = { ...process.env };
  // TN_TENSORLY: a TensorLy checkout (and its scipy) outside the project, os-path-list separated.
  if (process.env.TN_TENSORLY) env.PYTHONPATH = [process.env.TN_TENSORLY, env.PYTHONPATH].filter(Boolean).join(delimiter);
  const script = existsSync(SOURCE_SCRIPT) ? SOURCE_SCRIPT : SCRIPT;
  const only = process.env.TN_REFERENCE_ONLY ? ["--only", process.env.TN_REFERENCE_ONLY] : [];
  const out = spawnSync(python, [script, ...only], { env, encoding: "utf8", maxBuffer: 1 << 24, timeout: 20 * 60_000 });
  if (out.error || out.status !== 0) {
    const why = out.error?.message ?? (out.stderr || "").trim().split("\n").slice(-1)[0];
    return skipped(`reference failed (${python}): ${why}`);
  }
  const parsed = JSON.parse(out.stdout.trim().split("\n").slice(-1)[0]) as { rows: (BenchRow & { reference: string })[] };
  return parsed.rows.map(({ reference, ...r }) => ({ ...r, ofSuite: r.suite, suite: "reference", backend: reference, medianMs: r.medianMs ?? NaN }));
}

const ENGINES = ["wasm", "wasm+native", "tensorflow", "js-f64", "lapack-f64"];

/**
 * One row per (reference row, tnlab engine row of the same suite, case, batch and size):
 * ratio = tnlab median / reference median, so 2 means tnlab takes twice as long.
 */
export function referenceRatios(rows: BenchRow[]): BenchRow[] {
  const key = (r: BenchRow, suite: unknown) => [suite, r.case, r.batch, r.size].map((v) => String(v ?? "")).join("\u0000");
  const out: BenchRow[] = [];
  for (const ref of rows) {
    if (ref.suite !== "reference" || !(ref.medianMs > 0)) continue;
    for (const r of rows) {
      if (r.suite === "reference" || key(r, r.suite) !== key(ref, ref.ofSuite) || !(r.medianMs > 0)) continue;
      if (!ENGINES.some((e) => r.backend === e || r.backend.startsWith(`${e}+`))) continue;
      out.push({ suite: "vs-reference", case: r.case, backend: r.backend, medianMs: r.medianMs, reps: r.reps, reference: ref.backend, refMs: ref.medianMs, ratio: r.medianMs / ref.medianMs });
    }
  }
  return out;
}
