// The "naive" TT convolution of tt-conv.md §2.5 (eq. 7): TT applied to the 4-D kernel with modes
// (kh, kw, C, S) and ranks [1, r_1, r_2, r_3, 1]: K[i, j, c, s] = G_1[i] G_2[j] G_3[c] G_4[s].
// Weights "core_1".."core_4" of shapes [1, kh, r_1], [r_1, kw, r_2], [r_2, C, r_3], [r_3, S, 1].
import * as tf from "@tensorflow/tfjs";
import { ttSvd } from "../decomp/tt";
import { toTensor } from "../linalg/ndarray";
import { type Padding, chainStd, checkPositiveInt, conv, expandRanks, normalInit, pointwise, targetVariance, tf1XavierStd, truncNormalInit } from "./common";
import { FactorConv2D, type FactorConv2DArgs } from "./factor-conv";
import type { PathCosts } from "./factor-layer";
import { type Decomposed, type FromConvOptions, convArgs, finish, readConv } from "./from-trained";

export interface NaiveTTConv2DArgs extends FactorConv2DArgs {
  filters: number;
  /** [1, r_1, r_2, r_3, 1] or one rank r for [1, r, r, r, 1]. */
  ranks: number | number[];
  padding?: Padding;
}

export class NaiveTTConv2D extends FactorConv2D {
  static className = "NaiveTTConv2D";
  readonly filters: number;
  readonly ranks: number[];
  private cores: tf.LayerVariable[] = [];

  /** The TT-SVD of a trained convolution's 4-D kernel (kh, kw, C, S) with ranks at most `ranks` (tt-conv.md §2.5). */
  static fromConv(source: tf.layers.Layer, ranks: number | number[], opts: FromConvOptions = {}): Decomposed<NaiveTTConv2D> {
    const src = readConv(source, "NaiveTTConv2D.fromConv", opts);
    const tt = ttSvd(src.kernel, { ranks });
    const layer = new NaiveTTConv2D({ ...convArgs(src), padding: src.padding as Padding, filters: src.kernel.shape[3], ranks: [...tt.ranks] });
    return finish(layer, src, tt.cores.map((c) => toTensor(c)));
  }

  constructor(args: NaiveTTConv2DArgs) {
    super(args, "paper", false);
    this.filters = checkPositiveInt("filters", args.filters);
    this.ranks = expandRanks("ranks", args.ranks, 4, 1);
  }

  private modes(): number[] {
    return [this.kernelSize[0], this.kernelSize[1], this.channels, this.filters];
  }

  protected buildFactors(): void {
    const n = this.modes();
    const r = this.ranks;
    const [kh, kw] = this.kernelSize;
    const std = this.init === "paper" ? 0 : chainStd(targetVariance(this.init, kh * kw * this.channels, kh * kw * this.filters), r[1] * r[2] * r[3], 4);
    for (let k = 0; k < 4; k++) {
      // tt-conv.md §2.5 code: TF1 xavier (truncated, σ = √(1.3·2/(fan_in+fan_out))) on the stored [r_{k-1}, n_k r_k].
      const init =
        this.init === "paper" ? truncNormalInit(tf1XavierStd(r[k], n[k] * r[k + 1]), this.seed, k) : normalInit(std, this.seed, k);
      this.cores.push(this.addWeight(`core_${k + 1}`, [r[k], n[k], r[k + 1]], "float32", init));
    }
  }

  params(): number {
    const n = this.modes();
    const r = this.ranks;
    let p = 0;
    for (let k = 0; k < 4; k++) p += r[k] * n[k] * r[k + 1];
    return p + (this.useBias ? this.filters : 0);
  }

  /**
   * Factored (channels first, then one r_2-channel spatial filter per r_3 slice, then S):
   * B·H·W·C·r_2·r_3 + B·H'·W'·kh·kw·r_2·r_3 + B·H'·W'·r_3·S (+ kh·r_1·kw·r_2 for the spatial filter);
   * dense: rebuild (kh·r_1·kw·r_2 + kh·kw·r_2·C·r_3 + kh·kw·C·r_3·S) + B·H'·W'·kh·kw·C·S.
   */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const [kh, kw] = this.kernelSize;
    const [, r1, r2, r3] = this.ranks;
    const c = inputShape[3] ?? this.channels;
    const s = this.filters;
    const b = inputShape[0] ?? 1;
    const [ho, wo] = this.outSpatial(inputShape);
    const pin = b * (inputShape[1] ?? 1) * (inputShape[2] ?? 1);
    const pout = b * (ho ?? 1) * (wo ?? 1);
    const spatial = kh * r1 * kw * r2;
    return {
      factored: spatial + pin * c * r2 * r3 + pout * kh * kw * r2 * r3 + pout * r3 * s,
      dense: spatial + kh * kw * r2 * c * r3 + kh * kw * c * r3 * s + pout * kh * kw * c * s,
    };
  }

  protected rebuild(): tf.Tensor {
    const n = this.modes();
    let t: tf.Tensor = this.cores[0].read();
    for (let k = 1; k < 4; k++) {
      t = tf.matMul(tf.reshape(t, [-1, this.ranks[k]]) as tf.Tensor2D, tf.reshape(this.cores[k].read(), [this.ranks[k], -1]) as tf.Tensor2D);
    }
    return tf.reshape(t, n);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = x.shape;
    const [kh, kw] = this.kernelSize;
    const [, r1, r2, r3] = this.ranks;
    // Channels: Z[b, y, x, α_2, α_3] = Σ_c X[b, y, x, c] G_3[α_2, c, α_3].
    const g3 = tf.reshape(tf.transpose(this.cores[2].read(), [1, 0, 2]), [c, r2 * r3]);
    const z = tf.reshape(pointwise(x, g3), [b, h, w, r2, r3]);
    // Space: one filter F[i, j, α_2] = G_1[i] G_2[j] per α_3 slice, slices moved into the batch.
    const f = tf.reshape(
      tf.matMul(tf.reshape(this.cores[0].read(), [kh, r1]) as tf.Tensor2D, tf.reshape(this.cores[1].read(), [r1, kw * r2]) as tf.Tensor2D),
      [kh, kw, r2, 1],
    );
    const zs = tf.reshape(tf.transpose(z, [0, 4, 1, 2, 3]), [b * r3, h, w, r2]);
    const u = conv(zs as tf.Tensor4D, f as tf.Tensor4D, this.strides, this.padding);
    const [ho, wo] = [u.shape[1], u.shape[2]];
    const v = tf.transpose(tf.reshape(u, [b, r3, ho, wo]), [0, 2, 3, 1]);
    return pointwise(v, tf.reshape(this.cores[3].read(), [r3, this.filters]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, ranks: this.ranks };
  }
}
tf.serialization.registerClass(NaiveTTConv2D);

