// Choosing per-layer ranks for a latency target (beyond the thesis: MUSCO's ranks, chapter 1,
// chosen with a LETI-style latency table, chapter 3, instead of a FLOP or parameter ratio).
// Greedy: every layer starts at its first option (as it is now); at each step, among all moves
// of one layer to a smaller option (every rank ≤ its current ones) that lowers the predicted
// latency, take the one with the most milliseconds saved per unit of kernel energy lost, until
// the predicted network latency is at or below the target. Moves may skip options, so a noisy
// table whose next-smaller option is not faster cannot stall the search. Pure arithmetic on the
// options given, so it is tested on synthetic latency laws.
import { fail } from "../errors";

/** One option for one layer: its ranks (for the ≤ order), predicted latency and energy lost. */
export interface LayerOption {
  ranks: readonly number[];
  latencyMs: number;
  /** Share of the kernel energy lost (≥ 0; summed over layers as the quality cost). */
  energyLost: number;
}

export interface SelectInput {
  layer: string;
  /** options[0] is where the layer starts (as it is now); the others are what it may become. */
  options: readonly LayerOption[];
}

export interface Selection {
  /** Index into each layer's options. */
  chosen: Record<string, number>;
  /** Σ chosen latencyMs + overheadMs. */
  predictedMs: number;
  /** Σ chosen energyLost. */
  energyLost: number;
  /** The moves in order: layer, from and to option index, ms saved, energy added. */
  steps: { layer: string; from: number; to: number; savedMs: number; addedLoss: number }[];
}

const below = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v <= b[i]) && a.some((v, i) => v < b[i]);

function check(layers: readonly SelectInput[], targetMs: number, overheadMs: number): void {
  if (!(targetMs > 0) || !Number.isFinite(targetMs)) fail("targetMs", targetMs, "a positive, finite latency in milliseconds");
  if (!Number.isFinite(overheadMs)) fail("overheadMs", overheadMs, "a finite constant in milliseconds");
  if (!layers.length) fail("layers", layers, "at least one layer with options");
  for (const l of layers) {
    if (!l.options.length) fail(`layers.${l.layer}.options`, l.options, "at least the layer's current option");
    l.options.forEach((o, i) => {
      if (!(o.latencyMs >= 0) || !(o.energyLost >= 0)) fail(`layers.${l.layer}.options[${i}]`, JSON.stringify(o), "latencyMs ≥ 0 and energyLost ≥ 0");
    });
  }
}

/** The smallest latency the options allow: each layer at its fastest option reachable from its start. */
export function fastestMs(layers: readonly SelectInput[], overheadMs: number): number {
  return layers.reduce((a, l) => a + Math.min(l.options[0].latencyMs, ...l.options.filter((o) => below(o.ranks, l.options[0].ranks)).map((o) => o.latencyMs)), overheadMs);
}

/** Greedy selection of options whose predicted latency (Σ + overheadMs) is ≤ targetMs. */
export function selectRanks(layers: readonly SelectInput[], targetMs: number, overheadMs = 0): Selection {
  check(layers, targetMs, overheadMs);
  const fastest = fastestMs(layers, overheadMs);
  if (fastest > targetMs) fail("targetMs", targetMs, `at least ${fastest.toFixed(4)} ms, the predicted latency with every layer at its fastest allowed rank`);
  const chosen: Record<string, number> = Object.fromEntries(layers.map((l) => [l.layer, 0]));
  let predicted = layers.reduce((a, l) => a + l.options[0].latencyMs, overheadMs);
  const steps: Selection["steps"] = [];
  while (predicted > targetMs) {
    let best: { layer: string; to: number; saved: number; added: number; score: number } | undefined;
    for (const l of layers) {
      const cur = l.options[chosen[l.layer]];
      l.options.forEach((o, j) => {
        if (!below(o.ranks, cur.ranks)) return;
        const saved = cur.latencyMs - o.latencyMs;
        if (!(saved > 0)) return;
        const added = Math.max(o.energyLost - cur.energyLost, 0);
        // A move that loses nothing is free: rank it by the time it saves alone.
        const score = added > 0 ? saved / added : Infinity;
        if (!best || score > best.score || (score === best.score && saved > best.saved)) best = { layer: l.layer, to: j, saved, added, score };
      });
    }
    // Unreachable after the fastestMs check (a layer above its fastest option always has a move).
    if (!best) return fail("targetMs", targetMs, `at least ${predicted.toFixed(4)} ms (no move lowers the latency further)`);
    steps.push({ layer: best.layer, from: chosen[best.layer], to: best.to, savedMs: best.saved, addedLoss: best.added });
    chosen[best.layer] = best.to;
    predicted -= best.saved;
  }
  const energyLost = layers.reduce((a, l) => a + l.options[chosen[l.layer]].energyLost, 0);
  return { chosen, predictedMs: layers.reduce((a, l) => a + l.options[chosen[l.layer]].latencyMs, overheadMs), energyLost, steps };
}
