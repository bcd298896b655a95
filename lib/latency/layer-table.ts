// Latency of a factorized network as LETI's lookup table predicts a cell's (thesis §3.3.1): the
// sum of its layers' latencies, each layer variant measured alone (factorized.ts), plus one
// constant fitted on measured networks — here the time of everything the table does not hold
// (pooling, batch norm, the untouched layers, the per-call overhead). Optionally each variant's
// measured time is replaced by a least-squares line in its multiply-adds, fitted per geometry and
// method over the measured ranks: one noisy measurement then moves its neighbours' values less
// than it moves its own, and a latency that grows with the rank stays growing.
import { fail } from "../errors";
import { measureVariants, variantKey, geometryKey, type LayerVariant, type VariantKey, type VariantTiming } from "./factorized";
import type { TimingOptions } from "./measure";
import { LookupTable } from "./predictors/lookup";
import { leastSquares } from "./predictors/ransac";

export interface LayerTableOptions {
  /** Replace measured times by the per-(geometry, method) line in multiply-adds (default false). */
  smooth?: boolean;
  /** How variants missing from the table are measured (by `ensure`). */
  timing: TimingOptions;
}

/** A measured network: the variants of its table layers and its measured latency (ms, batch 1). */
export interface MeasuredNetwork {
  variants: readonly LayerVariant[];
  latencyMs: number;
}

export class LayerLatencyTable {
  /** The measurements, by variant key (filled by `ensure`). */
  readonly measured: Record<VariantKey, VariantTiming>;
  readonly smooth: boolean;
  readonly timing: TimingOptions;
  private lines?: Map<string, { slope: number; intercept: number }>;
  private lookup?: LookupTable;

  constructor(o: LayerTableOptions, measured: Record<VariantKey, VariantTiming> = {}) {
    this.measured = measured;
    this.smooth = o.smooth === true;
    this.timing = o.timing;
  }

  /** Measures the variants the table lacks (each once). */
  async ensure(variants: Iterable<LayerVariant>): Promise<void> {
    const before = Object.keys(this.measured).length;
    await measureVariants(variants, this.timing, this.measured);
    if (Object.keys(this.measured).length !== before) this.lines = undefined;
  }

  private group(v: LayerVariant): string {
    return `${v.method}@${geometryKey(v.geometry)}`;
  }

  /** The per-(method, geometry) lines through (MACs, ms), kept only where they rise with MACs and ≥ 3 ranks were measured. */
  private fitLines(): Map<string, { slope: number; intercept: number }> {
    const pts = new Map<string, { x: number[]; y: number[] }>();
    for (const [k, t] of Object.entries(this.measured)) {
      const g = k.replace(/\[[^\]]*\]/, "");
      const p = pts.get(g) ?? { x: [], y: [] };
      p.x.push(t.macs);
      p.y.push(t.ms);
      pts.set(g, p);
    }
    const lines = new Map<string, { slope: number; intercept: number }>();
    for (const [g, p] of pts) {
      if (p.x.length < 3) continue;
      const l = leastSquares(p.x, p.y);
      if (l.slope > 0) lines.set(g, l);
    }
    return lines;
  }

  /** Predicted latency (ms) of one variant alone: measured, or on its group's line when smoothing. */
  layerMs(v: LayerVariant): number {
    const t = this.measured[variantKey(v)];
    if (!t) return fail("variant", variantKey(v), "a variant of the table (measure it with ensure first)");
    if (!this.smooth) return t.ms;
    this.lines ??= this.fitLines();
    const l = this.lines.get(this.group(v));
    return l ? Math.max(l.slope * t.macs + l.intercept, 0) : t.ms;
  }

  /**
   * Fits the constant of the whole-network prediction: the median over `networks` of measured
   * latency − Σ predicted layer latencies (LookupTable.fit on the layer variants as blocks).
   */
  async fitOverhead(networks: readonly MeasuredNetwork[]): Promise<number> {
    if (!networks.length) fail("networks", networks, "at least one measured network");
    await this.ensure(networks.flatMap((n) => n.variants));
    const values: Record<VariantKey, number> = {};
    for (const n of networks) for (const v of n.variants) values[variantKey(v)] = this.layerMs(v);
    const lt = new LookupTable(values);
    await lt.fit(networks.map((n) => ({ blocks: n.variants.map(variantKey), latencyMs: n.latencyMs })));
    this.lookup = lt;
    return lt.overheadMs!;
  }

  /** The fitted constant (ms); throws before fitOverhead. */
  get overheadMs(): number {
    return this.lookup?.overheadMs ?? fail("overheadMs", undefined, "a constant fitted by fitOverhead on at least one measured network");
  }

  /** Whole-network prediction: Σ layerMs over the table layers + the fitted constant. */
  networkMs(variants: readonly LayerVariant[]): number {
    return variants.reduce((a, v) => a + this.layerMs(v), 0) + this.overheadMs;
  }
}
