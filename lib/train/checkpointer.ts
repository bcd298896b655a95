// fit's checkpoint callback: on start, refuses to overwrite another run's checkpoint or resumes
// from it (model, optimizer with its hidden state, history, the selected epoch's weights); after
// every epoch, writes checkpoint.tnckpt (TNCKPT02, see checkpoint.ts) and history.json/.csv.
// Callbacks with state of their own (a stateKey) are saved with it and restored on resume.
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../errors";
import type { Callback, CallbackState, FitState } from "./callbacks";
import { checkpointExists, concatSnapshots, damagedCheckpointFile, loadCheckpoint, modelSnapshot, restoreModel, snapshot, snapshotUnder, writeCheckpoint, type Snapshot } from "./checkpoint";
import { saveHistory } from "./history";
import { pauseDue, TrainingPaused } from "./pause";

// Scalar variables an optimizer keeps outside getWeights(), e.g. Adam's running beta powers:
// setWeights() recomputes those with pow(), which rounds differently from the running products,
// so a resumed run would drift by an ulp. They are saved under "@field" names.
function hiddenState(opt: tf.Optimizer): [string, tf.Variable][] {
  return Object.entries(opt as unknown as Record<string, unknown>)
    .filter((e): e is [string, tf.Variable] => e[1] instanceof tf.Variable)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

async function optimizerSnapshot(opt: tf.Optimizer): Promise<Snapshot> {
  const ws = await opt.getWeights();
  const s = snapshot([...ws, ...hiddenState(opt).map(([k, v]) => ({ name: `@${k}`, tensor: v }))]);
  // getWeights returns the optimizer's own variables plus a fresh iterations scalar.
  for (const w of ws) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  return s;
}

async function restoreOptimizer(opt: tf.Optimizer, saved: { name: string; tensor: tf.Tensor }[]): Promise<void> {
  await opt.setWeights(saved.filter((w) => !w.name.startsWith("@")));
  const fields = new Map(hiddenState(opt));
  for (const w of saved) {
    if (!w.name.startsWith("@")) continue;
    const v = fields.get(w.name.slice(1));
    if (v && v.size === w.tensor.size) tf.tidy(() => v.assign(w.tensor.reshape(v.shape)));
  }
}

export function checkpointFile(dir: string): string {
  return join(dir, "checkpoint.tnckpt");
}

/** The stateful callbacks' numbers by key, and their tensors in one snapshot named "key/name". */
function callbackStates(stateful: readonly Callback[]): { values: Record<string, Record<string, number>>; tensors: Snapshot } {
  const values: Record<string, Record<string, number>> = {};
  const parts = stateful.map((c) => {
    const st = c.saveState!();
    values[c.stateKey!] = st.values;
    return { prefix: `${c.stateKey}/`, snapshot: st.tensors };
  });
  return { values, tensors: concatSnapshots(parts) };
}

/** One callback's state out of a checkpoint's (undefined when the checkpoint holds none for its key). */
function savedState(key: string, values: Record<string, Record<string, number>> | undefined, tensors: Snapshot): CallbackState | undefined {
  return values?.[key] ? { values: values[key], tensors: snapshotUnder(tensors, `${key}/`) } : undefined;
}

async function resume(file: string, s: FitState, epochs: number, stateful: readonly Callback[]): Promise<void> {
  const loaded = loadCheckpoint(file);
  if (loaded && loaded.file !== file && existsSync(file)) {
    // Moved aside so the next epoch's write does not rotate it in as the "previous good" one.
    renameSync(file, damagedCheckpointFile(file));
    console.warn(`tnlab: moved the damaged ${file} to ${damagedCheckpointFile(file)}`);
  }
  if (!loaded) return;
  const ck = loaded.checkpoint;
  const meta = ck.header.meta ?? {};
  if (ck.header.seed !== s.seed || meta.batchSize !== s.batchSize) {
    fail("resume", true, `the same seed and batchSize as the checkpointed run (it used seed ${ck.header.seed}, batchSize ${String(meta.batchSize)})`);
  }
  restoreModel(s.model, ck.model, loaded.file);
  await restoreOptimizer(s.optimizer, ck.optimizer);
  tf.dispose(ck.optimizer.map((o) => o.tensor));
  s.history = { ...ck.header.history, planned: epochs };
  if (ck.best.length) s.bestWeights = { ...modelSnapshot(s.model), values: ck.best };
  for (const c of stateful) c.restoreState!(savedState(c.stateKey!, ck.header.callbacks, ck.callbacks), s);
}

/**
 * Checkpoints in `dir` every epoch; with `resumeRun`, continues the run checkpointed there.
 * `stateful`: callbacks whose own state (stateKey, saveState, restoreState) goes with it.
 */
export function checkpointer(dir: string, resumeRun: boolean, epochs: number, stateful: readonly Callback[] = []): Callback {
  const file = checkpointFile(dir);
  const keys = stateful.map((c) => c.stateKey);
  stateful.forEach((c, i) => {
    if (!c.stateKey || typeof c.saveState !== "function" || typeof c.restoreState !== "function") {
      fail("callbacks", c.stateKey, "a callback with state to have a stateKey, saveState() and restoreState()");
    }
    if (keys.indexOf(c.stateKey) !== i) fail("callbacks", c.stateKey, "a stateKey used by one callback only");
  });
  return {
    async onTrainBegin(s) {
      mkdirSync(dir, { recursive: true });
      if (checkpointExists(file) && !resumeRun) {
        fail("checkpointDir", dir, "a folder without a previous run's checkpoint, or resume: true to continue that run");
      }
      if (resumeRun) await resume(file, s, epochs, stateful);
    },
    async onEpochEnd(rec, s) {
      const h = s.history;
      const own = callbackStates(stateful);
      const header = { epoch: rec.epoch, seed: s.seed, history: h, optimizer: { className: s.optimizer.getClassName(), learningRate: rec.lr }, meta: { batchSize: s.batchSize }, callbacks: own.values };
      writeCheckpoint(file, header, modelSnapshot(s.model), await optimizerSnapshot(s.optimizer), s.selection === "last" ? undefined : s.bestWeights, own.tensors);
      saveHistory(h, join(dir, "history.json"), join(dir, "history.csv"));
      // Only now, with the epoch on disk; a run that ends with this epoch anyway just ends.
      if (pauseDue() && !s.stopTraining && rec.epoch < epochs) throw new TrainingPaused(rec.epoch, epochs, dir);
    },
  };
}
