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
  // Never system-wide (also not as root): per environment when the jupyter on PATH is in the
  // active conda env / virtualenv, else per user.
  const envPrefix = install.jupyterEnvironment();
  const opts = envPrefix ? { prefix: envPrefix } : { user: true };
  try {
    const dir = install.install({ root, ...opts });
    const whom = envPrefix ? `for the environment ${envPrefix}` : install.scope(opts);
    const other = envPrefix ? "for your user instead: npx tnlab kernel install --user" : "per environment instead: npx tnlab kernel install --sys-prefix";
    console.log(`tnlab: registered the Jupyter kernel "${install.DISPLAY_NAME}" ${whom}, in ${dir} (${other})`);
  } catch (e) {
    console.warn(`tnlab: could not install the Jupyter kernel (${e.message}); run: npx tnlab kernel install --user`);
  }
}

module.exports = { afterInstall };
