"use strict";
// Called by scripts/postinstall.js after the build: link the package into its own node_modules
// (so notebooks can `import * as tn from "tnlab"`) and register the Jupyter kernel if Jupyter
// is on PATH; otherwise say which one command does it. Never fails the install.
const path = require("node:path");

function afterInstall(root) {
  let install;
  try {
    install = require(path.join(root, "kernel", "install.js"));
  } catch (e) {
    console.warn(`tnlab: kernel setup skipped (${e.message})`);
    return;
  }
  try {
    install.ensureSelfLink(root);
  } catch (e) {
    console.warn(`tnlab: could not link node_modules/tnlab (${e.message}); notebooks outside node_modules will not resolve "tnlab"`);
  }
  if (process.env.TNLAB_SKIP_KERNEL_INSTALL) return;
  if (!install.which("jupyter")) {
    console.log('tnlab: Jupyter was not found on PATH. After installing it, register the kernel with:\n  npx tnlab kernel install --user');
    return;
  }
  try {
    const dir = install.install({ root, user: !isRoot() ? true : undefined });
    console.log(`tnlab: installed the Jupyter kernel "${install.DISPLAY_NAME}" in ${dir}`);
  } catch (e) {
    console.warn(`tnlab: could not install the Jupyter kernel (${e.message}); run: npx tnlab kernel install --user`);
  }
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

module.exports = { afterInstall };
