// JupyterLab 4 for real (TN_JUPYTER_PYTHON, see ./jupyter-server.ts) in headless Chromium with
// the network blocked, without and with the plotly extension (plotly's wheel ships it): figures
// drawn live, after a re-run, after save and reload, in an untrusted notebook, and a live chart
// whose points appear while its cell still runs. "Drawn" means plotly's SVG with the traces'
// lines and points, or the static picture's pixels where no script may run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtOrFail, notebook, skipUnless } from "./helpers";
import { assertPictures, withBrowser } from "./browser";
import { LAB_HOWTO, labPython, notebookJson, startServer, type Server } from "./jupyter-server";
import { command, countIn, hoverUntilDrawn, kernelStatus, openNotebook, save, trusted, waitIdle, waitIn } from "./lab-page";

const CHROMIUM = "/usr/bin/chromium";
const py = labPython();
const skip = !py ? LAB_HOWTO : skipUnless(existsSync(CHROMIUM), "chromium");
// plotly's wheel installs the extension into the environment's share/jupyter/labextensions.
const extensionSkip = skip || (spawnSync(py!, ["-c", "import plotly"]).status === 0 ? false : `plotly (with its JupyterLab extension) is not installed beside ${py}'s jupyterlab: pip install plotly`);
/** The plotly extension's renderer, as the page config names it. */
const PLOTLY_EXTENSION = "@jupyterlab/plotly-extension:factory";
const TRACE = ".js-plotly-plot .scatterlayer .trace";
const LINE = `${TRACE} path.js-line`;
const POINT = `${TRACE} .points path`;

const FIGURE_CELL = 'import * as tn from "tnlab";\ntn.display.plot.line({ a: [1, 3, 2] }, { title: "live" });';
// Two points, then the cell waits for the test to see them drawn (it creates the file GATE),
// then a third: the chart must update while the cell runs, not only when it ends.
const liveCell = (gate: string) => `import { existsSync } from "node:fs";
const chart = tn.display.liveChart({ title: "training", series: ["loss"], throttleMs: 0 });
chart.push(1, { loss: 1 });
chart.push(2, { loss: 0.5 });
for (const end = Date.now() + 100_000; !existsSync(${JSON.stringify(gate)}); ) {
  if (Date.now() > end) throw new Error("the test never opened the gate");
  await new Promise((r) => setTimeout(r, 50));
}
chart.push(3, { loss: 0.25 });
chart.done();`;

let server: Server | undefined;
let untrusted = "";

before(async () => {
  if (skip) return;
  builtOrFail();
  // A notebook written by `tnlab run` (our client), never opened in Jupyter: unsigned, untrusted.
  const nb = JSON.parse(notebookJson([FIGURE_CELL, liveCell("gate").replace(/for \(const end[\s\S]*?\n}\n/, "")]));
  const res = await notebook.runNotebook(nb, { timeoutSec: 120, kernelStderr: "ignore" });
  assert.equal(res.ok, true, JSON.stringify(res.failure));
  untrusted = JSON.stringify(nb);
  server = await startServer({ argv: [py!, "-m", "jupyterlab"] });
});
after(async () => {
  await server?.stop();
});

