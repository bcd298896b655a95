// tn.papers: each paper's reported numbers as data (from the cards' §5 tables), recording of
// reproduced values in notebooks, and the side-by-side report.
export type { PaperId, PaperInfo, Target, Unit } from "./types";
export { papers, allTargets, target, targets, paperOf } from "./registry";
export { record, records, clearRecords, save, resultsDir, currentProfile, currentBackend, loadRecordFile, mergeRecords, type RunRecord, type RecordOptions } from "./record";
export { compare, report, reportMarkdown, reportJson, type ComparisonRow, type ReportMeta, type StoredRun } from "./compare";
export { RunStore, runStore, machineName, type RunMeta, type RunStatus, type RunInProgress, type RunStoreOptions, type StoredTraining } from "./run-store";
