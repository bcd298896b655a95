// Run a notebook headless at the smoke profile through the kernel (`tnlab run`) and check what
// every notebook must satisfy: no error output, and a plotly figure from every tn.plot cell.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NOTEBOOKS, ROOT } from "../kernel/helpers";

export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

export const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

/**
 * The budget of one smoke run. The slowest teaching notebook (06, it trains a small CNN) takes
 * about 50 s on an idle 2-core machine; another job on both cores makes that 3-4 times longer,
 * so the budget is wide: it only has to stop a run that hangs.
 */
export const SMOKE_BUDGET_MS = 600_000;
/** The node:test timeout of a test that runs one smoke notebook (the run's budget plus checks). */
export const SMOKE_TEST_TIMEOUT = SMOKE_BUDGET_MS + 60_000;

/** Runs notebooks/<name>.ipynb at smoke into dir and returns its code cells, after the common checks. */
export function runSmoke(name: string, dir: string, timeoutMs = SMOKE_BUDGET_MS): Cell[] {
  const out = join(dir, `${name}.ipynb`);
  // A cell stuck past half the budget is interrupted and named by `tnlab run` itself; past the
  // budget, SIGTERM makes `tnlab run` stop its kernel and write the partial notebook.
  const cellTimeout = String(Math.round(timeoutMs / 2000));
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "run", join(NOTEBOOKS, `${name}.ipynb`), "--profile", "smoke", "--out", out, "--timeout", cellTimeout], {
    encoding: "utf8",
    env: { ...process.env, TN_QUIET: "1" },
    timeout: timeoutMs,
  });
  const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? ` (stopped after its budget of ${timeoutMs / 1000} s)` : "";
  assert.equal(r.status, 0, `tnlab run failed${timedOut}:\n${r.stderr.slice(-2000)}`);
  const cells = (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
  let plots = 0;
  for (const c of cells) {
    const src = text(c.source);
    const outputs = c.outputs ?? [];
    assert.ok(!outputs.some((o) => o.output_type === "error"), `no error output in: ${src.slice(0, 80)}`);
    if (/tn\.plot\.\w+\(/.test(src)) {
      plots++;
      assert.ok(outputs.some((o) => o.data && "application/vnd.plotly.v1+json" in o.data), `a plotly figure from: ${src.slice(0, 80)}`);
    }
  }
  assert.ok(plots >= 1, `${name} has at least one plot`);
  return cells;
}
