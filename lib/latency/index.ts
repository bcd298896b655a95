// tn.latency: the LETI pipeline of musco.md §2.10 (thesis chapter 3) on this machine: generate
// NAS-Bench-101-style cells, build and measure them on the active backend, and fit latency
// predictors (FLOP-linear RANSAC with and without memory clusters, lookup table, boosted trees,
// GCN), scored by accuracy within ±10 % and R². tn.experiments.leti runs the study per profile.
export { OPS, MAX_NODES, MAX_EDGES, INPUT_SHAPE, CHANNELS, generateCells, cellHash, isValid, prune, checkCell, inputsOf, edgeCount, type Cell, type Op, type NodeKind, type GenerateOptions } from "./cells";
export { buildCellModel, CLASSES } from "./build";
export { cellBlocks, blockModel, type BlockKey } from "./blocks";
export { measureCell, measureBlocks, timeModel, timeRuns, environment, type CellRecord, type Timing, type TimingOptions, type MeasureEnvironment } from "./measure";
export { analyticCounts, featureVector, FEATURE_NAMES, depth } from "./features";
export { accuracyWithin, rSquared } from "./metrics";
export { saveDataset, loadDataset, DATASET_FORMAT, type LatencyDataset } from "./dataset";
export * as predictors from "./predictors";
// The same lookup table for factorized networks: a layer's geometry at one form and rank as a block.
export { layerGeometry, currentVariant, variantKey, geometryKey, variantModel, measureVariants, type LayerGeometry, type ConvGeometry, type DenseGeometry, type LayerVariant, type VariantMethod, type VariantKey, type GeometryKey, type VariantTiming } from "./factorized";
export { LayerLatencyTable, type LayerTableOptions, type MeasuredNetwork } from "./layer-table";
export type { LatencyPredictor, LatencySample } from "./predictors";
