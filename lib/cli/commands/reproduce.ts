// `tnlab reproduce [--profile smoke|quick|paper] [--only ID] [--timeout SECONDS] [--out-dir results] [--notebooks DIR]`: runs every
// reproduction notebook (metadata tnlab.paper) headless, then writes results/report.{md,json}
// from the records the notebooks saved with tn.papers.save() into results/<paper>.json.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadRecordFile, mergeRecords, report, type RunRecord } from "../../papers";
import { PAPER_PREFIX, type PaperId } from "../../papers/types";
import type { Profile } from "../../experiments/profile";
import type * as LongRuns from "../../experiments/long-runs";
import { parseChoice, parseCommandArgs, parseSeconds, usageError, type CommandSpec } from "../args";
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

export const USAGE = "usage: tnlab reproduce [--profile smoke|quick|paper] [--only ID] [--timeout SECONDS] [--out-dir results] [--notebooks DIR]";

export const REPRODUCE_ARGS: CommandSpec = {
  options: {
    profile: { type: "string", expected: `one of ${PROFILES.join(", ")}` },
    only: { type: "string", expected: "a paper id or notebook name" },
    timeout: { type: "string", expected: "a number of seconds >= 0 (per cell; 0 = none)" },
    "out-dir": { type: "string", expected: "a folder for the results" },
    notebooks: { type: "string", expected: "a folder of notebooks" },
  },
};

export interface ReproduceArgs {
  profile: string;
  only?: string;
  timeoutSec: number;
  outDir: string;
  notebooksDir?: string;
}

export function parseReproduceArgs(args: string[]): ReproduceArgs {
  const { values } = parseCommandArgs(args, REPRODUCE_ARGS);
  return {
    profile: parseChoice("--profile", values.profile as string | undefined, PROFILES) ?? "quick",
    only: values.only as string | undefined,
    timeoutSec: parseSeconds("--timeout", values.timeout as string | undefined) ?? 0,
    outDir: (values["out-dir"] as string | undefined) ?? "results",
    notebooksDir: values.notebooks as string | undefined,
  };
}

export async function run(args: string[]): Promise<number> {
  let parsed: ReproduceArgs;
  try {
    parsed = parseReproduceArgs(args);
  } catch (err) {
    return usageError("reproduce", err, USAGE);
  }
  const { profile, only, timeoutSec, outDir, notebooksDir } = parsed;
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
  let signalExitCode: number | undefined;
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
    if (r.signal) {
      console.error(`tnlab reproduce: ${r.signal}: stopped; the notebooks not run yet are skipped`);
      signalExitCode = r.signalExitCode;
      break;
    }
  }
  let records: RunRecord[] = [];
  for (const p of new Set(chosen.map((n) => n.paper))) records = mergeRecords(records, loadRecordFile(join(results, `${p}.json`)));
  const chosenPapers = [...new Set(chosen.map((n) => n.paper))];
  // Loaded only here: the experiment modules bring TensorFlow.js, which the runner itself never needs.
  const longRuns = (require("../../experiments/long-runs") as typeof LongRuns).paperRunsForReport(chosenPapers, join(nbDir, "results", "runs"));
  const { budgetLine } = require("../../experiments/budgets") as typeof import("../../experiments/budgets");
  const budgets = Object.fromEntries(chosenPapers.filter((p): p is PaperId => p in PAPER_PREFIX).map((p) => [p, budgetLine(p, profile as Profile)]));
  const rep = report(records, results, { profile, notebooks, stored: longRuns.stored, inProgress: longRuns.inProgress, budgets });
  const failed = notebooks.filter((n) => !n.ok).length;
  console.error(`tnlab reproduce: ${notebooks.length - failed}/${notebooks.length} notebooks ok, ${rep.rows.length} numbers; wrote ${rep.markdown} and ${rep.json}`);
  return signalExitCode ?? (failed === 0 ? 0 : 1);
}
