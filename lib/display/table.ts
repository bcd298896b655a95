// HTML tables from danfojs DataFrames, arrays of records or arrays of rows. Every cell,
// header and caption is HTML-escaped.
import { escapeHtml, formatNumber } from "./html";
import { kernel, markDisplayed } from "./sink";

/** The part of a danfojs DataFrame that a table needs (duck-typed: danfojs is not loaded here). */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
  index?: (string | number)[];
}

export type TableInput = DataFrameLike | Record<string, unknown>[] | unknown[][];

export interface TableOptions {
  caption?: string;
  /** Rows shown; the rest is summarised in one line (default 50). */
  maxRows?: number;
  /** Show the row index column (default: true for DataFrames). */
  index?: boolean;
}

interface Grid {
  columns: string[];
  rows: unknown[][];
  index: (string | number)[] | null;
}

export function isDataFrameLike(x: unknown): x is DataFrameLike {
  const o = x as DataFrameLike;
  return !!o && typeof o === "object" && !Array.isArray(o) && Array.isArray(o.columns) && Array.isArray(o.values);
}

function toGrid(input: TableInput): Grid {
  if (isDataFrameLike(input)) {
    const values = input.values as unknown[];
    const rows = values.map((r: unknown) => (Array.isArray(r) ? r : [r]));
    return { columns: input.columns.map(String), rows, index: Array.isArray(input.index) ? input.index : null };
  }
  if (!Array.isArray(input)) throw new TypeError(`table: expected a DataFrame or an array of rows, got ${typeof input}`);
  if ((input as unknown[]).every((r) => Array.isArray(r))) {
    const rows = input as unknown[][];
    const width = rows.reduce((m, r) => Math.max(m, r.length), 0);
    return { columns: Array.from({ length: width }, (_, i) => String(i)), rows, index: null };
  }
  const records = input as Record<string, unknown>[];
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r ?? {})) if (!columns.includes(k)) columns.push(k);
  return { columns, rows: records.map((r) => columns.map((c) => (r ?? {})[c])), index: null };
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "object") {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

export function tableHtml(input: TableInput, opts: TableOptions = {}): string {
  const g = toGrid(input);
  const max = opts.maxRows ?? 50;
  const showIndex = opts.index ?? g.index !== null;
  const shown = g.rows.slice(0, max);
  const out: string[] = ['<table class="dataframe tnlab-table" border="1">'];
  if (opts.caption !== undefined) out.push(`<caption>${escapeHtml(opts.caption)}</caption>`);
  out.push("<thead><tr>");
  if (showIndex) out.push("<th></th>");
  for (const c of g.columns) out.push(`<th>${escapeHtml(c)}</th>`);
  out.push("</tr></thead><tbody>");
  shown.forEach((row, i) => {
    out.push("<tr>");
    if (showIndex) out.push(`<th>${escapeHtml(g.index ? g.index[i] : i)}</th>`);
    for (let j = 0; j < g.columns.length; j++) {
      const v = row[j];
      const num = typeof v === "number" ? ' style="text-align:right"' : "";
      out.push(`<td${num}>${escapeHtml(cellText(v))}</td>`);
    }
    out.push("</tr>");
  });
  out.push("</tbody></table>");
  if (g.rows.length > shown.length) out.push(`<p>${g.rows.length - shown.length} more rows (${g.rows.length} in all)</p>`);
  return out.join("");
}

export function tableText(input: TableInput, opts: TableOptions = {}): string {
  const g = toGrid(input);
  const max = opts.maxRows ?? 50;
  const rows = g.rows.slice(0, max).map((r) => g.columns.map((_, j) => cellText(r[j])));
  const widths = g.columns.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  const lines = [line(g.columns), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  if (opts.caption) lines.unshift(opts.caption);
  if (g.rows.length > rows.length) lines.push(`... ${g.rows.length - rows.length} more rows`);
  return lines.join("\n");
}

export interface RenderedTable {
  html: string;
  text: string;
}

/** Displays a table in the notebook (no-op outside a kernel) and returns its HTML and text. */
export function table(input: TableInput, opts: TableOptions = {}): RenderedTable {
  const rendered = { html: tableHtml(input, opts), text: tableText(input, opts) };
  kernel()?.display({ "text/html": rendered.html, "text/plain": rendered.text });
  return markDisplayed(rendered);
}
