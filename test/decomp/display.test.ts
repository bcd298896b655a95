import { test } from "node:test";
import assert from "node:assert/strict";
import { cpAls, ttMatrix, ttSvd, tucker } from "../../lib/decomp";
import { ndarray } from "../../lib/linalg";
import { mimeBundleFor } from "../../lib/display/mime";
import { rng } from "../../lib/random";

function rand(shape: number[], seed: number) {
  const r = rng(seed);
  return ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

test("decompositions show in the kernel as a summary with their shape, ranks, parameters and factor shapes", () => {
  const x = rand([4, 5, 6], 1);
  const cases = [
    { d: ttSvd(x, { ranks: 2 }), kind: "TT tensor", factor: "core 1: [2, 5, 2]" },
    { d: ttMatrix(rand([6, 8], 2), [2, 3], [2, 4], { ranks: 2 }), kind: "TT matrix", factor: "core 0: [1, 2, 2, 2]" },
    { d: cpAls(x, 3, { maxIter: 5, seed: 1 }), kind: "CP tensor", factor: "factor 2: [6, 3]" },
    { d: tucker(x, [2, 3, 4]), kind: "Tucker tensor", factor: "core: [2, 3, 4]" },
  ];
  for (const { d, kind, factor } of cases) {
    const b = mimeBundleFor(d);
    const text = b["text/plain"] as string;
    assert.ok(text.startsWith(`${kind} of shape [${d.shape.join(", ")}], ranks [${d.ranks.join(", ")}]`), text);
    assert.ok(text.includes(`${d.params.toLocaleString("en-US")} parameters`), text);
    assert.ok(text.includes(factor), `${kind}: ${text}`);
    assert.match(b["text/html"] as string, new RegExp(`<b>${kind}</b>`));
  }
});
