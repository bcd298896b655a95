// Tucker-2 convolution (musco.md §1.4, resnet18-cp-tucker.md §2.3):
//   K[h, w, i, o] = Σ_{a,b} U_in[i, a] · core[h, w, a, b] · U_out[b, o]
// evaluated as 1×1 cin→rIn, kh×kw rIn→rOut (stride, padding), 1×1 rOut→cout.
// Weights: "in_factor" [cin, inRank], "core" [kh, kw, inRank, outRank], "out_factor" [outRank, cout], "bias".
import * as tf from "@tensorflow/tfjs";
import { type ConvPadding, chainStd, checkConvPadding, conv, checkPositiveInt, convOutSpatial, convOutputShape, imageShape, normalInit, pair, pointwise, targetVariance } from "./common";
import { FactorLayer, type FactorLayerArgs, type PathCosts } from "./factor-layer";

export interface Tucker2Conv2DArgs extends FactorLayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  /** R_in: channels after the first 1×1 convolution. */
  inRank: number;
  /** R_out: channels out of the core convolution. */
  outRank: number;
  strides?: number | [number, number];
  /** "same", "valid" or symmetric zero padding p (as PyTorch's padding = p). */
  padding?: ConvPadding;
}

export class Tucker2Conv2D extends FactorLayer {
  static className = "Tucker2Conv2D";
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly inRank: number;
  readonly outRank: number;
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  private inFactor!: tf.LayerVariable;
  private core!: tf.LayerVariable;
  private outFactor!: tf.LayerVariable;
  private channels = 0;

  constructor(args: Tucker2Conv2DArgs) {
    super(args, "paper");
    this.filters = checkPositiveInt("filters", args.filters);
    this.kernelSize = pair("kernelSize", args.kernelSize, 1);
    this.inRank = checkPositiveInt("inRank", args.inRank);
    this.outRank = checkPositiveInt("outRank", args.outRank);
    this.strides = pair("strides", args.strides, 1);
    this.padding = checkConvPadding(args.padding);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = imageShape("Tucker2Conv2D", shape)[2];
    this.channels = c;
    const [kh, kw] = this.kernelSize;
    // "paper": these layers come from decomposing trained kernels; from scratch we match PyTorch's
    // default conv variance 1/(3·kh·kw·cin), as for the CP layers.
    const target = this.init === "paper" ? 1 / (3 * kh * kw * c) : targetVariance(this.init, kh * kw * c, kh * kw * this.filters);
    const std = chainStd(target, this.inRank * this.outRank, 3);
    this.inFactor = this.addWeight("in_factor", [c, this.inRank], "float32", normalInit(std, this.seed, 0));
    this.core = this.addWeight("core", [kh, kw, this.inRank, this.outRank], "float32", normalInit(std, this.seed, 1));
    this.outFactor = this.addWeight("out_factor", [this.outRank, this.filters], "float32", normalInit(std, this.seed, 2));
    this.addBiasWeight(this.filters);
    this.declareInput("channels", c);
    this.built = true;
  }

  private outSpatial(shape: (number | null)[]): [number | null, number | null] {
    return convOutSpatial(this, shape);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return convOutputShape(this, inputShape);
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

  protected dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return conv(x as tf.Tensor4D, w as tf.Tensor4D, this.strides, this.padding);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      inRank: this.inRank,
      outRank: this.outRank,
      strides: this.strides,
      padding: this.padding,
    };
  }
}
tf.serialization.registerClass(Tucker2Conv2D);
