// tn.experiments: one small function per table or figure of each paper, so a notebook cell and
// `tnlab reproduce` run the same code. Budgets come from the profile (smoke | quick | paper). The
// architectures are in lib/models, what the paper modules share (data cut to a budget, training
// with a recipe, test accuracy, timed inference, run results) in shared.ts, and the papers'
// numbers and typed target ids in lib/papers. No paper module imports another.
export { PROFILES, resolveProfile, byProfile, type Profile } from "./profile";
export * as cpConvMnist from "./cp-conv-mnist";
export * as teaching from "./teaching";
export * as resnet18CpTucker from "./resnet18-cp-tucker";
export * as ttFc from "./tt-fc";
import * as muscoStudies from "./musco";
import * as muscoLatency from "./musco-latency";
/** musco.md: the chapter 1 studies (musco.ts, musco-ranks.ts) and ranks for a latency target (musco-latency.ts). */
export const musco = { ...muscoStudies, ...muscoLatency };
export * as muscoResnet18 from "./musco-resnet18";
export * as ron from "./ron";
export * as leti from "./leti";
import * as ttConvConfigs from "./tt-conv";
import * as ttConvRuns from "./tt-conv-runs";
import * as ttConvSeeds from "./tt-conv-seeds";
/** tt-conv.md: configurations and counts (tt-conv.ts), training runs (tt-conv-runs.ts) and their seeds (tt-conv-seeds.ts). */
export const ttConv = { ...ttConvConfigs, ...ttConvRuns, ...ttConvSeeds };
/** The runs of `tnlab train` as notebooks show them: finished beside the paper, or in progress with the time left. */
export { longRunRows, longRunTable, longRunHistories, type LongRunRow } from "./long-run-views";
/** When a difference of two mean accuracies counts: the seeds' spread beside the test set's noise. */
export { differenceMargin, meanSd } from "./shared";
