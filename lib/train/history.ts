// The per-epoch record of a run, and writing it as JSON and CSV atomically.
import { writeAtomic } from "../atomic-file";

export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  lr: number;
  /** Mean loss and accuracy over the epoch's training batches (augmented, training mode). */
  trainLoss: number;
  trainAcc: number;
  valLoss?: number;
  valAcc?: number;
  testLoss?: number;
  testAcc?: number;
  /** Wall-clock seconds of the epoch (training + evaluation). */
  seconds: number;
  /** The engine it ran on (tn.backend.engineLabel()); absent in histories written before it was recorded. */
  engine?: string;
  /** The machine it ran on (CPU model · cores); absent in histories written before it was recorded. */
  machine?: string;
  /** ISO time the epoch ended; absent in histories written before it was recorded. */
  ended?: string;
  /** Callbacks' own measurements of the epoch (e.g. the averaged weights' test accuracy), by name. */
  metrics?: Record<string, number>;
}

export type Selection = "best-test" | "validation" | "last";

export interface History {
  epochs: EpochRecord[];
  /** How the reported epoch is chosen. */
  selection: Selection;
  /** The selected epoch so far (1-based; 0 before the first). */
  bestEpoch: number;
  /** Its value of the selection metric (test or validation accuracy). */
  bestMetric: number;
  /** Epochs planned. */
  planned: number;
  /** True when early stopping ended the run. */
  stoppedEarly: boolean;
  /** Wall-clock seconds summed over epochs (including epochs before a resume). */
  seconds: number;
}

const COLUMNS: (keyof EpochRecord)[] = ["epoch", "lr", "trainLoss", "trainAcc", "valLoss", "valAcc", "testLoss", "testAcc", "seconds", "engine", "machine", "ended"];

/** A CSV field: quoted when it holds a comma, a quote or a line break (a CPU model may). */
function csvField(v: unknown): string {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function historyCsv(h: History): string {
  // Callbacks' metrics follow the fixed columns, one column per name any epoch has.
  const extra = [...new Set(h.epochs.flatMap((e) => Object.keys(e.metrics ?? {})))];
  const rows = h.epochs.map((e) => [...COLUMNS.map((c) => csvField(e[c])), ...extra.map((k) => csvField(e.metrics?.[k]))].join(","));
  return [[...COLUMNS, ...extra].join(","), ...rows].join("\n") + "\n";
}

export function saveHistory(h: History, jsonFile: string, csvFile: string): void {
  writeAtomic(jsonFile, JSON.stringify(h, null, 2) + "\n");
  writeAtomic(csvFile, historyCsv(h));
}

/** An epoch's engine, and its machine when recorded: "wasm+native on AMD EPYC · 2 cores". */
export function segmentLabel(e: EpochRecord): string {
  const engine = e.engine ?? "unrecorded";
  return e.machine ? `${engine} on ${e.machine}` : engine;
}

/**
 * Which epochs ran on which engine (and machine, where recorded): "1-10 tensorflow, 11-20
 * wasm+native on AMD EPYC · 2 cores"; "" when no epoch records its engine. Epochs without a
 * record show as "unrecorded".
 */
export function engineSegments(epochs: readonly EpochRecord[]): string {
  if (!epochs.some((e) => e.engine)) return "";
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= epochs.length; i++) {
    const label = (k: number) => segmentLabel(epochs[k]);
    if (i < epochs.length && label(i) === label(start)) continue;
    const [a, b] = [epochs[start].epoch, epochs[i - 1].epoch];
    parts.push(`${a === b ? a : `${a}-${b}`} ${label(start)}`);
    start = i;
  }
  return parts.join(", ");
}

/**
 * When a run's training began, from its first epoch (its end less its seconds): a resumed run's
 * first epoch may have run sessions before the process that finishes it. Undefined when the first
 * epoch records no end time.
 */
export function runStart(epochs: readonly EpochRecord[]): Date | undefined {
  const first = epochs[0];
  if (!first?.ended) return undefined;
  const t = Date.parse(first.ended) - 1000 * first.seconds;
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** Wall-clock seconds of training summed over a run's epochs, whichever processes ran them. */
export function trainingSeconds(epochs: readonly EpochRecord[]): number {
  return epochs.reduce((a, e) => a + e.seconds, 0);
}
