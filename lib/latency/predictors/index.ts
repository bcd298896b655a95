// The latency predictors of thesis §3.3, one per file, all behind LatencyPredictor.
export { type LatencyPredictor, type LatencySample } from "./types";
export { RansacFlops, ransacLine, leastSquares, type Line, type RansacOptions } from "./ransac";
export { RansacMemoryClusters, type MemoryClusterOptions } from "./memory-ransac";
export { LookupTable, type BlockSample } from "./lookup";
export { BoostedTrees, type BoostOptions } from "./boosted-trees";
export { GraphConvNet, type GcnOptions } from "./gcn";
