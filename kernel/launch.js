#!/usr/bin/env node
"use strict";
// Entry point named in the kernelspec: `node kernel/launch.js --connection-file FILE`.
// Jupyter starts it with the notebook's directory as the working directory.
const fs = require("node:fs");
const path = require("node:path");
const { Kernel } = require("./server");
const { watchParent } = require("./parent-watch");

function main(argv) {
  const ppid = process.ppid; // before the slow start-up: the parent may die meanwhile
  const i = argv.findIndex((a) => a === "--connection-file" || a === "-f");
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--connection-file="))?.split("=")[1];
  if (!file) {
    console.error("usage: node kernel/launch.js --connection-file FILE");
    process.exit(2);
  }
  const connection = JSON.parse(fs.readFileSync(file, "utf8"));
  // kernel/client.js makes a folder for each kernel's connection file and names it here, so that
  // a kernel whose client was killed removes it too.
  const owned = process.env.TNLAB_KERNEL_OWNED_DIR;
  delete process.env.TNLAB_KERNEL_OWNED_DIR;
  const ownedDir = owned && path.resolve(owned) === path.dirname(path.resolve(file)) ? owned : null;
  watchParent({ ppid, ownedDir });
  let version = "0.0.0";
  try {
    version = require(path.join(__dirname, "..", "package.json")).version;
  } catch {}
  const kernel = new Kernel(connection, { version });
  // SIGINT (the kernelspec's interrupt_mode "signal") stops synchronous code through vm's
  // breakOnSigint and rejects pending top-level awaits; the process itself stays alive.
  process.on("SIGINT", () => kernel.interrupt());
  // No SIGTERM handler: its default action ends the kernel even while a cell spins, which a
  // JavaScript handler could not (it would wait for the cell to yield).
  process.on("uncaughtException", (err) => kernel.backgroundError(err, "uncaught exception"));
  process.on("unhandledRejection", (reason) => kernel.backgroundError(reason, "unhandled promise rejection"));
  kernel.start().catch((e) => {
    console.error("tnlab kernel: failed to start:", e);
    process.exit(1);
  });
}

main(process.argv.slice(2));
