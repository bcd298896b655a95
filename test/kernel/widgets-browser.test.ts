// The ipywidgets 8 slider for real, in headless Chromium with the network blocked: JupyterLab 4
// on the teaching notebook 02-tt-svd (its "Try a rank" slider), Notebook 7 and the classic
// Notebook 6 (with widgetsnbextension, ipywidgets 8's extension for it) on a small slider cell.
// The widget manager must draw the slider from the kernel's comm messages, and a click on its
// track must reach the kernel, whose callback replaces the output below it.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { builtOrFail, NOTEBOOKS, skipUnless } from "./helpers";
import { withBrowser } from "./browser";
import { LAB_HOWTO, labPython, notebookJson, withServer } from "./jupyter-server";
import { openNotebook, outputText, runAll, runAndWait } from "./lab-page";

type Page = any;
const py = labPython();
const haveBrowser = existsSync("/usr/bin/chromium");
const skip = !py ? LAB_HOWTO : skipUnless(haveBrowser, "chromium");

/** A Python whose `notebook` is the classic Notebook 6 (Debian's python3-notebook), or null. */
function classicPython(): string | null {
  for (const p of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(p, ["-c", "import notebook; print(notebook.__version__)"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.startsWith("6.")) return p;
  }
  return null;
}

const SLIDER_CELL = `import * as tn from "tnlab";
tn.display.slider({ min: 1, max: 8, value: 3, description: "rank", onChange: (r) => tn.display.html(\`rank \${r} squared \${r * r}\`, { displayId: "view", update: true }) });
tn.display.html("rank 3 squared 9", { displayId: "view" });`;

/**
 * Clicks the slider's track at 90 % of its width (a tap moves the handle there, as a user's
 * click does) and returns the value its readout then shows.
 */
async function moveSlider(page: Page, root: string): Promise<number> {
  const track = await waitShown(page, root, ".widget-slider .noUi-target", 60_000);
  const before = Number(await page.textContent(`${root} .widget-slider .widget-readout`));
  await track.scrollIntoViewIfNeeded();
  const box = await track.boundingBox();
  await page.mouse.click(box.x + 0.9 * box.width, box.y + box.height / 2);
  await page.waitForFunction(([sel, b]: [string, number]) => Number(document.querySelector(sel)?.textContent) !== b, [`${root} .widget-slider .widget-readout`, before], { timeout: 30_000 });
  return Number(await page.textContent(`${root} .widget-slider .widget-readout`));
}

/**
 * In JupyterLab or Notebook 7: a selector for cell `i`'s node (marked by a data attribute), with
 * the cell scrolled into view. After "run all" the notebook shows its last cell, and a windowed
 * notebook does not render (or lays out as invisible) cells outside the viewport.
 */
async function markCell(page: Page, i: number): Promise<string> {
  await page.evaluate(async (k: number) => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = k;
    if (typeof nb.scrollToItem === "function") await nb.scrollToItem(k, "start");
    nb.widgets[k].node.setAttribute("data-tnlab-test", String(k));
    nb.widgets[k].node.scrollIntoView({ block: "start" });
  }, i);
  return `[data-tnlab-test="${i}"]`;
}

/**
 * Waits for `inner` inside `root` to be in the page, scrolls it into view, then waits for it to be
 * visible; when it does not come, the error says what `root` shows instead.
 */
/** The page's console errors and warnings, kept for a failure's message. */
const consoleLog = new WeakMap<Page, string[]>();
function recordConsole(page: Page): void {
  const lines: string[] = [];
  consoleLog.set(page, lines);
  page.on("console", (m: any) => {
    if (m.type() === "error" || m.type() === "warning") lines.push(`${m.type()}: ${m.text().slice(0, 400)}`);
  });
  // JupyterLab's debugger panel throws this for every kernel without a debugger: noise here.
  page.on("pageerror", (e: Error) => e.message !== "No active debugger session" && lines.push(`pageerror: ${e.message.slice(0, 400)}`));
}

async function waitShown(page: Page, root: string, inner: string, timeout: number): Promise<any> {
  const sel = `${root} ${inner}`;
  try {
    const el = await page.waitForSelector(sel, { state: "attached", timeout });
    await el.scrollIntoViewIfNeeded();
    return await page.waitForSelector(sel, { state: "visible", timeout: 10_000 });
  } catch (e) {
    const shown = await page.evaluate((r: string) => {
      const n = document.querySelector(r);
      return n ? `text ${JSON.stringify((n.textContent ?? "").slice(0, 1500))}; classes of its outputs: ${Array.from(n.querySelectorAll("[class]")).map((x) => x.className).filter((c) => /output|widget|error/i.test(String(c))).slice(0, 20).join(" | ")}` : "(no such element)";
    }, root);
    const log = (consoleLog.get(page) ?? []).slice(-20).join("\n  ");
    throw new Error(`${inner} did not show in ${root} within ${timeout / 1000} s; ${root} shows: ${shown}\nthe page's console errors and warnings (last 20):\n  ${log || "(none)"}\n${(e as Error).message}`);
  }
}

/**
 * In JupyterLab or Notebook 7: waits for cell `cell`'s slider. Seen once in CI on a busy machine
 * ("Error displaying widget: model not found" after run all), never here: then says what was
 * shown and runs that cell alone once more; a slider that fails again fails the test.
 */
