// scripts/native-build.js (run by npm install's postinstall): without a compiler or the
// libraries it must not fail the install, and must say how to get them. These runs never
// compile (the check stops first), so an existing build is left alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const script = join(root, "scripts", "native-build.js");

test("without a C++ compiler the build is skipped with the package names for Debian, Homebrew and conda-forge", () => {
  const env = { ...process.env, PATH: "/nonexistent", CXX: "" };
  delete env.TN_NATIVE;
  const r = spawnSync(process.execPath, [script, "--force"], { cwd: root, encoding: "utf8", env, timeout: 60_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /missing a C\+\+ compiler/);
  assert.match(r.stdout, /apt-get install .*libopenblas-dev liblapacke-dev libdnnl-dev/);
  assert.match(r.stdout, /brew install openblas onednn/);
  assert.match(r.stdout, /conda install -c conda-forge .*onednn/);
});

test("TN_NATIVE=0 skips the build and says so", () => {
  const r = spawnSync(process.execPath, [script, "--force"], { cwd: root, encoding: "utf8", env: { ...process.env, TN_NATIVE: "0" }, timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /not built \(TN_NATIVE=0\)/);
});

test("postinstall keeps going when the native build is skipped (it only reports)", () => {
  const { buildNative } = require(script) as { buildNative(root: string, o?: { force?: boolean; quiet?: boolean }): boolean };
  const saved = process.env.TN_NATIVE;
  process.env.TN_NATIVE = "0";
  try {
    assert.equal(buildNative(root, { force: true, quiet: true }), false);
  } finally {
    if (saved === undefined) delete process.env.TN_NATIVE;
    else process.env.TN_NATIVE = saved;
  }
});

test("a build older than the code (a function missing) is not used, and says to rebuild", { timeout: 120_000 }, (t) => {
  const { ADDON_FUNCTIONS, addon, missingAddonFunctions } = require(join(root, "lib", "native", "addon")) as typeof import("../../lib/native/addon");
  assert.deepEqual(missingAddonFunctions({}), [...ADDON_FUNCTIONS]);
  assert.deepEqual(missingAddonFunctions({ ...Object.fromEntries(ADDON_FUNCTIONS.map((f) => [f, () => 0])), moments: undefined }), ["moments"]);
  if (!addon()) return t.skip("the addon is not built here");
  assert.deepEqual(missingAddonFunctions(addon()), [], "this build has every function");
  // A child loads the real build with one function taken out, as a build from before it was added.
  const preload = "const M = require('module'); const load = M._extensions['.node']; M._extensions['.node'] = (m, f) => { load(m, f); delete m.exports.moments; };";
  const probe = "const a = require('./lib/native/addon'); console.log(JSON.stringify({ active: a.active() !== undefined, info: a.nativeInfo() }));";
  const env = { ...process.env };
  delete env.TN_NATIVE;
  delete env.TN_QUIET;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", `${preload}\n${probe}`], { cwd: root, encoding: "utf8", env, timeout: 110_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { active: boolean; info: { active: boolean; reason: string } };
  assert.equal(out.active, false);
  assert.match(out.info.reason, /built from an older tnlab \(it lacks moments\): rebuild it with `npm run build:native`/);
  assert.match(r.stderr, /native kernels off: .*lacks moments/);
});
