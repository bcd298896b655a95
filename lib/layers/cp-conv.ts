// CP convolutions. K[h, w, i, o] = Σ_r A_in[i, r] · D[h, w, r] · A_out[r, o] with
//   "cp3" (musco.md §2, resnet18-cp-tucker.md §2.2): D a full kh×kw depthwise filter per r (for
//         resnet18-cp-tucker it starts as the rank-1 products V[h, r]·H[w, r] of a 4-way CP, as the
//         authors' layer; compressModel's cp4 plan with spatial: "full");
//         1×1 cin→R, depthwise kh×kw (stride, padding), 1×1 R→cout.
//   "cp4" (Lebedev; cp-conv-mnist.md §2.2): D[h, w, r] = V[h, r] · H[w, r];
//         1×1 cin→R, depthwise kh×1 (stride (s_h, 1)), depthwise 1×kw (stride (1, s_w)), 1×1 R→cout.
// Weights: "in_factor" [cin, R]; cp3 "depthwise" [kh, kw, R, 1]; cp4 "vertical" [kh, 1, R, 1] and
// "horizontal" [1, kw, R, 1]; "out_factor" [R, cout]; "bias" [cout].
import * as tf from "@tensorflow/tfjs";
import { cpAls, type CpAlsOptions } from "../decomp/cp";
import { fail } from "../errors";
import { transpose } from "../linalg/matmul";
import { type NDArray, reshape, toTensor } from "../linalg/ndarray";
import { chainStd, depthwise, separableDepthwise, checkPositiveInt, normalInit, pointwise, targetVariance } from "./common";
import { FactorConv2D, type FactorConv2DArgs } from "./factor-conv";
import type { PathCosts } from "./factor-layer";
import { type Decomposed, type FromConvOptions, convArgs, finish, readConv, scaleCols } from "./from-trained";

export type CPVariant = "cp3" | "cp4";

export interface CPConv2DArgs extends FactorConv2DArgs {
  filters: number;
  rank: number;
  variant?: CPVariant;
}

export interface CPFromConvOptions extends FromConvOptions, Pick<CpAlsOptions, "maxIter" | "init" | "seed"> {
  /** "cp3" (default): 3-way CP of [kh·kw, cin, cout]; "cp4": 4-way CP of [kh, kw, cin, cout]. */
  variant?: CPVariant;
  /**
   * cp4: "separable" (default) keeps the kh×1 and 1×kw filters (Lebedev's layer); "full" stores
   * their products as one kh×kw depthwise filter per rank, a cp3-shaped layer (resnet18-cp-tucker.md §2.2).
   */
  spatial?: "separable" | "full";
}

/** D[h, w, r] = V[h, r] · H[w, r] from V [kh, R] and H [kw, R], as a depthwise filter [kh, kw, R, 1]. */
function spatialProducts(v: NDArray, h: NDArray): NDArray {
  const [kh, R] = v.shape;
  const kw = h.shape[0];
  const d = new Float64Array(kh * kw * R);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let r = 0; r < R; r++) d[(i * kw + j) * R + r] = v.data[i * R + r] * h.data[j * R + r];
  return { shape: [kh, kw, R, 1], data: d };
}

export class CPConv2D extends FactorConv2D {
  static className = "CPConv2D";
  readonly filters: number;
  readonly rank: number;
  readonly variant: CPVariant;
  private inFactor!: tf.LayerVariable;
  private spatial: tf.LayerVariable[] = [];
  private outFactor!: tf.LayerVariable;

  /**
   * CP-ALS of a trained convolution's kernel at `rank` (musco.md §2, cp-conv-mnist.md §2.2). From a
   * factorized convolution, its rebuilt kernel is decomposed: for a CPConv2D this is MUSCO's
   * further CP compression (musco.md §1.6.1: rebuild the full tensor, re-run CP-ALS at a smaller rank).
   */
  static fromConv(source: tf.layers.Layer, rank: number, opts: CPFromConvOptions = {}): Decomposed<CPConv2D> {
    const src = readConv(source, "CPConv2D.fromConv", opts);
    const method = opts.variant ?? "cp3";
    if (method !== "cp3" && method !== "cp4") fail(`${opts.argPrefix ?? "opts"}.variant`, method, `"cp3" or "cp4"`);
    if (opts.spatial !== undefined && method !== "cp4") fail(`${opts.argPrefix ?? "opts"}.spatial`, opts.spatial, "only with variant cp4 (a 3-way CP has no separable spatial filters)");
    // The layer's shape: a 4-way CP stored "full" is a cp3-shaped layer.
    const variant = method === "cp4" && opts.spatial === "full" ? "cp3" : method;
    const k = src.kernel;
    const [kh, kw, cin, cout] = k.shape;
    const x = method === "cp3" ? reshape(k, [kh * kw, cin, cout]) : k;
    const cp = cpAls(x, rank, { maxIter: opts.maxIter, seed: opts.seed, init: opts.init });
    const f = cp.factors;
    let spatial: NDArray[];
    if (method === "cp3") spatial = [reshape(f[0], [kh, kw, rank, 1])];
    else if (variant === "cp3") spatial = [spatialProducts(f[0], f[1])];
    else spatial = [reshape(f[0], [kh, 1, rank, 1]), reshape(f[1], [1, kw, rank, 1])];
    const factors = [f[f.length - 2], ...spatial, transpose(scaleCols(f[f.length - 1], cp.weights))].map(toTensor);
    const layer = new CPConv2D({ ...convArgs(src), filters: cout, rank, variant });
    return finish(layer, src, factors);
  }

