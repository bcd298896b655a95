// The rich representation of a cell's value (the kernel's execute_result) and of display(x):
// objects that implement [Symbol.for("Jupyter.display")]() (Deno's convention) return their own
// MIME bundle; TensorFlow.js tensors show dtype, shape and values (an HTML table for 2-D);
// danfojs DataFrames show as tables; everything else as util.inspect text.
import { inspect } from "node:util";
import { escapeHtml, formatNumber } from "./html";
import type { MimeBundle } from "./sink";
import { isDataFrameLike, tableHtml, tableText } from "./table";

/** Implement `[JUPYTER_DISPLAY]() { return { "text/plain": ..., "text/html": ... } }` to control display. */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export interface TensorLikeValue {
  shape: number[];
  dtype: string;
  rank: number;
  dataSync(): ArrayLike<number | string>;
  isDisposed?: boolean;
  toString(verbose?: boolean): string;
}

export function isTensorLike(x: unknown): x is TensorLikeValue {
  const t = x as TensorLikeValue;
  return (
    !!t &&
    typeof t === "object" &&
    Array.isArray(t.shape) &&
    typeof t.dtype === "string" &&
    typeof t.rank === "number" &&
    typeof t.dataSync === "function"
  );
}

const MAX_ROWS = 20;
const MAX_COLS = 20;

function tensorHeader(t: TensorLikeValue): string {
  return `Tensor ${t.dtype} [${t.shape.join(", ")}]`;
}

function cell(v: number | string): string {
  return typeof v === "number" ? formatNumber(v) : String(v);
}

/** Indices 0..n-1, or the first and last `max/2` with a gap marker (-1) between. */
function pick(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const h = Math.floor(max / 2);
  return [...Array.from({ length: h }, (_, i) => i), -1, ...Array.from({ length: h }, (_, i) => n - h + i)];
}

export function tensorHtml(t: TensorLikeValue): string {
  const head = `<div><b>Tensor</b> <code>${escapeHtml(t.dtype)}</code> shape <code>[${t.shape.join(", ")}]</code></div>`;
  if (t.isDisposed) return head + "<p>(disposed)</p>";
  const data = t.dataSync();
  if (t.rank === 0) return head + `<pre>${escapeHtml(cell(data[0]))}</pre>`;
  if (t.rank === 1 || t.rank === 2) {
    const [rows, cols] = t.rank === 1 ? [1, t.shape[0]] : [t.shape[0], t.shape[1]];
    const ri = pick(rows, MAX_ROWS);
    const ci = pick(cols, MAX_COLS);
    const out = ['<table class="tnlab-tensor" border="1"><thead><tr><th></th>'];
    for (const j of ci) out.push(`<th>${j < 0 ? "…" : j}</th>`);
    out.push("</tr></thead><tbody>");
    for (const i of ri) {
      out.push(`<tr><th>${i < 0 ? "…" : i}</th>`);
      for (const j of ci) {
        out.push(i < 0 || j < 0 ? "<td>…</td>" : `<td style="text-align:right">${escapeHtml(cell(data[i * cols + j]))}</td>`);
      }
      out.push("</tr>");
    }
    out.push("</tbody></table>");
    return head + out.join("");
  }
  return head + `<pre>${escapeHtml(tensorText(t))}</pre>`;
}

export function tensorText(t: TensorLikeValue): string {
  if (t.isDisposed) return `${tensorHeader(t)} (disposed)`;
  const body = t.toString().replace(/^Tensor\s*\n?/, "");
  return `${tensorHeader(t)}\n${body}`;
}

function ensureText(bundle: MimeBundle, value: unknown): MimeBundle {
  if (typeof bundle["text/plain"] === "string") return bundle;
  return { ...bundle, "text/plain": inspect(value) };
}

/** The MIME bundle (text/plain always present) that shows `value` in a notebook. */
export function mimeBundleFor(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const custom = (value as Record<symbol, unknown>)[JUPYTER_DISPLAY];
    if (typeof custom === "function") {
      const bundle = custom.call(value) as MimeBundle | null | undefined;
      if (bundle && typeof bundle === "object") return ensureText(bundle, value);
    }
    if (isTensorLike(value)) return { "text/plain": tensorText(value), "text/html": tensorHtml(value) };
    if (isDataFrameLike(value) && (value as object).constructor?.name === "DataFrame") {
      return { "text/plain": tableText(value), "text/html": tableHtml(value) };
    }
  }
  return { "text/plain": inspect(value) };
}
