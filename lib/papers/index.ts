// tn.papers: each paper's reported numbers as data (from the cards' §5 tables), recording of
// reproduced values in notebooks, and the side-by-side report.
export type { PaperId, PaperInfo, Target, Unit, TargetId, TargetIdOf, ModelId, ModelOf, QuantityOf, CheckedId } from "./types";
export { PAPER_PREFIX } from "./types";
export { TARGET_IDS } from "./target-ids";
export { papers, allTargets, target, targets, paperOf, targetId, modelOf, rowLabel } from "./registry";
export { record, records, clearRecords, save, resultsDir, currentProfile, currentBackend, loadRecordFile, mergeRecords, type RunRecord, type RecordOptions } from "./record";
export { compare, report, reportMarkdown, reportJson, type ComparisonRow, type ReportMeta, type StoredRun, type RunInProgressRow } from "./compare";
export { RunStore, runStore, machineName, type RunMeta, type RunStatus, type RunInProgress, type RunStoreOptions, type StoredTraining } from "./run-store";
