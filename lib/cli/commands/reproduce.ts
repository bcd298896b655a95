// `tnlab reproduce [--profile smoke|quick|paper] [--only ID] [--timeout SECONDS] [--out-dir results] [--notebooks DIR]`: runs every
// reproduction notebook (metadata tnlab.paper) headless, then writes results/report.{md,json}
// from the records the notebooks saved with tn.papers.save() into results/<paper>.json.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadRecordFile, mergeRecords, report, type RunRecord, type StoredRun } from "../../papers";
import type * as TtFc from "../../experiments/tt-fc";
import { packageRoot } from "./kernel";
import { executeNotebook, PROFILES } from "./run";

export const summary = "run the paper notebooks headless and write results/ with report.md/report.json (--profile P, --only ID)";

export function reproductionNotebooks(dir: string): { file: string; paper: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .flatMap((f) => {
      try {
        const nb = JSON.parse(readFileSync(join(dir, f), "utf8"));
        const paper = nb?.metadata?.tnlab?.paper;
        return typeof paper === "string" ? [{ file: join(dir, f), paper }] : [];
      } catch {
        return [];
      }
    });
}

/**
 * The committed runs at the paper's settings of the chosen papers: tt-fc's 25-epoch MNIST runs of
 * scripts/ttfc-mnist-paper.ts (notebooks/results/tt-fc-mnist-paper.json), accuracy and loss.
 */
export function storedRunRows(notebooksDir: string, papers: string[]): StoredRun[] {
  const file = join(notebooksDir, "results", "tt-fc-mnist-paper.json");
  if (!papers.includes("tt-fc") || !existsSync(file)) return [];
  const source = `notebooks/results/${basename(file)}`;
  // Loaded only here: the experiment module brings TensorFlow.js, which the runner itself never needs.
  const { storedRuns } = require("../../experiments/tt-fc") as typeof TtFc;
  return Object.values(storedRuns(file)).flatMap((r) => {
    const common = { label: r.label, epochs: r.epochs.length, train: r.train, test: r.test, started: r.started, finished: r.finished, backend: r.backend, source };
    return [
      { ...common, id: `${r.id}.acc`, value: r.bestAcc, note: `best of ${r.epochs.length} epochs (last ${r.lastAcc} %)` },
      { ...common, id: `${r.id}.loss`, value: Number(r.lossAtBest.toFixed(2)), note: "at the best epoch" },
    ];
  });
}

export async function run(args: string[]): Promise<number> {
  let profile = "quick";
  let only: string | undefined;
  let timeoutSec = 0;
  let outDir = "results";
  let notebooksDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--profile") profile = args[++i] ?? "";
    else if (a === "--only") only = args[++i];
    else if (a === "--timeout") timeoutSec = Number(args[++i]);
    else if (a === "--out-dir") outDir = args[++i] ?? "results";
    else if (a === "--notebooks") notebooksDir = args[++i];
    else {
      console.error(`tnlab reproduce: unknown option ${a}; expected --profile, --only, --timeout, --out-dir or --notebooks`);
      return 2;
    }
  }
  if (!(PROFILES as readonly string[]).includes(profile)) {
    console.error(`tnlab reproduce: --profile ${profile}: expected one of ${PROFILES.join(", ")}`);
    return 2;
  }
  const root = packageRoot();
  const nbDir = notebooksDir ? resolve(notebooksDir) : join(root, "notebooks");
  const all = reproductionNotebooks(nbDir);
  const chosen = only ? all.filter((n) => n.paper === only || basename(n.file, ".ipynb") === only) : all;
  if (chosen.length === 0) {
    console.error(
      `tnlab reproduce: ${only ? `--only ${only}: no reproduction notebook for it` : "no reproduction notebooks"}; available: ${all.map((n) => n.paper).join(", ") || "none"}`,
    );
    return 2;
  }
  const results = resolve(outDir);
  const notebooks: { notebook: string; paper: string; ok: boolean; seconds: number; error?: string }[] = [];
  for (const [i, n] of chosen.entries()) {
    console.error(`tnlab reproduce: [${i + 1}/${chosen.length}] ${n.paper}: ${basename(n.file)} (profile ${profile})`);
    const r = await executeNotebook(n.file, {
      profile,
      out: join(results, basename(n.file)),
      timeoutSec,
      env: { TNLAB_RESULTS_DIR: results },
    });
    notebooks.push({ notebook: basename(n.file), paper: n.paper, ok: r.ok, seconds: r.seconds, error: r.error });
    if (!r.ok) console.error(`tnlab reproduce: ${n.paper}: ${r.error}`);
  }
  let records: RunRecord[] = [];
  for (const p of new Set(chosen.map((n) => n.paper))) records = mergeRecords(records, loadRecordFile(join(results, `${p}.json`)));
  const stored = storedRunRows(nbDir, [...new Set(chosen.map((n) => n.paper))]);
  const rep = report(records, results, { profile, notebooks, stored });
  const failed = notebooks.filter((n) => !n.ok).length;
  console.error(`tnlab reproduce: ${notebooks.length - failed}/${notebooks.length} notebooks ok, ${rep.rows.length} numbers; wrote ${rep.markdown} and ${rep.json}`);
  return failed === 0 ? 0 : 1;
}
