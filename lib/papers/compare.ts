// Puts each reproduced value beside the paper's: difference, relative difference, and whether
// it falls in the card's tolerance; markdown and JSON reports.
import { join } from "node:path";
import { writeAtomic as writeFileAtomic } from "../atomic-file";
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
  /** "setting": given to the run (a target marked setting, or recorded as one); never a result. */
  kind: "result" | "setting";
  /** How the value equals the paper's by construction, when it does (not an independent check). */
  byConstruction?: string;
  /** The seeds of the runs the value comes from (a mean over several, or one run), when recorded. */
  seeds?: number[];
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
      kind: r.kind === "setting" || t?.setting ? "setting" : "result",
      ...(r.byConstruction ? { byConstruction: r.byConstruction } : {}),
      ...(r.seeds ? { seeds: r.seeds } : {}),
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

/** A long run made outside the report at the paper's settings and committed (by `tnlab train`). */
export interface StoredRun {
  /** The target its number is compared with, e.g. "ttfc.mnist.tt_tt_tt.acc". */
  id: string;
  label: string;
  value: number;
  epochs: number;
  train: number;
  test: number;
  /** ISO times. */
  started: string;
  finished: string;
  /** Training hours summed over its epochs (and seeds); absent when they were not recorded. */
  hours?: number;
  backend: string;
  /** The committed file it comes from (relative to the project). */
  source: string;
  note?: string;
  /** The seeds whose runs `value` is the mean of (one seed: that run). */
  seeds?: number[];
  /** Sample standard deviation over the seeds (null for one seed). */
  spread?: number | null;
}

export interface ReportMeta {
  profile?: string;
  /** Per paper: what the profile trains (one line), printed above its table. */
  budgets?: Record<string, string>;
  generated?: string;
  notebooks?: { notebook: string; paper?: string; ok: boolean; seconds: number; error?: string }[];
  /** Runs at the paper's settings stored in the repository, shown in their own section. */
  stored?: StoredRun[];
  /** Such runs not finished yet: listed under them as in progress, never as results. */
  inProgress?: RunInProgressRow[];
}

/** A long run that has checkpointed some epochs (tnlab train) and not finished. */
export interface RunInProgressRow {
  id: string;
  /** Epochs done / planned. */
  epochs: string;
  /** Test accuracy (%) after the newest epoch. */
  value: number | null;
  hoursLeft: number | null;
  /** When the newest epoch was written (ISO). */
  updated: string;
  /** Which epochs ran on which engine ("1-11 tensorflow, 12-13 wasm+native"; "" when not recorded). */
  engines?: string;
  source: string;
}

function inProgressSection(rows: RunInProgressRow[]): string[] {
  const out = ["### In progress (not results)", "", "| run | epochs | test acc after the newest epoch | hours left at its pace | newest epoch written | engines (epochs) | source |", "|---|---:|---:|---:|---|---|---|"];
  for (const r of rows) {
    out.push(`| \`${r.id}\` | ${r.epochs} | ${r.value === null ? "–" : r.value.toFixed(2)} | ${r.hoursLeft === null ? "?" : r.hoursLeft.toFixed(1)} | ${r.updated} | ${r.engines || "–"} | ${cellText(r.source)} |`);
  }
  out.push("");
  return out;
}

function storedSection(stored: StoredRun[]): string[] {
  const out = [
    "## Stored runs at paper settings",
    "",
    "Long runs made outside this report at the paper's settings and committed with the project; `tnlab reproduce` does not re-run them.",
    "",
    "| id | meaning | paper | stored run | diff | seeds | epochs | train / test images | started | finished | training hours | backend | source |",
    "|---|---|---:|---:|---:|---|---:|---|---|---|---:|---|---|",
  ];
  for (const r of stored) {
    const t = target(r.id);
    const unit = t?.unit ?? "";
    const diff = t ? r.value - t.value : null;
    // A resumed run's finished − started counts the pauses between sessions: its epochs' sum when known.
    const hours = r.hours ?? (Date.parse(r.finished) - Date.parse(r.started)) / 3.6e6;
    const seeds = !r.seeds ? "" : r.seeds.length === 1 ? String(r.seeds[0]) : `${r.seeds.length} (${r.seeds.join(", ")})${r.spread == null ? "" : `, sd ${fmt(r.spread, unit)}`}`;
    out.push(
      `| \`${r.id}\` | ${cellText(t?.meaning ?? r.label)} | ${fmt(t ? t.value : null, unit)} | ${fmt(r.value, unit)}${r.spread == null ? "" : ` ± ${fmt(r.spread, unit)}`} | ${diff === null ? "–" : (diff > 0 ? "+" : "") + fmt(diff, unit)} | ${seeds} | ${r.epochs} | ${r.train.toLocaleString("en-US")} / ${r.test.toLocaleString("en-US")} | ${r.started} | ${r.finished} | ${Number.isFinite(hours) ? hours.toFixed(2) : "?"} | ${cellText(r.backend)} | ${cellText(r.source)}${r.note ? `: ${cellText(r.note)}` : ""} |`,
    );
  }
  out.push("");
  return out;
}

