// Kill a real training process mid-epoch (SIGKILL), resume it, and compare with an uninterrupted run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCheckpoint } from "../../lib/train";

const child = join(__dirname, "resume-child.ts");
const root = join(__dirname, "..", "..");

function run(mode: string, dir: string, out: string, env: Record<string, string>, killAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, mode, dir, out], { cwd: root, env: { ...process.env, TN_QUIET: "1", ...env } });
    let stderr = "";
    let stdout = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.stdout.on("data", (d) => {
      stdout += d;
      if (killAt && stdout.includes(killAt)) p.kill("SIGKILL");
    });
    p.on("error", reject);
    p.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

for (const opt of ["adam", "sgd"]) {
  test(`resume after SIGKILL mid-epoch 2 gives bit-identical weights to an uninterrupted run (wasm, ${opt})`, { timeout: 120000 }, async () => {
    const base = mkdtempSync(join(tmpdir(), "tn-resume-"));
    const env = { TN_TEST_OPT: opt, TN_TEST_BACKEND: "wasm" };
    const full = await run("full", join(base, "full"), join(base, "full.bin"), env);
    assert.equal(full.code, 0, full.stderr);

    const dir = join(base, "run");
    const killed = await run("interrupt", dir, join(base, "never.bin"), env, "MID-EPOCH-2");
    assert.equal(killed.signal, "SIGKILL");
    const ck = readCheckpoint(join(dir, "checkpoint.tnckpt"));
    assert.ok(ck, "the checkpoint of epoch 1 exists");
    assert.equal(ck.header.epoch, 1, "killed after epoch 1's checkpoint, before epoch 2's");
    ck.optimizer.forEach((o) => o.tensor.dispose());

    const resumed = await run("resume", dir, join(base, "resumed.bin"), env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const a = readFileSync(join(base, "full.bin"));
    const b = readFileSync(join(base, "resumed.bin"));
    assert.equal(a.length, b.length);
    assert.ok(a.equals(b), "final weights are bit-identical");
    const ha = JSON.parse(readFileSync(join(base, "full.bin.json"), "utf8"));
    const hb = JSON.parse(readFileSync(join(base, "resumed.bin.json"), "utf8"));
    assert.equal(hb.epochs.length, 3);
    assert.deepEqual(hb.epochs.map((e: { trainLoss: number; testAcc: number; lr: number }) => [e.trainLoss, e.testAcc, e.lr]), ha.epochs.map((e: { trainLoss: number; testAcc: number; lr: number }) => [e.trainLoss, e.testAcc, e.lr]));
    assert.deepEqual(hb.epochs.map((e: { lr: number }) => e.lr), [opt === "sgd" ? 0.05 : 0.002, opt === "sgd" ? 0.05 : 0.002, opt === "sgd" ? 0.025 : 0.001]);
  });
}
