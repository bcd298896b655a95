// The layers benchmark runs in quick mode and reports a forward and a forward+backward row per case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../bench/layers";

test("bench/layers quick on wasm: every case has finite timings and a dense baseline", async () => {
  const rows = await run({ backends: ["wasm"], quick: true });
  assert.equal(rows.length, 14);
  for (const r of rows) {
    assert.equal(r.suite, "layers");
    assert.ok(Number.isFinite(r.medianMs) && r.medianMs > 0, `${r.case} ${r.pass}: ${r.medianMs} ${r.note ?? ""}`);
    assert.ok(typeof r.denseMs === "number" && r.denseMs > 0, `${r.case} ${r.pass}: dense ${r.denseMs}`);
    assert.ok((r.params as number) > 0 && (r.macs as number) > 0);
  }
});
