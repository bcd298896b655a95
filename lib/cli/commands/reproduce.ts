// `tnlab reproduce [--profile smoke|quick|paper] [--only ID] [--timeout SECONDS] [--out-dir results] [--notebooks DIR]`: runs every
// reproduction notebook (metadata tnlab.paper) headless, then writes results/report.{md,json}
// from the records the notebooks saved with tn.papers.save() into results/<paper>.json.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadRecordFile, mergeRecords, report, type RunRecord } from "../../papers";
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
  const all = reproductionNotebooks(notebooksDir ? resolve(notebooksDir) : join(root, "notebooks"));
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
  const rep = report(records, results, { profile, notebooks });
  const failed = notebooks.filter((n) => !n.ok).length;
  console.error(`tnlab reproduce: ${notebooks.length - failed}/${notebooks.length} notebooks ok, ${rep.rows.length} numbers; wrote ${rep.markdown} and ${rep.json}`);
  return signalExitCode ?? (failed === 0 ? 0 : 1);
}
