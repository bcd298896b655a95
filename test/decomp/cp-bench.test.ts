import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../bench/decomp";

test("bench decomp --quick runs every case in seconds with sane errors", async () => {
  const t0 = performance.now();
  const rows = await run({ backends: [], quick: true });
  assert.ok(performance.now() - t0 < 20000);
  const names = rows.map((r) => r.case);
  for (const want of ["CP-ALS", "Tucker HOOI", "TT-SVD", "TT-matrix", "EVBMF", "truncated SVD"]) {
    assert.ok(names.some((n) => n.startsWith(want)), `missing case ${want}`);
  }
  for (const r of rows) {
    assert.equal(r.note, undefined, `${r.case}: ${r.note}`);
    assert.ok(Number.isFinite(r.medianMs) && r.medianMs > 0, r.case);
    if (r.relError !== undefined) assert.ok((r.relError as number) >= 0 && (r.relError as number) < 1, `${r.case} relError ${r.relError}`);
  }
  // Pure-noise EVBMF input: rank 0, σ² close to 1.
  const ev = rows.find((r) => r.case.startsWith("EVBMF"))!;
  assert.equal(ev.rank, 0);
  assert.ok(Math.abs((ev.sigma2 as number) - 1) < 0.1);
});
