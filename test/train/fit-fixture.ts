// Runs fit with old-style options in several configurations on the cpu backend and returns what
// each run produced: history (without wall-clock seconds, engine and machine names), the selected epoch and a SHA-256 of
// the final weights' bytes. fit-fixture.json holds these as recorded before fit was split into
// callbacks (issue 23); fit-identical.test.ts checks that fit still gives them bit for bit.
// Re-record (only when a change is meant to alter the numbers): npx tsx test/train/fit-fixture.ts
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { fit, type FitOptions, type History } from "../../lib/train";
import { mnistSmall, smallNet } from "./mnist-small";

export interface FixtureRun {
  epochs: Record<string, number | undefined>[];
  bestEpoch: number;
  bestMetric: number;
  stoppedEarly: boolean;
  selectedEpoch?: number;
  weights: string;
}

function weightsHash(model: tf.LayersModel): string {
  const h = createHash("sha256");
  for (const w of model.getWeights()) h.update(Buffer.from((w.dataSync() as Float32Array).buffer));
  return h.digest("hex");
}

function strip(h: History): FixtureRun["epochs"] {
  // The numbers only: wall-clock seconds and end time and the engine's and machine's names are not results of the run.
  return h.epochs.map(({ seconds: _s, engine: _e, machine: _m, ended: _t, ...rest }) => rest);
}

type Case = { seed: number; hidden: number; dropout: number; options: FitOptions; resumeAfter?: number };

export const CASES: Record<string, Case> = {
  "best-test, sgd, weight decay, step schedule, augment": {
    seed: 1,
    hidden: 16,
    dropout: 0.3,
    options: { epochs: 3, batchSize: 32, optimizer: { name: "sgd", lr: 0.05, momentum: 0.9 }, weightDecay: 1e-4, schedule: { kind: "step", every: 2, gamma: 0.1 }, augment: { padCrop: 2 }, seed: 5 },
  },
  "validation, rmsprop, patience 1": {
    seed: 2,
    hidden: 16,
    dropout: 0.2,
    options: { epochs: 8, batchSize: 25, optimizer: { name: "rmsprop", lr: 0.05 }, select: "validation", validationSplit: 60, patience: 1, seed: 3 },
  },
  "last, adam, logits, checkpoint and resume": {
    seed: 3,
    hidden: 12,
    dropout: 0.5,
    options: { epochs: 3, batchSize: 40, optimizer: { name: "adam", lr: 0.003 }, select: "last", outputs: "logits", seed: 7 },
    resumeAfter: 1,
  },
};

export async function runCase(c: Case): Promise<FixtureRun> {
  await use("cpu");
  const { train, test } = mnistSmall();
  const data = { train: train.subset(300, 21), test: test.subset(120, 22) };
  const model = smallNet(c.seed, c.hidden, c.dropout);
  const opts: FitOptions = { ...c.options, progress: false };
  let r;
  if (c.resumeAfter) {
    const dir = mkdtempSync(join(tmpdir(), "tn-fit-fixture-"));
    try {
      await fit(model, data, { ...opts, epochs: c.resumeAfter, checkpointDir: dir });
      const again = smallNet(c.seed + 100, c.hidden, c.dropout);
      r = await fit(again, data, { ...opts, checkpointDir: dir, resume: true });
      return { ...summary(r.history, r.selected?.epoch), weights: weightsHash(again) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  r = await fit(model, data, opts);
  return { ...summary(r.history, r.selected?.epoch), weights: weightsHash(model) };
}

function summary(h: History, selectedEpoch?: number): Omit<FixtureRun, "weights"> {
  return { epochs: strip(h), bestEpoch: h.bestEpoch, bestMetric: h.bestMetric, stoppedEarly: h.stoppedEarly, selectedEpoch };
}

if (require.main === module) {
  void (async () => {
    const out: Record<string, FixtureRun> = {};
    for (const [name, c] of Object.entries(CASES)) out[name] = await runCase(c);
    writeFileSync(join(__dirname, "fit-fixture.json"), JSON.stringify(out, null, 1) + "\n");
    console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.epochs.length]))));
  })();
}
