// Compressing trained models: Dense / Conv2D layers → factorized layers with decomposed weights
// (SVD, TT, CP3 / CP4, Tucker-2), ranks given, by EVBMF or for a target ratio; MUSCO re-compression
// of SVD, Tucker-2 and CP layers and the multi-stage compress + fine-tune loop. Which layers each
// method takes and how it builds is the table in methods.ts (its builds call the layers' own
// fromDense / fromConv).
export { compressModel, type LayerPlan, type Method, type CompressRow, type CompressResult } from "./compress";
export { multiStage, type MultiStageOptions, type StageReport } from "./multistage";
export { replaceLayers, type Replacement } from "./surgery";
