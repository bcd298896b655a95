// Novikov et al.'s TT-matrix fully-connected layer (tt-fc.md §2.3–2.5): y = x·W + b with
// W [∏inModes, ∏outModes] held as TT cores [r_{k-1}, inModes[k], outModes[k], r_k] — the core
// layout of tn.decomp's TTMatrix, so a TTMatrix's cores can be set as this layer's weights.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { FACTOR_INITS, chainStd, checkModes, expandRanks, normalInit, oneShape, prod, targetVariance, tf1XavierStd, truncNormalInit, uniformInit } from "./common";
import { ttMatrix } from "../decomp/tt-matrix";
import { toTensor } from "../linalg/ndarray";
import { FactorLayer, type FactorLayerArgs, type PathCosts } from "./factor-layer";
import { type Decomposed, type FromTrainedOptions, baseArgs, checkModePair, finish, readDense } from "./from-trained";
import { nativeTTChain } from "../native/tt-chain";
import { ttApply, ttApplyRows, ttApplyMacs, ttCoreParams, ttRebuild, ttRebuildMacs } from "./tt-chain";

const ROWS_BACKENDS = ["tensorflow", "cpu"];

export interface TTDenseArgs extends FactorLayerArgs {
  inModes: number[];
  outModes: number[];
  /** Full list [1, r_1, ..., r_{d-1}, 1] or one inner rank for all. */
  ranks: number | number[];
}

export class TTDense extends FactorLayer {
  static className = "TTDense";
  readonly inModes: number[];
  readonly outModes: number[];
  readonly ranks: number[];
  readonly units: number;
  private cores: tf.LayerVariable[] = [];

  /**
   * The TT-SVD of a trained Dense (or factorized dense) layer's kernel [∏inModes, ∏outModes] as a
   * TT-matrix (tt-fc.md §2.3) with ranks at most `ranks` (one bound or the list [1, ..., 1]).
   */
  static fromDense(source: tf.layers.Layer, modes: { inModes: number[]; outModes: number[]; ranks: number | number[] }, opts: FromTrainedOptions = {}): Decomposed<TTDense> {
    const src = readDense(source, "TTDense.fromDense", opts);
    const [inModes, outModes] = checkModePair(opts.argPrefix ?? "opts", modes.inModes, modes.outModes, src.kernel.shape, ["input features", "units"]);
    const tt = ttMatrix(src.kernel, inModes, outModes, { ranks: modes.ranks });
    const layer = new TTDense({ ...baseArgs(src), inModes, outModes, ranks: [...tt.ranks] });
    return finish(layer, src, tt.cores.map((c) => toTensor(c)));
  }

  constructor(args: TTDenseArgs) {
    super(args, "paper", [...FACTOR_INITS, "tensornet"]);
    this.inModes = checkModes("inModes", args.inModes);
    this.outModes = checkModes("outModes", args.outModes);
    if (this.outModes.length !== this.inModes.length) {
      fail("outModes", args.outModes, `${this.inModes.length} modes, as many as inModes [${this.inModes.join(", ")}]`);
    }
    this.ranks = expandRanks("ranks", args.ranks, this.inModes.length, 1);
    this.units = prod(this.outModes);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = oneShape(inputShape);
    const features = shape[shape.length - 1];
    const m = prod(this.inModes);
    if (features !== m) {
      fail("inModes", this.inModes, `modes multiplying to the input's ${features} features (they multiply to ${m})`);
    }
    const d = this.inModes.length;
    const r = this.ranks;
    for (let k = 0; k < d; k++) {
      this.cores.push(this.addWeight(`core_${k + 1}`, [r[k], this.inModes[k], this.outModes[k], r[k + 1]], "float32", this.coreInit(k, m)));
    }
    this.addBiasWeight(
      this.units,
      this.init === "paper" ? uniformInit(1 / Math.sqrt(r[0] * r[1] * this.outModes[0]), this.seed, d) : tf.initializers.zeros(),
    );
    this.declareInput("features", m);
    this.built = true;
  }

  private coreInit(k: number, fanIn: number) {
    const r = this.ranks;
    switch (this.init) {
      case "paper":
        // tt-fc.md §2.5: kaiming_uniform(a = √5) on PyTorch's core (m_k, r_{k-1}, r_k, n_k) is U(±1/√(r_{k-1} r_k n_k)).
        return uniformInit(1 / Math.sqrt(r[k] * r[k + 1] * this.outModes[k]), this.seed, k);
      case "tensornet":
        // TensorNet stores core k as the matrix [n_k r_k, r_{k-1} m_k] (tt-conv.md §2.6).
        return truncNormalInit(tf1XavierStd(this.outModes[k] * r[k + 1], r[k] * this.inModes[k]), this.seed, k);
      default: {
        const d = this.inModes.length;
        return normalInit(chainStd(targetVariance(this.init, fanIn, this.units), prod(r.slice(1, d)), d), this.seed, k);
      }
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = oneShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  params(): number {
    return ttCoreParams(this.inModes, this.outModes, this.ranks) + (this.useBias ? this.units : 0);
  }

  /**
   * Factored: B · Σ_k r_{k-1} m_k n_k r_k (∏_{l>k} m_l)(∏_{l<k} n_l);
   * dense: Σ_{k≥2} (∏_{l<k} m_l n_l) r_{k-1} m_k n_k r_k (rebuilding W) + B · M · N.
   */
  pathCosts(inputShape: (number | null)[]): PathCosts {
    const b = inputShape.slice(0, -1).reduce<number>((a, s) => a * (s ?? 1), 1);
    return {
      factored: b * ttApplyMacs(this.inModes, this.outModes, this.ranks),
      dense: ttRebuildMacs(this.inModes, this.outModes, this.ranks) + b * prod(this.inModes) * this.units,
    };
  }

  protected rebuild(): tf.Tensor {
    const w = ttRebuild(
      this.cores.map((c) => c.read()),
      this.inModes,
      this.outModes,
      this.ranks,
    );
    return tf.reshape(w, [w.shape[1], w.shape[2]]);
  }

  protected factored(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const cores = this.cores.map((c) => c.read());
    const x2 = tf.reshape(x, [-1, prod(this.inModes)]);
    // One fused kernel forward and one backward where the native addon runs under wasm.
    let y: tf.Tensor | undefined = nativeTTChain(x2, cores, this.inModes, this.outModes, this.ranks);
    // The transpose-free chain where it measured faster (fwd+bwd of the MNIST 4096 → 2048 layer,
    // batch 100: 2.5x on tensorflow, 2x on cpu; 1.7x slower on wasm, whose batched products of
    // many small matrices are slow).
    if (!y && x2.shape[0] > 0 && ROWS_BACKENDS.includes(tf.getBackend())) y = ttApplyRows(x2 as tf.Tensor2D, cores, this.inModes, this.outModes, this.ranks);
    if (!y) {
      // [B, m_1, m_2..m_d] → [B, m_2..m_d, (r_0 = 1), m_1], the layout ttApply takes.
      const x3 = tf.transpose(tf.reshape(x2, [-1, this.inModes[0], prod(this.inModes.slice(1))]), [0, 2, 1]);
      y = ttApply(x3, cores, this.inModes, this.outModes, this.ranks);
    }
    return tf.reshape(y, [...lead, this.units]);
  }

  protected dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    const y = tf.matMul(tf.reshape(x, [-1, prod(this.inModes)]) as tf.Tensor2D, w as tf.Tensor2D);
    return tf.reshape(y, [...lead, this.units]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inModes: this.inModes, outModes: this.outModes, ranks: this.ranks };
  }
}
tf.serialization.registerClass(TTDense);
