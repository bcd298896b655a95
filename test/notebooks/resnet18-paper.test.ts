// 41-resnet18-paper shows the paper-profile runs of `tnlab train resnet18`: it runs headless at smoke, and its
// Table 5.1 cell prints, for the stored Pure, its accuracy and the gap to the card that the stored run gives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, NOTEBOOKS } from "../kernel/helpers";
import { runSmoke, SMOKE_TEST_TIMEOUT, text } from "./helpers";
import { comparisonRows, paperRuns } from "../../lib/experiments/resnet18-paper";

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-r18-paper-nb-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("41-resnet18-paper runs at smoke and its table shows every stored number against the card", { timeout: SMOKE_TEST_TIMEOUT }, () => {
  const runs = paperRuns("paper", join(NOTEBOOKS, "results", "runs"));
  assert.ok(runs.pure, "the committed Pure run at the paper profile");
  const expected = comparisonRows(runs).filter((r) => r.ours !== null);
  const cells = runSmoke("41-resnet18-paper", dir);
  const table = cells.find((c) => text(c.source).includes("ex.comparisonRows(runs)"));
  assert.ok(table, "the Table 5.1 cell");
  const plain = (table.outputs ?? []).map((o) => text(o.data?.["text/plain"] as string | string[] | undefined)).join("\n");
  for (const r of expected) {
    const line = plain.split("\n").find((l) => l.startsWith(`${r.id} `));
    assert.ok(line, `a row for ${r.id}`);
    assert.ok(line.includes(` ${r.ours!.toFixed(2)} `), `${r.id}: ours ${r.ours!.toFixed(2)} in: ${line}`);
    if (r.gap !== null) assert.ok(line.includes(`${r.gap > 0 ? "+" : ""}${r.gap.toFixed(2)}`), `${r.id}: the gap in: ${line}`);
  }
  const status = cells.find((c) => text(c.source).includes("ex.statusRows(runs)"));
  assert.match((status?.outputs ?? []).map((o) => text(o.data?.["text/plain"] as string | string[] | undefined)).join("\n"), /Pure\s+finished\s+20\/20/);
});
