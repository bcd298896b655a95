// Shared by the reproduction tests: run one paper's notebook through `tnlab reproduce` at the
// smoke profile and read back what it recorded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { builtOrFail, ROOT } from "../kernel/helpers";

export interface SmokeRecord {
  id: string;
  value: number;
  profile: string;
}

/** Why CIFAR-10 tests cannot run here, or undefined when TN_DATA_DIR holds it. */
export function cifarMissing(): string | undefined {
  const dir = process.env.TN_DATA_DIR;
  return dir && existsSync(join(dir, "cifar-10-batches-bin")) ? undefined : "CIFAR-10 not present: set TN_DATA_DIR to a folder holding cifar-10-batches-bin/";
}

/** Runs `tnlab reproduce --profile smoke --only paper --out-dir outDir`; returns the records by id. */
export function reproduceSmoke(paper: string, outDir: string, timeoutMs: number): Map<string, SmokeRecord> {
  builtOrFail();
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "reproduce", "--profile", "smoke", "--only", paper, "--out-dir", outDir], {
    encoding: "utf8",
    env: { ...process.env, TN_QUIET: "1" },
    timeout: timeoutMs,
  });
  assert.equal(r.status, 0, `reproduce failed:\n${r.stderr.slice(-3000)}`);
  assert.ok(existsSync(join(outDir, "report.md")), "report.md written");
  const records = JSON.parse(readFileSync(join(outDir, `${paper}.json`), "utf8")).records as SmokeRecord[];
  return new Map(records.map((x) => [x.id, x]));
}
