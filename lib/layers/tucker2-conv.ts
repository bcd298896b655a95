// Tucker-2 convolution (musco.md §1.4, resnet18-cp-tucker.md §2.3):
//   K[h, w, i, o] = Σ_{a,b} U_in[i, a] · core[h, w, a, b] · U_out[b, o]
// evaluated as 1×1 cin→rIn, kh×kw rIn→rOut (stride, padding), 1×1 rOut→cout.
// Weights: "in_factor" [cin, inRank], "core" [kh, kw, inRank, outRank], "out_factor" [outRank, cout], "bias".
import * as tf from "@tensorflow/tfjs";
import { tucker2 } from "../decomp/tucker";
import { fail } from "../errors";
import { transpose } from "../linalg/matmul";
import { asNDArray, toTensor } from "../linalg/ndarray";
import { chainStd, conv, checkPositiveInt, normalInit, pointwise, targetVariance } from "./common";
import { FactorConv2D, type FactorConv2DArgs } from "./factor-conv";
import type { PathCosts } from "./factor-layer";
import { type Decomposed, type FromConvOptions, convArgs, finish, readConv } from "./from-trained";

export interface Tucker2Conv2DArgs extends FactorConv2DArgs {
  filters: number;
  /** R_in: channels after the first 1×1 convolution. */
  inRank: number;
  /** R_out: channels out of the core convolution. */
  outRank: number;
}

export class Tucker2Conv2D extends FactorConv2D {
  static className = "Tucker2Conv2D";
  readonly filters: number;
  readonly inRank: number;
  readonly outRank: number;
  private inFactor!: tf.LayerVariable;
  private core!: tf.LayerVariable;
  private outFactor!: tf.LayerVariable;

  /**
   * Tucker-2 of a trained convolution's kernel at [inRank, outRank] (musco.md §1.4.1). From a
   * Tucker2Conv2D only its core is decomposed and the factors absorbed (musco.md §1.4.2, (1.13)):
   * θ'_in = θ_in · Û_in, θ'_out = Û_outᵀ · θ_out.
   */
  /** `opts.maxIter` caps the HOOI sweeps (default tucker2's 100; a cheap smoke run takes a few). */
  static fromConv(source: tf.layers.Layer, ranks: [number, number], opts: FromConvOptions & { maxIter?: number } = {}): Decomposed<Tucker2Conv2D> {
    const src = readConv(source, "Tucker2Conv2D.fromConv", opts);
    if (!Array.isArray(ranks) || ranks.length !== 2) fail(`${opts.argPrefix ?? "opts"}.ranks`, ranks, "[inRank, outRank] for tucker2");
    const [rIn, rOut] = ranks;
    let factors: tf.Tensor[];
    if (source instanceof Tucker2Conv2D) {
      const [inF, core, outF] = source.getWeights();
      const t = tucker2(asNDArray(core, "core"), [rOut, rIn], { maxIter: opts.maxIter });
      const [uIn, uOut] = [t.factors[2]!, t.factors[3]!];
      factors = [
        tf.tidy(() => tf.matMul(inF as tf.Tensor2D, toTensor(uIn) as tf.Tensor2D)),
        toTensor(t.core),
        tf.tidy(() => tf.matMul(toTensor(uOut) as tf.Tensor2D, outF as tf.Tensor2D, true, false)),
      ];
    } else {
      const t = tucker2(src.kernel, [rOut, rIn], { maxIter: opts.maxIter });
      factors = [toTensor(t.factors[2]!), toTensor(t.core), toTensor(transpose(t.factors[3]!))];
    }
    const layer = new Tucker2Conv2D({ ...convArgs(src), filters: src.kernel.shape[3], inRank: rIn, outRank: rOut });
    return finish(layer, src, factors);
  }

  constructor(args: Tucker2Conv2DArgs) {
    super(args, "paper", true);
    this.filters = checkPositiveInt("filters", args.filters);
    this.inRank = checkPositiveInt("inRank", args.inRank);
    this.outRank = checkPositiveInt("outRank", args.outRank);
  }

  protected buildFactors(c: number): void {
    const [kh, kw] = this.kernelSize;
    // "paper": these layers come from decomposing trained kernels; from scratch we match PyTorch's
    // default conv variance 1/(3·kh·kw·cin), as for the CP layers.
    const target = this.init === "paper" ? 1 / (3 * kh * kw * c) : targetVariance(this.init, kh * kw * c, kh * kw * this.filters);
    const std = chainStd(target, this.inRank * this.outRank, 3);
    this.inFactor = this.addWeight("in_factor", [c, this.inRank], "float32", normalInit(std, this.seed, 0));
    this.core = this.addWeight("core", [kh, kw, this.inRank, this.outRank], "float32", normalInit(std, this.seed, 1));
    this.outFactor = this.addWeight("out_factor", [this.outRank, this.filters], "float32", normalInit(std, this.seed, 2));
  }

  params(): number {
    const [kh, kw] = this.kernelSize;
    return this.channels * this.inRank + kh * kw * this.inRank * this.outRank + this.outRank * this.filters + (this.useBias ? this.filters : 0);
  }

  /**
   * Factored: B·H·W·cin·R_in + B·H'·W'·kh·kw·R_in·R_out + B·H'·W'·R_out·cout;
   * dense: rebuild (cin·kh·kw·R_in·R_out + cin·kh·kw·R_out·cout) + B·H'·W'·kh·kw·cin·cout.
   */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const [kh, kw] = this.kernelSize;
    const c = inputShape[3] ?? this.channels;
    const b = inputShape[0] ?? 1;
    const [h, w] = [inputShape[1] ?? 1, inputShape[2] ?? 1];
    const [ho, wo] = this.outSpatial(inputShape).map((v) => v ?? 1);
    const po = b * ho * wo;
    return {
      factored: b * h * w * c * this.inRank + po * kh * kw * this.inRank * this.outRank + po * this.outRank * this.filters,
      dense: c * kh * kw * this.inRank * this.outRank + c * kh * kw * this.outRank * this.filters + po * kh * kw * c * this.filters,
    };
  }

  protected rebuild(): tf.Tensor {
    const [kh, kw] = this.kernelSize;
    const c = this.channels;
    const g = tf.reshape(tf.transpose(this.core.read(), [2, 0, 1, 3]), [this.inRank, kh * kw * this.outRank]);
    const t = tf.matMul(this.inFactor.read() as tf.Tensor2D, g as tf.Tensor2D); // [cin, kh·kw·R_out]
    const k = tf.matMul(tf.reshape(t, [c * kh * kw, this.outRank]) as tf.Tensor2D, this.outFactor.read() as tf.Tensor2D);
    return tf.transpose(tf.reshape(k, [c, kh, kw, this.filters]), [1, 2, 0, 3]);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    const z = pointwise(x, this.inFactor.read()) as tf.Tensor4D;
    const u = conv(z, this.core.read() as tf.Tensor4D, this.strides, this.padding);
    return pointwise(u, this.outFactor.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, inRank: this.inRank, outRank: this.outRank };
  }
}
tf.serialization.registerClass(Tucker2Conv2D);