/** The whole story in one Lab page, with the plotly extension enabled or disabled. */
async function figures(withExtension: boolean): Promise<void> {
  const s = server!;
  s.disableExtensions(withExtension ? [] : [PLOTLY_EXTENSION]);
  // Own files per test: the server keeps the other test's kernel sessions.
  const name = withExtension ? "plotly" : "html";
  const [live, gate, untrustedNb] = [`live-${name}.ipynb`, `gate-${name}`, `untrusted-${name}.ipynb`];
  writeFileSync(join(s.work, live), notebookJson([FIGURE_CELL, liveCell(gate)]));
  writeFileSync(join(s.work, untrustedNb), untrusted);
  // Which renderer drew the figures: plotly's (.jp-RenderedPlotly) or our HTML (.tnlab-figure).
  const ours = withExtension ? 0 : 1;
  await withBrowser({ allow: s.base }, async (page) => {
    let plotlyFetches = 0;
    page.on("request", (r: { url(): string }) => (plotlyFetches += +r.url().includes("/kernelspecs/tnlab/plotly.min.js")));
    const rendered = async (cell: number) => {
      assert.equal(await countIn(page, cell, ".jp-RenderedPlotly"), 1 - ours, "plotly extension's renderer");
      assert.equal(await countIn(page, cell, ".tnlab-figure .js-plotly-plot"), ours, "tnlab's HTML figure");
    };
    await openNotebook(page, s.url(`/lab/tree/${live}`), live);
    const disabled = await page.evaluate(() => JSON.parse(document.getElementById("jupyter-config-data")!.textContent!).disabledExtensions);
    assert.equal(disabled.includes(PLOTLY_EXTENSION), !withExtension, JSON.stringify(disabled));

    // Live: the figure draws; the chart shows its first two points while its cell still runs.
    await command(page, "notebook:run-all-cells");
    await waitIn(page, 0, LINE, 1);
    await waitIn(page, 1, POINT, 2);
    assert.equal(await kernelStatus(page), "busy", "the chart updated before its cell ended");
    writeFileSync(join(s.work, gate), "");
    await waitIn(page, 1, POINT, 3);
    await waitIdle(page);
    await rendered(0);
    await rendered(1);

    // Re-run the figure's cell: its new output draws too.
    await command(page, "notebook:clear-cell-output", 0);
    await waitIn(page, 0, TRACE, 0);
    await command(page, "notebook:run-cell", 0);
    await waitIn(page, 0, LINE, 1);
    await waitIdle(page);

    // The plotly extension adds each figure's PNG to its output a moment after drawing it (seen in
    // CI on a busy machine: saved before the re-run figure's PNG was there); save once both are in.
    if (withExtension) {
      await page.waitForFunction(
        () => {
          const nb = (window as any).jupyterapp.shell.currentWidget.content;
          return [0, 1].every((i) => {
            const outs = nb.widgets[i].model.outputs;
            for (let j = 0; j < outs.length; j++) if (outs.get(j).data["image/png"]) return true;
            return false;
          });
        },
        null,
        { timeout: 60_000 },
      );
    }
    // Save: the file stays light (no plotly.js in it); reload: the stored outputs draw again.
    await save(page);
    const saved = readFileSync(join(s.work, live), "utf8");
    assert.ok(!saved.includes("plotly.js v") && saved.length < 200_000, `saved notebook: ${saved.length} chars, no plotly.js`);
    await page.reload();
    await waitIdle(page);
    if (withExtension) {
      // The plotly extension stores a PNG of each figure it drew (image/png beside the JSON) and
      // after a reload shows that picture until the pointer enters it; then it draws the graph.
      assert.equal((saved.match(/"image\/png"/g) ?? []).length, 2, "the extension's pictures are saved");
      for (const [cell, drawn] of [[0, LINE], [1, POINT]] as const) {
        await waitIn(page, cell, ".jp-RenderedPlotly img.plot-img[src^='data:image/png']", 1);
        // The pointer enters the picture (the graph then covers it, so no actionability wait).
        await hoverUntilDrawn(page, cell, drawn);
      }
    }
    await waitIn(page, 0, LINE, 1);
    await waitIn(page, 1, POINT, 3);
    await rendered(0);
    assert.deepEqual(await trusted(page), [true, true], "a notebook saved in Lab is trusted");

    // Our HTML figures load plotly.js from the kernelspec folder once per page (two page loads
    // here), not once per figure or update. With the extension only the growing chart is ours,
    // and it uses the window.Plotly that the extension's plotly.js may already have defined.
    if (withExtension) assert.ok(plotlyFetches <= 1, `plotly.js fetched ${plotlyFetches} times`);
    else assert.ok(plotlyFetches >= 1 && plotlyFetches <= 2, `plotly.js fetched ${plotlyFetches} times for two page loads`);

    // Untrusted: no script runs. The plotly renderer is safe, so it still draws; without it the
    // static pictures show.
    await openNotebook(page, s.url(`/lab/tree/${untrustedNb}`), untrustedNb);
    assert.deepEqual(await trusted(page), [false, false]);
    if (withExtension) {
      await waitIn(page, 0, LINE, 1);
      await waitIn(page, 1, POINT, 3);
      await rendered(0);
    } else {
      await assertPictures(page, 2);
      for (const cell of [0, 1]) assert.equal(await countIn(page, cell, ".js-plotly-plot"), 0, "no script ran");
    }
  });
}

test("JupyterLab 4 without the plotly extension: figures draw live, after a re-run, after save and reload; the live chart updates during its run; an untrusted notebook shows pictures", { skip, timeout: 240_000 }, async () => {
  await figures(false);
});

test("JupyterLab 4 with the plotly extension: the same, drawn by plotly's renderer, and the live chart updates during its run", { skip: extensionSkip, timeout: 240_000 }, async () => {
  await figures(true);
});
