// Rewrites a notebook's stored plot outputs into the light form (plotly JSON + static picture +
// upgrade script, no plotly.js) from the figure data they already hold: no re-execution, the
// same figures. Outputs written by older tnlab versions carried plotly.js (4.8 MB) in the first
// plot of each kernel session, and live charts a separate output with only plotly.js.
import { figureBundle } from "./plot";
import { FIGURE_CLASS, PLOTLY_MIME, type FigureSpec } from "./plotly-html";


interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface NotebookLike {
  cells: { cell_type: string; outputs?: Output[] }[];
}

export interface SlimReport {
  /** Plot outputs rewritten. */
  figures: number;
  /** Outputs removed: they held nothing but plotly.js. */
  dropped: number;
  /** Plot outputs already in the light form, left as they were. */
  kept: number;
}

function html(o: Output): string {
  const h = o.data?.["text/html"];
  return Array.isArray(h) ? h.join("") : typeof h === "string" ? h : "";
}

/** A plotly.js bundle embedded by tnlab (the old per-session loader) and nothing else to show. */
function loaderOnly(o: Output): boolean {
  if (!o.data || PLOTLY_MIME in o.data) return false;
  const h = html(o).trim();
  return h.startsWith('<script type="text/javascript">/* plotly.js, embedded by tnlab') && h.endsWith("}).call(window);\n</script>");
}

/** Rewrites `nb` in place; returns what changed. With `force`, light outputs are redrawn too. */
export function slimNotebook(nb: NotebookLike, opts: { force?: boolean } = {}): SlimReport {
  const report: SlimReport = { figures: 0, dropped: 0, kept: 0 };
  for (const cell of nb.cells) {
    if (!Array.isArray(cell.outputs)) continue;
    const outs: Output[] = [];
    for (const o of cell.outputs) {
      if ((o.output_type === "display_data" || o.output_type === "execute_result") && loaderOnly(o)) {
        report.dropped++;
        continue;
      }
      const fig = o.data?.[PLOTLY_MIME] as Partial<FigureSpec> | undefined;
      if (!fig || !Array.isArray(fig.data)) {
        outs.push(o);
        continue;
      }
      const h = html(o);
      if (!opts.force && h.includes(`class="${FIGURE_CLASS}"`) && !h.includes("plotly.js, embedded by tnlab")) {
        report.kept++;
        outs.push(o);
        continue;
      }
      const spec: FigureSpec = { data: fig.data, layout: fig.layout ?? {}, config: fig.config ?? {} };
      const bundle = figureBundle(spec);
      o.data = { ...o.data, "text/html": bundle["text/html"], "text/plain": o.data!["text/plain"] ?? bundle["text/plain"] };
      report.figures++;
      outs.push(o);
    }
    cell.outputs = outs;
  }
  return report;
}
