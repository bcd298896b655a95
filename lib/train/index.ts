// tn.train: the fit loop (fit.ts: optimizers, LR schedules, metrics, seeds) and its callbacks
// (callbacks.ts): epoch selection and early stopping (selection.ts), checkpoints and resume
// (checkpointer.ts, checkpoint.ts), progress and live chart through display hooks (display-hooks.ts),
// weight averaging and debiased BatchNorm statistics (averaging.ts), re-estimated BatchNorm
// statistics and the signal each BatchNorm layer passes (batchnorm-stats.ts).
export { fit, type FitOptions, type FitData, type FitResult } from "./fit";
export { evaluate } from "./evaluate";
export { CallbackList, type Callback, type CallbackState, type FitState, type BatchInfo, type EpochStart } from "./callbacks";
export { WeightAverage, debiasedBatchNorm } from "./averaging";
export { batchNormSignal, reestimateBatchNorm, type BatchNormSignal, type ReestimateOptions } from "./batchnorm-stats";
export { bestEpoch, earlyStopping } from "./selection";
export { checkpointer } from "./checkpointer";
export { TrainingPaused, pauseAfter, requestPause } from "./pause";
export { setDefaultTrainDisplay, defaultTrainDisplay, progressCallback, liveChartCallback, epochLine, type TrainDisplay, type RunProgress, type LiveHistoryChart } from "./display-hooks";
export { makeOptimizer, setLearningRate, getLearningRate, disposeOptimizer, type OptimizerSpec } from "./optimizers";
export { learningRateAt, type Schedule } from "./schedules";
export { withSeed, seedMathRandom, randomStream, mixSeed } from "./seed";
export { engineSegments, historyCsv, runStart, saveHistory, trainingSeconds, type History, type EpochRecord, type Selection } from "./history";
export { writeAtomic } from "../atomic-file";
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
