// 21-tt-conv-paper shows the paper-setting runs of `tnlab train tt-conv`: it runs headless at smoke, and its table gives
// each row's status as the run store has it (a run in progress with its epochs so far, never a result).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, NOTEBOOKS } from "../kernel/helpers";
import { runSmoke, SMOKE_TEST_TIMEOUT, text } from "./helpers";
import { longRunRows } from "../../lib/experiments/long-run-views";

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-ttconv-paper-nb-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("21-tt-conv-paper runs at smoke and its table gives every row's status from the run store", { timeout: SMOKE_TEST_TIMEOUT }, () => {
  const rows = longRunRows("tt-conv", "paper", join(NOTEBOOKS, "results", "runs"));
  assert.ok(rows.some((r) => r.status !== "not started"), "at least one committed paper-setting run");
  const cells = runSmoke("21-tt-conv-paper", dir);
  const table = cells.find((c) => text(c.source).includes("longRunRows(\"tt-conv\")"));
  assert.ok(table, "the status cell");
  const plain = (table.outputs ?? []).map((o) => text(o.data?.["text/plain"] as string | string[] | undefined)).join("\n");
  for (const r of rows) {
    const line = plain.split("\n").find((l) => l.startsWith(`${r.id} `));
    assert.ok(line, `a row for ${r.id}`);
    assert.ok(line.includes(r.status), `${r.id}: ${r.status} in: ${line}`);
    if (r.status === "in progress") assert.ok(line.includes(r.epochs) && line.includes("– (in progress)"), `${r.id}: its epochs and no result in: ${line}`);
  }
});
