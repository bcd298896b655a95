// (a) Latency as a linear function of FLOPs, fitted with RANSAC (thesis §3.3.2): lines through
// random pairs of cells, the one with the most cells within a relative distance is kept, and
// the line is then refitted by least squares on those inliers. RANSAC itself is ml-ransac
// (seeded); the refit is ordinary least squares.
import { ransac } from "ml-ransac";
import { fail } from "../../errors";
import { checkTrain, notFitted, type LatencyPredictor, type LatencySample } from "./types";

export interface Line {
  /** Milliseconds per million multiply-adds. */
  slope: number;
  /** Milliseconds at zero multiply-adds. */
  intercept: number;
  /** Indices (into the fitted points) of the inliers. */
  inliers: number[];
}

export interface RansacOptions {
  /** Inlier when |y − ŷ| / y is below this (default 0.1, the ±10 % of the metric). */
  threshold?: number;
  /** Random pairs tried (default 300). */
  iterations?: number;
  seed?: number;
}

/** Least-squares line through the points (x, y); a vertical spread of one x gives slope 0. */
export function leastSquares(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  if (x.length !== y.length || x.length === 0) fail("x.length", x.length, `the length of y (${y.length}), at least 1`);
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

/** RANSAC line of y on x (relative residuals), refitted on its inliers. */
export function ransacLine(x: readonly number[], y: readonly number[], o: RansacOptions = {}): Line {
  if (x.length !== y.length) fail("x.length", x.length, `the length of y (${y.length})`);
  if (x.length < 2) return { ...leastSquares(x, y), inliers: x.map((_, i) => i) };
  const threshold = o.threshold ?? 0.1;
  if (!(threshold > 0)) fail("threshold", threshold, "a positive relative distance");
  const r = ransac<number>([...x], [...y], {
    sampleSize: 2,
    threshold,
    maxNbIterations: o.iterations ?? 300,
    seed: o.seed ?? 0,
    fitFunction: (xs, ys) => {
      const l = leastSquares(xs, ys);
      return [l.slope, l.intercept];
    },
    modelFunction: ([a, b]) => (v: number) => a * v + b,
    distanceFunction: (v, p) => Math.abs(v - p) / Math.max(Math.abs(v), 1e-12),
  });
  const inliers = r.inliers.length >= 2 ? r.inliers : x.map((_, i) => i);
  const fit = leastSquares(inliers.map((i) => x[i]), inliers.map((i) => y[i]));
  return { ...fit, inliers };
}

/** The x of a sample: millions of multiply-adds. */
export const mmacs = (s: LatencySample): number => s.macs / 1e6;

export class RansacFlops implements LatencyPredictor {
  readonly name: string = "FLOPs + RANSAC";
  line?: Line;
  constructor(readonly options: RansacOptions = {}) {}
  async fit(train: readonly LatencySample[]): Promise<void> {
    checkTrain(this.name, train, 2);
    this.line = ransacLine(train.map(mmacs), train.map((s) => s.latencyMs), this.options);
  }
  predict(samples: readonly LatencySample[]): number[] {
    const l = this.line ?? notFitted(this.name);
    return samples.map((s) => l.slope * mmacs(s) + l.intercept);
  }
  dispose(): void {}
}