  constructor(args: CPConv2DArgs) {
    super(args, "paper", true);
    this.filters = checkPositiveInt("filters", args.filters);
    this.rank = checkPositiveInt("rank", args.rank);
    const v = args.variant ?? "cp3";
    if (v !== "cp3" && v !== "cp4") fail("variant", args.variant, `"cp3" or "cp4"`);
    this.variant = v;
  }

  protected buildFactors(c: number): void {
    const [kh, kw] = this.kernelSize;
    const nf = this.variant === "cp3" ? 3 : 4;
    // "paper": cp-conv-mnist.md §4 — i.i.d. normal factors whose product has PyTorch's default conv
    // variance 1/(3·kh·kw·cin); "glorot"/"he": the variance of those initializers.
    const target = this.init === "paper" ? 1 / (3 * kh * kw * c) : targetVariance(this.init, kh * kw * c, kh * kw * this.filters);
    const std = chainStd(target, this.rank, nf);
    const R = this.rank;
    this.inFactor = this.addWeight("in_factor", [c, R], "float32", normalInit(std, this.seed, 0));
    if (this.variant === "cp3") {
      this.spatial.push(this.addWeight("depthwise", [kh, kw, R, 1], "float32", normalInit(std, this.seed, 1)));
    } else {
      this.spatial.push(this.addWeight("vertical", [kh, 1, R, 1], "float32", normalInit(std, this.seed, 1)));
      this.spatial.push(this.addWeight("horizontal", [1, kw, R, 1], "float32", normalInit(std, this.seed, 2)));
    }
    this.outFactor = this.addWeight("out_factor", [R, this.filters], "float32", normalInit(std, this.seed, 3));
  }

  params(): number {
    const [kh, kw] = this.kernelSize;
    const spatial = this.variant === "cp3" ? kh * kw : kh + kw;
    return this.rank * (this.channels + spatial + this.filters) + (this.useBias ? this.filters : 0);
  }

  /**
   * Factored: B·H·W·cin·R + (cp3: B·H'·W'·kh·kw·R | cp4: B·H'·W·kh·R + B·H'·W'·kw·R) + B·H'·W'·R·cout;
   * dense: rebuild kh·kw·cin·R·cout (+ kh·kw·R for cp4) + B·H'·W'·kh·kw·cin·cout.
   */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const [kh, kw] = this.kernelSize;
    const R = this.rank;
    const c = inputShape[3] ?? this.channels;
    const b = inputShape[0] ?? 1;
    const [h, w] = [inputShape[1] ?? 1, inputShape[2] ?? 1];
    const [ho, wo] = this.outSpatial(inputShape).map((v) => v ?? 1);
    const spatial = this.variant === "cp3" ? b * ho * wo * kh * kw * R : b * ho * w * kh * R + b * ho * wo * kw * R;
    return {
      factored: b * h * w * c * R + spatial + b * ho * wo * R * this.filters,
      dense: kh * kw * c * R * this.filters + (this.variant === "cp4" ? kh * kw * R : 0) + b * ho * wo * kh * kw * c * this.filters,
    };
  }

  /** The per-rank spatial filters D as [kh, kw, R]. */
  private depthwiseFilters(): tf.Tensor {
    const [kh, kw] = this.kernelSize;
    if (this.variant === "cp3") return tf.reshape(this.spatial[0].read(), [kh, kw, this.rank]);
    return tf.mul(tf.reshape(this.spatial[0].read(), [kh, 1, this.rank]), tf.reshape(this.spatial[1].read(), [1, kw, this.rank]));
  }

  protected rebuild(): tf.Tensor {
    const [kh, kw] = this.kernelSize;
    const c = this.channels;
    const d = tf.reshape(this.depthwiseFilters(), [kh * kw, 1, this.rank]);
    const p = tf.mul(d, tf.reshape(this.inFactor.read(), [1, c, this.rank]));
    const k = tf.matMul(tf.reshape(p, [kh * kw * c, this.rank]) as tf.Tensor2D, this.outFactor.read() as tf.Tensor2D);
    return tf.reshape(k, [kh, kw, c, this.filters]);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    let z = pointwise(x, this.inFactor.read()) as tf.Tensor4D;
    if (this.variant === "cp3") {
      z = depthwise(z, this.spatial[0].read() as tf.Tensor4D, this.strides, this.padding);
    } else {
      z = separableDepthwise(z, this.spatial[0].read() as tf.Tensor4D, this.spatial[1].read() as tf.Tensor4D, this.strides, this.padding);
    }
    return pointwise(z, this.outFactor.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, rank: this.rank, variant: this.variant };
  }
}
tf.serialization.registerClass(CPConv2D);
