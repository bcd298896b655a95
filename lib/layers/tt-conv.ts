// Garipov's TT convolution (tt-conv.md §2.6): kernel
//   K[h, w, c, s] = G_0[h, w, :] · G_1[:, c_1, s_1, :] ··· G_d[:, c_d, s_d, :]
// with channel multi-indices row-major (c_1 slowest, as in the authors' TensorFlow code).
// Weights: "spatial" [kh, kw, 1, r_0], "core_k" [r_{k-1}, C_k, S_k, r_k] with r_d = 1.
// For a 1×1 kernel with r_0 = 1 this is the TT-matrix layer applied at every pixel.
import * as tf from "@tensorflow/tfjs";
import { ttMatrix } from "../decomp/tt-matrix";
import { fail } from "../errors";
import { reshape, toTensor } from "../linalg/ndarray";
import { type Padding, chainStd, checkModes, conv, expandRanks, normalInit, prod, targetVariance, tf1XavierStd, truncNormalInit } from "./common";
import { FactorConv2D, type FactorConv2DArgs } from "./factor-conv";
import type { PathCosts } from "./factor-layer";
import { type Decomposed, type FromConvOptions, checkModePair, convArgs, finish, readConv } from "./from-trained";
import { ttApply, ttApplyMacs, ttCoreParams, ttRebuild, ttRebuildMacs } from "./tt-chain";

export interface TTConv2DArgs extends FactorConv2DArgs {
  /** Input channel modes C_1..C_d (product = input channels). */
  inModes: number[];
  /** Output channel modes S_1..S_d (product = filters). */
  outModes: number[];
  /** [r_0 (spatial→channel), r_1, ..., r_{d-1}, 1], or one rank for all but the last. */
  ranks: number | number[];
  padding?: Padding;
}

export class TTConv2D extends FactorConv2D {
  static className = "TTConv2D";
  readonly inModes: number[];
  readonly outModes: number[];
  readonly ranks: number[];
  readonly filters: number;
  private spatial!: tf.LayerVariable;
  private cores: tf.LayerVariable[] = [];

  /**
   * A trained convolution's kernel as this layer's TT: the TT-SVD of the TT-matrix
   * [kh·kw·∏inModes, ∏outModes] with mode pairs (kh·kw, 1), (C_1, S_1), ..., whose first core is
   * the spatial one. `ranks`: [r_0, ..., r_{d-1}, 1] as bounds, or one bound for all.
   */
  static fromConv(source: tf.layers.Layer, modes: { inModes: number[]; outModes: number[]; ranks: number | number[] }, opts: FromConvOptions = {}): Decomposed<TTConv2D> {
    const src = readConv(source, "TTConv2D.fromConv", opts);
    const k = src.kernel;
    const [kh, kw, cin, cout] = k.shape;
    const [inModes, outModes] = checkModePair(opts.argPrefix ?? "opts", modes.inModes, modes.outModes, [cin, cout], ["input channels", "filters"]);
    // One bound is clipped per bond to what the shape allows; a list is the TT-matrix's [1, r_0, ..., 1].
    const ranks = typeof modes.ranks === "number" ? modes.ranks : [1, ...modes.ranks];
    const tt = ttMatrix(reshape(k, [kh * kw * cin, cout]), [kh * kw, ...inModes], [1, ...outModes], { ranks });
    const layerRanks = tt.ranks.slice(1);
    const cores = tt.cores.map((c, i) => toTensor(i === 0 ? reshape(c, [kh, kw, 1, layerRanks[0]]) : c));
    const layer = new TTConv2D({ ...convArgs(src), padding: src.padding as Padding, inModes, outModes, ranks: layerRanks });
    return finish(layer, src, cores);
  }

  constructor(args: TTConv2DArgs) {
    super(args, "paper", false);
    this.inModes = checkModes("inModes", args.inModes);
    this.outModes = checkModes("outModes", args.outModes);
    if (this.outModes.length !== this.inModes.length) {
      fail("outModes", args.outModes, `${this.inModes.length} modes, as many as inModes [${this.inModes.join(", ")}]`);
    }
    this.ranks = expandRanks("ranks", args.ranks, this.inModes.length, undefined);
    this.filters = prod(this.outModes);
  }

