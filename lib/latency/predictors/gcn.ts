// (e) A graph convolutional network (thesis §3.3.4, Fig. 3.10; Kipf & Welling 2017) on the cell's
// graph: node features are the one-hot node kind and the channel count; three layers
// H ← ReLU(Â H W + b) with Â = D^{-1/2}(A + Aᵀ + I)D^{-1/2} over the real nodes (the graph taken
// undirected, as in Kipf & Welling), mean-pooled over the real nodes, joined with the standardised
// log multiply-adds, parameters and peak memory, then two dense layers to the standardised log
// latency. Trained full-batch with Adam on the TensorFlow.js backend; weights drawn from `seed`.
import * as tf from "@tensorflow/tfjs";
import { MAX_NODES, OPS } from "../cells";
import { checkTrain, notFitted, type LatencyPredictor, type LatencySample } from "./types";

export interface GcnOptions {
  hidden?: number;
  epochs?: number;
  learningRate?: number;
  seed?: number;
}

const KINDS = ["input", ...OPS, "output"] as const;
const NODE_FEATURES = KINDS.length + 1;

/** Â, node features and node mask of a batch of samples (padded to MAX_NODES nodes). */
function graphs(samples: readonly LatencySample[]): { a: tf.Tensor3D; x: tf.Tensor3D; mask: tf.Tensor3D } {
  const N = samples.length;
  const V = MAX_NODES;
  const a = new Float32Array(N * V * V);
  const x = new Float32Array(N * V * NODE_FEATURES);
  const mask = new Float32Array(N * V);
  samples.forEach((s, b) => {
    const n = s.nodes.length;
    const deg = new Array<number>(n).fill(1);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (s.adjacency[i][j]) (deg[i]++, deg[j]++);
    for (let i = 0; i < n; i++) {
      mask[b * V + i] = 1;
      x[(b * V + i) * NODE_FEATURES + KINDS.indexOf(s.nodes[i])] = 1;
      x[(b * V + i) * NODE_FEATURES + KINDS.length] = s.channels / 64;
      for (let j = 0; j < n; j++) {
        const e = i === j ? 1 : s.adjacency[i][j] || s.adjacency[j][i];
        if (e) a[(b * V + i) * V + j] = 1 / Math.sqrt(deg[i] * deg[j]);
      }
    }
  });
  return { a: tf.tensor3d(a, [N, V, V]), x: tf.tensor3d(x, [N, V, NODE_FEATURES]), mask: tf.tensor3d(mask, [N, V, 1]) };
}

const globals = (s: LatencySample): number[] => [Math.log(s.macs), Math.log(s.params), Math.log(Math.max(s.peakBytes, 1))];

export class GraphConvNet implements LatencyPredictor {
  readonly name: string = "GCN";
  private vars: tf.Variable[] = [];
  private norm?: { gMean: number[]; gStd: number[]; yMean: number; yStd: number };
  constructor(readonly options: GcnOptions = {}) {}

  private init(): void {
    const h = this.options.hidden ?? 32;
    const seed = this.options.seed ?? 0;
    const shapes = [[NODE_FEATURES, h], [h], [h, h], [h], [h, h], [h], [h + 3, h], [h], [h, 1], [1]];
    this.vars = shapes.map((sh, k) => {
      const lim = sh.length === 2 ? Math.sqrt(6 / (sh[0] + sh[1])) : 0;
      // tidy frees the initial value, which tf.variable copies.
      return tf.tidy(() => tf.variable(sh.length === 2 ? tf.randomUniform(sh, -lim, lim, "float32", seed * 100 + k + 1) : tf.zeros(sh)));
    });
  }

  /** Standardised log latency predicted for a batch (inside a tidy of the caller). */
  private forward(g: { a: tf.Tensor3D; x: tf.Tensor3D; mask: tf.Tensor3D }, glob: tf.Tensor2D): tf.Tensor1D {
    const [w1, b1, w2, b2, w3, b3, w4, b4, w5, b5] = this.vars;
    const [N, V] = g.a.shape;
    let hNodes: tf.Tensor3D = g.x;
    for (const [w, b] of [[w1, b1], [w2, b2], [w3, b3]]) {
      const agg = tf.matMul(g.a, hNodes);
      const lin = tf.add(tf.matMul(tf.reshape(agg, [N * V, -1]), w as tf.Tensor2D), b);
      hNodes = tf.mul(tf.relu(tf.reshape(lin, [N, V, -1])), g.mask) as tf.Tensor3D;
    }
    const pooled = tf.div(tf.sum(hNodes, 1), tf.sum(g.mask, 1));
    const z = tf.relu(tf.add(tf.matMul(tf.concat([pooled, glob], 1), w4 as tf.Tensor2D), b4));
    return tf.reshape(tf.add(tf.matMul(z, w5 as tf.Tensor2D), b5), [N]) as tf.Tensor1D;
  }

  private globalTensor(samples: readonly LatencySample[]): tf.Tensor2D {
    const n = this.norm ?? notFitted(this.name);
    return tf.tensor2d(samples.map((s) => globals(s).map((v, k) => (v - n.gMean[k]) / n.gStd[k])));
  }

  async fit(train: readonly LatencySample[]): Promise<void> {
    checkTrain(this.name, train, 4);
    this.dispose();
    const G = train.map(globals);
    const gMean = [0, 1, 2].map((k) => G.reduce((a, r) => a + r[k], 0) / G.length);
    const gStd = [0, 1, 2].map((k) => Math.sqrt(G.reduce((a, r) => a + (r[k] - gMean[k]) ** 2, 0) / G.length) || 1);
    const ly = train.map((s) => Math.log(s.latencyMs));
    const yMean = ly.reduce((a, b) => a + b, 0) / ly.length;
    const yStd = Math.sqrt(ly.reduce((a, b) => a + (b - yMean) ** 2, 0) / ly.length) || 1;
    this.norm = { gMean, gStd, yMean, yStd };
    this.init();
    const g = graphs(train);
    const glob = this.globalTensor(train);
    const y = tf.tensor1d(ly.map((v) => (v - yMean) / yStd));
    const opt = tf.train.adam(this.options.learningRate ?? 0.01);
    try {
      for (let e = 0; e < (this.options.epochs ?? 300); e++) {
        opt.minimize(() => tf.losses.meanSquaredError(y, this.forward(g, glob)) as tf.Scalar, false, this.vars);
        if (e % 50 === 49) await new Promise((r) => setImmediate(r));
      }
    } finally {
      opt.dispose();
      tf.dispose([g.a, g.x, g.mask, glob, y]);
    }
  }

  predict(samples: readonly LatencySample[]): number[] {
    const n = this.norm ?? notFitted(this.name);
    if (!samples.length) return [];
    const out = tf.tidy(() => {
      const g = graphs(samples);
      return this.forward(g, this.globalTensor(samples)).dataSync();
    });
    return Array.from(out, (v) => Math.exp(v * n.yStd + n.yMean));
  }

  /** Frees the weights; predict then needs a new fit. */
  dispose(): void {
    tf.dispose(this.vars);
    this.vars = [];
    this.norm = undefined;
  }
}
