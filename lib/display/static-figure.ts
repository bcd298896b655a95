// A static SVG of a plotly figure, drawn in the kernel by Apache ECharts' server-side SVG
// renderer (no browser, no DOM). It is the picture every viewer shows when plotly.js cannot run:
// untrusted notebooks, exported HTML without scripts, a repository's web preview. Heatmaps and
// images are rasterised to PNG (pngjs) inside the SVG: one <rect> per cell would weigh megabytes.
// Only what tnlab's plot functions produce is translated (lines, markers, bars, heatmaps, image
// grids, reference lines, log axes, a second y axis); anything else is named in a note.
import { PNG } from "pngjs";
import type { FigureSpec } from "./plotly-html";

type Rec = Record<string, any>;

// plotly's default colorway, so that the static picture and the interactive one match.
export const COLORWAY = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const SCALES: Record<string, string[]> = {
  Viridis: ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"],
  Greys: ["#000000", "#ffffff"],
  RdBu: ["#050aac", "#6a89f7", "#bebebe", "#dcaa84", "#e6915a", "#b20a1c"],
  Blues: ["#f7fbff", "#08306b"],
  Reds: ["#fff5f0", "#67000d"],
};

const DEFAULT_WIDTH = 720;

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as Rec).text === "string") return (v as Rec).text;
  return "";
}