  protected buildFactors(c: number): void {
    if (c !== prod(this.inModes)) {
      fail("inModes", this.inModes, `modes multiplying to the input's ${c} channels (they multiply to ${prod(this.inModes)})`);
    }
    const [kh, kw] = this.kernelSize;
    const r = this.ranks;
    const d = this.inModes.length;
    const std = this.init === "paper" ? 0 : chainStd(targetVariance(this.init, kh * kw * c, kh * kw * this.filters), prod(r.slice(0, d)), d + 1);
    // tt-conv.md §2.6: TF1 xavier (truncated normal, σ = √(1.3·2/(fan_in + fan_out))) on the
    // stored arrays: spatial [ℓ, ℓ, 1, r_0] (fans ℓ², ℓ² r_0), core k as [S_k r_k, r_{k-1} C_k].
    const xavier = (fanIn: number, fanOut: number, k: number) => truncNormalInit(tf1XavierStd(fanIn, fanOut), this.seed, k);
    this.spatial = this.addWeight(
      "spatial",
      [kh, kw, 1, r[0]],
      "float32",
      this.init === "paper" ? xavier(kh * kw, kh * kw * r[0], 0) : normalInit(std, this.seed, 0),
    );
    for (let k = 0; k < d; k++) {
      const init =
        this.init === "paper"
          ? xavier(this.outModes[k] * r[k + 1], r[k] * this.inModes[k], k + 1)
          : normalInit(std, this.seed, k + 1);
      this.cores.push(this.addWeight(`core_${k + 1}`, [r[k], this.inModes[k], this.outModes[k], r[k + 1]], "float32", init));
    }
  }

  params(): number {
    const [kh, kw] = this.kernelSize;
    return kh * kw * this.ranks[0] + ttCoreParams(this.inModes, this.outModes, this.ranks) + (this.useBias ? this.filters : 0);
  }

  /**
   * With P = B·H'·W' output pixels: factored = P · (kh kw r_0 C + Σ_k r_{k-1} r_k C_k S_k (∏_{j<k} S_j)(∏_{j>k} C_j))
   * (tt-conv.md §2.6, the core-by-core `tt_conv`); dense = rebuild + P · kh kw C S.
   */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const [kh, kw] = this.kernelSize;
    const [ho, wo] = this.outSpatial(inputShape);
    const p = (inputShape[0] ?? 1) * (ho ?? 1) * (wo ?? 1);
    const c = prod(this.inModes);
    const rebuild = ttRebuildMacs(this.inModes, this.outModes, this.ranks) + kh * kw * this.ranks[0] * c * this.filters;
    return {
      factored: p * (kh * kw * this.ranks[0] * c + ttApplyMacs(this.inModes, this.outModes, this.ranks)),
      dense: rebuild + p * kh * kw * c * this.filters,
    };
  }

  protected rebuild(): tf.Tensor {
    const [kh, kw] = this.kernelSize;
    const r0 = this.ranks[0];
    const c = prod(this.inModes);
    const chain = ttRebuild(
      this.cores.map((v) => v.read()),
      this.inModes,
      this.outModes,
      this.ranks,
    );
    const k = tf.matMul(tf.reshape(this.spatial.read(), [kh * kw, r0]) as tf.Tensor2D, tf.reshape(chain, [r0, c * this.filters]) as tf.Tensor2D);
    return tf.reshape(k, [kh, kw, c, this.filters]);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = x.shape;
    // Every input channel is convolved with the r_0 spatial filters (Garipov's `tt_conv`).
    const z = conv(
      tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [b * c, h, w, 1]) as tf.Tensor4D,
      this.spatial.read() as tf.Tensor4D,
      this.strides,
      this.padding,
    );
    const [ho, wo] = [z.shape[1], z.shape[2]];
    const r0 = this.ranks[0];
    // [B·C, H', W', r_0] = [B, C_1, C_2..C_d, H', W', r_0] → [B, H', W', C_2..C_d, r_0, C_1]: the
    // layout ttApply takes, columns = output pixels.
    const c1 = this.inModes[0];
    // H' and W' travel together: as one axis the transpose is 5-D, which wasm does without its slow generic path.
    const zt = tf.reshape(tf.transpose(tf.reshape(z, [b, c1, c / c1, ho * wo, r0]), [0, 3, 2, 4, 1]), [b, ho, wo, c / c1, r0, c1]);
    const y = ttApply(
      zt,
      this.cores.map((v) => v.read()),
      this.inModes,
      this.outModes,
      this.ranks,
    );
    return tf.reshape(y, [b, ho, wo, this.filters]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inModes: this.inModes, outModes: this.outModes, ranks: this.ranks };
  }
}
tf.serialization.registerClass(TTConv2D);
