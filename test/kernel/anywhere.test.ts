// A notebook in a folder of its own, outside this checkout (no node_modules there), imports
// tnlab and TensorFlow.js: both resolve to tnlab's copies (one engine), type-checked and run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { builtOrFail, notebook, ROOT } from "./helpers";

let dir: string;
before(() => {
  builtOrFail();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "tnlab-anywhere-")));
  assert.ok(relative(ROOT, dir).startsWith(".."), "the folder is outside the checkout");
  assert.equal(existsSync(join(dir, "node_modules")), false);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a notebook outside the checkout imports @tensorflow/tfjs and tnlab, type-checked, on one engine", { timeout: 120_000 }, async () => {
  const nb = {
    cells: [
      { cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: 'import * as tf from "@tensorflow/tfjs";\nimport * as tn from "tnlab";' },
      // tf's tensor goes into tn (one engine); tn.tf is the same library.
      { cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: "const x = tf.tensor3d([...Array(8).keys()].map(Number), [2, 2, 2]);\nconst tt = tn.decomp.ttSvd(x, { eps: 1e-6 });\n[tt.shape.join('x'), tn.tf.tensor1d([1, 2, 3]).sum().arraySync(), tn.tf.engine() === tf.engine()]" },
      { cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: 'const bad: tf.Tensor = "not a tensor";' },
    ],
    metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const res = await notebook.runNotebook(nb, { cwd: dir, timeoutSec: 100, env: { TN_QUIET: "1" }, kernelStderr: "ignore" });
  const outs = (i: number) => nb.cells[i].outputs as { output_type: string; data?: Record<string, string>; evalue?: string }[];
  assert.deepEqual(outs(0).filter((o) => o.output_type === "error"), [], JSON.stringify(outs(0)));
  const value = outs(1).find((o) => o.output_type === "execute_result");
  assert.ok(value, JSON.stringify(outs(1)));
  assert.equal(value!.data!["text/plain"].replace(/\s+/g, " "), "[ '2x2x2', 6, true ]");
  // The checker knows tf's types there: a wrong assignment is a type error, not an unresolved module.
  assert.equal(res.ok, false);
  const err = outs(2).find((o) => o.output_type === "error");
  assert.match(String(err?.evalue), /not assignable to type 'Tensor/);
});