function finite(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function short(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

function hexRgb(h: string): [number, number, number] {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function colorAt(stops: string[], t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexRgb(stops[i]);
  const b = hexRgb(stops[i + 1]);
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

function scaleStops(trace: Rec): string[] {
  const stops = [...(SCALES[String(trace.colorscale ?? "Viridis")] ?? SCALES.Viridis)];
  return trace.reversescale ? stops.reverse() : stops;
}

/** A PNG data URL of a heatmap (z rows × columns) or an RGB image, each cell `cell` pixels wide. */
function rasterPng(trace: Rec, cell: number): { url: string; rows: number; cols: number; min: number; max: number } {
  const z = (Array.isArray(trace.z) ? trace.z : []) as unknown[][];
  const rows = z.length;
  const cols = rows ? Math.max(...z.map((r) => (Array.isArray(r) ? r.length : 0))) : 0;
  const rgb = trace.type === "image";
  let min = Infinity;
  let max = -Infinity;
  if (!rgb) for (const r of z) for (const v of r ?? []) if (finite(v)) (min = Math.min(min, v)), (max = Math.max(max, v));
  const stops = scaleStops(trace);
  const png = new PNG({ width: Math.max(1, cols * cell), height: Math.max(1, rows * cell) });
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = z[i]?.[j];
      let px: number[];
      if (rgb) px = Array.isArray(v) ? (v as number[]).slice(0, 3).map((c) => Math.round(Math.min(255, Math.max(0, Number(c))))) : [255, 255, 255];
      else px = finite(v) ? colorAt(stops, max > min ? (v - min) / (max - min) : 0.5) : [255, 255, 255];
      for (let a = 0; a < cell; a++) {
        for (let b = 0; b < cell; b++) {
          const o = ((i * cell + a) * png.width + j * cell + b) * 4;
          png.data[o] = px[0];
          png.data[o + 1] = px[1];
          png.data[o + 2] = px[2];
          png.data[o + 3] = finite(v) || rgb ? 255 : 0;
        }
      }
    }
  }
  return { url: "data:image/png;base64," + PNG.sync.write(png).toString("base64"), rows, cols, min, max };
}

/** Integer upscaling so that a small matrix stays crisp when the picture stretches it. */
function cellSize(rows: number, cols: number, w: number, h: number): number {
  return Math.max(1, Math.min(16, Math.floor(Math.min(w / Math.max(1, cols), h / Math.max(1, rows)))));
}

interface Box {
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
}

function boxOf(fig: FigureSpec): Box {
  const L = fig.layout;
  const m = (L.margin ?? {}) as Rec;
  return {
    width: finite(L.width) ? L.width : DEFAULT_WIDTH,
    height: finite(L.height) ? L.height : 420,
    margin: { l: m.l ?? 60, r: m.r ?? 20, t: m.t ?? 50, b: m.b ?? 50 },
  };
}

function titleOption(fig: FigureSpec, box: Box): Rec | undefined {
  const t = text(fig.layout.title);
  return t ? { text: t, left: "center", top: 6, textStyle: { fontSize: 15, fontWeight: "normal", color: "#444", width: box.width - 20, overflow: "truncate" } } : undefined;
}

// Without a canvas ECharts guesses text widths; these per-character widths of a sans-serif font
// (in ems) keep legends and labels from overlapping.
function textWidth(s: string, font: string | undefined): number {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? "")?.[1] ?? 12);
  let em = 0;
  // Slightly wide (DejaVu Sans, Debian's default): a guess too wide only leaves more space.
  for (const ch of s) em += /[il.,:;|!'`]/.test(ch) ? 0.3 : /[fjrt()[\] ]/.test(ch) ? 0.4 : /[mwMW@%]/.test(ch) ? 0.92 : /[A-Z]/.test(ch) ? 0.72 : 0.63;
  return em * size;
}

function logLabel(v: number): string {
  return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(0).replace("e+", "e") : String(Number(v.toPrecision(6)));
}

/** Image grids (plot.image): every trace on its own axes, placed by the axes' domains. */
function gridOption(fig: FigureSpec, box: Box): Rec {
  const { l, r, t, b } = box.margin;
  const pw = box.width - l - r;
  const ph = box.height - t - b;
  const graphic: Rec[] = [];
  for (const tr of fig.data) {
    const ax = String(tr.xaxis ?? "x").slice(1);
    const xa = (fig.layout[`xaxis${ax}`] ?? {}) as Rec;
    const ya = (fig.layout[`yaxis${String(tr.yaxis ?? "y").slice(1)}`] ?? {}) as Rec;
    const [x0, x1] = (xa.domain ?? [0, 1]) as number[];
    const [y0, y1] = (ya.domain ?? [0, 1]) as number[];
    const bw = (x1 - x0) * pw;
    const bh = (y1 - y0) * ph;
    if (tr.type !== "heatmap" && tr.type !== "image") continue;
    const z = tr.z as unknown[][];
    const rows = z?.length ?? 0;
    const cols = rows ? (z[0] as unknown[]).length : 0;
    if (!rows || !cols) continue;
    // scaleanchor keeps the pixels square: fit the image in its box, centred.
    const s = Math.min(bw / cols, bh / rows);
    const w = cols * s;
    const h = rows * s;
    const img = rasterPng(tr, cellSize(rows, cols, w, h));
    graphic.push({ type: "image", left: l + x0 * pw + (bw - w) / 2, top: t + (1 - y1) * ph + (bh - h) / 2, style: { image: img.url, width: w, height: h } });
  }
  for (const a of (fig.layout.annotations ?? []) as Rec[]) {
    if (a.xref !== "paper" || a.yref !== "paper" || !a.text) continue;
    // x/y place the text's anchor (left/top would place its bounding box).
    graphic.push({
      type: "text",
      x: l + a.x * pw,
      y: t + (1 - a.y) * ph + 2,
      style: { text: String(a.text), fill: "#444", font: `${a.font?.size ?? 11}px sans-serif`, textAlign: "center", textVerticalAlign: "top" },
    });
  }
  return { title: titleOption(fig, box), graphic };
}

function axisType(axis: Rec, values: unknown[]): "category" | "log" | "value" {
  if (values.some((v) => typeof v === "string")) return "category";
  return axis.type === "log" ? "log" : "value";
}

function axisOption(axis: Rec, type: string, vertical: boolean, categories: string[] | undefined, zero: boolean): Rec {
  const name = text(axis.title);
  return {
    type,
    name,
    nameLocation: "middle",
    nameGap: vertical ? 48 : 28,
    nameTextStyle: { color: "#444", fontSize: 12 },
    data: categories,
    scale: type === "value" ? !zero : undefined,
    inverse: axis.autorange === "reversed" ? true : undefined,
    splitLine: { show: true, lineStyle: { color: "#e5e5e5" } },
    axisLine: { show: true, lineStyle: { color: "#888" } },
    axisLabel: { color: "#444", hideOverlap: true, formatter: type === "log" ? logLabel : undefined },
  };
}

interface TraceStyle {
  name: string | undefined;
  color: string;
  onY2: boolean;
  logY: boolean;
}

function lineSeries(t: Rec, st: TraceStyle, xType: string): Rec {
  const logOk = (v: unknown, log: boolean) => !log || (finite(v) && v > 0);
  const y = (Array.isArray(t.y) ? t.y : []) as unknown[];
  const x = (Array.isArray(t.x) ? t.x : y.map((_, i) => i)) as unknown[];
  const data = y.map((yi, i) => [x[i], yi]).filter(([xi, yi]) => (finite(yi) && logOk(yi, st.logY) && (xType === "category" || logOk(xi, xType === "log"))));
  const mode = String(t.mode ?? (y.length > 20 ? "lines" : "lines+markers"));
  const lines = mode.includes("lines");
  return {
    type: lines ? "line" : "scatter",
    name: st.name,
    data,
    yAxisIndex: st.onY2 ? 1 : 0,
    color: st.color,
    showSymbol: mode.includes("markers"),
    symbolSize: lines ? 6 : 8,
    lineStyle: { width: 2 },
    connectNulls: true,
    // Thousands of points: one path for all markers, and lines thinned to their shape
    // (largest-triangle sampling), so that the picture stays a few kB.
    large: !lines && data.length > 2000,
    sampling: lines && data.length > 2000 ? "lttb" : undefined,
    showAllSymbol: false,
  };
}

function barSeries(t: Rec, st: TraceStyle, stacked: boolean): Rec {
  const h = t.orientation === "h";
  const labels = ((h ? t.y : t.x) ?? []) as unknown[];
  const vals = ((h ? t.x : t.y) ?? []) as unknown[];
  const data = labels.map((lab, i) => (h ? [vals[i], String(lab)] : [String(lab), vals[i]]));
  return { type: "bar", name: st.name, data, color: st.color, stack: stacked ? "all" : undefined, yAxisIndex: st.onY2 ? 1 : 0 };
}

/** A heatmap: an empty series that keeps the axes, its cells as one PNG over the plotting area. */
function heatmapPart(t: Rec, box: Box): { series: Rec; image: Rec; visualMap?: Rec; xCats: string[]; yCats: string[] } {
  const z = (t.z ?? []) as unknown[][];
  const rows = z.length;
  const cols = rows ? Math.max(...z.map((r) => r.length)) : 0;
  const xCats = (Array.isArray(t.x) && t.x.length === cols ? t.x : Array.from({ length: cols }, (_, i) => i)).map(String);
  const yCats = (Array.isArray(t.y) && t.y.length === rows ? t.y : Array.from({ length: rows }, (_, i) => i)).map(String);
  const { l, r, t: top, b } = box.margin;
  const right = t.showscale === false ? r : Math.max(r, 70);
  const w = box.width - l - right;
  const hgt = box.height - top - b;
  const img = rasterPng(t, cellSize(rows, cols, w, hgt));
  const image = { type: "image", left: l, top, z: -1, style: { image: img.url, width: w, height: hgt } };
  let visualMap: Rec | undefined;
  if (t.showscale !== false && img.max >= img.min) {
    visualMap = { type: "continuous", min: img.min, max: img.max, calculable: false, right: 8, top: "middle", itemHeight: Math.max(60, hgt - 60), inRange: { color: scaleStops(t) }, text: [short(img.max), short(img.min)], textGap: 4, textStyle: { color: "#444", fontSize: 11 } };
  }
  return { series: { type: "scatter", data: [], silent: true }, image, visualMap, xCats, yCats };
}

/** Reference lines (plot's hLines/vLines): dashed markLines labelled like the annotations. */
function referenceMarks(L: Rec, xa: Rec, ya: Rec): Rec[] {
  const marks: Rec[] = [];
  const anns = (L.annotations ?? []) as Rec[];
  for (const s of (L.shapes ?? []) as Rec[]) {
    if (s.type !== "line") continue;
    const style = { type: "dashed", color: s.line?.color ?? "#555", width: s.line?.width ?? 1.5 };
    if (s.xref === "paper" && s.y0 === s.y1 && finite(s.y0)) {
      const at = ya.type === "log" ? Math.log10(s.y0) : s.y0;
      const label = anns.find((a) => a.yref === "y" && a.xref === "paper" && Math.abs(a.y - at) < 1e-12)?.text;
      marks.push({ yAxis: s.y0, lineStyle: style, label: { show: !!label, formatter: label ?? "", position: "insideEndTop", color: "#444" } });
    } else if (s.yref === "paper" && s.x0 === s.x1 && finite(s.x0)) {
      const at = xa.type === "log" ? Math.log10(s.x0) : s.x0;
      const label = anns.find((a) => a.xref === "x" && a.yref === "paper" && Math.abs(a.x - at) < 1e-12)?.text;
      marks.push({ xAxis: s.x0, lineStyle: style, label: { show: !!label, formatter: label ?? "", position: "end", color: "#444" } });
    }
  }
  return marks;
}

/** Legend rows, as ECharts will wrap them: item = symbol 25 + gap 5 + text + item gap 10. */
function legendRows(named: Rec[], box: Box): number {
  let rows = 1;
  for (let used = 0, i = 0; i < named.length; i++) {
    const w = 40 + textWidth(String(named[i].name), "12px");
    if (used > 0 && used + w > box.width - 20) (rows++, (used = 0));
    used += w;
  }
  return rows;
}

/** Cartesian figures: lines, markers, bars, heatmaps, reference lines. */
function cartesianOption(fig: FigureSpec, box: Box, notes: string[]): Rec {
  const L = fig.layout;
  const xa = (L.xaxis ?? {}) as Rec;
  const ya = (L.yaxis ?? {}) as Rec;
  const y2 = L.yaxis2 as Rec | undefined;
  const traces = fig.data;
  const horizontal = traces.some((t) => t.type === "bar" && t.orientation === "h");
  const xs = traces.flatMap((t) => (Array.isArray(t.x) ? t.x : []));
  const ys = traces.flatMap((t) => (Array.isArray(t.y) ? t.y : []));
  const heat = traces.find((t) => t.type === "heatmap");
  const hasBar = traces.some((t) => t.type === "bar");
  const xType = heat ? "category" : axisType(xa, xs);
  const yType = heat ? "category" : axisType(ya, ys);
  const cats = (vals: unknown[]) => [...new Set(vals.map(String))];
  let xCats = xType === "category" ? cats(xs) : undefined;
  let yCats = yType === "category" ? cats(ys) : undefined;
  const series: Rec[] = [];
  const graphic: Rec[] = [];
  let visualMap: Rec | undefined;
  let c = 0;
  for (const t of traces) {
    const onY2 = t.yaxis === "y2" && !!y2;
    const st: TraceStyle = { name: t.name === undefined || t.name === null ? undefined : String(t.name), color: COLORWAY[c++ % COLORWAY.length], onY2, logY: (onY2 ? y2!.type : ya.type) === "log" };
    if (t.type === "scatter" || t.type === undefined || t.type === "scattergl") series.push(lineSeries(t, st, xType));
    else if (t.type === "bar") series.push(barSeries(t, st, L.barmode === "stack"));
    else if (t.type === "heatmap") {
      const part = heatmapPart(t, box);
      ({ xCats, yCats } = part);
      series.push(part.series);
      graphic.push(part.image);
      visualMap = part.visualMap ?? visualMap;
    } else notes.push(String(t.type));
  }
  const marks = referenceMarks(L, xa, ya);
  if (marks.length) {
    const host = series.find((s) => s.yAxisIndex !== 1) ?? series[0];
    if (host) host.markLine = { symbol: "none", silent: true, animation: false, data: marks };
  }
  const named = series.filter((s) => s.name !== undefined);
  const title = titleOption(fig, box);
  const { r, t, b } = box.margin;
  const x = axisOption(xa, horizontal ? "value" : xType, false, horizontal ? undefined : xCats, hasBar);
  const yAxes = [axisOption(ya, horizontal ? "category" : yType, true, horizontal ? cats(ys) : yCats, hasBar)];
  if (y2) yAxes.push({ ...axisOption(y2, axisType(y2, []), true, undefined, false), position: "right", splitLine: { show: false } });
  if (heat) {
    x.boundaryGap = true;
    x.splitLine = { show: false };
    yAxes[0].splitLine = { show: false };
  }
  const legend = named.length > 1 || (named.length === 1 && L.showlegend === true);
  const rows = legend ? legendRows(named, box) : 0;
  return {
    title,
    legend: legend ? { top: title ? 30 : 4, data: named.map((s) => s.name), textStyle: { color: "#444" } } : undefined,
    grid: {
      // Tick labels sit inside the grid box (containLabel); the rotated axis names outside it.
      left: heat ? box.margin.l : text(ya.title) ? 40 : 10,
      right: heat && visualMap ? Math.max(r, 70) : y2 ? (text(y2.title) ? 40 : 10) : r,
      top: Math.max(t, (title ? 34 : 8) + rows * 24 + 6),
      bottom: b,
      containLabel: !heat,
    },
    xAxis: x,
    yAxis: yAxes,
    series,
    visualMap,
    graphic,
  };
}

/** The figure as a standalone SVG document (width × height from the layout, 720 × 420 by default). */
export function figureSvg(fig: FigureSpec): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const echarts = require("echarts") as typeof import("echarts");
  const box = boxOf(fig);
  const notes: string[] = [];
  const subplots = fig.data.some((t) => (t.xaxis !== undefined && t.xaxis !== "x") || (t.yaxis !== undefined && t.yaxis !== "y" && t.yaxis !== "y2"));
  const option = subplots ? gridOption(fig, box) : cartesianOption(fig, box, notes);
  if (notes.length) {
    option.graphic = [...(option.graphic ?? []), { type: "text", left: 8, bottom: 4, style: { text: `static preview: ${notes.length} trace(s) of type ${[...new Set(notes)].join(", ")} not drawn`, fill: "#a00", font: "11px sans-serif" } }];
  }
  echarts.setPlatformAPI({ measureText: (s: string, font?: string) => ({ width: textWidth(s, font) }) });
  const chart = echarts.init(null as unknown as HTMLElement, undefined, { renderer: "svg", ssr: true, width: box.width, height: box.height });
  try {
    chart.setOption({ animation: false, backgroundColor: "#fff", color: COLORWAY, textStyle: { fontFamily: "sans-serif" }, ...option });
    // Stretch rasters to their box exactly (SVG's default would letterbox them).
    return chart.renderToSVGString().replace(/<image /g, '<image preserveAspectRatio="none" ');
  } finally {
    chart.dispose();
  }
}

/** The SVG as a data URL for an <img>: the one form of inline picture every notebook sanitiser keeps. */
export function figureSvgDataUrl(fig: FigureSpec): string {
  return "data:image/svg+xml;base64," + Buffer.from(figureSvg(fig), "utf8").toString("base64");
}
