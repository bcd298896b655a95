// lib/display against a fake kernel hook: what reaches the notebook (MIME bundles with a static
// SVG picture, in-place updates), HTML escaping, and plain-node behaviour.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as display from "../../lib/display";
import { use } from "../../lib/backend";
import { COLORWAY, figureSvg } from "../../lib/display/static-figure";
import { backendUnderTest } from "../backends";

interface Sent {
  bundle: Record<string, unknown>;
  opts: { displayId?: string; update?: boolean };
}
const KEY = Symbol.for("tnlab.kernel");
let session = 0;

function fakeKernel() {
  const sent: Sent[] = [];
  const hook = {
    interrupts: 0,
    session: `test-${++session}`,
    display: (bundle: Record<string, unknown>, opts = {}) => sent.push({ bundle, opts }),
    clear: () => sent.push({ bundle: { clear: true }, opts: {} }),
  };
  (globalThis as Record<symbol, unknown>)[KEY] = hook;
  return { sent, hook };
}
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KEY];
});

test("outside a kernel plots return their spec and write nothing", () => {
  assert.equal(display.inKernel(), false);
  const fig = display.plot.line({ loss: [3, 2, 1] }, { title: "t", xLabel: "epoch" });
  assert.equal(fig.data.length, 1);
  assert.deepEqual(fig.data[0].y, [3, 2, 1]);
  assert.deepEqual(fig.data[0].x, [0, 1, 2]);
  assert.equal((fig.layout.title as { text: string }).text, "t");
  const t = display.table([{ a: 1 }]);
  assert.match(t.html, /<table/);
});

test("reference lines become dashed shapes with labels (log axes place labels by log10); stacked bars stack", () => {
  const fig = display.plot.scatter({ x: [1, 10], y: [80, 90] }, { logX: true, hLines: [{ at: 90.5, label: "baseline" }], vLines: [{ at: 24.65, label: "ceiling" }] });
  const shapes = fig.layout.shapes as { type: string; y0: number; x0: number; xref: string; yref: string }[];
  assert.deepEqual(shapes.map((s) => [s.xref, s.yref, s.x0, s.y0]), [["paper", "y", 0, 90.5], ["x", "paper", 24.65, 0]]);
  const ann = fig.layout.annotations as { x: number; y: number; text: string }[];
  assert.equal(ann[0].y, 90.5);
  assert.equal(ann[1].x, Math.log10(24.65));
  assert.equal(ann[1].text, "ceiling");
  assert.equal(display.plot.line([1, 2]).layout.shapes, undefined, "no lines, no shapes");
  assert.throws(() => display.plot.line([1, 2], { hLines: [{ at: NaN }] }), /reference line at = NaN: expected a finite number/);
  assert.equal(display.plot.bar(["a"], { A: [1], B: [2] }, { stacked: true }).layout.barmode, "stack");
  assert.equal(display.plot.bar(["a"], { A: [1], B: [2] }).layout.barmode, "group");
});

function svgOf(html: string): string {
  const m = /<img class="tnlab-static" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html);
  assert.ok(m, "the HTML holds a static SVG picture");
  return Buffer.from(m![1], "base64").toString("utf8");
}

