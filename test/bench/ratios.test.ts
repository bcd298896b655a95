// Speed relative to wasm, within one benchmark run, only between rows of the same work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addRatios, type BenchRow } from "../../bench/harness";

const row = (backend: string, medianMs: number, extra: Partial<BenchRow> = {}): BenchRow => ({ suite: "train", case: "cnn", backend, medianMs, reps: 3, ...extra });

test("addRatios: xWasm = wasm's median / this one's, for the same suite, case, batch, size, path and pass only", () => {
  const rows = addRatios([
    row("wasm", 300, { batch: 32 }),
    row("tensorflow", 100, { batch: 32 }),
    row("cpu", 50, { batch: 1 }), // another batch: not comparable
    row("wasm", 80, { case: "matmul", size: "1024x1024" }),
    row("cpu", 40, { case: "matmul", size: "256x256" }), // another size
    row("tensorflow", 20, { case: "matmul", size: "1024x1024" }),
    row("wasm", 10, { suite: "layers", case: "TT", path: "dense", pass: "forward" }),
    row("tensorflow", 5, { suite: "layers", case: "TT", path: "dense", pass: "forward+backward" }), // another pass
    row("tensorflow", NaN, { batch: 32, case: "failed" }),
  ]);
  assert.deepEqual(rows.map((r) => r.xWasm), [undefined, 3, undefined, undefined, undefined, 4, undefined, undefined, undefined]);
});
