// The FactorizedTensor base of TT, TT-matrix, Tucker and CP: compression, toTensor and relError
// written once behave as each class's own did; tn.decomp lists its public names only.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as decomp from "../../lib/decomp";
import { cpAls, FactorizedTensor, ttMatrix, ttSvd, tucker } from "../../lib/decomp";
import { relError, type NDArray } from "../../lib/linalg/ndarray";
import { rng } from "../../lib/random";
import { TnArgumentError } from "../../lib/errors";

function randomTensor(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float64Array.from({ length: n }, () => r.normal()) };
}

test("TT, TT-matrix, Tucker and CP share one base: compression, toTensor, relError", () => {
  const x = randomTensor([4, 5, 6], 1);
  const w = randomTensor([12, 10], 2);
  const cases: [string, FactorizedTensor, NDArray, number, string][] = [
    ["TT", ttSvd(x, { ranks: 2 }), x, 1 * 4 * 2 + 2 * 5 * 2 + 2 * 6 * 1, "x"],
    ["TT-matrix", ttMatrix(w, [3, 4], [2, 5], { ranks: [1, 3, 1] }), w, 1 * 3 * 2 * 3 + 3 * 4 * 5 * 1, "W"],
    ["Tucker", tucker(x, [2, 3, 2]), x, 2 * 3 * 2 + 4 * 2 + 5 * 3 + 6 * 2, "x"],
    ["CP", cpAls(x, 3, { maxIter: 10 }), x, 3 * (4 + 5 + 6) + 3, "x"],
  ];
  for (const [name, f, target, params, arg] of cases) {
    assert.ok(f instanceof FactorizedTensor, name);
    assert.equal(f.params, params, `${name}: params counted from the factor shapes`);
    assert.equal(f.compression, target.data.length / params, name);
    const dense = f.toDense();
    const t = f.toTensor();
    assert.deepEqual(t.shape, [...f.shape], name);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(Float32Array.from(dense.data)), `${name}: toTensor is toDense in float32`);
    t.dispose();
    assert.equal(f.relError(target), relError(target, dense), name);
    assert.ok(f.relError(target) > 0 && f.relError(dense) === 0, name);
    const wrong = { shape: [7], data: new Float64Array(7) };
    assert.throws(() => f.relError(wrong), (e: unknown) => e instanceof TnArgumentError && e.message.startsWith(`${arg}.shape = [7]: expected`), name);
  }
  // CP asks for the exact shape, not only as many values.
  const cp = cases[3][1];
  assert.throws(() => cp.relError({ shape: [5, 4, 6], data: x.data }), /x.shape = \[5, 4, 6\]: expected the CP tensor's shape \[4, 5, 6\]/);
  assert.equal(cases[0][1].relError({ shape: [120], data: x.data }), cases[0][1].relError(x), "TT takes the values in any shape of that size");
});

test("tn.decomp exports its public names, not the internals", () => {
  const names = Object.keys(decomp).sort();
  for (const internal of ["fminbound", "evbSigma2Objective", "rankForTail", "resolveTTRanks", "mttkrp", "inSafeRange", "factorizedBundle", "JUPYTER_DISPLAY"]) {
    assert.ok(!names.includes(internal), `${internal} is internal`);
  }
  // What the notebooks and tn.compress call through tn.decomp.
  for (const used of ["cpAls", "evbmf", "evbmfTauBar", "maxTTRanks", "maxvol", "ttSvd", "tucker", "tucker2", "tucker2Params", "tucker2RanksForRatio", "weakenedRank", "evbmfRanks", "svdRankForRatio", "cpRankForRatio", "ttRankForRatio", "ttMatrix"]) {
    assert.equal(typeof (decomp as Record<string, unknown>)[used], "function", used);
  }
});
