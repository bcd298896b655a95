// What the learned predictors see of a cell: a vector of global features (multiply-adds,
// parameters, peak memory, operation counts, graph size and depth) for the boosted trees and the
// GCN's global input, and the analytic counts that lib/flops gives on the built model (checked
// against each other in the tests), so synthetic datasets need no model.
import { INPUT_SHAPE, OPS, edgeCount, inputsOf, type Cell } from "./cells";
import { CLASSES } from "./build";
import type { CellRecord } from "./measure";

/** Multiply-adds and trainable parameters of a cell's network, by hand (lib/flops "plain"). */
export function analyticCounts(cell: Cell): { macs: number; params: number } {
  const [h, w, cin] = INPUT_SHAPE;
  const C = cell.channels;
  let macs = h * w * C * 9 * cin;
  let params = 9 * cin * C + 2 * C;
  for (const op of cell.nodes.slice(1, -1)) {
    const k = op === "conv3x3" ? 9 : op === "conv1x1" ? 1 : 0;
    macs += h * w * C * C * k;
    params += k ? k * C * C + 2 * C : 0;
  }
  const cout = inputsOf(cell, cell.nodes.length - 1).length * C;
  return { macs: macs + cout * CLASSES, params: params + cout * CLASSES + CLASSES };
}

/** Edges on the longest input → output path. */
export function depth(cell: Cell): number {
  const d: number[] = [0];
  for (let j = 1; j < cell.nodes.length; j++) d[j] = Math.max(-Infinity, ...inputsOf(cell, j).map((i) => d[i] + 1));
  return d[cell.nodes.length - 1];
}

export const FEATURE_NAMES = ["MMACs", "kparams", "peak MB", "channels", "nodes", "edges", "depth", ...OPS, "summing nodes", "output fan-in"] as const;

/** The global feature vector, in the order of FEATURE_NAMES. */
export function featureVector(r: Pick<CellRecord, "nodes" | "adjacency" | "channels" | "macs" | "params" | "peakBytes">): number[] {
  const n = r.nodes.length;
  const ops = OPS.map((op) => r.nodes.filter((k) => k === op).length);
  let summing = 0;
  for (let j = 1; j < n - 1; j++) if (inputsOf(r, j).length > 1) summing++;
  return [r.macs / 1e6, r.params / 1e3, r.peakBytes / 1e6, r.channels, n, edgeCount(r), depth(r), ...ops, summing, inputsOf(r, n - 1).length];
}
