"use strict";
// Builds the optional native addon (native/) at `npm install` when a C++ compiler, OpenBLAS
// with LAPACKE, and oneDNN are on this machine. Never fails the install: without them tnlab
// runs on plain wasm, and this says how to get them.
const { existsSync, statSync, readdirSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { spawnSync } = require("node:child_process");

const HOW = [
  "  Debian/Ubuntu: sudo apt-get install g++ make python3 libopenblas-dev liblapacke-dev libdnnl-dev",
  "  Homebrew:      brew install openblas onednn",
  "  conda-forge:   conda install -c conda-forge cxx-compiler openblas liblapacke onednn",
  "then run `npm install` (or `npm run build:native`) again.",
].join("\n");

function compiler() {
  for (const cc of [process.env.CXX, "c++", "g++", "clang++"].filter(Boolean)) {
    if (spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0) return cc;
  }
  return undefined;
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {}
  return candidates.find((c) => c && existsSync(c));
}

/** Node's own headers, so node-gyp needs no download (offline machines). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

function newest(dir) {
  let t = 0;
  for (const f of readdirSync(dir)) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
}

/** Returns true when the addon is built (now or already). */
function buildNative(root, { force = false, quiet = false } = {}) {
  const dir = join(root, "native");
  const out = join(dir, "build", "Release", "tnlab_native.node");
  const say = (m) => quiet || console.log(`tnlab: ${m}`);
  if (!existsSync(join(dir, "binding.gyp"))) return false;
  if (process.env.TN_NATIVE === "0") {
    say("native kernels not built (TN_NATIVE=0)");
    return false;
  }
  if (!force && existsSync(out)) {
    const src = Math.max(newest(join(dir, "src")), statSync(join(dir, "binding.gyp")).mtimeMs);
    if (statSync(out).mtimeMs >= src) {
      say("native kernels already built (native/build/Release/tnlab_native.node)");
      return true;
    }
  }
  const missing = [];
  if (!compiler()) missing.push("a C++ compiler");
  const libs = spawnSync(process.execPath, [join(dir, "find-libs.js"), "check"], { encoding: "utf8" });
  if (libs.status !== 0) {
    try {
      missing.push(...JSON.parse(libs.stdout).missing);
    } catch {
      missing.push("OpenBLAS/LAPACKE/oneDNN (find-libs.js failed)");
    }
  }
  const gyp = nodeGyp();
  if (!gyp) missing.push("node-gyp (it comes with npm)");
  if (missing.length) {
    say(`native kernels not built: missing ${missing.join(", ")}. tnlab runs on plain wasm. To get them:\n${HOW}`);
    return false;
  }
  say("building the native kernels (OpenBLAS, LAPACKE, oneDNN) with node-gyp ...");
  const args = [gyp, "rebuild"];
  const nd = nodeDir();
  if (nd) args.push(`--nodedir=${nd}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) {
    const log = `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n").filter((l) => /error|Error/.test(l)).slice(-15).join("\n");
    say(`native kernels failed to build; tnlab runs on plain wasm.\n${log}\nLibraries needed:\n${HOW}`);
    return false;
  }
  say("native kernels built: native/build/Release/tnlab_native.node (TN_NATIVE=0 turns them off)");
  return true;
}

module.exports = { buildNative };

if (require.main === module) process.exit(buildNative(join(__dirname, ".."), { force: process.argv.includes("--force") }) ? 0 : 1);
