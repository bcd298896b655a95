// The layers benchmark runs in quick mode and reports, per case and forward path, a forward and a
// forward+backward row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../bench/layers";

test("bench/layers quick on wasm: every case on both paths has finite timings and a dense baseline", async () => {
  const rows = await run({ backends: ["wasm"], quick: true });
  const cases = new Set(rows.map((r) => r.case));
  assert.equal(cases.size, 7);
  assert.equal(rows.length, 7 * 2 * 2);
  for (const c of cases) {
    for (const path of ["factored", "dense"]) {
      const rs = rows.filter((r) => r.case === c && r.path === path);
      assert.deepEqual(rs.map((r) => r.pass).sort(), ["forward", "forward+backward"], `${c} on the ${path} path`);
    }
  }
  for (const r of rows) {
    assert.equal(r.suite, "layers");
    assert.equal(r.took, r.path, `${r.case}: the layer ran the path it was given`);
    assert.ok(r.autoPicks === "factored" || r.autoPicks === "dense");
    assert.ok(Number.isFinite(r.medianMs) && r.medianMs > 0, `${r.case} ${r.pass}: ${r.medianMs} ${r.note ?? ""}`);
    assert.ok(typeof r.denseMs === "number" && r.denseMs > 0, `${r.case} ${r.pass}: dense ${r.denseMs}`);
    assert.ok((r.params as number) > 0 && (r.macs as number) > 0);
  }
});
