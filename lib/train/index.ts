// tn.train: the fit loop (optimizers, LR schedules, metrics, epoch selection, early stopping,
// checkpoints and resume, seeds, progress).
export { fit, evaluate, type FitOptions, type FitData, type FitResult, type BatchInfo } from "./fit";
export { makeOptimizer, setLearningRate, getLearningRate, disposeOptimizer, type OptimizerSpec } from "./optimizers";
export { learningRateAt, type Schedule } from "./schedules";
export { withSeed, seedMathRandom, mixSeed } from "./seed";
export { historyCsv, saveHistory, writeAtomic, type History, type EpochRecord, type Selection } from "./history";
export {
  readCheckpoint,
  loadCheckpoint,
  writeCheckpoint,
  previousCheckpointFile,
  damagedCheckpointFile,
  CheckpointError,
  modelSnapshot,
  restoreModel,
  type CheckpointHeader,
} from "./checkpoint";
