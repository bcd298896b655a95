// tt-conv: every row of Tables 1-2 has a configuration whose compression rounds to the paper's
// under the card's counting convention, and the formula count equals the built model's count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { use } from "../../lib/backend";
import * as ex from "../../lib/experiments/tt-conv";

test("published configurations A and B: 172,518 and 334,554 parameters, 3.2301x and 41.651x", async () => {
  await use("cpu");
  assert.equal(ex.configParams(ex.PUBLISHED.A), 172518);
  assert.equal(ex.builtParams(ex.PUBLISHED.A), 172518);
  assert.equal(ex.compression(ex.PUBLISHED.A).toFixed(4), "3.2301");
  assert.equal(ex.configParams(ex.PUBLISHED.B), 334554);
  assert.equal(ex.builtParams(ex.PUBLISHED.B), 334554);
  assert.equal(ex.compression(ex.PUBLISHED.B).toFixed(3), "41.651");
});

test("every Table 1-2 row: the configuration's compression rounds to the paper's, counted and built alike", async () => {
  await use("cpu");
  for (const row of ex.ROWS) {
    const c = ex.rowConfig(row);
    assert.equal(Math.round(ex.compression(c) * 100) / 100, row.ratio, `${row.id}: ${ex.compression(c)}`);
    assert.equal(ex.builtParams(c), ex.configParams(c), `${row.id}: built model = formula`);
  }
  // The card's natural candidates come out of the search's tie-break (closest ranks).
  assert.deepEqual(ex.search("conv-tt-fc", 21.01).fc, { fc4_1: [1, 25, 25, 25, 1], fc4_2: [1, 20, 20, 20, 1] });
  assert.deepEqual(ex.search("tt-conv-tt-fc", 82.87).fc, { fc4_1: [1, 20, 20, 20, 1], fc4_2: [1, 20, 20, 20, 1] });
  assert.throws(() => ex.search("conv-tt-fc", 30), /ratio = 30: expected a compression reachable in the conv-tt-fc family/);
  assert.throws(() => ex.search("tt-conv", 0.5), /ratio = 0.5: expected a compression ratio above 1/);
});

test("reshaping study: both TT forms are exact at full rank and their errors fall with the rank", async () => {
  const { ndarray } = await import("../../lib/linalg");
  const { rng } = await import("../../lib/random");
  const g = rng(5);
  const k = ndarray([3, 3, 64, 64], Float64Array.from({ length: 9 * 64 * 64 }, () => g.normal()));
  const pts = ex.reshapingStudy(k, [2, 8, 32, 1000]);
  for (const kind of ["proposed", "naive"] as const) {
    const errs = pts.filter((p) => p.reshaping === kind).map((p) => p.relError);
    for (let i = 1; i < errs.length; i++) assert.ok(errs[i] <= errs[i - 1] + 1e-12, `${kind}: error falls with the rank`);
    assert.ok(errs[errs.length - 1] < 1e-10, `${kind}: full rank rebuilds the kernel (${errs[errs.length - 1]})`);
  }
  assert.throws(() => ex.reshapingStudy(ndarray([5, 5, 64, 64]), [2]), /kernel.shape = \[5, 5, 64, 64\]: expected \[3, 3, C, S\]/);
});
