// (b) FLOP-linear RANSAC with clustering by memory (thesis §3.3.2, Fig. 3.6): cells are grouped
// by peak memory (k-means on log peak bytes, ml-kmeans, seeded k-means++), and each group gets
// its own RANSAC line; a new cell takes the line of the nearest group centre. Networks that move
// more data per multiply-add sit on a steeper line, which one line over all of them averages away.
import { kmeans } from "ml-kmeans";
import { fail } from "../../errors";
import { mmacs, ransacLine, type Line, type RansacOptions } from "./ransac";
import { checkTrain, notFitted, type LatencyPredictor, type LatencySample } from "./types";

export interface MemoryClusterOptions extends RansacOptions {
  /** Number of memory clusters (default 2). */
  clusters?: number;
}

const logMem = (s: LatencySample): number[] => [Math.log(Math.max(s.peakBytes, 1))];

export class RansacMemoryClusters implements LatencyPredictor {
  readonly name: string;
  /** Centre of each cluster (log peak bytes) and its line. */
  groups?: { centre: number; line: Line; size: number }[];
  constructor(readonly options: MemoryClusterOptions = {}) {
    const k = options.clusters ?? 2;
    if (!Number.isInteger(k) || k < 1) fail("clusters", k, "a positive integer");
    this.name = `FLOPs + RANSAC, ${k} memory clusters`;
  }
  async fit(train: readonly LatencySample[]): Promise<void> {
    const k = this.options.clusters ?? 2;
    checkTrain(this.name, train, 2 * k);
    const km = kmeans(train.map(logMem), k, { initialization: "kmeans++", seed: this.options.seed ?? 0, maxIterations: 100 });
    const all = ransacLine(train.map(mmacs), train.map((s) => s.latencyMs), this.options);
    this.groups = km.centroids.map((c, g) => {
      const members = train.filter((_, i) => km.clusters[i] === g);
      // A cluster too small for a line of its own keeps the line over all cells.
      const line = members.length >= 3 ? ransacLine(members.map(mmacs), members.map((s) => s.latencyMs), this.options) : all;
      return { centre: c[0], line, size: members.length };
    });
  }
  /** The cluster of each sample (nearest centre in log peak memory). */
  clusterOf(samples: readonly LatencySample[]): number[] {
    const g = this.groups ?? notFitted(this.name);
    return samples.map((s) => {
      const v = logMem(s)[0];
      let best = 0;
      g.forEach((c, i) => {
        if (Math.abs(c.centre - v) < Math.abs(g[best].centre - v)) best = i;
      });
      return best;
    });
  }
  predict(samples: readonly LatencySample[]): number[] {
    const g = this.groups ?? notFitted(this.name);
    const ids = this.clusterOf(samples);
    return samples.map((s, i) => g[ids[i]].line.slope * mmacs(s) + g[ids[i]].line.intercept);
  }
  dispose(): void {}
}
