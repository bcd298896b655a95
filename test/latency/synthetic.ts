// Synthetic latency datasets with a known law, for the predictor tests: generated cells with
// their analytic counts, a made-up peak memory and latencies from a formula (plus seeded noise).
import { cellBlocks } from "../../lib/latency/blocks";
import { generateCells } from "../../lib/latency/cells";
import { analyticCounts } from "../../lib/latency/features";
import type { LatencySample } from "../../lib/latency/predictors";
import { rng } from "../../lib/random";

/** `n` distinct cells as samples; latency = law(sample) × (1 + noise·N(0,1)). */
export function synthetic(n: number, law: (s: LatencySample) => number, o: { seed?: number; noise?: number } = {}): LatencySample[] {
  const r = rng(1000 + (o.seed ?? 0));
  return generateCells(n, { seed: o.seed ?? 0 }).map((c) => {
    const { macs, params } = analyticCounts(c);
    const s: LatencySample = { ...c, macs, params, peakBytes: 4 * 32 * 32 * c.channels * (c.nodes.length - 1), blocks: cellBlocks(c), latencyMs: 0 };
    s.latencyMs = law(s) * (1 + (o.noise ?? 0) * r.normal());
    return s;
  });
}

export const count = (s: LatencySample, op: string): number => s.nodes.filter((k) => k === op).length;
