#!/usr/bin/env node
"use strict";
// After `npm install` in a checkout: compile lib/ to dist/ (when TypeScript is present), build
// the optional native kernels (when their libraries are installed), then register the Jupyter
// kernel when Jupyter is on this machine.
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { spawnSync } = require("node:child_process");

const root = join(__dirname, "..");

function build() {
  let tsc;
  try {
    tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  } catch {
    return; // an installed package ships dist/ already
  }
  if (!existsSync(join(root, "lib", "index.ts"))) return;
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error("tnlab: the TypeScript build failed (see above)");
    process.exit(r.status ?? 1);
  }
}

build();
const nativeBuild = join(root, "scripts", "native-build.js");
if (existsSync(nativeBuild)) require(nativeBuild).buildNative(root);
const kernelSetup = join(root, "scripts", "kernel-setup.js");
if (existsSync(kernelSetup)) require(kernelSetup).afterInstall(root);
