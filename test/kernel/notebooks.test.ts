// Headless notebook runs: `tnlab run` (our Node client) on the tour and on failing notebooks,
// Jupyter's own nbconvert --execute with the tnlab kernel; then the tour's figures in headless
// Chromium in every situation a reader meets (./browser.ts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, kernelPrefix, NOTEBOOKS, notebook, pythonWith, ROOT, skipUnless } from "./helpers";
import { browserTests } from "./browser";

const TOUR = join(NOTEBOOKS, "00-tour.ipynb");
let dir: string;

interface Nb {
  cells: { cell_type: string; source: string | string[]; outputs?: { output_type: string; data?: Record<string, unknown>; text?: string; ename?: string }[]; execution_count?: number | null; metadata: Record<string, unknown> }[];
  metadata: Record<string, unknown>;
}

// Budgets wide enough for a machine with another job on every core; they only stop a hang.
// On its timeout spawnSync sends SIGTERM: `tnlab run` then stops its kernel before exiting.
const RUN_BUDGET = 300_000;
const T = { timeout: RUN_BUDGET + 30_000 };
const JUPYTER_BUDGET = 400_000;

function tnlab(args: string[], cwd = ROOT) {
  return spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, TN_QUIET: "1" }, timeout: RUN_BUDGET });
}

function write(name: string, cells: string[], paramsCell?: string): string {
  const nb = {
    cells: [
      ...(paramsCell ? [{ id: "params", cell_type: "code", metadata: { tags: ["parameters"] }, source: paramsCell, outputs: [], execution_count: null }] : []),
      ...cells.map((source, i) => ({ id: `cell-${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
    ],
    metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-nb-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const executedTour = () => join(dir, "tour.ipynb");

test("tnlab run executes the tour with --profile and writes outputs (plot, table, rich values)", T, () => {
  const r = tnlab(["run", TOUR, "--profile", "smoke", "--out", executedTour(), "--timeout", "150"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\[\d+\/\d+\] cell/);
  const nb = JSON.parse(readFileSync(executedTour(), "utf8")) as Nb;
  const injected = nb.cells.find((c) => ((c.metadata.tags as string[]) ?? []).includes("injected-parameters"))!;
  assert.match(String(injected.source), /const profile = "smoke";/);
  const outs = nb.cells.flatMap((c) => c.outputs ?? []);
  assert.equal(outs.filter((o) => o.output_type === "error").length, 0);
  const plots = outs.filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data);
  assert.ok(plots.length >= 2, "the tour draws plots");
  const withBundle = outs.filter((o) => typeof o.data?.["text/html"] === "string" && (o.data["text/html"] as string).includes("plotly.js v"));
  assert.equal(withBundle.length, 0, "no output carries plotly.js");
  for (const p of plots) assert.match(String(p.data!["text/html"]), /<img class="tnlab-static" src="data:image\/svg\+xml;base64,/, "every plot has its static picture");
  assert.ok(readFileSync(executedTour()).length < 1_000_000, "the executed tour stays light");
  assert.ok(outs.some((o) => typeof o.data?.["text/html"] === "string" && (o.data["text/html"] as string).includes("<table")));
  for (const c of nb.cells.filter((c) => c.cell_type === "code")) assert.ok(typeof c.execution_count === "number", `cell not executed: ${c.source}`);
});

test("tnlab run stops at the first failing cell, names it, and exits non-zero", T, () => {
  const file = write("fails.ipynb", ['console.log("first")', '\nconst v = 2;\nthrow new Error("broken " + v);', 'console.log("never")']);
  const out = join(dir, "fails.out.ipynb");
  const r = tnlab(["run", file, "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cell 1 \("const v = 2;"\) failed: Error: broken 2/);
  const nb = JSON.parse(readFileSync(out, "utf8")) as Nb;
  assert.equal(nb.cells[0].outputs![0].text, "first\n");
  assert.equal(nb.cells[1].outputs!.at(-1)!.output_type, "error");
  assert.equal(nb.cells[2].execution_count, null, "cells after the failure are not run");
});

test("--param values are injected after the parameters cell; --timeout interrupts a stuck cell", T, async () => {
  const file = write("params.ipynb", ["console.log(epochs * 2, name)", "while (true) {}", 'console.log("after")'], "let epochs = 5;\nlet name = \"x\";");
  const nb = notebook.readNotebook(file);
  // The budget applies to every cell, compilation included: wide enough for a busy machine.
  const res = await notebook.runNotebook(nb, { cwd: dir, params: { epochs: 21, name: "y" }, timeoutSec: 15, kernelStderr: "ignore" });
  assert.equal(nb.cells[1].metadata.tags[0], "injected-parameters");
  assert.equal(nb.cells[2].outputs[0].text, "42 y\n");
  assert.equal(res.ok, false);
  assert.equal(res.failure.ename, "CellTimeoutError");
  assert.equal(res.failure.index, 3);
  assert.equal(nb.cells[4].execution_count, null);
});

test("tnlab run rejects bad arguments with a usage message", T, () => {
  const r = tnlab(["run", TOUR, "--profile", "fast"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--profile = "fast": expected one of smoke, quick, paper/);
});

const nbPython = pythonWith(["nbclient", "nbconvert", "jupyter_client"]);

test("jupyter nbconvert --execute runs the tour with the tnlab kernel", { skip: skipUnless(!!nbPython, "nbconvert/nbclient"), timeout: JUPYTER_BUDGET + 30_000 }, () => {
  assert.ok(nbPython, "python3 with nbclient and nbconvert is required in CI");
  const { prefix, jupyterPath } = kernelPrefix();
  try {
    const out = join(dir, "tour.nbconvert.ipynb");
    const r = spawnSync(
      nbPython,
      ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tnlab", "--ExecutePreprocessor.timeout=300", "--output", out, TOUR],
      { cwd: NOTEBOOKS, encoding: "utf8", env: { ...process.env, JUPYTER_PATH: jupyterPath, TN_QUIET: "1" }, timeout: JUPYTER_BUDGET },
    );
    assert.equal(r.status, 0, r.stderr.slice(-4000));
    const nb = JSON.parse(readFileSync(out, "utf8")) as Nb;
    const outs = nb.cells.flatMap((c) => c.outputs ?? []);
    assert.equal(outs.filter((o) => o.output_type === "error").length, 0);
    assert.ok(outs.some((o) => o.data && "application/vnd.plotly.v1+json" in o.data));
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

browserTests({ executedTour, ensureTour: () => {
  if (!existsSync(executedTour())) {
    const r = tnlab(["run", TOUR, "--profile", "smoke", "--out", executedTour()]);
    assert.equal(r.status, 0, r.stderr);
  }
}, dir: () => dir, nbPython });
