// The paper-profile runs of `tnlab train resnet18` (Pure, CPD, TKD), read from the run store and
// set beside the card's numbers for 41-resnet18-paper. A finished run gives its numbers and gaps;
// an unfinished one is shown in progress with its curve so far and the time left at its pace,
// never as a result.
import { RESNET18_DECOMPOSED, resnet18Cifar } from "../models/resnet18";
import { target } from "../papers";
import type { RunInProgress, StoredTraining } from "../papers/run-store";
import type { EpochRecord } from "../train/history";
import type { Profile } from "./profile";
import { PURE_ID, store, type Decomposed, type PureRun } from "./resnet18-cp-tucker";
import { longRunRows } from "./long-run-views";
import { kernelDrift, testAccs } from "./shared";

export const PAPER_IDS = ["r18.pure", "r18.cpd", "r18.tkd", "r18.tkd.notebook"] as const;
export type PaperId = (typeof PAPER_IDS)[number];
type Decomposition = Exclude<PaperId, "r18.pure">;
const DECOMPOSITIONS: readonly Decomposition[] = ["r18.cpd", "r18.tkd", "r18.tkd.notebook"];
const MODEL: Record<PaperId, string> = { "r18.pure": "Pure", "r18.cpd": "CPD", "r18.tkd": "TKD", "r18.tkd.notebook": "TKD at the notebook's ranks" };
/** The card's column a run is compared with: TKD at the notebook's ranks with the card's TKD, whose numbers were measured at those ranks (§3.3). */
const COLUMN: Record<PaperId, "pure" | "cpd" | "tkd"> = { "r18.pure": "pure", "r18.cpd": "cpd", "r18.tkd": "tkd", "r18.tkd.notebook": "tkd" };

export interface PaperRuns {
  profile: Profile;
  /** The run store's root (undefined: the default) and its folder for this profile. */
  root?: string;
  folder: string;
  pure?: StoredTraining<Omit<PureRun, "model">>;
  cpd?: StoredTraining<Decomposed>;
  tkd?: StoredTraining<Decomposed>;
  /** TKD at the authors' notebook ranks (card §3.3). */
  tkdNotebook?: StoredTraining<Decomposed>;
  /** Runs with checkpointed epochs and no record (for CPD / TKD: corrected-mode epochs). */
  inProgress: Partial<Record<PaperId, RunInProgress>>;
}

/** What the `resnet18` run store holds at `profile` (default: TNLAB_RUNS_DIR, else the committed notebooks/results/runs). */
export function paperRuns(profile: Profile = "paper", root?: string): PaperRuns {
  const s = store(profile, "", root);
  const going = Object.fromEntries(s.inProgress().filter((g) => (PAPER_IDS as readonly string[]).includes(g.id)).map((g) => [g.id, g]));
  const rec = (id: PaperId) => s.record(id);
  return {
    profile,
    root,
    folder: s.dir,
    pure: rec("r18.pure") as PaperRuns["pure"],
    cpd: rec("r18.cpd") as PaperRuns["cpd"],
    tkd: rec("r18.tkd") as PaperRuns["tkd"],
    tkdNotebook: rec("r18.tkd.notebook") as PaperRuns["tkdNotebook"],
    inProgress: going,
  };
}

function recordOf(p: PaperRuns, id: PaperId): StoredTraining<object> | undefined {
  return id === "r18.pure" ? p.pure : decompositionOf(p, id);
}

function decompositionOf(p: PaperRuns, id: Decomposition): StoredTraining<Decomposed> | undefined {
  return id === "r18.cpd" ? p.cpd : id === "r18.tkd" ? p.tkd : p.tkdNotebook;
}

const hours = (s: number) => (s / 3600).toFixed(2);

/** One row per run: finished, in progress (epochs so far, hours left at its pace) or not started, with engines, dates and training hours. */
export function statusRows(p: PaperRuns): Record<string, string>[] {
  const rows = new Map(longRunRows("resnet18", p.profile, p.root).map((r) => [r.id, r]));
  return PAPER_IDS.map((id) => {
    const r = rows.get(id)!;
    const day = (iso: string | null) => iso?.slice(0, 16) ?? "";
    const row = (status: string, finished: string, trainingHours: string, hoursLeft: string) => ({
      run: MODEL[id], status, epochs: r.epochs, engines: r.engines, started: day(r.started), finished, "training hours": trainingHours, "hours left": hoursLeft,
    });
    if (r.status === "finished") return row("finished", day(r.updated), r.trainingHours === null ? "not recorded" : hours(3600 * r.trainingHours), "0");
    if (r.status === "in progress") {
      const what =
        id === "r18.pure" ? "" : r.epochs.startsWith("0/") ? " (decomposition and faithful mode, before its first corrected-mode epoch)" : " (corrected-mode epochs; the decomposition and faithful mode are made again on resume)";
      return row(`in progress${what}`, `newest epoch ${day(r.updated)}`, hours(3600 * (r.trainingHours ?? 0)), r.hoursLeft === null ? "?" : r.hoursLeft.toFixed(1));
    }
    return row("not started", "", "", "");
  });
}

