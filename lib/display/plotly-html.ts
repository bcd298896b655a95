// The text/html form of a figure: a static SVG picture (drawn in the kernel, see static-figure)
// that every viewer shows, and a small script that, where scripts run, replaces it with the
// interactive plotly.js figure. plotly.js is never stored in a notebook: the script takes
// window.Plotly when the page has it (HTML exported by `tnlab notebook html`, which embeds it
// once) or loads it once per page from the kernelspec folder, which the Jupyter server serves at
// <base>/kernelspecs/tnlab/ (the kernel installer copies plotly.min.js there). Offline or
// without a server the picture stays.
import { readFileSync } from "node:fs";
import { escapeHtml, scriptJson } from "./html";
import { newDisplayId } from "./sink";
import { figureSvgDataUrl } from "./static-figure";

/** The MIME type of a plotly figure's JSON (JupyterLab's plotly extension, VS Code, nteract). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** The file name of plotly.js in the kernelspec folder; kernel/install.js copies it there. */
export const PLOTLY_RESOURCE = "plotly.min.js";
export const KERNEL_NAME = "tnlab";

let bundleCache: string | null = null;

export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/** A <script> that defines window.Plotly from the embedded bundle (for exported HTML). */
export function plotlyLoaderHtml(): string {
  if (bundleCache === null) {
    const src = readFileSync(plotlyBundlePath(), "utf8").replace(/<\/script/gi, "<\\/script");
    // Shadowing module/exports/define makes the UMD wrapper take its browser-global branch,
    // also where require.js defines `define` (the classic Notebook, nbconvert's templates).
    bundleCache =
      '<script type="text/javascript">/* plotly.js, embedded once by tnlab */\n' +
      "(function (module, exports, define) {\n" +
      src +
      "\n}).call(window);\n</script>";
  }
  return bundleCache;
}

export interface FigureSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Marks the HTML of a tnlab figure; `tnlab notebook slim` recognises outputs by it. */
export const FIGURE_CLASS = "tnlab-figure";

// ES5 on purpose: it runs in whatever page shows the notebook.
const UPGRADE = `
function base() {
  var b = document.body && document.body.getAttribute("data-base-url");
  if (b) return b;
  var c = document.getElementById("jupyter-config-data");
  if (c) { try { return JSON.parse(c.textContent).baseUrl || null; } catch (e) {} }
  return null;
}
function load() {
  var w = window;
  if (w.Plotly) return Promise.resolve(w.Plotly);
  if (w.__tnlabPlotly) return w.__tnlabPlotly;
  var b = base();
  if (!b || !/^https?:$/.test(location.protocol) || !w.fetch) return Promise.reject(new Error("no Jupyter server"));
  var url = b.replace(/\\/?$/, "/") + "kernelspecs/" + @@KERNEL@@ + "/" + @@RESOURCE@@;
  w.__tnlabPlotly = fetch(url, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) throw new Error(url + ": HTTP " + r.status);
    return r.text();
  }).then(function (src) {
    var s = document.createElement("script");
    s.text = "(function (module, exports, define) {\\n" + src + "\\n}).call(window);";
    document.head.appendChild(s);
    if (!w.Plotly) throw new Error("plotly.js did not define window.Plotly");
    return w.Plotly;
  });
  w.__tnlabPlotly.catch(function () { w.__tnlabPlotly = null; });
  return w.__tnlabPlotly;
}
var box = document.getElementById(@@ID@@);
if (!box) return;
load().then(function (P) {
  var div = document.createElement("div");
  div.className = "tnlab-plot";
  div.style.width = "100%";
  div.style.height = @@HEIGHT@@ + "px";
  box.appendChild(div);
  return P.newPlot(div, fig.data, fig.layout, fig.config).then(function () {
    var img = box.querySelector("img.tnlab-static");
    if (img) img.parentNode.removeChild(img);
  }, function () { box.removeChild(div); });
}, function () {});
`;

export function figureHtml(fig: FigureSpec): string {
  const id = newDisplayId("tnplot");
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 420;
  const width = typeof fig.layout.width === "number" ? fig.layout.width : 720;
  const title = (fig.layout.title as { text?: string } | undefined)?.text;
  const script = UPGRADE.replace("@@KERNEL@@", scriptJson(KERNEL_NAME))
    .replace("@@RESOURCE@@", scriptJson(PLOTLY_RESOURCE))
    .replace("@@ID@@", scriptJson(id))
    .replace("@@HEIGHT@@", String(height));
  return (
    `<div id="${id}" class="${FIGURE_CLASS}">` +
    `<img class="tnlab-static" src="${figureSvgDataUrl(fig)}" width="${width}" height="${height}" style="max-width:100%;height:auto" alt="${escapeHtml(title ? `Figure: ${title}` : "Figure")}">` +
    "</div>" +
    `<script type="text/javascript">(function () {var fig = ${scriptJson(fig)};${script}})();</script>`
  );
}
