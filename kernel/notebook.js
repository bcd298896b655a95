"use strict";
// Headless notebook execution, papermill style: inject parameters after the cell tagged
// "parameters", run the code cells in order through a tnlab kernel, stop at the first error.
const fs = require("node:fs");
const path = require("node:path");
const { randomBytes } = require("node:crypto");
const { KernelClient } = require("./client");

function source(cell) {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source || "");
}

function readNotebook(file) {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!nb || !Array.isArray(nb.cells) || typeof nb.nbformat !== "number") {
    throw new Error(`${file}: not a Jupyter notebook (nbformat 4 JSON with a "cells" list)`);
  }
  return nb;
}

function writeNotebook(file, nb) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(nb, null, 1) + "\n");
  fs.renameSync(tmp, file);
}

/** "3" → 3, "true" → true, '[1,2]' → [1,2], anything else → the string itself. */
function parseValue(v) {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** TypeScript for the injected cell; `const` keeps literal types, assignable to the declared ones. */
function parametersSource(params) {
  const lines = ["// Parameters injected by `tnlab run`"];
  for (const [k, v] of Object.entries(params)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(k)) throw new Error(`--param ${k}: expected an identifier name`);
    lines.push(`const ${k} = ${JSON.stringify(v)};`);
  }
  return lines.join("\n");
}

/** Inserts the parameters cell (after the one tagged "parameters", else first); returns its index. */
function injectParameters(nb, params) {
  nb.cells = nb.cells.filter((c) => !((c.metadata && c.metadata.tags) || []).includes("injected-parameters"));
  if (Object.keys(params).length === 0) return -1;
  const at = nb.cells.findIndex((c) => c.cell_type === "code" && ((c.metadata && c.metadata.tags) || []).includes("parameters"));
  const cell = {
    cell_type: "code",
    execution_count: null,
    metadata: { tags: ["injected-parameters"] },
    outputs: [],
    source: parametersSource(params),
  };
  if (nb.nbformat > 4 || (nb.nbformat === 4 && nb.nbformat_minor >= 5)) cell.id = `injected-${randomBytes(4).toString("hex")}`;
  const index = at >= 0 ? at + 1 : 0;
  nb.cells.splice(index, 0, cell);
  return index;
}

