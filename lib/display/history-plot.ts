// The traces of tn.plot.history: per-epoch curves of several training runs from their epoch
// records (a fit result, a History, a run object with `epochs`, or the records themselves).
// Names come from the keys of a {name: run} object, or from a run's label / name / id / model.

/** The per-epoch fields a curve can show (lib/train's EpochRecord). */
export type HistoryMetric = "testAcc" | "trainAcc" | "valAcc" | "testLoss" | "trainLoss" | "valLoss" | "lr";

type Rec = { epoch?: number } & Partial<Record<HistoryMetric, number>>;
/** A run: its epoch records, or an object holding them (`epochs`, or `history.epochs`). */
export type HistoryRun = readonly Rec[] | ({ epochs: readonly Rec[] } & Names) | ({ history: { epochs: readonly Rec[] } } & Names);
/** Fields a run may be named by (the first string among them). */
type Names = { label?: unknown; name?: unknown; id?: unknown; model?: unknown };

export interface HistoryOptions<R extends HistoryRun = HistoryRun> {
  /** Fields to draw (default ["testAcc"]); several give a trace per run and field. */
  metrics?: HistoryMetric[];
  /** Accuracies in percent (default true). */
  percent?: boolean;
  /** Multiplies losses (e.g. 100 for "100 × cross-entropy"; default 1). */
  lossScale?: number;
  /** A run's name, when neither keys nor label/name/id/model give the one you want. */
  name?: (run: R, index: number) => string;
}

const METRICS: HistoryMetric[] = ["testAcc", "trainAcc", "valAcc", "testLoss", "trainLoss", "valLoss", "lr"];
const SPLIT: Record<HistoryMetric, string> = { testAcc: "test", trainAcc: "train", valAcc: "val", testLoss: "test", trainLoss: "train", valLoss: "val", lr: "lr" };

function recordsOf(run: HistoryRun, where: string): readonly Rec[] {
  const recs = Array.isArray(run) ? run : (run as { epochs?: unknown }).epochs ?? (run as { history?: { epochs?: unknown } }).history?.epochs;
  if (!Array.isArray(recs)) throw new TypeError(`plot.history: ${where} = ${JSON.stringify(run)?.slice(0, 80)}: expected epoch records, or an object with epochs or history.epochs`);
  return recs as readonly Rec[];
}

function nameOf<R extends HistoryRun>(run: R, i: number, o: HistoryOptions<R>): string {
  if (o.name) return o.name(run, i);
  const r = run as Record<string, unknown>;
  const n = [r.label, r.name, r.id, r.model].find((v) => typeof v === "string");
  return typeof n === "string" ? n : `run ${i + 1}`;
}

const isAcc = (m: HistoryMetric) => m.endsWith("Acc");
const isLoss = (m: HistoryMetric) => m.endsWith("Loss");

/** The y label the chosen metrics share ("test accuracy (%)", "loss", ...), or "". */
export function historyYLabel(metrics: HistoryMetric[], o: { percent?: boolean; lossScale?: number }): string {
  const pct = o.percent !== false ? " (%)" : "";
  if (metrics.every(isAcc)) return metrics.length === 1 ? `${SPLIT[metrics[0]]} accuracy${pct}` : `accuracy${pct}`;
  if (metrics.every(isLoss)) return o.lossScale && o.lossScale !== 1 ? `loss (${o.lossScale} × cross-entropy)` : "loss";
  return metrics.length === 1 ? metrics[0] : "";
}

/** One line trace per run (and per metric when several), x = epoch numbers. */
export function historyTraces<R extends HistoryRun>(runs: readonly R[] | Record<string, R>, o: HistoryOptions<R> = {}): Record<string, unknown>[] {
  const metrics = o.metrics ?? ["testAcc"];
  if (!Array.isArray(metrics) || metrics.length === 0 || !metrics.every((m) => METRICS.includes(m))) {
    throw new TypeError(`plot.history: metrics = ${JSON.stringify(metrics)}: expected a non-empty list of ${METRICS.join(", ")}`);
  }
  if (runs === null || typeof runs !== "object") throw new TypeError(`plot.history: runs = ${String(runs)}: expected an array of runs or an object {name: run}`);
  const named: [string, HistoryRun][] = Array.isArray(runs)
    ? (runs as readonly R[]).map((r, i) => [nameOf(r, i, o), r])
    : Object.entries(runs as Record<string, R>);
  const sameKind = metrics.every(isAcc) || metrics.every(isLoss);
  const scale = (m: HistoryMetric) => (isAcc(m) ? (o.percent !== false ? 100 : 1) : isLoss(m) ? o.lossScale ?? 1 : 1);
  return named.flatMap(([name, run]) => {
    const recs = recordsOf(run, `runs[${JSON.stringify(name)}]`);
    return metrics.map((m) => ({
      type: "scatter",
      mode: "lines+markers",
      name: metrics.length === 1 ? name : `${name} ${sameKind ? SPLIT[m] : m}`,
      x: recs.map((e, i) => e.epoch ?? i + 1),
      y: recs.map((e) => (typeof e[m] === "number" ? (e[m] as number) * scale(m) : NaN)),
    }));
  });
}
