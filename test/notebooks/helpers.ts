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

/** Runs notebooks/<name>.ipynb at smoke into dir and returns its code cells, after the common checks. */
export function runSmoke(name: string, dir: string, timeoutMs = 140_000): Cell[] {
  const out = join(dir, `${name}.ipynb`);
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "run", join(NOTEBOOKS, `${name}.ipynb`), "--profile", "smoke", "--out", out], {
    encoding: "utf8",
    env: { ...process.env, TN_QUIET: "1" },
    timeout: timeoutMs,
  });
  assert.equal(r.status, 0, `tnlab run failed:\n${r.stderr.slice(-2000)}`);
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