function firstLine(src) {
  const line = src.split("\n").find((l) => l.trim() !== "") || "";
  return line.length > 80 ? line.slice(0, 77) + "..." : line;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/**
 * While `run` runs, SIGINT / SIGTERM / SIGHUP to this process call `onSignal(name)` instead of
 * ending it at once (so the kernel can be stopped and the partial notebook written); a second
 * signal ends the process the usual way, killing the kernels it started (client.js).
 */
async function withSignals(onSignal, run) {
  let got = null;
  const handlers = {};
  for (const sig of Object.keys(SIGNAL_NUMBERS)) {
    handlers[sig] = () => {
      if (got) {
        process.stderr.write(`tnlab: ${sig} again: stopping now\n`);
        process.exit(128 + SIGNAL_NUMBERS[sig]);
      }
      got = sig;
      onSignal(sig);
    };
    process.on(sig, handlers[sig]);
  }
  try {
    return await run();
  } finally {
    for (const sig of Object.keys(handlers)) process.removeListener(sig, handlers[sig]);
  }
}

/**
 * Runs `nb` in place. Options: cwd (the notebook's directory), params, timeoutSec per cell,
 * env for the kernel, log(line) for progress, handleSignals (stop cleanly on SIGINT/SIGTERM:
 * interrupt the cell, shut the kernel down, resolve with the cells done so far and `signal`).
 * Resolves to {ok, failure?, seconds, signal?}.
 */
async function runNotebook(nb, opts = {}) {
  if (!opts.handleSignals) return runCells(nb, opts, null);
  const stop = { signal: null, onStop: null };
  return withSignals(
    (sig) => {
      stop.signal = sig;
      if (stop.onStop) stop.onStop(sig);
    },
    () => runCells(nb, opts, stop),
  );
}

async function runCells(nb, opts, stop) {
  const log = opts.log || (() => {});
  const params = { ...(opts.params || {}) };
  injectParameters(nb, params);
  const code = nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === "code" && source(c).trim() !== "");
  const started = Date.now();
  const kernel = await KernelClient.start({ cwd: opts.cwd || process.cwd(), env: opts.env || {}, stderr: opts.kernelStderr || "inherit" });
  const meta = (nb.metadata.tnlab = { ...(nb.metadata.tnlab || {}) });
  meta.run = { params, started: new Date(started).toISOString(), kernel: kernel.kernelInfo && kernel.kernelInfo.implementation_version };
  let failure = null;
  let graceTimer = null;
  if (stop) {
    // Interrupt the running cell; a cell that ignores the interrupt loses its kernel.
    stop.onStop = (sig) => {
      log(`${sig}: interrupting the running cell and shutting the kernel down`);
      kernel.interrupt();
      graceTimer = setTimeout(() => kernel.kill(), (opts.stopGraceSec ?? 5) * 1000);
    };
    if (stop.signal) stop.onStop(stop.signal);
  }
  const stopped = (i, src) => ({
    index: i,
    firstLine: firstLine(src),
    ename: "Stopped",
    evalue: `${stop.signal} received: the run was stopped at this cell`,
    traceback: [],
  });
  let current = null;
  try {
    for (let n = 0; n < code.length; n++) {
      current = code[n];
      if (stop && stop.signal) {
        failure = { ...stopped(code[n].i, source(code[n].c)), evalue: `${stop.signal} received: the run was stopped before this cell` };
        break;
      }
      const { c, i } = code[n];
      const src = source(c);
      const t0 = Date.now();
      log(`[${n + 1}/${code.length}] cell ${i}: ${firstLine(src)}`);
      c.outputs = [];
      c.execution_count = null;
      const r = await kernel.execute(src, {
        timeoutMs: (opts.timeoutSec || 0) * 1000,
        onOutput: (outs) => (c.outputs = outs),
      });
      c.outputs = r.outputs;
      c.execution_count = r.reply.execution_count ?? null;
      c.metadata = { ...(c.metadata || {}), tnlab: { seconds: (Date.now() - t0) / 1000 } };
      if (stop && stop.signal && r.reply.status !== "ok") {
        failure = stopped(i, src);
        if (!c.outputs.some((o) => o.output_type === "error")) c.outputs.push({ output_type: "error", ename: failure.ename, evalue: failure.evalue, traceback: [failure.evalue] });
        break;
      }
      if (r.reply.status !== "ok" || r.timedOut) {
        failure = {
          index: i,
          firstLine: firstLine(src),
          ename: r.timedOut ? "CellTimeoutError" : r.reply.ename || "Error",
          evalue: r.timedOut ? `the cell ran longer than ${opts.timeoutSec} s and was interrupted` : r.reply.evalue || r.reply.status,
          traceback: r.reply.traceback || [],
        };
        if (r.timedOut) c.outputs.push({ output_type: "error", ename: failure.ename, evalue: failure.evalue, traceback: [failure.evalue] });
        break;
      }
      if (opts.onCell) opts.onCell(n, code.length);
    }
  } catch (e) {
    if (!failure && stop && stop.signal && current) {
      failure = stopped(current.i, source(current.c));
      failure.evalue += ` (${e.message})`;
      current.c.outputs = [...(current.c.outputs || []), { output_type: "error", ename: failure.ename, evalue: failure.evalue, traceback: [failure.evalue] }];
    }
    failure = failure || { index: -1, firstLine: "", ename: "KernelError", evalue: e.message, traceback: [] };
  } finally {
    clearTimeout(graceTimer);
    await kernel.shutdown();
  }
  const seconds = (Date.now() - started) / 1000;
  meta.run.seconds = seconds;
  meta.run.ok = !failure;
  if (failure) meta.run.failure = { cell: failure.index, ename: failure.ename, evalue: failure.evalue };
  if (stop && stop.signal) meta.run.signal = stop.signal;
  return { ok: !failure, failure, seconds, ...(stop && stop.signal ? { signal: stop.signal } : {}) };
}

module.exports = { runNotebook, withSignals, SIGNAL_NUMBERS, readNotebook, writeNotebook, injectParameters, parametersSource, parseValue, source, firstLine };