export interface ComparisonRow {
  id: string;
  quantity: string;
  paper: number | null;
  ours: number | null;
  /** ours − paper (null when either is missing). */
  gap: number | null;
  note: string;
}

const lastAcc = (es: readonly { testAcc?: number }[]) => (es.length ? 100 * (es[es.length - 1].testAcc ?? NaN) : null);

/**
 * The card's table 5.1 beside the stored runs: size, accuracy right after the first epoch or the
 * decomposition (r18.acc), after fine-tuning in the card's faithful mode (r18.finetune), and the
 * corrected mode as an extra row without a paper number. A run not finished gives no numbers.
 */
export function comparisonRows(p: PaperRuns): ComparisonRow[] {
  const out: ComparisonRow[] = [];
  const row = (id: string, quantity: string, ours: number | null, note: string, paperId: string | null = id) => {
    const paper = paperId ? (target(paperId)?.value ?? null) : null;
    out.push({ id, quantity, paper, ours, gap: paper === null || ours === null || !Number.isFinite(ours) ? null : ours - paper, note });
  };
  for (const id of PAPER_IDS) {
    const c = COLUMN[id];
    // A run compared with another run's card column keeps ids of its own: "r18.acc.tkd.notebook" beside "r18.acc.tkd"'s number.
    const own = (t: string) => (id === "r18.tkd.notebook" ? `${t}.notebook` : t);
    const rec = recordOf(p, id);
    const g = p.inProgress[id];
    const missing = g ? `in progress, ${g.epochsDone}/${g.planned} epochs: not a result` : "not run";
    const counts = (rec?.run as { counts?: { params: number; macs: number } } | undefined)?.counts;
    const sizeNote = id === "r18.tkd.notebook" ? "; the card's count is the slides' run (ranks unpublished), the notebook run's is 6.33 M (§3.3)" : "";
    row(own(`r18.params.${c}`), `${MODEL[id]} parameters (M)`, counts ? counts.params / 1e6 : null, counts ? `built model${sizeNote}` : missing, `r18.params.${c}`);
    row(own(`r18.macs.${c}`), `${MODEL[id]} MACs (M, ptflops convention)`, counts ? counts.macs / 1e6 : null, counts ? `one 3×32×32 image${sizeNote}` : missing, `r18.macs.${c}`);
    if (id === "r18.pure") {
      const es = p.pure?.run.epochs ?? [];
      row("r18.acc.pure", "Pure: test accuracy after epoch 1 (%)", p.pure ? lastAcc(es.slice(0, 1)) : null, p.pure ? "from scratch; the card's is epoch 1 from ImageNet weights" : missing);
      row("r18.finetune.pure", `Pure: test accuracy after epoch ${es.length || 20} (%)`, p.pure ? lastAcc(es) : null, p.pure ? "from scratch; the card's starts from ImageNet weights" : missing);
      continue;
    }
    const d = decompositionOf(p, id)?.run;
    row(own(`r18.acc.${c}`), `${MODEL[id]}: test accuracy right after decomposition (%)`, d ? d.accAfter : null, d ? "before any pass" : missing, `r18.acc.${c}`);
    row(own(`r18.finetune.${c}`), `${MODEL[id]}: after ${d?.faithful.length ?? 5} faithful passes (%)`, d ? d.faithful[d.faithful.length - 1] : null, d ? "the card's mode: BatchNorm statistics only" : missing, `r18.finetune.${c}`);
    row(own(`r18.finetune.${c}`) + ".corrected", `${MODEL[id]}: after ${d?.corrected.length ?? 5} corrected epochs (%)`, d ? lastAcc(d.corrected) : g ? lastAcc(g.epochs) : null, d ? "SGD on the factorized model; no paper number" : g ? `${missing} (newest epoch shown)` : missing, null);
  }
  return out;
}

/** For tn.display.table: the comparison with numbers rounded for reading. */
export function comparisonTable(rows: readonly ComparisonRow[]): Record<string, string>[] {
  const f = (v: number | null, d = 2) => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(d));
  return rows.map((r) => ({ id: r.id, quantity: r.quantity, paper: f(r.paper), ours: f(r.ours), "gap (ours − paper)": r.gap === null ? "–" : `${r.gap > 0 ? "+" : ""}${r.gap.toFixed(2)}`, note: r.note }));
}

