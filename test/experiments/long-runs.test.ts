// tnlab train: long runs go into the run store with a checkpoint every epoch; an interrupted run
// is listed as in progress with its curve so far, and resuming it gives the run an uninterrupted
// one gives; a finished run is stored with its dates and its checkpoints removed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, use } from "../../lib/backend";
import * as ex from "../../lib/experiments/tt-fc";
import { longRunKind, trainLongRuns } from "../../lib/experiments/long-runs";

const ROOT = join(__dirname, "..", "..");
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-longruns-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("an interrupted run is in progress with its curve; resumed, it equals the uninterrupted run", { timeout: 300_000 }, async () => {
  // Always wasm (also under TN_BACKEND): same-seed runs repeat bit for bit on it, which the
  // resumed = uninterrupted check needs, and it is fast enough for three short runs.
  const info = await use("wasm");
  const id = "ttfc.mnist.tt_tt_tt";
  const b = ex.budget("smoke");
  const data = ex.mnistData(b);
  const whole = await ex.mnistRun(id, b.mnist.epochs, data, 0);

  const kind = longRunKind("tt-fc-mnist");
  const store = kind.store("smoke", "test engine", join(dir, "a"));
  // The first of two epochs, as a session that ended after one epoch leaves it.
  await ex.mnistRun(id, 1, data, 0, store.checkpointDir(id));
  const going = store.inProgress();
  assert.equal(going.length, 1);
  assert.equal(going[0].id, id);
  assert.equal(going[0].epochsDone, 1);
  assert.equal(going[0].curve.length, 1);
  assert.ok(going[0].secondsPerEpoch > 0 && Number.isFinite(going[0].hoursLeft));
  assert.equal(store.get(id), undefined, "an unfinished run is no result");

  const lines: string[] = [];
  await trainLongRuns("tt-fc-mnist", [id], "smoke", info, { root: join(dir, "a"), log: (l) => lines.push(l) });
  assert.match(lines.join("\n"), /resuming from its checkpoint/);
  const done = store.record(id)!;
  assert.ok(done, "stored when finished");
  assert.equal(done.meta.engine, describe(info));
  assert.equal(store.inProgress().length, 0);
  assert.equal(existsSync(store.checkpointDir(id)), false, "checkpoints removed once stored");
  const run = done.run as ex.Run;
  assert.deepEqual(run.epochs.map((e) => e.testAcc), whole.epochs.map((e) => e.testAcc), "resumed = uninterrupted");
  assert.equal(run.bestAcc, whole.bestAcc);

  // Finished runs are not trained again.
  lines.length = 0;
  await trainLongRuns("tt-fc-mnist", [id], "smoke", info, { root: join(dir, "a"), log: (l) => lines.push(l) });
  assert.match(lines.join("\n"), /finished before/);
});

test("tnlab train names a bad experiment, id, profile or seed and exits 2", { timeout: 120_000 }, () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "train", ...args], { encoding: "utf8", timeout: 110_000, env: { ...process.env, TNLAB_RUNS_DIR: join(dir, "cli"), TN_QUIET: "1" } });
  const bad = cli(["nonesuch", "x"]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /EXPERIMENT = "nonesuch".*tt-conv, tt-fc-mnist/);
  assert.match(cli(["tt-conv", "ttconv.t9.nope", "--profile", "smoke"]).stderr, /id = "ttconv\.t9\.nope"/);
  assert.match(cli(["tt-conv", "x", "--profile", "fast"]).stderr, /--profile.*"fast".*smoke, quick, paper/);
  assert.match(cli(["tt-conv", "x", "--seed", "-1"]).stderr, /--seed/);
  assert.match(cli(["tt-conv"]).stderr, /missing ids/);
  const list = cli(["tt-conv", "--list", "--profile", "smoke"]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /ttconv\.t1\.conv: not started/);
});
