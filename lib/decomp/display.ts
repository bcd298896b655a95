// How a decomposition shows as a cell's value in the kernel: a one-line summary and a small
// table of its factors, through the Jupyter.display protocol that lib/display honours.
import type { Factorized } from "./factorized";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export interface FactorShape {
  name: string;
  shape: readonly number[];
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toPrecision(4);
}

/** The MIME bundle of a decomposition: `kind` names it, `factors` lists what it stores. */
export function factorizedBundle(kind: string, d: Factorized, factors: FactorShape[]): Record<string, string> {
  const summary =
    `${kind} of shape [${d.shape.join(", ")}], ranks [${d.ranks.join(", ")}]: ` +
    `${fmt(d.params)} parameters, compression ${fmt(d.compression)}x`;
  const rows = factors.map((f) => `<tr><td>${f.name}</td><td>[${f.shape.join(", ")}]</td><td style="text-align:right">${fmt(f.shape.reduce((a, b) => a * b, 1))}</td></tr>`);
  const html =
    `<div><b>${kind}</b> shape <code>[${d.shape.join(", ")}]</code> ranks <code>[${d.ranks.join(", ")}]</code>, ` +
    `${fmt(d.params)} parameters, compression ${fmt(d.compression)}x</div>` +
    `<table border="1"><thead><tr><th>factor</th><th>shape</th><th>values</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  const text = [summary, ...factors.map((f) => `  ${f.name}: [${f.shape.join(", ")}]`)].join("\n");
  return { "text/plain": text, "text/html": html };
}