export function reportMarkdown(rows: ComparisonRow[], meta: ReportMeta = {}): string {
  const out: string[] = ["# tnlab reproduction report", ""];
  out.push(`Generated ${meta.generated ?? new Date().toISOString()}${meta.profile ? `, profile \`${meta.profile}\`` : ""}.`);
  out.push(
    "Differences are reproduced − paper (percentage points for accuracies). `*` = OCR-uncertain in the paper, `d` = derived by the card, " +
      "`c` = equal to the paper's by construction (for example ranks searched to reach its ratio): not an independent check. " +
      "Settings a run was given (step counts, factors typed into a notebook) are listed apart, never as results.",
    "",
  );
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
    if (meta.budgets?.[p]) out.push(`Budget (profile \`${meta.profile ?? "?"}\`): ${meta.budgets[p]}. Engines: ${[...new Set(rs.map((r) => r.backend))].join("; ")}.`, "");
    const results = rs.filter((r) => r.kind !== "setting");
    const settings = rs.filter((r) => r.kind === "setting");
    if (results.length) out.push("| id | meaning | unit | paper | reproduced | diff | rel. diff | profile | backend | seeds | note |", "|---|---|---|---:|---:|---:|---:|---|---|---|---|");
    for (const r of results) {
      const mark = (r.uncertain ? " *" : "") + (r.derived ? " d" : "") + (r.byConstruction ? " c" : "");
      const note = [r.byConstruction ? `by construction: ${r.byConstruction}` : "", r.note ?? ""].filter(Boolean).join("; ");
      const rel = r.relDiff === null ? "–" : `${(r.relDiff * 100).toFixed(1)} %`;
      const diff = r.diff === null ? "–" : (r.diff > 0 ? "+" : "") + fmt(r.diff, r.unit);
      const tol = r.withinTolerance === null ? "" : r.withinTolerance ? " (in tolerance)" : " (outside tolerance)";
      out.push(
        `| \`${r.id}\`${mark} | ${cellText(r.meaning)} | ${r.unit} | ${fmt(r.paperValue, r.unit)} | ${fmt(r.value, r.unit)} | ${diff}${tol} | ${rel} | ${r.profile} | ${r.backend} | ${r.seeds?.join(", ") ?? ""} | ${cellText(note)} |`,
      );
    }
    if (results.length) out.push("");
    if (settings.length) {
      out.push("Settings given to the runs (not results):", "", "| id | meaning | paper | used here | profile | note |", "|---|---|---:|---:|---|---|");
      for (const r of settings) out.push(`| \`${r.id}\` | ${cellText(r.meaning)} | ${fmt(r.paperValue, r.unit)} | ${fmt(r.value, r.unit)} | ${r.profile} | ${cellText(r.note ?? "")} |`);
      out.push("");
    }
  }
  if ((meta.stored && meta.stored.length) || (meta.inProgress && meta.inProgress.length)) out.push(...storedSection(meta.stored ?? []));
  if (meta.inProgress && meta.inProgress.length) out.push(...inProgressSection(meta.inProgress));
  return out.join("\n");
}

export function reportJson(rows: ComparisonRow[], meta: ReportMeta = {}): string {
  return JSON.stringify({ generated: meta.generated ?? new Date().toISOString(), profile: meta.profile, notebooks: meta.notebooks ?? [], rows, stored: meta.stored ?? [], inProgress: meta.inProgress ?? [] }, null, 2) + "\n";
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
