// A package the notebook imports changes under the running kernel (a rebuild or reinstall while a
// notebook trains): the kernel goes on. tslab's converter died there with "Unexpected pending
// rebuildTimer" thrown from TypeScript's file watcher.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, notebook } from "./helpers";

let dir: string;
before(() => {
  builtOrFail();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "tnlab-watch-")));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("files of an imported package change between cells: the kernel keeps running the cells", { timeout: 120_000 }, async () => {
  const pkg = join(dir, "node_modules", "foo");
  mkdirSync(pkg, { recursive: true });
  const manifest = (v: string) => JSON.stringify({ name: "foo", version: v, main: "index.js", types: "index.d.ts" });
  writeFileSync(join(pkg, "package.json"), manifest("1.0.0"));
  writeFileSync(join(pkg, "index.js"), "exports.x = 1;");
  writeFileSync(join(pkg, "index.d.ts"), "export declare const x: number;");
  const src = (s: string) => ({ cell_type: "code", metadata: {}, outputs: [] as unknown[], execution_count: null, source: s });
  const fs = 'require("node:fs")';
  const nb = {
    cells: [
      src('import * as foo from "foo";\nfoo.x'),
      // The change, then time for the watchers to see it (before the fix they fired within it and
      // killed the kernel; with it, the wait only makes the test slower, never wrong).
      src(
        `${fs}.writeFileSync(${JSON.stringify(join(pkg, "index.d.ts"))}, "export declare const x: number;\\nexport declare const y: number;");\n` +
          `${fs}.writeFileSync(${JSON.stringify(join(pkg, "package.json"))}, ${JSON.stringify(manifest("1.0.1"))});\n` +
          "await new Promise((r) => setTimeout(r, 5000));",
      ),
      src("foo.x + 1"),
    ],
    metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const res = await notebook.runNotebook(nb, { cwd: dir, timeoutSec: 100, env: { TN_QUIET: "1" }, kernelStderr: "ignore" });
  const outs = (i: number) => nb.cells[i].outputs as { output_type: string; data?: Record<string, string>; evalue?: string }[];
  assert.deepEqual(outs(1).filter((o) => o.output_type === "error"), [], JSON.stringify(outs(1)));
  assert.equal(outs(2).find((o) => o.output_type === "execute_result")?.data?.["text/plain"], "2", JSON.stringify(outs(2)));
  assert.equal(res.ok, true, String(res.error));
});
