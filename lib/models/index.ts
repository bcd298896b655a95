// The papers' architectures, with parameter counts that match the papers.
export { trainableParams } from "./count";
export { cpConvMnistBase, pytorchConvInit, type ConvFactory } from "./cp-conv-mnist";
export { ttConvBaseline, type TTConvBaseline, type TTConvFactories } from "./tt-conv";
export { resnet18Cifar, RESNET18_DECOMPOSED } from "./resnet18";
export {
  TT_FC_MODELS,
  ttFcSpec,
  specParams,
  layerParams,
  buildFcNet,
  type FcNetSpec,
  type FcLayerSpec,
  type TTLayerFactory,
  type BuildOptions,
} from "./tt-fc";
