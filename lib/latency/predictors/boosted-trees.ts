// (d) Gradient-boosted trees on the global feature vector (thesis §3.3.3 used XGBoost, CatBoost,
// LightGBM): least-squares boosting (Friedman 2001) of shallow regression trees on log latency,
// with shrinkage and seeded row subsampling. Our own code: npm has no maintained gradient-boosting
// package that is safe in a kernel (see README, "Which library does what").
import { fail } from "../../errors";
import { rng } from "../../random";
import { featureVector } from "../features";
import { fitTree, treePredict, type Tree } from "./regression-tree";
import { checkTrain, notFitted, type LatencyPredictor, type LatencySample } from "./types";

export interface BoostOptions {
  /** Trees (default 300). */
  trees?: number;
  /** Shrinkage (default 0.05). */
  learningRate?: number;
  maxDepth?: number;
  minLeaf?: number;
  /** Share of the rows each tree sees (default 0.8). */
  subsample?: number;
  seed?: number;
  /** The features of a sample (default: featureVector). */
  features?: (s: LatencySample) => number[];
}

export class BoostedTrees implements LatencyPredictor {
  readonly name: string = "gradient-boosted trees";
  private base?: number;
  private trees: Tree[] = [];
  constructor(readonly options: BoostOptions = {}) {
    const lr = options.learningRate ?? 0.05;
    if (!(lr > 0 && lr <= 1)) fail("learningRate", lr, "a number in (0, 1]");
    const sub = options.subsample ?? 0.8;
    if (!(sub > 0 && sub <= 1)) fail("subsample", sub, "a share in (0, 1]");
  }
  private x(s: LatencySample): number[] {
    return (this.options.features ?? featureVector)(s);
  }
  async fit(train: readonly LatencySample[]): Promise<void> {
    checkTrain(this.name, train, 4);
    const o = { trees: 300, learningRate: 0.05, maxDepth: 4, minLeaf: 3, subsample: 0.8, seed: 0, ...this.options };
    const X = train.map((s) => this.x(s));
    const y = train.map((s) => Math.log(s.latencyMs));
    const base = y.reduce((a, b) => a + b, 0) / y.length;
    const f = y.map(() => base);
    const r = rng(o.seed);
    const n = train.length;
    const take = Math.max(2 * o.minLeaf, Math.round(o.subsample * n));
    this.trees = [];
    for (let t = 0; t < o.trees; t++) {
      const residual = y.map((v, i) => v - f[i]);
      const idx = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const tree = fitTree(X, residual, idx.slice(0, Math.min(n, take)), { maxDepth: o.maxDepth, minLeaf: o.minLeaf });
      this.trees.push(tree);
      for (let i = 0; i < n; i++) f[i] += o.learningRate * treePredict(tree, X[i]);
    }
    this.base = base;
  }
  predict(samples: readonly LatencySample[]): number[] {
    const base = this.base ?? notFitted(this.name);
    const lr = this.options.learningRate ?? 0.05;
    return samples.map((s) => {
      const x = this.x(s);
      return Math.exp(this.trees.reduce<number>((a, t) => a + lr * treePredict(t, x), base));
    });
  }
  dispose(): void {}
}
