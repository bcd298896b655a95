// `tnlab train EXPERIMENT [ID ...] [--profile P] [--seed SEEDS] [--for DURATION] [--list]`: the runs
// too long for a notebook cell, trained into notebooks/results/runs/<experiment>/<profile>/ with a
// checkpoint every epoch; a run stopped between epochs (--for, a first Ctrl-C) or killed resumes
// where its last checkpoint left it.
import type * as LongRuns from "../../experiments/long-runs";
import type { Profile } from "../../experiments/profile";
import { CliArgumentError, parseChoice, parseCommandArgs, usageError, type CommandSpec } from "../args";
import { PROFILES } from "./run";
import { engineSegments } from "../../train/history";

export const summary = "train long runs resumably into notebooks/results/runs: EXPERIMENT [ID ...] [--profile P] [--seed SEEDS] [--for DURATION] [--list]";

export const USAGE =
  "usage: tnlab train EXPERIMENT [ID ...] [--profile smoke|quick|paper] [--seed N | N,M,... | A-B] [--for DURATION] [--list]   (EXPERIMENT: cp-conv, resnet18, tt-conv, tt-fc-cifar, tt-fc-mnist; ID all: every id of the experiment)";

const SPEC: CommandSpec = {
  options: {
    profile: { type: "string", expected: `one of ${PROFILES.join(", ")}` },
    seed: { type: "string", expected: "a seed, a list N,M,... or a range A-B of whole numbers >= 0" },
    for: { type: "string", expected: "a duration such as 90m, 2h or 45s: stop after the first epoch that ends past it" },
    list: { type: "boolean" },
  },
  positionals: { min: 1, max: 1000, expected: "an experiment and the ids to train" },
};

/** "3", "0,2,5" or "0-4" → the seeds; anything else is an argument error. */
export function parseSeeds(text: string): number[] {
  const bad = () => new CliArgumentError("--seed", text, "a seed, a list N,M,... or a range A-B of whole numbers >= 0");
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw bad();
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  if (!/^\d+(,\d+)*$/.test(text)) throw bad();
  return [...new Set(text.split(",").map(Number))];
}

/** "90m", "2h", "45s", "1.5h" → milliseconds; anything else is an argument error. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (!m) throw new CliArgumentError("--for", text, "a duration such as 90m, 2h or 45s");
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6 }[m[2] as "s" | "m" | "h"];
}

function status(lr: typeof LongRuns, name: string, profile: Profile, engine: string): string[] {
  const kind = lr.longRunKind(name);
  const store = kind.store(profile, engine);
  const going = new Map(store.inProgress().map((r) => [r.id, r]));
  const lines = [`${name} at ${profile}: ${kind.what}; store ${store.dir}`];
  const byId = new Map<string, string[]>();
  for (const key of [...store.records().map((r) => r.meta.id), ...going.keys()]) {
    const { id } = lr.parseRunKey(kind, key);
    byId.set(id, [...new Set([...(byId.get(id) ?? []), key])]);
  }
  for (const id of kind.ids(profile)) {
    const keys = byId.get(id) ?? [id];
    for (const key of keys.sort()) {
      const rec = store.record(key);
      const g = going.get(key);
      const segments = g ? engineSegments(g.epochs) : "";
      if (rec) lines.push(`  ${key}: finished ${rec.meta.finished} on ${lr.runEngine(rec.meta)} (seed ${rec.meta.seed})`);
      else if (g && g.epochsDone === 0) lines.push(`  ${key}: in progress, 0/${g.planned} epochs (begun ${g.updated}: its stages before the first epoch, or stopped there)`);
      else if (g) lines.push(`  ${key}: in progress, ${g.epochsDone}/${g.planned} epochs, last test acc ${g.curve[g.curve.length - 1]?.toFixed(2)} %, about ${g.hoursLeft.toFixed(1)} h left at ${(g.secondsPerEpoch / 60).toFixed(1)} min/epoch${segments ? `; epochs ${segments}` : ""}`);
      else lines.push(`  ${key}: not started`);
    }
  }
  return lines;
}

export async function run(args: string[]): Promise<number> {
  let name: string;
  let ids: string[];
  let profile: Profile;
  let seeds: number[] | undefined;
  let list: boolean;
  let forMs: number | undefined;
  try {
    const { values, positionals } = parseCommandArgs(args, SPEC);
    [name, ...ids] = positionals;
    profile = parseChoice("--profile", values.profile as string | undefined, PROFILES) ?? "paper";
    const s = values.seed as string | undefined;
    seeds = s === undefined ? undefined : parseSeeds(s);
    list = values.list === true;
    const f = values.for as string | undefined;
    forMs = f === undefined ? undefined : parseDuration(f);
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
    const kind = lr.longRunKind(name);
    const pause = require("../../train/pause") as typeof import("../../train/pause");
    if (forMs !== undefined) pause.pauseAfter(new Date(Date.now() + forMs));
    // A first Ctrl-C stops after the epoch in progress is checkpointed; a second stops at once.
    let interrupted = false;
    const onInt = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      pause.requestPause();
      console.error("tnlab train: stopping after this epoch is checkpointed (Ctrl-C again to stop now and lose the epoch in progress)");
    };
    process.on("SIGINT", onInt);
    try {
      const how = await lr.trainLongRuns(name, ids.length === 1 && ids[0] === "all" ? kind.ids(profile) : ids, profile, info, { seeds });
      return how === "paused" && interrupted ? 130 : 0;
    } finally {
      process.off("SIGINT", onInt);
      pause.pauseAfter(undefined);
    }
  } catch (e) {
    if (e instanceof CliArgumentError) return usageError("train", e, USAGE);
    if (e instanceof Error && e.name === "TnArgumentError") {
      console.error(`tnlab train: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
