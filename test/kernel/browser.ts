// The tour's figures in headless Chromium (Debian's, driven by playwright-core) with the network
// blocked, in each situation a reader meets: exported HTML with and without scripts, the export
// that embeds plotly.js, the classic Notebook live (after a re-run, a save and a reload) and
// untrusted. JupyterLab 4 (with and without the plotly extension) is in ./lab.test.ts.
// "Drawn" means pixels of the first trace's colour in the picture, or plotly's SVG with traces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PNG } from "pngjs";
import { install, kernelPrefix, ROOT, skipUnless } from "./helpers";
import { COLORWAY } from "../../lib/display/static-figure";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { freePorts } = require(join(ROOT, "kernel", "client.js"));

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

interface Ctx {
  executedTour(): string;
  ensureTour(): void;
  dir(): string;
  nbPython: string | null;
}

type Page = any;

/** A fresh Chromium profile; every request outside `allow` (a URL prefix) is aborted. */
export async function withBrowser<T>(opts: { javaScriptEnabled?: boolean; allow?: string }, fn: (page: Page, blocked: string[]) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "tnlab-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, javaScriptEnabled: opts.javaScriptEnabled ?? true });
  const blocked: string[] = [];
  try {
    await ctx.route(
      (url: URL) => /^https?:/.test(url.protocol) && !(opts.allow && url.href.startsWith(opts.allow)),
      (route: { request(): { url(): string }; abort(): Promise<void> }) => {
        blocked.push(route.request().url());
        return route.abort();
      },
    );
    const page = await ctx.newPage();
    return await fn(page, blocked);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Pixels within a small distance of `hex` in a PNG screenshot. */
export function pixelsOf(png: Buffer, hex: string): number {
  const img = PNG.sync.read(png);
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  let count = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (Math.abs(img.data[i] - r) + Math.abs(img.data[i + 1] - g) + Math.abs(img.data[i + 2] - b) < 40) count++;
  }
  return count;
}

/** Every static picture on the page is decoded, and together they show the first trace colour. */
export async function assertPictures(page: Page, min: number): Promise<void> {
  await page.waitForSelector("img.tnlab-static", { state: "attached", timeout: 30_000 });
  const imgs = await page.$$("img.tnlab-static");
  assert.ok(imgs.length >= min, `${imgs.length} static pictures, expected at least ${min}`);
  let blue = 0;
  for (const img of imgs) {
    await img.scrollIntoViewIfNeeded();
    const shot: Buffer = await img.screenshot();
    const { width, height } = PNG.sync.read(shot);
    assert.ok(width > 100 && height > 100, `picture drawn at ${width}×${height}`);
    blue += pixelsOf(shot, COLORWAY[0]);
  }
  assert.ok(blue > 300, `pixels of the first trace's colour in the pictures: ${blue}`);
}

function nbconvertHtml(py: string, nb: string, out: string): void {
  const c = spawnSync(py, ["-m", "nbconvert", "--to", "html", "--output", out, nb], { encoding: "utf8", timeout: 120_000 });
  assert.equal(c.status, 0, c.stderr);
}

export function browserTests(ctx: Ctx): void {
  const haveBrowser = existsSync(CHROMIUM);
  const exportSkip = skipUnless(!!ctx.nbPython && haveBrowser, "nbconvert and chromium");

  test("exported HTML (nbconvert), opened offline: every figure shows its static picture", { skip: exportSkip, timeout: 180_000 }, async () => {
    ctx.ensureTour();
    const html = join(ctx.dir(), "tour.html");
    nbconvertHtml(ctx.nbPython!, ctx.executedTour(), html);
    assert.ok(!readFileSync(html, "utf8").includes("plotly.js v"), "nbconvert's page has no plotly.js of ours");
    await withBrowser({}, async (page) => {
      await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
      await assertPictures(page, 3);
    });
  });

  test("a viewer that runs no script (JavaScript off) shows the same pictures", { skip: exportSkip, timeout: 180_000 }, async () => {
    ctx.ensureTour();
    const html = join(ctx.dir(), "tour-noscript.html");
    nbconvertHtml(ctx.nbPython!, ctx.executedTour(), html);
    await withBrowser({ javaScriptEnabled: false }, async (page) => {
      await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
      await assertPictures(page, 3);
      assert.equal(await page.$$eval(".js-plotly-plot", (e: Element[]) => e.length), 0, "no script ran");
    });
  });

  test("tnlab notebook html embeds plotly.js once: the export draws interactive figures offline", { skip: exportSkip, timeout: 180_000 }, async () => {
    ctx.ensureTour();
    const html = join(ctx.dir(), "tour-interactive.html");
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "tnlab.js"), "notebook", "html", ctx.executedTour(), "--out", html], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(html, "utf8");
    assert.equal(text.split("plotly.js, embedded once by tnlab").length - 1, 1, "plotly.js embedded exactly once");
    await withBrowser({}, async (page, blocked) => {
      await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
      await page.waitForSelector(".tnlab-figure svg.main-svg .scatterlayer .trace", { timeout: 60_000 });
      const drawn = await page.evaluate(() => ({
        figures: document.querySelectorAll(".tnlab-figure").length,
        plots: document.querySelectorAll(".tnlab-figure .js-plotly-plot").length,
        pictures: document.querySelectorAll(".tnlab-figure img.tnlab-static").length,
        lines: document.querySelectorAll("svg.main-svg .scatterlayer .trace path.js-line").length,
      }));
      assert.ok(drawn.figures >= 3 && drawn.plots === drawn.figures, JSON.stringify(drawn));
      assert.equal(drawn.pictures, 0, "the interactive figures replaced the pictures");
      assert.ok(drawn.lines >= 2, JSON.stringify(drawn));
      console.log(`# blocked external requests: ${blocked.length}`);
    });
  });

  test("classic Notebook: figures draw live, again after a re-run, after save and reload; an untrusted notebook shows pictures", { skip: skipUnless(!!install.which("jupyter-notebook") && haveBrowser, "jupyter-notebook and chromium"), timeout: 300_000 }, async () => {
    ctx.ensureTour();
    const { prefix, jupyterPath } = kernelPrefix();
    const work = mkdtempSync(join(tmpdir(), "tnlab-server-"));
    const [port] = await freePorts(1);
    const cells = [
      'import * as tn from "tnlab";\ntn.display.plot.line({ a: [1, 3, 2] }, { title: "live" });',
      'const c = tn.display.liveChart({ title: "chart", series: ["loss"], throttleMs: 0 });\nfor (let e = 1; e <= 3; e++) {\n  c.push(e, { loss: 1 / e });\n  await new Promise((r) => setTimeout(r, 50));\n}\nc.done();',
    ];
    writeFileSync(
      join(work, "live.ipynb"),
      JSON.stringify({
        cells: cells.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
        metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 4,
      }),
    );
    // Written by `tnlab run`, never opened in Jupyter: not signed, so untrusted.
    copyFileSync(ctx.executedTour(), join(work, "untrusted.ipynb"));
    const token = "tnlab-test-token";
    const server = spawn(
      "jupyter-notebook",
      ["--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, "--allow-root", `--notebook-dir=${work}`],
      { env: { ...process.env, JUPYTER_PATH: jupyterPath, JUPYTER_DATA_DIR: join(prefix, "data"), TN_QUIET: "1" }, stdio: "ignore" },
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      // Poll until the server answers, it exits, or two minutes pass (a busy machine starts it slowly).
      const deadline = Date.now() + 120_000;
      while (!(await fetch(`${base}/api?token=${token}`).then((r) => r.ok, () => false))) {
        assert.equal(server.exitCode, null, `the notebook server exited with code ${server.exitCode}`);
        assert.ok(Date.now() < deadline, "the notebook server did not answer within 120 s");
        await new Promise((r) => setTimeout(r, 250));
      }
      const plotly = await fetch(`${base}/kernelspecs/tnlab/plotly.min.js?token=${token}`);
      assert.equal(plotly.status, 200, "the server serves plotly.js from the kernelspec folder");
      const readme = await fetch(`${base}/kernelspecs/tnlab/README.md?token=${token}`);
      assert.equal(readme.status, 200, "the Help menu's README link (/kernelspecs/tnlab/README.md) answers");
      assert.match(await readme.text(), /^# tnlab/);
      await withBrowser({ allow: base }, async (page) => {
        const traces = (sel: string) => page.$$eval(sel, (e: Element[]) => e.length);
        await page.goto(`${base}/notebooks/live.ipynb?token=${token}`);
        await page.waitForFunction(() => {
          const J = (window as any).Jupyter;
          return J && J.notebook && J.notebook.kernel && J.notebook.kernel.is_connected();
        }, null, { timeout: 60_000 });
        const cellTraces = (i: number) => `.cell:nth-child(${i + 1}) .tnlab-figure .js-plotly-plot svg.main-svg .scatterlayer .trace`;
        await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
        await page.waitForSelector(cellTraces(0), { timeout: 90_000 });
        await page.waitForFunction((sel: string) => document.querySelectorAll(sel + " .points path").length === 3, cellTraces(1), { timeout: 90_000 });
        // Re-run the first cell: its new output draws too (no "plotly.js is not loaded").
        await page.evaluate(() => {
          const nb = (window as any).Jupyter.notebook;
          nb.get_cell(0).output_area.clear_output();
          nb.execute_cells([0]);
        });
        await page.waitForSelector(cellTraces(0), { timeout: 60_000 });
        await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
        await page.waitForFunction(() => !(window as any).Jupyter.notebook.dirty, null, { timeout: 30_000 });
        const saved = readFileSync(join(work, "live.ipynb"), "utf8");
        assert.ok(!saved.includes("plotly.js v") && saved.length < 200_000, `saved notebook: ${saved.length} chars, no plotly.js`);
        // Reload: the stored outputs draw again without running anything.
        await page.reload();
        await page.waitForSelector(cellTraces(0), { timeout: 60_000 });
        await page.waitForFunction((sel: string) => document.querySelectorAll(sel + " .points path").length === 3, cellTraces(1), { timeout: 60_000 });
        assert.ok((await traces(".tnlab-figure .js-plotly-plot")) >= 2);
        // An untrusted notebook: its HTML is sanitised (no script), and the pictures remain.
        await page.goto(`${base}/notebooks/untrusted.ipynb?token=${token}`);
        await page.waitForFunction(() => (window as any).Jupyter?.notebook?._fully_loaded, null, { timeout: 60_000 });
        assert.equal(await page.evaluate(() => (window as any).Jupyter.notebook.trusted), false);
        await assertPictures(page, 3);
        assert.equal(await traces(".js-plotly-plot"), 0, "no script ran in the untrusted notebook");
      });
    } finally {
      const stopped = new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r(null) : server.once("exit", r)));
      server.kill("SIGTERM");
      const t = setTimeout(() => server.kill("SIGKILL"), 20_000);
      await stopped;
      clearTimeout(t);
      rmSync(work, { recursive: true, force: true });
      rmSync(prefix, { recursive: true, force: true });
    }
  });
}
