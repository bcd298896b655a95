// The base of every factorized layer: bias, activation, initializer choice, the forward-path
// choice by multiply-add count, and the accounting (params, MACs, dense weight) tn.flops and
// tn.compress read.
import * as tf from "@tensorflow/tfjs";
import type { LayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import { type Initializer, type ActivationName, type FactorInit, type ForwardPath, activate, addBias, checkActivation, checkInit, checkPath, choosePath } from "./common";

export interface FactorLayerArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  dtype?: "float32";
  useBias?: boolean;
  activation?: ActivationName;
  /** "paper" (the source paper's scheme), "glorot" or "he" (variance of the represented weight); TTDense also takes "tensornet". */
  kernelInitializer?: FactorInit;
  /** Seed of the initializers (each factor gets its own stream derived from it). */
  seed?: number;
  /** Forward evaluation; "auto" picks the one with fewer multiply-adds for the batch at hand. */
  path?: ForwardPath;
}

/** Multiply-adds of both evaluations for one input shape (batch included). */
export interface PathCosts {
  /** Through the factors. */
  factored: number;
  /** Rebuilding the dense weight, then one matmul / convolution. */
  dense: number;
}

export abstract class FactorLayer extends tf.layers.Layer {
  readonly useBias: boolean;
  readonly activationName: ActivationName;
  readonly init: FactorInit;
  readonly seed: number | undefined;
  readonly path: ForwardPath;
  protected bias: tf.LayerVariable | null = null;
  /** The path the last call took (for tests and benchmarks). */
  lastPath: "factored" | "dense" | undefined;

  constructor(args: FactorLayerArgs, defaultInit: FactorInit, inits?: readonly FactorInit[]) {
    super(args as LayerArgs);
    this.useBias = args.useBias ?? true;
    this.activationName = checkActivation(args.activation);
    this.init = checkInit(args.kernelInitializer, defaultInit, inits);
    this.seed = args.seed ?? undefined;
    this.path = checkPath(args.path);
  }

  /** Trainable parameter count (factors + bias). */
  abstract params(): number;
  /** Multiply-adds of the factored evaluation for `inputShape` (a null batch counts as 1), bias excluded. */
  macs(inputShape: (number | null)[]): number {
    return this.pathCosts(inputShape).factored;
  }
  /** Multiply-adds of both evaluation paths. */
  abstract pathCosts(inputShape: (number | null)[]): PathCosts;
  /** The dense kernel this layer represents: [in, out] for dense layers, [kh, kw, cin, cout] for convolutions. */
  denseWeight(): tf.Tensor {
    return tf.tidy(() => this.rebuild());
  }
  /** The factor values in the order of `this.weights` without the bias. */
  factorWeights(): tf.Tensor[] {
    return this.getWeights().slice(0, this.useBias ? -1 : undefined);
  }
  biasWeight(): tf.Tensor | null {
    return this.bias ? this.bias.read().clone() : null;
  }

  /** Frees the variables of a layer built outside a model (a fromDense / fromConv result used only for its config). */
  release(): void {
    this.disposeWeights();
  }

  protected abstract rebuild(): tf.Tensor;
  protected abstract factored(x: tf.Tensor): tf.Tensor;
  protected abstract dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor;

  /**
   * Declares the input build found, as tfjs's own layers do, so that apply() refuses an input
   * with another feature or channel count by naming the layer and the expected size, instead of
   * failing later inside a reshape or matmul.
   */
  protected declareInput(kind: "features" | "channels", size: number): void {
    this.inputSpec = [
      kind === "features" ? new tf.InputSpec({ minNDim: 2, axes: { [-1]: size } }) : new tf.InputSpec({ ndim: 4, axes: { [-1]: size } }),
    ];
  }

  protected addBiasWeight(units: number, init: Initializer = tf.initializers.zeros()): void {
    if (this.useBias) this.bias = this.addWeight("bias", [units], "float32", init);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const c = this.pathCosts(x.shape);
      const p = choosePath(this.path, c.factored, c.dense);
      this.lastPath = p;
      const y = p === "dense" ? this.dense(x, this.rebuild()) : this.factored(x);
      return activate(addBias(y, this.bias), this.activationName);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      useBias: this.useBias,
      activation: this.activationName,
      kernelInitializer: this.init,
      seed: this.seed ?? null,
      path: this.path,
    };
  }
}

/** Reads optional config values that arrive as null after a JSON round trip. */
export function orUndef<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}
