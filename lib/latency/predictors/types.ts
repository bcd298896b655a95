// The one interface every latency predictor has (thesis §3.3): fit on measured cells, predict
// milliseconds for others. fit is async because the GCN trains on the TensorFlow.js backend.
import type { CellRecord } from "../measure";

/** What a predictor may read of a measured cell (a CellRecord has all of it). */
export type LatencySample = Pick<CellRecord, "nodes" | "adjacency" | "channels" | "macs" | "params" | "peakBytes" | "blocks" | "latencyMs">;

export interface LatencyPredictor {
  /** Its label in tables and plots. */
  readonly name: string;
  fit(train: readonly LatencySample[]): Promise<void>;
  /** Predicted latency (ms) per sample; throws before fit. */
  predict(samples: readonly LatencySample[]): number[];
  /** Frees what it holds on the backend (the GCN's weights); a no-op for the others. */
  dispose(): void;
}

/** The error for predict before fit, naming the predictor. */
export function notFitted(name: string): never {
  throw new Error(`${name}: predict called before fit (fit it on measured cells first)`);
}

/** Checks a training set: enough samples, finite positive latencies. */
export function checkTrain(name: string, train: readonly Pick<LatencySample, "latencyMs">[], min: number): void {
  if (train.length < min) throw new Error(`${name}: train has ${train.length} samples: expected at least ${min}`);
  train.forEach((s, i) => {
    if (!(s.latencyMs > 0 && Number.isFinite(s.latencyMs))) throw new Error(`${name}: train[${i}].latencyMs = ${s.latencyMs}: expected a finite positive number of milliseconds`);
  });
}
