// A rank-r dense layer (musco.md §1.7): y = (x·U)·V + b, U [in, r], V [r, units].
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { transpose } from "../linalg/matmul";
import { toTensor } from "../linalg/ndarray";
import { svdTruncated } from "../linalg/svd";
import { chainStd, checkPositiveInt, normalInit, oneShape, targetVariance } from "./common";
import { FactorLayer, type FactorLayerArgs, type PathCosts } from "./factor-layer";
import { type Decomposed, type FromTrainedOptions, baseArgs, finish, readDense, scaleCols } from "./from-trained";

export interface SVDDenseArgs extends FactorLayerArgs {
  units: number;
  rank: number;
}

export class SVDDense extends FactorLayer {
  static className = "SVDDense";
  readonly units: number;
  readonly rank: number;
  private u!: tf.LayerVariable;
  private v!: tf.LayerVariable;
  private features = 0;

  /**
   * The rank-`rank` truncated SVD of a trained Dense (or factorized dense) layer's kernel
   * W ≈ U S Vᵀ as u = U √S and v = √S Vᵀ (musco.md §1.7), with the source's bias and activation.
   */
  static fromDense(source: tf.layers.Layer, rank: number, opts: FromTrainedOptions = {}): Decomposed<SVDDense> {
    const src = readDense(source, "SVDDense.fromDense", opts);
    const [m, n] = src.kernel.shape;
    if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n)) fail(`${opts.argPrefix ?? "opts"}.rank`, rank, `an integer in [1, ${Math.min(m, n)}] for a ${m} x ${n} kernel`);
    const s = svdTruncated(src.kernel, rank);
    const root = Array.from(s.s, Math.sqrt);
    const layer = new SVDDense({ ...baseArgs(src), units: n, rank });
    return finish(layer, src, [toTensor(scaleCols(s.u, root)), toTensor(transpose(scaleCols(s.v, root)))]);
  }

  constructor(args: SVDDenseArgs) {
    super(args, "glorot");
    this.units = checkPositiveInt("units", args.units);
    this.rank = checkPositiveInt("rank", args.rank);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = oneShape(inputShape);
    const n = shape[shape.length - 1];
    if (n === null) fail("SVDDense input shape", shape, "a known number of input features");
    this.features = n;
    // "paper": SVD layers only arise from decomposing trained weights; from scratch, PyTorch's
    // nn.Linear variance 1/(3·in).
    const target = this.init === "paper" ? 1 / (3 * n) : targetVariance(this.init, n, this.units);
    const std = chainStd(target, this.rank, 2);
    this.u = this.addWeight("u", [n, this.rank], "float32", normalInit(std, this.seed, 0));
    this.v = this.addWeight("v", [this.rank, this.units], "float32", normalInit(std, this.seed, 1));
    this.addBiasWeight(this.units);
    this.declareInput("features", n);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = oneShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  params(): number {
    return this.rank * (this.features + this.units) + (this.useBias ? this.units : 0);
  }

  /** Factored: B·r·(in + out); dense: in·r·out + B·in·out. */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const b = inputShape.slice(0, -1).reduce<number>((a, s) => a * (s ?? 1), 1);
    const n = inputShape[inputShape.length - 1] ?? this.features;
    return { factored: b * this.rank * (n + this.units), dense: n * this.rank * this.units + b * n * this.units };
  }

  protected rebuild(): tf.Tensor {
    return tf.matMul(this.u.read() as tf.Tensor2D, this.v.read() as tf.Tensor2D);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, this.features]) as tf.Tensor2D;
    const y = tf.matMul(tf.matMul(x2, this.u.read() as tf.Tensor2D), this.v.read() as tf.Tensor2D);
    return tf.reshape(y, [...lead, this.units]);
  }

  protected dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const y = tf.matMul(tf.reshape(x, [-1, this.features]) as tf.Tensor2D, w as tf.Tensor2D);
    return tf.reshape(y, [...lead, this.units]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, rank: this.rank };
  }
}
tf.serialization.registerClass(SVDDense);
