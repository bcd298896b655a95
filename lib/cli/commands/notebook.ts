// `tnlab notebook slim FILE...`: rewrite stored plot outputs into the light form (no plotly.js in
// the notebook, a static picture every viewer shows) from the figure data they hold.
// `tnlab notebook html FILE [--out F]`: export to HTML with nbconvert and embed plotly.js once,
// so that the exported page draws interactive figures offline.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InstallModule } from "../../../kernel/index";
import { plotlyLoaderHtml, FIGURE_CLASS } from "../../display/plotly-html";
import { slimNotebook } from "../../display/slim";
import { packageRoot } from "./kernel";
import { parseCommandArgs, usageError, type CommandSpec } from "../args";

export const summary = "slim FILE... (plot outputs without plotly.js, from their stored figures) | html FILE [--out F] (export, plotly.js embedded once)";

export const USAGE = "usage: tnlab notebook slim [--force] FILE.ipynb...\n       tnlab notebook html FILE.ipynb [--out FILE.html]";

function readNotebook(file: string): { cells: { cell_type: string; outputs?: any[] }[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read the notebook (${(e as Error).message})`);
  }
  try {
    const nb = JSON.parse(text);
    if (!nb || !Array.isArray(nb.cells)) throw new Error("no cells array");
    return nb;
  } catch (e) {
    throw new Error(`${file}: not a Jupyter notebook (${(e as Error).message})`);
  }
}

export function slimFiles(files: string[], force = false, log = (s: string) => console.error(s)): number {
  for (const file of files) {
    const before = statSync(file).size;
    const nb = readNotebook(file);
    const r = slimNotebook(nb, { force });
    if (r.figures === 0 && r.dropped === 0) {
      log(`${file}: nothing to rewrite (${r.kept} light figure(s))`);
      continue;
    }
    // Jupyter's own layout: one-space indent, a final newline.
    const text = JSON.stringify(nb, null, 1) + "\n";
    writeFileSync(file, text);
    log(`${file}: ${r.figures} figure(s) rewritten, ${r.dropped} plotly.js output(s) removed; ${(before / 1e6).toFixed(2)} MB -> ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`);
  }
  return 0;
}

function nbconvertHtml(file: string): string {
  const inst = require(join(packageRoot(), "kernel", "install.js")) as InstallModule;
  const cmd = inst.which("jupyter-nbconvert") ? ["jupyter-nbconvert"] : ["python3", "-m", "nbconvert"];
  const r = spawnSync(cmd[0], [...cmd.slice(1), "--to", "html", "--stdout", file], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) {
    throw new Error(`nbconvert failed on ${file} (${r.error?.message ?? (r.stderr || "").trim().split("\n").slice(-3).join(" ")}); install it with apt-get install jupyter-nbconvert or pip install nbconvert`);
  }
  return r.stdout;
}

/** nbconvert's HTML with plotly.js embedded once in <head>, when the page has tnlab figures. */
export function embedPlotly(html: string): string {
  if (!html.includes(`class=\\"${FIGURE_CLASS}\\"`) && !html.includes(`class="${FIGURE_CLASS}"`)) return html;
  const at = html.search(/<\/head>/i);
  const loader = plotlyLoaderHtml();
  return at < 0 ? loader + html : html.slice(0, at) + loader + html.slice(at);
}

export const NOTEBOOK_ARGS: Record<"slim" | "html", CommandSpec> = {
  slim: { options: { force: { type: "boolean" } }, positionals: { min: 1, max: Infinity, expected: "one or more notebook files" } },
  html: { options: { out: { type: "string", short: "o", expected: "an output HTML file" } }, positionals: { min: 1, max: 1, expected: "one notebook file" } },
};

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "slim" && sub !== "html") {
    console.error(sub ? `tnlab notebook: unknown subcommand "${sub}"\n${USAGE}` : USAGE);
    return 2;
  }
  let parsed;
  try {
    parsed = parseCommandArgs(rest, NOTEBOOK_ARGS[sub]);
  } catch (err) {
    return usageError(`notebook ${sub}`, err, USAGE);
  }
  const files = parsed.positionals;
  if (sub === "slim") return slimFiles(files, parsed.values.force === true);
  readNotebook(files[0]);
  const target = (parsed.values.out as string | undefined) ?? files[0].replace(/\.ipynb$/, "") + ".html";
  writeFileSync(target, embedPlotly(nbconvertHtml(files[0])));
  console.error(`wrote ${target}`);
  return 0;
}
