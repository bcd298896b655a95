// The base of the factorized convolutions (CP, Tucker-2, TT, naive TT), as tfjs-layers' BaseConv
// is of Conv2D: it owns the geometry (kernel size, strides, padding), the output shape,
// the build steps every one of them takes (channel check, bias, input spec), the dense path (one
// convolution with the rebuilt kernel) and the geometry part of the config. A subclass keeps its
// factors (buildFactors), its parameter and MAC counts, and its two paths (rebuild, factored).
// No dilation: tfjs 4.22 has no gradient for a dilated conv2d or depthwiseConv2d, so a dilated
// factorized layer could not be trained (compress refuses a dilated Conv2D for that reason).
import * as tf from "@tensorflow/tfjs";
import { type ConvGeometry, type ConvPadding, type FactorInit, checkConvPadding, checkPadding, conv, convOutSpatial, imageShape, oneShape, pair } from "./common";
import { FactorLayer, type FactorLayerArgs } from "./factor-layer";

export interface FactorConv2DArgs extends FactorLayerArgs {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** "same", "valid" or symmetric zero padding p (as PyTorch's padding = p) where the layer takes it. */
  padding?: ConvPadding;
}

export abstract class FactorConv2D extends FactorLayer implements ConvGeometry {
  abstract readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  /** Input channels, known once built. */
  protected channels = 0;

  /** `numericPadding`: whether the layer takes a number of zero rows / columns (CP and Tucker-2 do). */
  constructor(args: FactorConv2DArgs, defaultInit: FactorInit, numericPadding: boolean) {
    super(args, defaultInit);
    this.kernelSize = pair("kernelSize", args.kernelSize, 1);
    this.strides = pair("strides", args.strides, 1);
    this.padding = numericPadding ? checkConvPadding(args.padding) : checkPadding(args.padding);
  }

  /** Adds the factor weights for `channels` input channels (the bias is added after them). */
  protected abstract buildFactors(channels: number): void;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = imageShape(this.getClassName(), oneShape(inputShape))[2];
    this.channels = c;
    this.buildFactors(c);
    this.addBiasWeight(this.filters);
    this.declareInput("channels", c);
    this.built = true;
  }

  /** Output [H', W'] for an input [batch, H, W, C] (null where unknown). */
  protected outSpatial(shape: readonly (number | null)[]): [number | null, number | null] {
    return convOutSpatial(this, shape);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = oneShape(inputShape);
    return [shape[0], ...this.outSpatial(shape), this.filters];
  }

  protected dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return conv(x as tf.Tensor4D, w as tf.Tensor4D, this.strides, this.padding);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}
