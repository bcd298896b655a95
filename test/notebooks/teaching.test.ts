// The teaching notebooks run headless through the kernel (`tnlab run`), without an error, and
// every cell that draws with tn.plot produces a plotly figure.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, NOTEBOOKS, ROOT } from "../kernel/helpers";

const TEACHING = [
  "01-tensors-and-unfoldings",
  "02-tt-svd",
  "03-cp-als",
  "04-tucker",
  "05-evbmf-rank-selection",
  "06-compressing-a-layer",
];

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, unknown>; ename?: string }[];
}

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-teaching-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of TEACHING) {
  test(`${name} runs headless and every plot cell renders a plotly figure`, { timeout: 150_000 }, () => {
    const out = join(dir, `${name}.ipynb`);
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "run", join(NOTEBOOKS, `${name}.ipynb`), "--profile", "smoke", "--out", out], {
      encoding: "utf8",
      env: { ...process.env, TN_QUIET: "1" },
      timeout: 140_000,
    });
    assert.equal(r.status, 0, `tnlab run failed:\n${r.stderr.slice(-2000)}`);
    const cells = (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
    let plots = 0;
    for (const c of cells) {
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      const outputs = c.outputs ?? [];
      assert.ok(!outputs.some((o) => o.output_type === "error"), `no error output in: ${src.slice(0, 80)}`);
      if (/tn\.plot\.\w+\(/.test(src)) {
        plots++;
        assert.ok(outputs.some((o) => o.data && "application/vnd.plotly.v1+json" in o.data), `a plotly figure from: ${src.slice(0, 80)}`);
      }
    }
    assert.ok(plots >= 1, `${name} has at least one plot`);
  });
}