/** The card's notebook curve (test accuracy per epoch, %) of "pure", "cpd" or "tkd" (CPD / TKD: the faithful passes). */
export function paperCurve(stage: "pure" | "cpd" | "tkd"): number[] {
  const out: number[] = [];
  for (let e = 1; ; e++) {
    const t = target(`r18.curve.${stage}.e${String(e).padStart(2, "0")}.test_acc`);
    if (!t) return out;
    out.push(t.value);
  }
}

/** For tn.plot.line: Pure's test accuracy per epoch, ours (finished or so far) beside the card's from ImageNet weights; x = epoch. */
export function pureCurves(p: PaperRuns): { series: Record<string, number[]>; x: number[] } {
  const paper = paperCurve("pure");
  const ours = testAccs(p.pure?.run.epochs ?? p.inProgress["r18.pure"]?.epochs ?? []);
  const n = Math.max(paper.length, ours.length);
  const pad = (a: number[]) => [...a, ...Array<number>(n - a.length).fill(NaN)];
  const label = p.pure ? "ours, from scratch" : `ours, from scratch (in progress, ${ours.length} epochs)`;
  return { series: { "card, from ImageNet weights": pad(paper), [label]: pad(ours) }, x: Array.from({ length: n }, (_, i) => i + 1) };
}

/**
 * For tn.plot.line: test accuracy of CPD and TKD after decomposition (x = 0) and after each pass or
 * epoch, in the faithful mode (ours and the card's) and the corrected mode (ours). A run in
 * progress contributes its corrected epochs so far (its decomposition numbers come with the record).
 */
export function recoveryCurves(p: PaperRuns): { series: Record<string, number[]>; x: number[] } {
  const series: Record<string, number[]> = {};
  let n = 5;
  for (const id of DECOMPOSITIONS) {
    const m = MODEL[id];
    const d = decompositionOf(p, id)?.run;
    const card = paperCurve(COLUMN[id]);
    // TKD's card curve is drawn once, under TKD (it was measured at the notebook's ranks).
    if (id !== "r18.tkd.notebook") series[`${m} faithful, card`] = [target(`r18.acc.${COLUMN[id]}`)!.value, ...card];
    if (d) {
      series[`${m} faithful, ours`] = [d.accAfter, ...d.faithful];
      series[`${m} corrected, ours`] = [d.accAfter, ...testAccs(d.corrected)];
    } else if (p.inProgress[id]) {
      series[`${m} corrected, ours (in progress)`] = [NaN, ...testAccs(p.inProgress[id]!.epochs)];
    }
    n = Math.max(n, ...Object.values(series).map((s) => s.length - 1));
  }
  for (const k of Object.keys(series)) series[k] = [...series[k], ...Array<number>(n + 1 - series[k].length).fill(NaN)];
  return { series, x: Array.from({ length: n + 1 }, (_, i) => i) };
}

/**
 * Per decomposed layer (the 8 block conv2): how far Pure's training moved its kernel from its
 * random start (seed 0's initialisation), and the kernel error ‖W − Ŵ‖/‖W‖ and ranks of the stored
 * CPD and TKD. Reads Pure's stored weights; empty when Pure has not finished.
 */
export function kernelRows(p: PaperRuns): Record<string, string>[] {
  if (!p.pure) return [];
  const model = resnet18Cifar({ seed: 0 });
  const init = resnet18Cifar({ seed: 0 });
  try {
    if (!store(p.profile, "", p.root).loadWeights(PURE_ID, model)) return [];
    const drift = kernelDrift(model, init, RESNET18_DECOMPOSED);
    const of = (d: Decomposed | undefined, layer: string) => d?.report.find((r) => r.layer === layer);
    return drift.map(({ layer, drift: x }) => {
      const cpd = of(p.cpd?.run, layer);
      const tkd = of(p.tkd?.run, layer);
      const nb = of(p.tkdNotebook?.run, layer);
      return {
        layer,
        "Pure: ‖W − W_init‖ / ‖W_init‖": x.toFixed(3),
        "CPD rank": cpd ? cpd.ranks.join("/") : "–",
        "CPD kernel error": cpd ? cpd.relError.toFixed(3) : "–",
        "TKD ranks (R_in/R_out)": tkd ? tkd.ranks.join("/") : "–",
        "TKD kernel error": tkd ? tkd.relError.toFixed(3) : "–",
        "TKD at the notebook's ranks: kernel error": nb ? nb.relError.toFixed(3) : "–",
      };
    });
  } finally {
    model.dispose();
    init.dispose();
  }
}
