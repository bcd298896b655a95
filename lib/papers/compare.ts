// Puts each reproduced value beside the paper's: difference, relative difference, and whether
// it falls in the card's tolerance; markdown and JSON reports.
import { join } from "node:path";
import { writeFileAtomic } from "./atomic";
import { papers, paperOf, target } from "./registry";
import type { RunRecord } from "./record";
import type { Unit } from "./types";

export interface ComparisonRow {
  id: string;
  paper: string;
  meaning: string;
  unit: Unit | "";
  paperValue: number | null;
  value: number;
  /** value − paperValue (percentage points for accuracies). */
  diff: number | null;
  /** diff / |paperValue|. */
  relDiff: number | null;
  withinTolerance: boolean | null;
  uncertain?: string;
  derived?: boolean;
  profile: string;
  backend: string;
  note?: string;
}

export function compare(records: RunRecord[]): ComparisonRow[] {
  return records.map((r) => {
    const t = target(r.id);
    const diff = t ? r.value - t.value : null;
    return {
      id: r.id,
      paper: t?.paper ?? paperOf(r.id) ?? "extra",
      meaning: t?.meaning ?? "(not a paper target)",
      unit: t?.unit ?? "",
      paperValue: t ? t.value : null,
      value: r.value,
      diff,
      relDiff: t && diff !== null && t.value !== 0 ? diff / Math.abs(t.value) : null,
      withinTolerance: t?.tolerance ? r.value >= t.tolerance[0] && r.value <= t.tolerance[1] : null,
      uncertain: t?.uncertain,
      derived: t?.derived,
      profile: r.profile ?? "unknown",
      backend: r.backend ?? "unknown",
      note: r.note,
    };
  });
}

function fmt(x: number | null, unit: Unit | ""): string {
  if (x === null) return "–";
  if (Number.isInteger(x) && Math.abs(x) >= 1000) return x.toLocaleString("en-US");
  const s = Math.abs(x) >= 100 || Number.isInteger(x) ? String(Number(x.toFixed(2))) : String(Number(x.toPrecision(4)));
  return unit === "%" ? s : s;
}

function cellText(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export interface ReportMeta {
  profile?: string;
  generated?: string;
  notebooks?: { notebook: string; paper?: string; ok: boolean; seconds: number; error?: string }[];
}

export function reportMarkdown(rows: ComparisonRow[], meta: ReportMeta = {}): string {
  const out: string[] = ["# tnlab reproduction report", ""];
  out.push(`Generated ${meta.generated ?? new Date().toISOString()}${meta.profile ? `, profile \`${meta.profile}\`` : ""}.`);
  out.push("Differences are reproduced − paper (percentage points for accuracies). `*` = OCR-uncertain in the paper, `d` = derived by the card.", "");
  if (meta.notebooks && meta.notebooks.length) {
    out.push("## Notebooks", "", "| notebook | paper | status | seconds |", "|---|---|---|---|");
    for (const n of meta.notebooks) out.push(`| ${cellText(n.notebook)} | ${n.paper ?? ""} | ${n.ok ? "ok" : `failed: ${cellText(n.error ?? "")}`} | ${n.seconds.toFixed(1)} |`);
    out.push("");
  }
  for (const p of [...papers.map((x) => x.id as string), "extra"]) {
    const rs = rows.filter((r) => r.paper === p);
    if (rs.length === 0) continue;
    const info = papers.find((x) => x.id === p);
    out.push(`## ${info ? `${info.title} (\`${p}\`)` : "Other measurements"}`, "");
    out.push("| id | meaning | unit | paper | reproduced | diff | rel. diff | profile | backend | note |", "|---|---|---|---:|---:|---:|---:|---|---|---|");
    for (const r of rs) {
      const mark = (r.uncertain ? " *" : "") + (r.derived ? " d" : "");
      const rel = r.relDiff === null ? "–" : `${(r.relDiff * 100).toFixed(1)} %`;
      const diff = r.diff === null ? "–" : (r.diff > 0 ? "+" : "") + fmt(r.diff, r.unit);
      const tol = r.withinTolerance === null ? "" : r.withinTolerance ? " (in tolerance)" : " (outside tolerance)";
      out.push(
        `| \`${r.id}\`${mark} | ${cellText(r.meaning)} | ${r.unit} | ${fmt(r.paperValue, r.unit)} | ${fmt(r.value, r.unit)} | ${diff}${tol} | ${rel} | ${r.profile} | ${r.backend} | ${cellText(r.note ?? "")} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

export function reportJson(rows: ComparisonRow[], meta: ReportMeta = {}): string {
  return JSON.stringify({ generated: meta.generated ?? new Date().toISOString(), profile: meta.profile, notebooks: meta.notebooks ?? [], rows }, null, 2) + "\n";
}

/** Compares `records` and writes <dir>/report.md and <dir>/report.json (atomically). */
export function report(records: RunRecord[], dir: string, meta: ReportMeta = {}): { markdown: string; json: string; rows: ComparisonRow[] } {
  const rows = compare(records);
  const m = { ...meta, generated: meta.generated ?? new Date().toISOString() };
  const markdown = join(dir, "report.md");
  const json = join(dir, "report.json");
  writeFileAtomic(markdown, reportMarkdown(rows, m));
  writeFileAtomic(json, reportJson(rows, m));
  return { markdown, json, rows };
}
