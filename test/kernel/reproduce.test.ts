// `tnlab reproduce`: runs the notebooks whose metadata names a paper, collects what they
// record with tn.papers, and writes the executed notebooks and the report.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, ROOT } from "./helpers";

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-repro-"));
  mkdirSync(join(dir, "nb"));
  const nb = (paper: string | null, cells: string[]) => ({
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: i === 0 ? { tags: ["parameters"] } : {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" }, ...(paper ? { tnlab: { paper } } : {}) },
    nbformat: 4,
    nbformat_minor: 5,
  });
  writeFileSync(
    join(dir, "nb", "cp.ipynb"),
    JSON.stringify(
      nb("cp-conv-mnist", [
        'let profile = "paper";',
        'import * as tn from "tnlab";\nawait tn.backend.use("cpu");\ntn.papers.record("cpconv.base.acc", profile === "smoke" ? 98.1 : 0, { note: `profile ${profile}` });\ntn.papers.record("cpconv.cp_r3.compression", 990 / 129);\ntn.papers.save();',
      ]),
    ),
  );
  writeFileSync(join(dir, "nb", "not-a-paper.ipynb"), JSON.stringify(nb(null, ['throw new Error("must not run")'])));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("reproduce runs paper notebooks with the profile and writes results/ with report.md and report.json", { timeout: 330_000 }, () => {
  const out = join(dir, "results");
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "reproduce", "--profile", "smoke", "--notebooks", join(dir, "nb"), "--out-dir", out], {
    encoding: "utf8",
    env: { ...process.env, TN_QUIET: "1" },
    timeout: 300_000, // wide for a busy machine; SIGTERM on expiry makes reproduce stop its kernel
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(out, "cp.ipynb")));
  assert.ok(!existsSync(join(out, "not-a-paper.ipynb")));
  const rep = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const base = rep.rows.find((x: { id: string }) => x.id === "cpconv.base.acc");
  assert.equal(base.value, 98.1);
  assert.equal(base.paperValue, 98.34);
  assert.ok(Math.abs(base.diff - (98.1 - 98.34)) < 1e-9);
  assert.equal(base.profile, "smoke");
  assert.equal(base.backend, "cpu");
  assert.equal(base.note, "profile smoke");
  const md = readFileSync(join(out, "report.md"), "utf8");
  assert.match(md, /`cpconv\.cp_r3\.compression` \| .* \| x \| 7\.7 \| 7\.674 \| -0\.02558/);
  assert.match(md, /\| cp\.ipynb \| cp-conv-mnist \| ok \|/);
});

test("reproduce --only with an unknown paper lists the available ones", { timeout: 90_000 }, () => {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "reproduce", "--only", "zzz", "--notebooks", join(dir, "nb")], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--only zzz: no reproduction notebook for it; available: cp-conv-mnist/);
});
