// Inputs at the edge of float64: rank rules with absurd budgets end with a clear error, and
// decompositions of x·1e200 (or x·1e-200) give the scaled factors of x instead of NaN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { rng } from "../../lib/random";
import * as la from "../../lib/linalg";
import type { NDArray } from "../../lib/linalg";
import { cpAls, ttSvd, tucker, tucker2 } from "../../lib/decomp";
import { TnArgumentError } from "../../lib/errors";

const root = join(__dirname, "..", "..");

function rankRule(fn: string, args: unknown[]): { value?: number; error?: string; name?: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/decomp/rank-child.ts", fn, JSON.stringify(args)], { cwd: root, encoding: "utf8", timeout: 30000 });
  assert.equal(r.signal, null, `${fn}(${JSON.stringify(args)}) did not return within 30 s`);
  return JSON.parse(r.stdout.trim());
}

test("ttRankForRatio / cpRankForRatio: a budget past any usable rank is a clear error, not an endless loop", { timeout: 120000 }, () => {
  for (const args of [
    [[8, 16, 16, 8], 1e-300],
    [[8, 16, 16, 8], 2, { currentParams: 1e40 }],
    [[[4, 8], [4, 8]], 1e-20],
  ]) {
    const r = rankRule("ttRankForRatio", args);
    assert.equal(r.name, "TnArgumentError", JSON.stringify(r));
    assert.match(r.error!, /^ratio = .*: expected a reduction ratio that leaves a TT rank of at most 2\^31 \(P0 \/ ratio = /);
  }
  const cp = rankRule("cpRankForRatio", [[3, 3, 64, 64], 1e-300]);
  assert.match(cp.error!, /CP rank of at most 2\^31/);
  // Ordinary budgets are unchanged.
  assert.equal(rankRule("ttRankForRatio", [[8, 16, 16, 16, 8], 100]).value, 7);
  // A growth budget is still answered: P0 / ρ = 16384e6 and params(r) = 16 r + 32 r² give r = 22627.
  assert.equal(rankRule("ttRankForRatio", [[8, 16, 16, 8], 1e-6]).value, 22627);
  assert.ok(16 * 22627 + 32 * 22627 ** 2 <= 16384e6 && 16 * 22628 + 32 * 22628 ** 2 > 16384e6);
});

function rand(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return la.ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

function times(x: NDArray, c: number): NDArray {
  return { shape: x.shape, data: x.data.map((v) => v * c) };
}

/** |a - c·b| <= tol·c·max|b| entrywise. */
function closeScaled(a: Float64Array, b: Float64Array, c: number, what: string, tol = 1e-9): void {
  assert.equal(a.length, b.length, what);
  let m = 0;
  for (const v of b) m = Math.max(m, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]), `${what}[${i}] = ${a[i]}`);
    assert.ok(Math.abs(a[i] - c * b[i]) <= tol * c * m, `${what}[${i}]: ${a[i]} vs ${c} · ${b[i]}`);
  }
}

for (const c of [1e200, 1e-200]) {
  test(`ttSvd, cpAls, tucker, tucker2 of x·${c}: the factors of x, with the scale in the last core / weights / core`, () => {
    const x = rand([4, 5, 6], 1);
    const y = times(x, c);
    assert.ok(Number.isFinite(la.norm(y)) && la.norm(y) > 0, "norm(y) is computed without overflow or underflow");
    assert.ok(Math.abs(la.norm(y) / (c * la.norm(x)) - 1) < 1e-14);

    const tx = ttSvd(x, { ranks: 3 });
    const ty = ttSvd(y, { ranks: 3 });
    assert.deepEqual(ty.ranks, tx.ranks);
    closeScaled(ty.cores[0].data, tx.cores[0].data, 1, "tt core 0");
    closeScaled(ty.cores[1].data, tx.cores[1].data, 1, "tt core 1");
    closeScaled(ty.cores[2].data, tx.cores[2].data, c, "tt core 2");
    assert.ok(Math.abs(ty.error - tx.error) < 1e-12, `${ty.error} vs ${tx.error}`);
    assert.ok(Math.abs(ty.relError(y) - tx.error) < 1e-12, "relError of the scaled input is finite and the same");
    const te = ttSvd(y, { eps: 0.3 });
    assert.deepEqual(te.ranks, ttSvd(x, { eps: 0.3 }).ranks);

    const cx = cpAls(x, 3, { maxIter: 20, tol: 0 });
    const cy = cpAls(y, 3, { maxIter: 20, tol: 0 });
    closeScaled(cy.weights, cx.weights, c, "cp weights");
    cy.factors.forEach((f, n) => closeScaled(f.data, cx.factors[n].data, 1, `cp factor ${n}`));
    assert.ok(Math.abs(cy.error - cx.error) < 1e-12);

    const ux = tucker(x, [2, 3, 3]);
    const uy = tucker(y, [2, 3, 3]);
    closeScaled(uy.core.data, ux.core.data, c, "tucker core");
    uy.factors.forEach((f, n) => closeScaled(f!.data, ux.factors[n]!.data, 1, `tucker factor ${n}`));
    assert.ok(Math.abs(uy.error - ux.error) < 1e-12);

    const k = rand([3, 3, 4, 5], 2);
    const kx = tucker2(k, [3, 2]);
    const ky = tucker2(times(k, c), [3, 2]);
    closeScaled(ky.core.data, kx.core.data, c, "tucker2 core");
  });
}

test("a tensor whose factors cannot fit in float64 is refused with a clear error", () => {
  // Rank 1 of a 4 × 4 matrix of 1e308: the weight (the norm, 4e308) overflows.
  const x = la.ndarray([4, 4], new Float64Array(16).fill(1e308));
  assert.throws(
    () => cpAls(x, 1, { maxIter: 5 }),
    (e: Error) => e instanceof TnArgumentError && /^x = "a tensor with max \|entry\| 1e\+308": expected a magnitude whose factors fit in float64/.test(e.message),
  );
  assert.throws(() => ttSvd(x, { ranks: 1 }), (e: Error) => e instanceof TnArgumentError && /fit in float64/.test(e.message));
});
