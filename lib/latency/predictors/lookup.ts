// (c) The lookup table (thesis §3.3.1, Table 14): a network's latency as the sum of the latencies
// of its blocks, each measured alone (measureBlocks), plus one constant fitted on the training
// cells: the median of (measured − sum). The constant absorbs what summing gets wrong everywhere
// alike: the per-call overhead that every block's own measurement paid once and the whole
// network pays once too.
import { fail } from "../../errors";
import type { BlockKey } from "../blocks";
import { checkTrain, notFitted, type LatencyPredictor, type LatencySample } from "./types";

/** What the table reads of a sample: its blocks (and, to fit, its measured latency). Cells and factorized networks (layer-table.ts) alike. */
export type BlockSample = Pick<LatencySample, "blocks" | "latencyMs">;

export class LookupTable implements LatencyPredictor {
  readonly name: string = "lookup table";
  overheadMs?: number;
  constructor(readonly table: Readonly<Record<BlockKey, number>>) {}
  /** Σ of the table's latencies over the sample's blocks. */
  blockSum(s: Pick<LatencySample, "blocks">): number {
    return s.blocks.reduce((a, k) => {
      const v = this.table[k];
      if (v === undefined) fail("block", k, `a block of the lookup table (measure it with measureBlocks first)`);
      return a + v;
    }, 0);
  }
  async fit(train: readonly BlockSample[]): Promise<void> {
    checkTrain(this.name, train, 1);
    const d = train.map((s) => s.latencyMs - this.blockSum(s)).sort((a, b) => a - b);
    const m = d.length >> 1;
    this.overheadMs = d.length % 2 ? d[m] : (d[m - 1] + d[m]) / 2;
  }
  predict(samples: readonly Pick<LatencySample, "blocks">[]): number[] {
    const c = this.overheadMs ?? notFitted(this.name);
    return samples.map((s) => this.blockSum(s) + c);
  }
  dispose(): void {}
}
