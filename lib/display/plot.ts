// Plotly figures, drawn inline in the notebook: each function builds a figure spec, displays
// it when running in the kernel, and returns the spec. Outside a kernel nothing is written.
// The output holds application/vnd.plotly.v1+json (JupyterLab's plotly renderer, VS Code) and
// text/html: a static SVG picture, upgraded to the interactive figure where scripts run
// (see plotly-html.ts). No output carries plotly.js itself.
import { historyTraces, historyYLabel, type HistoryMetric, type HistoryOptions, type HistoryRun } from "./history-plot";
import { figureHtml, PLOTLY_MIME, type FigureSpec } from "./plotly-html";
import { kernel, markDisplayed, type DisplayOptions } from "./sink";

export type Figure = FigureSpec;
type Trace = Record<string, unknown>;

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Horizontal reference lines (a baseline's accuracy, say), labelled at the right edge. */
  hLines?: RefLine[];
  /** Vertical reference lines (a ceiling, an LR drop), labelled at the top. */
  vLines?: RefLine[];
  /** Extra plotly layout fields, merged last. */
  layout?: Record<string, unknown>;
}

export interface RefLine {
  at: number;
  label?: string;
}

function refLines(o: PlotOptions): Record<string, unknown> {
  const h = o.hLines ?? [];
  const v = o.vLines ?? [];
  for (const l of [...h, ...v]) if (!Number.isFinite(l.at)) throw new TypeError(`reference line at = ${String(l.at)}: expected a finite number`);
  if (h.length + v.length === 0) return {};
  const line = { dash: "dash", width: 1.5, color: "#555" };
  const shapes = [
    ...h.map((l) => ({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: l.at, y1: l.at, line })),
    ...v.map((l) => ({ type: "line", yref: "paper", y0: 0, y1: 1, xref: "x", x0: l.at, x1: l.at, line })),
  ];
  // On a log axis plotly places annotations by log10 of the value; shapes take the value itself.
  const ax = (at: number, log?: boolean) => (log ? Math.log10(at) : at);
  const annotations = [
    ...h.filter((l) => l.label).map((l) => ({ xref: "paper", x: 1, xanchor: "right", yref: "y", y: ax(l.at, o.logY), yanchor: "bottom", text: l.label, showarrow: false })),
    ...v.filter((l) => l.label).map((l) => ({ yref: "paper", y: 1, yanchor: "bottom", xref: "x", x: ax(l.at, o.logX), xanchor: "left", text: l.label, showarrow: false })),
  ];
  return { shapes, annotations };
}

/** Numbers from a plain array or anything with arraySync()/dataSync() (tensors). */
type Numbers = ArrayLike<number> | { dataSync(): ArrayLike<number> };
type Matrix = number[][] | { arraySync(): unknown; shape: number[] };

function nums(v: Numbers): number[] {
  const a = typeof (v as { dataSync?: unknown }).dataSync === "function" ? (v as { dataSync(): ArrayLike<number> }).dataSync() : (v as ArrayLike<number>);
  return Array.from(a, Number);
}

function matrix(m: Matrix): number[][] {
  const a = Array.isArray(m) ? m : (m.arraySync() as number[][]);
  if (!Array.isArray(a) || !a.every((r) => Array.isArray(r))) throw new TypeError("expected a 2-D array or a rank-2 tensor");
  return a;
}

function baseLayout(o: PlotOptions): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    margin: { t: o.title ? 50 : 20, r: 20, b: 50, l: 60 },
    xaxis: { title: { text: o.xLabel ?? "" }, type: o.logX ? "log" : "linear" },
    yaxis: { title: { text: o.yLabel ?? "" }, type: o.logY ? "log" : "linear" },
    height: o.height ?? 420,
  };
  if (o.title) layout.title = { text: o.title };
  if (o.width) layout.width = o.width;
  return { ...layout, ...refLines(o), ...(o.layout ?? {}) };
}

function summary(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text;
  const kinds = [...new Set(fig.data.map((t) => String(t.type ?? "scatter")))].join(", ");
  return `Figure${title ? ` "${title}"` : ""}: ${fig.data.length} trace(s) (${kinds})`;
}

