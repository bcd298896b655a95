"use strict";
// The kernel ends when the process that started it (Jupyter, `tnlab run`, a test) dies, as
// ipykernel's parent poller does: otherwise a killed client leaves the kernel running,
// reparented to PID 1, often still executing its cell. The watch runs on a worker thread so that
// it also works while a cell spins on the main thread; it ends the process with SIGTERM, whose
// default action terminates at once (launch.js installs no SIGTERM handler for that reason).
const { Worker } = require("node:worker_threads");

const WATCHER = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
// Reparenting shows a dead parent on Unix; Windows does not reparent, so ask whether it exists.
const parentAlive = () => {
  if (process.ppid !== workerData.ppid) return false;
  try {
    process.kill(workerData.ppid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
setInterval(() => {
  if (parentAlive()) return;
  try {
    fs.writeSync(2, "tnlab kernel: parent process " + workerData.ppid + " is gone; exiting\\n");
  } catch {}
  if (workerData.ownedDir) fs.rmSync(workerData.ownedDir, { recursive: true, force: true });
  process.kill(workerData.pid, "SIGTERM");
}, workerData.intervalMs);
`;

/**
 * Starts watching the parent process; returns the worker (unref'd: it never keeps the kernel
 * alive by itself). `ppid` defaults to the parent at start-up. `ownedDir`, the folder holding
 * the connection file when the client made one for this kernel alone, is removed with it.
 */
function watchParent({ ppid = process.ppid, intervalMs = 500, ownedDir = null } = {}) {
  if (ppid <= 1) return null; // started by init or a container's PID 1: nothing to watch
  const w = new Worker(WATCHER, { eval: true, workerData: { ppid, pid: process.pid, intervalMs, ownedDir }, stdout: false, stderr: false });
  w.unref();
  return w;
}

module.exports = { watchParent };
