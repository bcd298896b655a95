// The papers' architectures, with parameter counts that match the papers: every network
// tn.experiments trains is built here.
export { trainableParams } from "./count";
export { cpConvMnistBase, cpConvMnistTens, pytorchConvInit, type ConvFactory } from "./cp-conv-mnist";
export { ttConvBaseline, type TTConvBaseline, type TTConvFactories } from "./tt-conv";
export { ttConvNet, CONV_LAYERS as TT_CONV_LAYERS, FC_LAYERS as TT_CONV_FC_LAYERS, CHANNEL_MODES as TT_CONV_CHANNEL_MODES, type Config as TTConvConfig, type Family as TTConvFamily } from "./tt-conv-net";
export { vggS } from "./vgg-s";
export { lenet300, lenet5 } from "./lenet";
export { resnet18Cifar, RESNET18_DECOMPOSED } from "./resnet18";
export {
  TT_FC_MODELS,
  ttFcSpec,
  specParams,
  layerParams,
  buildFcNet,
  buildTtFcNet,
  ttDense,
  type FcNetSpec,
  type FcLayerSpec,
  type TTLayerFactory,
  type BuildOptions,
} from "./tt-fc";