async function sliderShown(page: Page, root: string, cell: number): Promise<void> {
  await waitShown(page, root, ".jp-OutputArea .widget-slider", 60_000).catch(async (e: Error) => {
    console.log(`# the slider did not show after run all; running its cell again. ${e.message.replace(/\n/g, "\n# ")}`);
    await runAndWait(page, "notebook:run-cell", cell);
    await markCell(page, cell);
    await waitShown(page, root, ".jp-OutputArea .widget-slider", 60_000);
  });
}

before(() => {
  if (!skip) builtOrFail();
});

test("JupyterLab 4: 02-tt-svd's rank slider renders, and moving it re-runs TT-SVD in the kernel and replaces the line below", { skip, timeout: 300_000 }, async () => {
  await withServer({ argv: [py!, "-m", "jupyterlab"] }, async (s) => {
    copyFileSync(join(NOTEBOOKS, "02-tt-svd.ipynb"), join(s.work, "02-tt-svd.ipynb"));
    await withBrowser({ allow: s.base }, async (page) => {
      recordConsole(page);
      await openNotebook(page, s.url("/lab/tree/02-tt-svd.ipynb"), "02-tt-svd.ipynb");
      await runAll(page, 240_000);
      const cell = (await page.evaluate(() =>
        (window as any).jupyterapp.shell.currentWidget.content.widgets.findIndex((c: any) => c.model.sharedModel.getSource().includes("tn.display.slider(")),
      )) as number;
      assert.ok(cell > 0, "02-tt-svd has a slider cell");
      const root = await markCell(page, cell);
      await sliderShown(page, root, cell);
      assert.match(await outputText(page, cell), /max TT rank 3: ranks 1-3-3-3-1/);
      const v = await moveSlider(page, root);
      assert.ok(v > 3 && v <= 8, `slider moved to ${v}`);
      await page.waitForFunction(([i, k]: [number, number]) => (window as any).jupyterapp.shell.currentWidget.content.widgets[i].node.textContent.includes(`max TT rank ${k}:`), [cell, v], { timeout: 60_000 });
      assert.doesNotMatch(await outputText(page, cell), /max TT rank 3:/, "the line was replaced, not appended to");
    });
  });
});

test("Notebook 7: the slider renders and moving it re-runs the callback in the kernel", { skip, timeout: 300_000 }, async () => {
  await withServer({ argv: [py!, "-m", "notebook"], files: { "slider.ipynb": notebookJson([SLIDER_CELL]) } }, async (s) => {
    await withBrowser({ allow: s.base }, async (page) => {
      recordConsole(page);
      await openNotebook(page, s.url("/notebooks/slider.ipynb"), "slider.ipynb");
      await runAll(page);
      const root = await markCell(page, 0);
      await sliderShown(page, root, 0);
      const v = await moveSlider(page, root);
      assert.ok(v > 3, `slider moved to ${v}`);
      await page.waitForFunction(([sel, k]: [string, number]) => document.querySelector(sel)!.textContent!.includes(`rank ${k} squared ${k * k}`), [root, v], { timeout: 60_000 });
      assert.doesNotMatch(await outputText(page, 0), /rank 3 squared 9/);
    });
  });
});

const classic = classicPython();
test("the classic Notebook 6 with widgetsnbextension: the slider renders and moving it re-runs the callback in the kernel", { skip: skip || (!classic ? "the classic Notebook 6 is not installed (apt-get install jupyter-notebook)" : false), timeout: 300_000 }, async () => {
  const prefix = spawnSync(py!, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).stdout.trim();
  const opts = {
    argv: [classic!, "-m", "notebook"],
    files: { "slider.ipynb": notebookJson([SLIDER_CELL]) },
    // widgetsnbextension (installed with ipywidgets) puts its nbextension under <prefix>/share/jupyter.
    jupyterPath: [join(prefix, "share", "jupyter")],
    nbextensions: ["jupyter-js-widgets/extension"],
  };
  await withServer(opts, async (s) => {
    await withBrowser({ allow: s.base }, async (page) => {
      recordConsole(page);
      await page.goto(s.url("/notebooks/slider.ipynb"));
      await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected(), null, { timeout: 90_000 });
      // The widget manager loads as an nbextension, after the kernel connects on a busy machine: a
      // comm_open sent before it registers "jupyter.widget" is dropped and its view never renders.
      await page.waitForFunction(() => Boolean((window as any).Jupyter.notebook.kernel.comm_manager.targets["jupyter.widget"]), null, { timeout: 90_000 });
      await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
      // Seen once in CI on a busy machine, never here in many runs: the view did not render
      // ("Jupyter Widgets model not found"). As in the tests above, that is said and the cell run
      // once more; a slider that fails again fails the test.
      await waitShown(page, ".cell:nth-child(1)", ".widget-slider .noUi-target", 60_000).catch(async (e: Error) => {
        console.log(`# the slider did not show after run all; running its cell again. ${e.message.replace(/\n/g, "\n# ")}`);
        await page.evaluate(() => (window as any).Jupyter.notebook.execute_cells([0]));
        await waitShown(page, ".cell:nth-child(1)", ".widget-slider .noUi-target", 60_000);
      });
      const root = ".cell:nth-child(1) .output_area";
      const v = await moveSlider(page, ".cell:nth-child(1)");
      assert.ok(v > 3, `slider moved to ${v}`);
      await page.waitForFunction(([sel, k]: [string, number]) => Array.from(document.querySelectorAll(sel)).some((e) => e.textContent!.includes(`rank ${k} squared ${k * k}`)), [root, v], { timeout: 60_000 });
    });
  });
});