/** The MIME bundle of a figure. */
export function figureBundle(fig: Figure): Record<string, unknown> {
  return {
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout, config: fig.config },
    "text/html": figureHtml(fig),
    "text/plain": summary(fig),
  };
}

/** Displays a figure (kernel only). `opts.displayId`/`update` replace an earlier output in place. */
export function show(fig: Figure, opts: DisplayOptions = {}): Figure {
  const k = kernel();
  if (k) k.display(figureBundle(fig), opts);
  return markDisplayed(fig);
}

/** A raw plotly figure: `data` traces and `layout` as in plotly.js. */
export function figure(data: Trace[], layout: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Figure {
  return show(build(data, layout, config));
}

export function build(data: Trace[], layout: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Figure {
  const fig: Figure = { data, layout, config: { responsive: true, displaylogo: false, ...config } };
  // A figure evaluated in a later cell draws itself again (Deno's Jupyter.display convention).
  Object.defineProperty(fig, Symbol.for("Jupyter.display"), {
    value: () => figureBundle(fig),
    enumerable: false,
  });
  return fig;
}

export interface LineOptions extends PlotOptions {
  /** Shared x values (default 0, 1, 2, ...). */
  x?: Numbers;
  markers?: boolean;
}

/** Line chart: one series, or several named ones ({loss: [...], acc: [...]}). */
export function line(y: Numbers | Record<string, Numbers>, opts: LineOptions = {}): Figure {
  const series: [string | undefined, number[]][] =
    isNumbers(y) ? [[undefined, nums(y)]] : Object.entries(y).map(([k, v]) => [k, nums(v)]);
  const data = series.map(([name, ys]) => ({
    type: "scatter",
    mode: opts.markers ? "lines+markers" : "lines",
    name,
    x: opts.x ? nums(opts.x) : ys.map((_, i) => i),
    y: ys,
  }));
  return show(build(data, baseLayout(opts)));
}

export type { HistoryMetric, HistoryRun };

/**
 * Per-epoch curves of several training runs in one figure: test accuracy (%) by default, or the
 * `metrics` asked for (["trainLoss", "testLoss"], ...). `runs`: an array of fit results, histories,
 * run objects with `epochs` (named by label / name / id / model) or epoch-record arrays, or an
 * object {name: run}. E.g. `tn.plot.history(t1.runs, { metrics: ["trainLoss", "testLoss"] })`.
 */
export function history<R extends HistoryRun>(runs: readonly R[] | Record<string, R>, opts: PlotOptions & HistoryOptions<R> = {}): Figure {
  const data = historyTraces(runs, opts);
  const labels = { xLabel: opts.xLabel ?? "epoch", yLabel: opts.yLabel ?? historyYLabel(opts.metrics ?? ["testAcc"], opts) };
  return show(build(data, baseLayout({ ...opts, ...labels })));
}

function isNumbers(v: unknown): v is Numbers {
  return Array.isArray(v) || ArrayBuffer.isView(v) || typeof (v as { dataSync?: unknown }).dataSync === "function";
}

export interface ScatterSeries {
  x: Numbers;
  y: Numbers;
  /** Hover text per point. */
  labels?: string[];
}

/** Scatter plot of points, or of several named groups ({TT: {x, y}, naive: {x, y}}). */
export function scatter(points: ScatterSeries | Record<string, ScatterSeries>, opts: PlotOptions = {}): Figure {
  const groups: [string | undefined, ScatterSeries][] =
    "x" in points && "y" in points && isNumbers((points as ScatterSeries).x)
      ? [[undefined, points as ScatterSeries]]
      : Object.entries(points as Record<string, ScatterSeries>);
  const data = groups.map(([name, s]) => ({ type: "scatter", mode: "markers", name, x: nums(s.x), y: nums(s.y), text: s.labels }));
  return show(build(data, baseLayout(opts)));
}

/** Bar chart over categories; several named series give grouped bars, or stacked ones with `stacked`. */
export function bar(labels: string[], values: Numbers | Record<string, Numbers>, opts: PlotOptions & { horizontal?: boolean; stacked?: boolean } = {}): Figure {
  const series: [string | undefined, number[]][] = isNumbers(values) ? [[undefined, nums(values)]] : Object.entries(values).map(([k, v]) => [k, nums(v)]);
  const data = series.map(([name, vs]) =>
    opts.horizontal ? { type: "bar", orientation: "h", name, y: labels, x: vs } : { type: "bar", name, x: labels, y: vs },
  );
  return show(build(data, { ...baseLayout(opts), barmode: opts.stacked ? "stack" : "group" }));
}

export interface HeatmapOptions extends PlotOptions {
  xLabels?: (string | number)[];
  yLabels?: (string | number)[];
  colorscale?: string;
}

/** Heatmap of a matrix (row 0 at the top, like a printed matrix). */
export function heatmap(z: Matrix, opts: HeatmapOptions = {}): Figure {
  const m = matrix(z);
  const layout = baseLayout(opts);
  (layout.yaxis as Record<string, unknown>).autorange = "reversed";
  const data = [{ type: "heatmap", z: m, x: opts.xLabels, y: opts.yLabels, colorscale: opts.colorscale ?? "Viridis" }];
  return show(build(data, layout));
}

export interface ImageGridOptions extends PlotOptions {
  /** Images per row (default: up to 8). */
  cols?: number;
  /** A caption under each image. */
  labels?: (string | number)[];
  colorscale?: string;
}

type ImageStack = number[][][] | number[][][][] | { arraySync(): unknown; shape: number[] };

/**
 * A grid of images: N×H×W (grey) or N×H×W×C (C = 3, RGB in 0..255 or 0..1), as arrays or a
 * tensor; a single H×W image is accepted too.
 */
export function image(images: ImageStack | number[][], opts: ImageGridOptions = {}): Figure {
  let a = (Array.isArray(images) ? images : images.arraySync()) as unknown[];
  if (Array.isArray(a[0]) && !Array.isArray((a[0] as unknown[])[0])) a = [a]; // one H×W image
  const n = a.length;
  const cols = Math.max(1, Math.min(opts.cols ?? 8, n));
  const rows = Math.ceil(n / cols);
  const gap = 0.02;
  const data: Trace[] = [];
  const layout = baseLayout(opts);
  delete layout.xaxis;
  delete layout.yaxis;
  const annotations: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const ax = i === 0 ? "" : String(i + 1);
    const img = a[i] as unknown[][];
    const rgb = Array.isArray(img[0]?.[0]);
    if (rgb) {
      const scale = maxOf(img as unknown as number[][][]) <= 1 ? 255 : 1;
      const z = (img as unknown as number[][][]).map((row) => row.map((px) => px.slice(0, 3).map((v) => v * scale)));
      data.push({ type: "image", z, xaxis: `x${ax}`, yaxis: `y${ax}` });
    } else {
      data.push({ type: "heatmap", z: img, colorscale: opts.colorscale ?? "Greys", reversescale: !opts.colorscale, showscale: false, xaxis: `x${ax}`, yaxis: `y${ax}` });
    }
    const x0 = c / cols + gap / 2;
    const x1 = (c + 1) / cols - gap / 2;
    const y1 = 1 - r / rows - gap / 2;
    const y0 = 1 - (r + 1) / rows + gap / 2 + (opts.labels ? 0.04 : 0);
    layout[`xaxis${ax}`] = { domain: [x0, x1], visible: false, anchor: `y${ax}` };
    layout[`yaxis${ax}`] = { domain: [y0, y1], visible: false, anchor: `x${ax}`, autorange: "reversed", scaleanchor: `x${ax}` };
    if (opts.labels && opts.labels[i] !== undefined) {
      annotations.push({ text: String(opts.labels[i]), x: (x0 + x1) / 2, y: y0 - 0.01, xref: "paper", yref: "paper", showarrow: false, yanchor: "top", font: { size: 11 } });
    }
  }
  layout.annotations = annotations;
  layout.height = opts.height ?? Math.max(160, 110 * rows + (opts.title ? 50 : 10));
  return show(build(data, layout));
}

function maxOf(img: number[][][]): number {
  let m = -Infinity;
  for (const row of img) for (const px of row) for (const v of px) if (v > m) m = v;
  return m;
}
