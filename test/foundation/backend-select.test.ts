import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use, info, parseBackend, available, describe, engineLabel } from "../../lib/backend";

const root = join(__dirname, "..", "..");

/** Runs a snippet in a fresh process (so backend state and env are its own). */
function runSnippet(code: string, env: Record<string, string | undefined>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, env: childEnv, encoding: "utf8" });
}

test("parseBackend accepts the four names and rejects others, listing the valid ones", () => {
  for (const n of ["auto", "tensorflow", "wasm", "cpu", " WASM "]) assert.ok(parseBackend(n));
  assert.throws(() => parseBackend("nonsense", "TN_BACKEND"), (e: Error) => {
    assert.match(e.message, /TN_BACKEND = "nonsense"/);
    for (const n of ["auto", "tensorflow", "wasm", "cpu"]) assert.ok(e.message.includes(`"${n}"`), e.message);
    return true;
  });
});

test("TN_BACKEND=nonsense gives an error that lists the valid names", () => {
  const r = runSnippet(
    `require("./lib/backend").ready().then(() => { console.log("started"); }, (e) => { console.error(e.message); process.exit(3); });`,
    { TN_BACKEND: "nonsense" },
  );
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /TN_BACKEND = "nonsense": expected one of "auto", "tensorflow", "wasm", "cpu"/);
});

test("auto without a native package falls back with a one-line notice and no stack trace", () => {
  const r = runSnippet(
    `require("./lib/backend").use("auto").then((i) => console.log("RUNS " + i.backend));`,
    { TN_QUIET: undefined, TN_BACKEND: undefined },
  );
  assert.equal(r.status, 0, r.stderr);
  const ran = /RUNS (\w+)/.exec(r.stdout)?.[1];
  assert.ok(ran === "wasm" || ran === "tensorflow", r.stdout);
  if (ran === "wasm") {
    const lines = r.stderr.split("\n").filter((l) => l.trim() && !/Unknown user config/.test(l));
    const ours = lines.filter((l) => l.startsWith("tn: "));
    assert.equal(ours.length, 1, r.stderr);
    assert.match(ours[0], /^tn: using the wasm backend \(.*tfjs-node.*\)$/);
    assert.ok(!/\n\s+at /.test(r.stderr), `stack trace in: ${r.stderr}`);
  }
});

test("asking explicitly for a backend that cannot start is an error naming it", async () => {
  const names = await available();
  if (names.includes("tensorflow")) return; // a machine with the native package: nothing to check
  await assert.rejects(use("tensorflow"), /the tensorflow backend cannot start: .*tfjs-node/);
});

test("use() switches backends and info() tells which runs, with threads, SIMD and versions", async () => {
  const w = await use("wasm");
  assert.equal(w.backend, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(w.simd, true);
  assert.ok(w.threads >= 1);
  assert.equal(w.versions.tfjs, tf.version.tfjs);
  assert.match(describe(w), /^wasm \(SIMD, \d+ threads?\)/);
  // Whether the native addon's kernels run says which engine the numbers came from.
  const native = (await import("../../lib/native/addon")).active() !== undefined;
  assert.equal(w.nativeKernels, native);
  assert.equal(describe(w).includes(") + native kernels ·"), native);
  assert.equal(engineLabel(), native ? "wasm+native" : "wasm");
  const c = await use("cpu");
  assert.equal(engineLabel(), "cpu");
  assert.equal(c.backend, "cpu");
  assert.equal((await info()).backend, "cpu");
  await use("wasm");
});
