// Measuring a cell on the active backend (thesis §3.1.2: the dataset of execution times): build it,
// count its multiply-adds and parameters (lib/flops, "plain" convention), measure its peak memory
// and time its inference at batch 1 (warm-up runs, then the median of repeats, each ending with
// a read of the output so asynchronous backends finish). Everything made is disposed: the tensor
// count after a measurement equals the count before.
import * as tf from "@tensorflow/tfjs";
import { cpus, loadavg } from "node:os";
import { info, describe } from "../backend";
import { fail } from "../errors";
import { countModel } from "../flops/count";
import { blockModel, cellBlocks, type BlockKey } from "./blocks";
import { buildCellModel } from "./build";
import { cellHash, INPUT_SHAPE, type Cell } from "./cells";

export interface TimingOptions {
  /** Untimed runs first (kernel selection, caches, lazy allocation). */
  warmup: number;
  /** Timed runs; the median is the latency. */
  repeats: number;
}

export interface Timing {
  /** Median milliseconds of one inference at batch 1. */
  medianMs: number;
  /** Interquartile range of the repeats (ms): how noisy the machine was. */
  iqrMs: number;
}

/** A measured cell: the dataset row (thesis: hash, layers, adjacency, timings, FLOPs, peak memory). */
export interface CellRecord extends Cell {
  hash: string;
  /** Multiply-adds of one inference (lib/flops "plain": convolutions and dense; BN, pooling, adds free). */
  macs: number;
  params: number;
  /**
   * Peak bytes during one inference: the weights plus the largest total of intermediate tensors
   * alive at once, from tf.profile's per-kernel snapshots (what TensorFlow.js allocates; a native
   * backend's own scratch memory is not seen).
   */
  peakBytes: number;
  latencyMs: number;
  iqrMs: number;
  /** The blocks of the lookup table this cell is made of (cellBlocks). */
  blocks: BlockKey[];
}

function checkTiming(o: TimingOptions): void {
  if (!Number.isInteger(o.warmup) || o.warmup < 0) fail("warmup", o.warmup, "a whole number of runs >= 0");
  if (!Number.isInteger(o.repeats) || o.repeats < 1) fail("repeats", o.repeats, "a whole number of timed runs >= 1");
}

function quantile(sorted: number[], q: number): number {
  const p = q * (sorted.length - 1);
  const i = Math.floor(p);
  return i + 1 < sorted.length ? sorted[i] + (p - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** Runs `run` warmup times, then times it `repeats` times: median and interquartile range in ms. */
export function timeRuns(run: () => void, o: TimingOptions): Timing {
  checkTiming(o);
  for (let i = 0; i < o.warmup; i++) run();
  const t: number[] = [];
  for (let i = 0; i < o.repeats; i++) {
    const t0 = performance.now();
    run();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { medianMs: quantile(t, 0.5), iqrMs: quantile(t, 0.75) - quantile(t, 0.25) };
}

function inputsFor(model: tf.LayersModel, seed: number): tf.Tensor[] {
  return model.inputs.map((s, i) => tf.randomNormal([1, ...(s.shape.slice(1) as number[])], 0, 1, "float32", seed + i));
}

function weightBytes(model: tf.LayersModel): number {
  return model.weights.reduce((a, w) => a + 4 * w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
}

/** Latency and peak memory of a model at batch 1 on seeded random inputs (the model is not disposed). */
export async function timeModel(model: tf.LayersModel, o: TimingOptions, seed = 1): Promise<Timing & { peakBytes: number }> {
  const xs = inputsFor(model, seed);
  try {
    const arg = xs.length === 1 ? xs[0] : xs;
    const run = () => tf.tidy(() => void (model.predict(arg) as tf.Tensor).dataSync());
    const timing = timeRuns(run, o);
    const before = tf.memory().numBytes;
    const prof = await tf.profile(() => {
      run();
      return [];
    });
    const peak = Math.max(before, prof.peakBytes) - before;
    return { ...timing, peakBytes: peak + weightBytes(model) };
  } finally {
    tf.dispose(xs);
  }
}

/** Builds, counts, times and disposes one cell's network. */
export async function measureCell(cell: Cell, o: TimingOptions): Promise<CellRecord> {
  checkTiming(o);
  const model = buildCellModel(cell);
  try {
    const counts = countModel(model, [...INPUT_SHAPE], "plain").total;
    const t = await timeModel(model, o);
    return { ...cell, hash: cellHash(cell), macs: counts.macs, params: counts.params, peakBytes: t.peakBytes, latencyMs: t.medianMs, iqrMs: t.iqrMs, blocks: cellBlocks(cell) };
  } finally {
    model.dispose();
  }
}

/**
 * Median latency (ms) of every distinct block in `keys`, each built and timed alone; keys already
 * in `table` are not measured again (the table is the cache and is returned, filled).
 */
export async function measureBlocks(keys: Iterable<BlockKey>, o: TimingOptions, table: Record<BlockKey, number> = {}): Promise<Record<BlockKey, number>> {
  for (const key of new Set(keys)) {
    if (key in table) continue;
    const model = blockModel(key);
    try {
      table[key] = (await timeModel(model, o)).medianMs;
    } finally {
      model.dispose();
    }
  }
  return table;
}

/** What produced a set of timings: the engine and its threads, the machine, the date and its load. */
export interface MeasureEnvironment {
  /** tn.backend.describe of the backend that ran. */
  engine: string;
  backend: string;
  threads: number;
  /** os.cpus()[0].model and the number of CPUs. */
  machine: string;
  date: string;
  /** os.loadavg() (1, 5, 15 minutes) when asked: other jobs on the machine make timings noisy. */
  load: number[];
}

export async function environment(): Promise<MeasureEnvironment> {
  const i = await info();
  const c = cpus();
  return {
    engine: describe(i),
    backend: i.backend,
    threads: i.threads,
    machine: `${c[0]?.model.trim() ?? "unknown CPU"} · ${c.length} CPUs`,
    date: new Date().toISOString(),
    load: loadavg().map((v) => Number(v.toFixed(2))),
  };
}
