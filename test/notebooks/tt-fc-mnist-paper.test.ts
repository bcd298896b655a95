// 11-tt-fc-mnist-paper shows the 25-epoch runs of `tnlab train tt-fc-mnist`: it runs headless at smoke, and its Table 1
// prints, for every stored model, the best accuracy and the gap to the paper that the stored run gives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, NOTEBOOKS } from "../kernel/helpers";
import { runSmoke, SMOKE_TEST_TIMEOUT, text } from "./helpers";
import { paperRuns } from "../../lib/experiments/tt-fc";
import { target } from "../../lib/papers";

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-ttfc-paper-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("11-tt-fc-mnist-paper runs at smoke and its Table 1 shows every stored run against the paper", { timeout: SMOKE_TEST_TIMEOUT }, () => {
  const stored = Object.values(paperRuns("paper", join(NOTEBOOKS, "results", "runs")));
  assert.ok(stored.length >= 1, "at least one stored paper-setting run");
  const cells = runSmoke("11-tt-fc-mnist-paper", dir);
  const table = cells.find((c) => text(c.source).includes("tn.display.table(ex.MNIST_IDS"));
  assert.ok(table, "the Table 1 cell");
  const plain = (table.outputs ?? []).map((o) => text(o.data?.["text/plain"] as string | string[] | undefined)).join("\n");
  for (const r of stored) {
    const line = plain.split("\n").find((l) => l.startsWith(`${r.label} `));
    assert.ok(line, `a Table 1 row for ${r.label}`);
    const paper = target(`${r.id}.acc`)!.value;
    assert.match(line, new RegExp(`\\b${r.bestAcc.toFixed(2).replace(".", "\\.")}\\b`), `${r.label}: the stored best accuracy`);
    assert.match(line, new RegExp(`${(r.bestAcc - paper).toFixed(2).replace(".", "\\.")}\\b`), `${r.label}: the gap to the paper's ${paper}`);
  }
});
