// How fit shows a run: a progress line and a live chart, drawn through hooks that the caller
// passes (`fit(..., { display })`) or that lib/display registers as the default when it loads
// (as tfjs-node registers its progress bar with tfjs-layers), so lib/train needs no display code.
// With lib/display loaded, a run in a notebook is one bar updated in place; without it (lib/train
// on its own, as in its tests) a run writes a plain line per epoch on stderr (none with TN_QUIET).
import type { BatchInfo, Callback, FitState } from "./callbacks";
import type { EpochRecord, History } from "./history";

/** A progress line for one run (lib/display's ProgressBar fits). */
export interface RunProgress {
  /** `done` of the bar's total units, with a note (running loss and accuracy). */
  update(done: number, suffix?: string): void;
  /** A line that stays (one per epoch). */
  log(line: string): void;
  /** The end of the run, with a summary line. */
  done(message?: string): void;
}

export interface LiveHistoryChart {
  update(history: History): void;
  done(): void;
}

export interface TrainDisplay {
  progress(opts: { label: string; total: number; interruptible?: boolean }): RunProgress;
  liveChart?(title: string): LiveHistoryChart;
}

const plainLines: TrainDisplay = {
  progress: () => {
    const quiet = () => !["", "0", undefined].includes(process.env.TN_QUIET);
    const line = (s?: string) => (s === undefined || quiet() ? undefined : void process.stderr.write(s + "\n"));
    return { update: () => undefined, log: line, done: line };
  },
};

let registered: TrainDisplay | undefined;

/** Sets the display fit uses when the caller passes none (lib/display calls this on load). */
export function setDefaultTrainDisplay(d: TrainDisplay | undefined): void {
  registered = d;
}

export function defaultTrainDisplay(): TrainDisplay {
  return registered ?? plainLines;
}

function pct(v: number | undefined): string {
  return v === undefined ? "-" : `${(100 * v).toFixed(2)}%`;
}

function seconds(s: number): string {
  return s < 120 ? `${s.toFixed(1)}s` : `${(s / 60).toFixed(1)} min`;
}

/** The line an epoch leaves: rate, train loss and accuracy, validation and test accuracy, time. */
export function epochLine(rec: EpochRecord, h: History): string {
  return (
    `epoch ${rec.epoch}/${h.planned} lr ${rec.lr.toPrecision(3)} loss ${rec.trainLoss.toFixed(4)} acc ${pct(rec.trainAcc)}` +
    (rec.valAcc !== undefined ? ` val ${pct(rec.valAcc)}` : "") +
    (rec.testAcc !== undefined ? ` test ${pct(rec.testAcc)}` : "") +
    ` (${seconds(rec.seconds)})${h.stoppedEarly && rec.epoch === h.epochs.length ? " early stop" : ""}`
  );
}

function summary(name: string, h: History): string {
  const sel = h.epochs.find((e) => e.epoch === h.bestEpoch);
  const what = h.selection === "validation" ? `val ${pct(sel?.valAcc)}, test ${pct(sel?.testAcc)}` : `test ${pct(sel?.testAcc)}`;
  const stop = h.stoppedEarly ? ", stopped early" : "";
  return `${name}: ${h.epochs.length}/${h.planned} epochs in ${seconds(h.seconds)}${stop}; epoch ${h.bestEpoch} (${h.selection}): ${sel ? what : "-"}`;
}

/** One progress bar for the whole run: batches across epochs, a line per epoch, a summary at the end. */
export function progressCallback(display: TrainDisplay): Callback {
  let bar: RunProgress | undefined;
  let perEpoch = 0;
  return {
    onEpochBegin(e, s) {
      perEpoch = e.batches;
      bar ??= display.progress({ label: s.model.name, total: e.epochs * e.batches, interruptible: true });
    },
    onBatchEnd(b: BatchInfo) {
      bar?.update((b.epoch - 1) * perEpoch + b.batch, `epoch ${b.epoch}: loss ${b.loss.toFixed(4)} acc ${pct(b.acc)}`);
    },
    onEpochEnd(rec, s: FitState) {
      bar?.log(epochLine(rec, s.history));
    },
    onTrainEnd(s) {
      bar?.done(summary(s.model.name, s.history));
    },
  };
}

/** Redraws a live chart of the history after every epoch. */
export function liveChartCallback(display: TrainDisplay): Callback {
  let chart: LiveHistoryChart | undefined;
  return {
    onTrainBegin(s) {
      chart = display.liveChart?.(s.model.name);
    },
    onEpochEnd(_rec, s) {
      chart?.update(s.history);
    },
    onTrainEnd() {
      chart?.done();
    },
  };
}
