// Compressing trained models: Dense / Conv2D layers → factorized layers with decomposed weights
// (SVD, TT, CP3 / CP4, Tucker-2), ranks given, by EVBMF or for a target ratio; MUSCO re-compression
// of SVD, Tucker-2 and CP layers and the multi-stage compress + fine-tune loop. Which layers each
// method takes and how it builds is the table in methods.ts (its builds call the layers' own
// fromDense / fromConv).
export { compressModel, type LayerPlan, type Method, type CompressRow, type CompressResult } from "./compress";
export { multiStage, type MultiStageOptions, type StageReport, type RankStrategy } from "./multistage";
// Ranks for a latency target on this machine (MUSCO's loop with a LETI-style layer latency table):
// each layer's grid ranks with the kernel energy they lose, the greedy choice, and the strategy.
export { rankCandidates, DEFAULT_FRACTIONS, type RankCandidate, type GridOptions, type LatencyMethod } from "./rank-candidates";
export { selectRanks, fastestMs, type LayerOption, type SelectInput, type Selection } from "./latency-select";
export { latencyStrategy, latencyOptions, predictedModelMs, fastestPredictedMs, targetMs, type LatencyTarget, type LatencyStrategyOptions, type StageSelection } from "./latency-strategy";
export { replaceLayers, type Replacement } from "./surgery";
