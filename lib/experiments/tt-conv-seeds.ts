// The rows of 20-tt-conv over training seeds: each row's run at the default seed and those of
// `npx tnlab train tt-conv ROW --profile P --seed N`, read from the run store, and the claims'
// comparisons with the spread between seeds counted beside the test set's noise.
import { longRunKind, parseRunKey } from "./long-runs";
import type { Profile } from "./profile";
import { differenceMargin, meanSd } from "./shared";
import { budget, rowStore } from "./tt-conv-runs";

export interface RowSeeds {
  id: string;
  /** The seeds of the finished runs, the default seed's first; and each one's reported accuracy (%). */
  seeds: number[];
  finals: number[];
  mean: number;
  /** Sample standard deviation over the seeds (NaN for one). */
  sd: number;
}

/** Each id's finished runs at `profile` over seeds (root as for the run store). */
export function rowSeeds(ids: readonly string[], profile: Profile = "quick", root?: string): RowSeeds[] {
  const recs = rowStore(profile, budget(profile), "", root).records();
  const kind = longRunKind("tt-conv");
  return ids.map((id) => {
    const mine = recs
      .filter((r) => parseRunKey(kind, r.meta.id).id === id)
      .sort((a, b) => (a.meta.id === id ? -1 : b.meta.id === id ? 1 : a.meta.seed - b.meta.seed));
    const finals = mine.map((r) => r.run.final);
    const { mean, sd } = finals.length ? meanSd(finals) : { mean: NaN, sd: NaN };
    return { id, seeds: mine.map((r) => r.meta.seed), finals, mean, sd };
  });
}

/** For tn.display.table: each row's mean ± sd over its seeds. */
export function rowSeedsTable(rows: readonly RowSeeds[]): Record<string, string>[] {
  return rows.map((r) => ({
    row: r.id.replace(/^ttconv\./, ""),
    seeds: r.seeds.join(", ") || "–",
    "averaged-weight acc (%)": r.finals.length === 0 ? "–" : r.finals.length === 1 ? r.mean.toFixed(2) : `${r.mean.toFixed(2)} ± ${r.sd.toFixed(2)}`,
    each: r.finals.map((v) => v.toFixed(2)).join(", "),
  }));
}

export interface RowComparison {
  /** a's mean minus b's (pp), the margin it must pass, and which side it falls. */
  difference: number;
  margin: number;
  verdict: "higher" | "lower" | "within noise";
  text: string;
}

/** Row `a` against row `b` (the reference): differenceMargin's rule over their seeds. */
export function compareRows(a: RowSeeds, b: RowSeeds, testSize: number): RowComparison {
  const { difference, margin, seedSe, testNoise } = differenceMargin(a.finals, b.finals, testSize);
  const verdict = difference > margin ? "higher" : -difference > margin ? "lower" : "within noise";
  const text = `${difference > 0 ? "+" : ""}${difference.toFixed(2)} pp (${verdict}; counts beyond ±${margin.toFixed(2)} pp: seed SE ${seedSe.toFixed(2)}, test noise ${testNoise.toFixed(2)}; ${a.finals.length} and ${b.finals.length} seed(s))`;
  return { difference, margin, verdict, text };
}
