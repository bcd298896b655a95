// The reference suite (bench/reference.ts): tnlab / reference ratios only between rows of the same
// work, and a clear skipped row when no Python is given. The Python run itself is a benchmark
// (bench/reference.py, timed by `tnlab bench reference --reference-python PATH`), not a test.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BenchRow } from "../../bench/harness";
import { referenceRatios, run } from "../../bench/reference";

const row = (suite: string, c: string, backend: string, medianMs: number, extra: Partial<BenchRow> = {}): BenchRow => ({ suite, case: c, backend, medianMs, reps: 3, ...extra });

test("referenceRatios: tnlab median / reference median per engine, same suite, case, batch and size only", () => {
  const rows = [
    row("train", "fc train", "wasm", 300, { batch: 100 }),
    row("train", "fc train", "wasm+native", 90, { batch: 100 }),
    row("train", "fc train", "tensorflow", 60, { batch: 100 }),
    row("train", "fc train", "cpu", 900, { batch: 8 }), // another batch, and not a compared engine
    row("train", "fc eval", "wasm", 50, { batch: 100 }), // no reference row for it
    row("decomp", "CP-ALS", "js-f64", 2000),
    row("decomp", "CP-ALS", "lapack-f64", 800),
    row("decomp", "Tucker", "lapack-f64+wasm+native", 1000),
    row("reference", "fc train", "keras", 30, { ofSuite: "train", batch: 100 }),
    row("reference", "CP-ALS", "numpy", 400, { ofSuite: "decomp" }),
    row("reference", "CP-ALS", "tensorly", 200, { ofSuite: "decomp" }),
    row("reference", "Tucker", "tensorly", NaN, { ofSuite: "decomp" }), // failed: no ratio
  ];
  const got = referenceRatios(rows).map((r) => [r.case, r.backend, r.reference, r.ratio]);
  assert.deepEqual(got, [
    ["fc train", "wasm", "keras", 10],
    ["fc train", "wasm+native", "keras", 3],
    ["fc train", "tensorflow", "keras", 2],
    ["CP-ALS", "js-f64", "numpy", 5],
    ["CP-ALS", "lapack-f64", "numpy", 2],
    ["CP-ALS", "js-f64", "tensorly", 10],
    ["CP-ALS", "lapack-f64", "tensorly", 4],
  ]);
});

test("the reference suite is skipped, saying how to run it, without a Python", async () => {
  const saved = process.env.TN_REFERENCE_PYTHON;
  delete process.env.TN_REFERENCE_PYTHON;
  try {
    const rows = await run({ backends: ["wasm"], quick: false });
    assert.equal(rows.length, 1);
    assert.match(String(rows[0].note), /--reference-python PATH/);
    const bad = await run({ backends: ["wasm"], quick: false, referencePython: "/nonexistent/python3" });
    assert.match(String(bad[0].note), /reference failed \(\/nonexistent\/python3\)/);
  } finally {
    if (saved !== undefined) process.env.TN_REFERENCE_PYTHON = saved;
  }
});

test("bench --reference-python PATH reaches the suite's options; a missing PATH is a usage error", async () => {
  const { parseBenchArgs } = await import("../../lib/cli/commands/bench");
  assert.equal(parseBenchArgs(["reference", "--reference-python", "/opt/py/bin/python"]).referencePython, "/opt/py/bin/python");
  assert.equal("referencePython" in parseBenchArgs(["reference"]), false);
  assert.throws(() => parseBenchArgs(["reference", "--reference-python"]), /reference-python/);
});
