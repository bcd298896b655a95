// Factorized TensorFlow.js layers (TT, CP, Tucker-2, SVD) that save and load with the model; each
// has a static fromDense / fromConv that builds it from a trained layer (from-trained.ts).
export { TTDense, type TTDenseArgs } from "./tt-dense";
export { TTConv2D, type TTConv2DArgs } from "./tt-conv";
export { NaiveTTConv2D, type NaiveTTConv2DArgs } from "./naive-tt-conv";
export { CPConv2D, type CPConv2DArgs, type CPVariant, type CPFromConvOptions } from "./cp-conv";
export { Tucker2Conv2D, type Tucker2Conv2DArgs } from "./tucker2-conv";
export { SVDDense, type SVDDenseArgs } from "./svd-dense";
export { FactorLayer, type FactorLayerArgs, type PathCosts } from "./factor-layer";
export { FactorConv2D, type FactorConv2DArgs } from "./factor-conv";
export { type Decomposed, type FromTrainedOptions, type FromConvOptions, denseKernel } from "./from-trained";
export { type ActivationName, type FactorInit, type ForwardPath, chainStd } from "./common";
export { ttApply, ttRebuild, ttApplyMacs, ttRebuildMacs, ttCoreParams } from "./tt-chain";

import { CPConv2D } from "./cp-conv";
import { FactorLayer } from "./factor-layer";
import { NaiveTTConv2D } from "./naive-tt-conv";
import { SVDDense } from "./svd-dense";
import { TTConv2D } from "./tt-conv";
import { TTDense } from "./tt-dense";
import { Tucker2Conv2D } from "./tucker2-conv";
import type * as tf from "@tensorflow/tfjs";

/** True for the layers of this module (they carry params(), macs() and denseWeight()). */
export function isFactorLayer(l: tf.layers.Layer): l is FactorLayer {
  return l instanceof FactorLayer;
}

export const FACTOR_LAYER_CLASSES = [TTDense, TTConv2D, NaiveTTConv2D, CPConv2D, Tucker2Conv2D, SVDDense] as const;