test("figures go out as plotly JSON + HTML with a static SVG picture; no output carries plotly.js", () => {
  const { sent } = fakeKernel();
  display.plot.scatter({ x: [1, 2], y: [3, 4] });
  display.plot.bar(["a", "b"], { A: [1, 2], B: [3, 4] });
  display.plot.heatmap([[1, 2], [3, 4]]);
  display.plot.figure([{ type: "scatter", y: [1] }], { title: { text: "raw" } });
  assert.equal(sent.length, 4);
  for (const s of sent) {
    assert.ok(s.bundle["application/vnd.plotly.v1+json"]);
    const html = String(s.bundle["text/html"]);
    assert.match(html, /Plotly|newPlot/);
    assert.match(svgOf(html), /^<svg[^>]*width="720" height="420"/);
    assert.equal(typeof s.bundle["text/plain"], "string");
    assert.ok(!html.includes("plotly.js v"), "plotly.js is not embedded");
    assert.ok(html.length < 60_000, `a small figure stays small (${html.length} chars)`);
  }
  assert.equal((sent[1].bundle["application/vnd.plotly.v1+json"] as { data: unknown[] }).data.length, 2, "grouped bars");
  // The heatmap is one PNG inside the SVG, not one element per cell.
  assert.match(svgOf(String(sent[2].bundle["text/html"])), /<image [^>]*href="data:image\/png;base64,/);
});

test("the static picture draws each trace: a line per series in its colour, reference lines, the title", () => {
  const fig = display.plot.line({ loss: [3, 2, 1.5], acc: [0.3, 0.5, 0.7] }, { title: "Training <1>", xLabel: "epoch", hLines: [{ at: 1, label: "baseline" }] });
  const svg = figureSvg(fig);
  assert.match(svg, /Training &lt;1&gt;/);
  assert.match(svg, />epoch</);
  assert.match(svg, />baseline</);
  // Each series is a stroked path in plotly's colour for its position.
  const strokes = (c: string) => (svg.match(new RegExp(`<path d="M[^"]*L[^"]*"[^>]*stroke="${c}"`, "g")) ?? []).length;
  assert.ok(strokes(COLORWAY[0]) >= 1 && strokes(COLORWAY[1]) >= 1, svg.slice(0, 400));
  assert.ok((svg.match(/stroke-dasharray/g) ?? []).length >= 1, "the reference line is dashed");
  // A one-series figure has no second colour.
  assert.ok(!figureSvg(display.plot.line([1, 2, 3])).includes(`stroke="${COLORWAY[1]}"`));
});

test("image grids become PNG rasters placed by the axes' domains", () => {
  const fig = display.plot.image([[[0, 1], [1, 0]], [[1, 1], [0, 0]]], { cols: 2, labels: ["a", "b"] });
  const svg = figureSvg(fig);
  assert.equal((svg.match(/<image /g) ?? []).length, 2);
  assert.match(svg, />a<\/text>/);
});

test("the figure HTML cannot be broken out of by data (</script> in a title)", () => {
  const { sent } = fakeKernel();
  display.plot.line([1, 2], { title: '</script><script>alert(1)</script>"' });
  const html = String(sent[0].bundle["text/html"]);
  assert.ok(!html.includes("<script>alert(1)"), "title escaped in the script JSON and the attribute");
  assert.match(html, /alt="Figure: &lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;"/);
  assert.ok(!svgOf(html).includes("<script"), "the title is escaped in the SVG too");
});

test("image grid lays out one subplot per image, greyscale and RGB", () => {
  const grey = display.plot.image([[[0, 1], [1, 0]], [[1, 1], [0, 0]], [[0, 0], [1, 1]]], { cols: 2, labels: ["a", "b", "c"] });
  assert.equal(grey.data.length, 3);
  assert.equal(grey.data[2].xaxis, "x3");
  assert.equal((grey.layout.annotations as unknown[]).length, 3);
  const rgb = display.plot.image([[[[1, 0, 0], [0, 1, 0]]]]);
  assert.equal(rgb.data[0].type, "image");
  assert.deepEqual((rgb.data[0].z as number[][][])[0][0], [255, 0, 0]);
});

test("tables escape every cell, header and caption", () => {
  const { sent } = fakeKernel();
  const r = display.table([{ "<th>": "<script>alert(1)</script>", n: 1.23456789 }], { caption: "a & b" });
  assert.ok(!r.html.includes("<script>"));
  assert.match(r.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(r.html, /<th>&lt;th&gt;<\/th>/);
  assert.match(r.html, /<caption>a &amp; b<\/caption>/);
  assert.match(r.html, />1\.2346</);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].bundle["text/html"], r.html);
});

test("tables accept danfojs-like DataFrames and arrays of rows", () => {
  const df = { columns: ["x", "y"], values: [[1, "<b>"], [2, "c"]], index: ["r0", "r1"] };
  const html = display.tableHtml(df);
  assert.match(html, /<th>r1<\/th><td[^>]*>2<\/td><td>c<\/td>/);
  assert.match(html, /&lt;b&gt;/);
  const rows = display.tableHtml([[1, 2], [3]]);
  assert.equal((rows.match(/<tr>/g) ?? []).length, 3);
  const many = display.tableHtml(Array.from({ length: 60 }, (_, i) => ({ i })), { maxRows: 5 });
  assert.match(many, /55 more rows \(60 in all\)/);
  assert.throws(() => display.tableHtml(42 as never), /expected a DataFrame or an array of rows/);
});

test("mimeBundleFor: tensors show dtype, shape and values; Jupyter.display objects their own bundle", async () => {
  await use(backendUnderTest("cpu"));
  const t = tf.tensor2d([[1, 2.5], [-3, 4]]);
  const b = display.mimeBundleFor(t);
  assert.match(String(b["text/plain"]), /^Tensor float32 \[2, 2\]/);
  assert.match(String(b["text/html"]), /<td[^>]*>2\.5<\/td>/);
  assert.match(String(b["text/html"]), /<td[^>]*>-3<\/td>/);
  const big = tf.zeros([50, 50]);
  const bh = String(display.mimeBundleFor(big)["text/html"]);
  assert.ok((bh.match(/<tr>/g) ?? []).length <= 22, "large tensors are elided");
  assert.match(bh, /…/);
  const scalar = display.mimeBundleFor(tf.scalar(3, "int32"));
  assert.match(String(scalar["text/plain"]), /Tensor int32 \[\]/);
  tf.dispose([t, big]);
  const custom = { [display.JUPYTER_DISPLAY]: () => ({ "text/html": "<i>x</i>" }) };
  const cb = display.mimeBundleFor(custom);
  assert.equal(cb["text/html"], "<i>x</i>");
  assert.equal(typeof cb["text/plain"], "string");
  assert.deepEqual(display.mimeBundleFor(42), { "text/plain": "42" });
});

