// `tnlab train EXPERIMENT [ID ...] [--profile P] [--seed N] [--list]`: the runs too long for a
// notebook cell, trained into notebooks/results/runs/<experiment>/<profile>/ with a checkpoint
// every epoch; an interrupted run (Ctrl-C, the end of a session) resumes where it stopped.
import type * as LongRuns from "../../experiments/long-runs";
import type { Profile } from "../../experiments/profile";
import { CliArgumentError, parseChoice, parseCommandArgs, usageError, type CommandSpec } from "../args";
import { PROFILES } from "./run";

export const summary = "train long runs resumably into notebooks/results/runs: EXPERIMENT [ID ...] [--profile P] [--seed N] [--list]";

const USAGE = "usage: tnlab train EXPERIMENT [ID ...] [--profile smoke|quick|paper] [--seed N] [--list]   (EXPERIMENT: tt-conv, tt-fc-mnist)";

const SPEC: CommandSpec = {
  options: {
    profile: { type: "string", expected: `one of ${PROFILES.join(", ")}` },
    seed: { type: "string", expected: "a whole number >= 0" },
    list: { type: "boolean" },
  },
  positionals: { min: 1, max: 1000, expected: "an experiment and the ids to train" },
};

function status(lr: typeof LongRuns, name: string, profile: Profile, engine: string): string[] {
  const kind = lr.longRunKind(name);
  const store = kind.store(profile, engine);
  const going = new Map(store.inProgress().map((r) => [r.id, r]));
  const lines = [`${name} at ${profile}: ${kind.what}; store ${store.dir}`];
  for (const id of kind.ids(profile)) {
    const rec = store.record(id);
    const g = going.get(id);
    if (rec) lines.push(`  ${id}: finished ${rec.meta.finished} on ${rec.meta.engine}`);
    else if (g) lines.push(`  ${id}: in progress, ${g.epochsDone}/${g.planned} epochs, last test acc ${g.curve[g.curve.length - 1]?.toFixed(2)} %, about ${g.hoursLeft.toFixed(1)} h left at ${(g.secondsPerEpoch / 60).toFixed(1)} min/epoch`);
    else lines.push(`  ${id}: not started`);
  }
  return lines;
}

export async function run(args: string[]): Promise<number> {
  let name: string;
  let ids: string[];
  let profile: Profile;
  let seed: number | undefined;
  let list: boolean;
  try {
    const { values, positionals } = parseCommandArgs(args, SPEC);
    [name, ...ids] = positionals;
    profile = parseChoice("--profile", values.profile as string | undefined, PROFILES) ?? "paper";
    const s = values.seed as string | undefined;
    if (s !== undefined && !/^\d+$/.test(s)) throw new CliArgumentError("--seed", s, "a whole number >= 0");
    seed = s === undefined ? undefined : Number(s);
    list = values.list === true;
    if (!list && ids.length === 0) throw new CliArgumentError("ID", undefined, "one or more ids to train (or --list)", "missing ids to train; expected one or more ids, or --list to see them");
  } catch (e) {
    return usageError("train", e, USAGE);
  }
  // Loaded after the arguments are checked: the experiments bring TensorFlow.js.
  const lr = require("../../experiments/long-runs") as typeof LongRuns;
  const backend = require("../../backend") as typeof import("../../backend");
  try {
    if (!(name in lr.LONG_RUNS)) throw new CliArgumentError("EXPERIMENT", name, `one of ${Object.keys(lr.LONG_RUNS).join(", ")}`);
    const info = await backend.ready();
    if (list) {
      console.log(status(lr, name, profile, backend.describe(info)).join("\n"));
      return 0;
    }
    console.error(`tnlab train: ${backend.describe(info)}`);
    await lr.trainLongRuns(name, ids, profile, info, { seed });
    return 0;
  } catch (e) {
    if (e instanceof CliArgumentError) return usageError("train", e, USAGE);
    if (e instanceof Error && e.name === "TnArgumentError") {
      console.error(`tnlab train: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
