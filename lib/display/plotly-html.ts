// The text/html form of a plotly figure: a div and a script calling Plotly.newPlot. The
// plotly.js bundle is embedded once per kernel session, in the first output that needs it,
// so that figures render offline in JupyterLab, the classic Notebook and exported HTML.
import { readFileSync } from "node:fs";
import { escapeHtml, scriptJson } from "./html";
import { kernel, newDisplayId } from "./sink";

const LOADED = Symbol.for("tnlab.plotly.session");

let bundleCache: string | null = null;

export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/** A <script> that defines window.Plotly from the embedded bundle. */
export function plotlyLoaderHtml(): string {
  if (bundleCache === null) {
    const src = readFileSync(plotlyBundlePath(), "utf8").replace(/<\/script/gi, "<\\/script");
    // Shadowing module/exports/define makes the UMD wrapper take its browser-global branch,
    // also in the classic Notebook where require.js defines `define`.
    bundleCache =
      '<script type="text/javascript">/* plotly.js, embedded by tnlab once per kernel session */\n' +
      "(function (module, exports, define) {\n" +
      src +
      "\n}).call(window);\n</script>";
  }
  return bundleCache;
}

/** True when this kernel session has not emitted the bundle yet; marks it emitted. */
export function claimLoader(): boolean {
  const k = kernel();
  const session = k ? k.session : "none";
  const g = globalThis as Record<symbol, unknown>;
  if (g[LOADED] === session) return false;
  g[LOADED] = session;
  return true;
}

export interface FigureSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

export function figureHtml(fig: FigureSpec, withLoader: boolean): string {
  const id = newDisplayId("tnplot");
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 420;
  const title = (fig.layout.title as { text?: string } | undefined)?.text;
  return (
    (withLoader ? plotlyLoaderHtml() : "") +
    `<div id="${id}" class="tnlab-plot" style="width:100%;height:${height}px" title="${escapeHtml(title ?? "")}"></div>` +
    '<script type="text/javascript">(function () {' +
    `var fig = ${scriptJson(fig)};` +
    `function draw() { window.Plotly.newPlot(${scriptJson(id)}, fig.data, fig.layout, fig.config); }` +
    "if (window.Plotly) { draw(); return; }" +
    "var n = 0, t = setInterval(function () { if (window.Plotly) { clearInterval(t); draw(); } else if (++n > 200) { clearInterval(t);" +
    ` var el = document.getElementById(${scriptJson(id)}); if (el) el.textContent = "plotly.js is not loaded: re-run the notebook from the top to embed it"; } }, 50);` +
    "})();</script>"
  );
}
