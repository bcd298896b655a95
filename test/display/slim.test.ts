// `tnlab notebook slim` on a small fixture notebook written the way older tnlab versions wrote
// plots: plotly.js embedded in the first plot's HTML and in a live chart's own output.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slimFiles } from "../../lib/cli/commands/notebook";

const dir = mkdtempSync(join(tmpdir(), "tnlab-slim-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const plotly = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
const oldLoader =
  '<script type="text/javascript">/* plotly.js, embedded by tnlab once per kernel session */\n(function (module, exports, define) {\n' +
  plotly.replace(/<\/script/gi, "<\\/script") +
  "\n}).call(window);\n</script>";
const fig = (title: string, y: number[]) => ({
  data: [{ type: "scatter", mode: "lines", name: "loss", x: y.map((_, i) => i), y }],
  layout: { title: { text: title }, height: 300 },
  config: { responsive: true },
});
const oldHtml = (f: object, withLoader: boolean) =>
  (withLoader ? oldLoader : "") + `<div id="tnplot-1" class="tnlab-plot"></div><script type="text/javascript">(function () {var fig = ${JSON.stringify(f)}; window.Plotly.newPlot("tnplot-1", fig.data, fig.layout, fig.config);})();</script>`;

test("slim rewrites old plot outputs from their stored figures, drops plotly.js-only outputs, and is idempotent", () => {
  const f1 = fig("first", [3, 2, 1]);
  const f2 = fig("second", [1, 2, 4, 8]);
  const nb = {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# fixture" },
      { cell_type: "code", metadata: {}, execution_count: 1, source: "plot", outputs: [{ output_type: "display_data", metadata: {}, data: { "application/vnd.plotly.v1+json": f1, "text/html": oldHtml(f1, true), "text/plain": "Figure \"first\"" } }] },
      {
        cell_type: "code", metadata: {}, execution_count: 2, source: "live",
        outputs: [
          { output_type: "stream", name: "stdout", text: "epoch 1\n" },
          { output_type: "display_data", metadata: {}, data: { "text/html": oldLoader, "text/plain": "" } },
          { output_type: "display_data", metadata: {}, data: { "application/vnd.plotly.v1+json": f2, "text/html": oldHtml(f2, false).split(/(?<=>)/), "text/plain": "Figure \"second\"" } },
        ],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = join(dir, "old.ipynb");
  writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
  assert.ok(statSync(file).size > 8e6, "the fixture carries plotly.js twice");
  const log: string[] = [];
  assert.equal(slimFiles([file], false, (s) => log.push(s)), 0);
  assert.match(log[0], /2 figure\(s\) rewritten, 1 plotly\.js output\(s\) removed/);
  const size = statSync(file).size;
  assert.ok(size < 100_000, `slim notebook: ${size} bytes`);
  const out = JSON.parse(readFileSync(file, "utf8"));
  const [plotOut] = out.cells[1].outputs;
  assert.deepEqual(plotOut.data["application/vnd.plotly.v1+json"], f1, "the same figure");
  assert.equal(plotOut.data["text/plain"], "Figure \"first\"");
  const svg = Buffer.from(/src="data:image\/svg\+xml;base64,([^"]+)"/.exec(plotOut.data["text/html"])![1], "base64").toString();
  assert.match(svg, />first</);
  const live = out.cells[2].outputs;
  assert.deepEqual(live.map((o: { output_type: string }) => o.output_type), ["stream", "display_data"]);
  assert.deepEqual(live[1].data["application/vnd.plotly.v1+json"], f2);
  assert.match(live[1].data["text/html"], /class="tnlab-figure"/);
  assert.deepEqual(out.cells[0], nb.cells[0]);
  // A second pass changes nothing.
  const before = readFileSync(file, "utf8");
  const again: string[] = [];
  slimFiles([file], false, (s) => again.push(s));
  assert.match(again[0], /nothing to rewrite \(2 light figure\(s\)\)/);
  assert.equal(readFileSync(file, "utf8"), before);
});

test("slim names a file that is missing or not a notebook", () => {
  const bad = join(dir, "bad.ipynb");
  writeFileSync(bad, "{ not json");
  assert.throws(() => slimFiles([bad], false, () => {}), new RegExp(`${bad.replace(/[.\\/]/g, "\\$&")}: not a Jupyter notebook`));
  assert.throws(() => slimFiles([join(dir, "none.ipynb")], false, () => {}), /none\.ipynb/);
});