test("liveChart keeps one display id and updates it in place", () => {
  const { sent } = fakeKernel();
  const c = display.liveChart({ title: "loss", series: ["loss", "acc"], throttleMs: 0 });
  for (let e = 1; e <= 4; e++) c.push(e, [1 / e, e / 10]);
  c.push(5, { loss: 0.2, lr: 0.01 });
  c.done();
  const charts = sent;
  const ids = new Set(charts.map((s) => s.opts.displayId));
  assert.equal(ids.size, 1);
  assert.equal(charts.length, 7, "the first display, five pushes, done");
  assert.equal(charts[0].opts.update, false);
  assert.ok(charts.slice(1).every((s) => s.opts.update === true));
  // While it grows: the HTML figure and text only, so that JupyterLab with the plotly extension
  // (whose renderer ignores updates) renders every state with our HTML; done() adds the plotly
  // JSON, which makes Lab draw the final figure with a fresh renderer.
  assert.deepEqual(charts.map((s) => "application/vnd.plotly.v1+json" in s.bundle), [false, false, false, false, false, false, true]);
  const last = charts.at(-1)!.bundle["application/vnd.plotly.v1+json"] as { data: { name: string; y: number[] }[] };
  assert.deepEqual(last.data.map((d) => d.name), ["loss", "acc", "lr"]);
  assert.deepEqual(last.data[0].y, [1, 0.5, 1 / 3, 0.25, 0.2]);
  // Every update carries a fresh picture and the figure (with a new data revision) in its script.
  assert.ok(charts.every((s) => !String(s.bundle["text/html"]).includes("plotly.js v")));
  assert.ok(charts.every((s) => String(s.bundle["text/html"]).includes('class="tnlab-static"')));
  const revs = charts.map((s) => Number(/"datarevision":(\d+)/.exec(String(s.bundle["text/html"]))![1]));
  assert.deepEqual(revs, revs.map((_, i) => i + 1));
  assert.throws(() => display.liveChart({ series: "loss" } as never), /series = "loss": expected an array/);
});

test("progress updates one display in place and stops a loop after a kernel interrupt", () => {
  const { sent, hook } = fakeKernel();
  const p = display.progress(3, "<epochs>");
  p.tick();
  p.tick(2);
  p.done();
  const ids = new Set(sent.map((s) => s.opts.displayId));
  assert.equal(ids.size, 1);
  assert.match(String(sent.at(-1)!.bundle["text/html"]), /value="3" max="3"/);
  assert.match(String(sent.at(-1)!.bundle["text/html"]), /&lt;epochs&gt;/);
  const q = display.progress(10, "x");
  q.tick();
  hook.interrupts++;
  assert.throws(() => q.tick(), display.KernelInterruptedError);
  assert.throws(() => display.progress(-1), /total = -1/);
});

test("the terminal progress line shows bar, count, percent, elapsed time and eta", () => {
  assert.match(display.progressText("train", 5, 10, 2000), /^train \[#{12}\.{12}\] 5\/10 50% 2s eta 2s$/);
});

test("a real danfojs DataFrame renders as an escaped table (and as a cell result)", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dfd = require("danfojs-node");
  const df = new dfd.DataFrame({ model: ["TT", "<script>x</script>"], acc: [98.59, 97.1] });
  const html = display.tableHtml(df);
  assert.match(html, /<th>model<\/th><th>acc<\/th>/);
  assert.match(html, /<td>&lt;script&gt;x&lt;\/script&gt;<\/td><td[^>]*>97\.1<\/td>/);
  assert.ok(!html.includes("<script>"));
  assert.match(String(display.mimeBundleFor(df)["text/html"]), /tnlab-table/);
});

test("liveChart.update(history) takes lib/train's History: one series per metric, accuracies on a right axis", () => {
  const { sent } = fakeKernel();
  const c = display.liveChart({ title: "fit" });
  c.update({ epochs: [{ epoch: 1, lr: 0.1, trainLoss: 1, trainAcc: 0.5, testAcc: 0.6, seconds: 3 }] });
  c.update({ epochs: [{ epoch: 1, lr: 0.1, trainLoss: 1, trainAcc: 0.5, testAcc: 0.6, seconds: 3 }, { epoch: 2, lr: 0.1, trainLoss: 0.5, trainAcc: 0.7, testAcc: 0.8, seconds: 3 }] });
  c.done();
  const charts = sent.filter((s) => s.bundle["application/vnd.plotly.v1+json"]);
  assert.equal(new Set(sent.map((s) => s.opts.displayId)).size, 1);
  const fig = charts.at(-1)!.bundle["application/vnd.plotly.v1+json"] as { data: { name: string; x: number[]; y: number[]; yaxis: string }[]; layout: Record<string, unknown> };
  assert.deepEqual(fig.data.map((d) => d.name), ["trainLoss", "trainAcc", "testAcc"]);
  assert.deepEqual(fig.data[0].y, [1, 0.5]);
  assert.deepEqual(fig.data[2].x, [1, 2]);
  assert.deepEqual(fig.data.map((d) => d.yaxis), ["y", "y2", "y2"]);
  assert.ok(fig.layout.yaxis2);
});
