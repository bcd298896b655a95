// The LETI notebook's tables and plot series, built from a dataset and an evaluation, so its
// cells stay one or two lines.
import { relative } from "node:path";
import { edgeCount, OPS } from "../latency/cells";
import { depth } from "../latency/features";
import type { CellRecord } from "../latency/measure";
import type { LatencyDataset } from "../latency/dataset";
import type { Evaluation } from "./leti";

/** One row per cell: its description, counts and measured latency. */
export function cellRows(cells: readonly CellRecord[]): Record<string, string | number>[] {
  return cells.map((c) => ({
    hash: c.hash,
    nodes: c.nodes.slice(1, -1).join(" "),
    edges: edgeCount(c),
    depth: depth(c),
    channels: c.channels,
    MMACs: Number((c.macs / 1e6).toFixed(2)),
    "params (k)": Number((c.params / 1e3).toFixed(1)),
    "peak memory (MB)": Number((c.peakBytes / 1e6).toFixed(2)),
    "latency (ms)": Number(c.latencyMs.toFixed(3)),
    "IQR (ms)": Number(c.iqrMs.toFixed(3)),
  }));
}

/** How many cells have each operation count and node count (the generator's spread). */
export function opCounts(cells: readonly CellRecord[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const op of OPS) {
    out[op] = [0, 0, 0, 0, 0, 0];
    for (const c of cells) out[op][c.nodes.filter((k) => k === op).length]++;
  }
  return out;
}

/** Points (x, y) grouped by channel count, with the hash as hover text. */
export function byChannels(cells: readonly CellRecord[], x: (c: CellRecord) => number, y: (c: CellRecord) => number = (c) => c.latencyMs): Record<string, { x: number[]; y: number[]; labels: string[] }> {
  const out: Record<string, { x: number[]; y: number[]; labels: string[] }> = {};
  for (const c of [...cells].sort((a, b) => a.channels - b.channels)) {
    const g = (out[`C = ${c.channels}`] ??= { x: [], y: [], labels: [] });
    g.x.push(x(c));
    g.y.push(y(c));
    g.labels.push(`${c.hash}: ${c.nodes.slice(1, -1).join(" ")}`);
  }
  return out;
}

/** Measured (x) vs predicted (y) test latencies of the named predictors. */
export function predictedVsMeasured(ev: Evaluation, names: string[] = Object.keys(ev.predictions)): Record<string, { x: number[]; y: number[]; labels: string[] }> {
  const x = ev.test.map((c) => c.latencyMs);
  const labels = ev.test.map((c) => c.hash);
  return Object.fromEntries(names.map((n) => [n, { x, y: ev.predictions[n], labels }]));
}

/** A dashed y = x line over [lo, hi] for a plot's layout (perfect prediction). */
export function diagonal(ev: Evaluation): Record<string, unknown> {
  const all = [...ev.test.map((c) => c.latencyMs), ...Object.values(ev.predictions).flat()].filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return { shapes: [{ type: "line", x0: lo, y0: lo, x1: hi, y1: hi, line: { dash: "dash", color: "#555", width: 1 } }] };
}

/** Table 15 analogue: ±10 % accuracy and R² per predictor. */
export function scoreRows(ev: Evaluation): Record<string, string>[] {
  return ev.scores.map((s) => ({ predictor: s.predictor, "accuracy ±10 % (%)": s.acc10.toFixed(1), "R²": s.r2.toFixed(3), "fit (s)": s.fitSeconds.toFixed(2) }));
}

/** Where the timings came from, in one line. */
export function provenance(d: LatencyDataset): string {
  const e = d.environment;
  return `${d.cells.length} cells measured ${e.date.slice(0, 16).replace("T", " ")} UTC on ${e.engine}; ${e.threads} thread(s); ${e.machine}; load (1/5/15 min) ${e.load.join(" / ")} before, ${d.loadAfter.join(" / ")} after; ${d.timing.warmup} warm-up + median of ${d.timing.repeats} runs at batch 1; ${d.seconds.toFixed(0)} s, profile ${d.profile}`;
}

/** A file's path relative to the working directory (the notebook's folder), for output that does not name the machine's folders. */
export function shortPath(file: string): string {
  return relative(process.cwd(), file) || file;
}
