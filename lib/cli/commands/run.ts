// `tnlab run NOTEBOOK [--profile smoke|quick|paper] [--param k=v ...] [--out FILE] [--timeout SECONDS]`:
// executes a notebook headless through the tnlab kernel (Jupyter protocol over ZeroMQ, no Python).
import { basename, dirname, join, resolve } from "node:path";
import type { NotebookModule } from "../../../kernel/index";
import { CliArgumentError, parseChoice, parseCommandArgs, parseSeconds, type CommandSpec } from "../args";
import { packageRoot } from "./kernel";

export const USAGE = "usage: tnlab run NOTEBOOK [--profile smoke|quick|paper] [--param k=v ...] [--out FILE] [--timeout SECONDS]";

export const summary = "execute a notebook headless: --profile P, --param k=v, --out FILE, --timeout SECONDS (per cell)";

export const PROFILES = ["smoke", "quick", "paper"] as const;

export interface RunArgs {
  notebook: string;
  profile?: string;
  params: Record<string, unknown>;
  out?: string;
  timeoutSec: number;
}

export const RUN_ARGS: CommandSpec = {
  options: {
    profile: { type: "string", expected: `one of ${PROFILES.join(", ")}` },
    out: { type: "string", short: "o", expected: "an output notebook file" },
    timeout: { type: "string", expected: "a number of seconds >= 0 (per cell; 0 = none)" },
    param: { type: "string", short: "p", multiple: true, expected: "NAME=VALUE" },
  },
  positionals: { min: 1, max: 1, expected: "one notebook file" },
};

/** The parsed arguments, or the message of the first bad one. */
export function parseRunArgs(args: string[], nbm: Pick<NotebookModule, "parseValue">): RunArgs | string {
  try {
    const { values, positionals } = parseCommandArgs(args, RUN_ARGS);
    const r: RunArgs = {
      notebook: positionals[0],
      profile: parseChoice("--profile", values.profile as string | undefined, PROFILES),
      params: {},
      out: values.out as string | undefined,
      timeoutSec: parseSeconds("--timeout", values.timeout as string | undefined) ?? 0,
    };
    for (const kv of (values.param as string[] | undefined) ?? []) {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new CliArgumentError("--param", kv, "NAME=VALUE");
      r.params[kv.slice(0, eq)] = nbm.parseValue(kv.slice(eq + 1));
    }
    return r;
  } catch (e) {
    return (e as Error).message;
  }
}

export interface ExecuteResult {
  ok: boolean;
  out: string;
  seconds: number;
  error?: string;
  /** The signal (SIGINT, SIGTERM, SIGHUP) that stopped the run, and the exit code it calls for. */
  signal?: string;
  signalExitCode?: number;
}

/** Runs one notebook file and writes the executed copy; shared with `tnlab reproduce`. */
export async function executeNotebook(
  file: string,
  o: { profile?: string; params?: Record<string, unknown>; out: string; timeoutSec?: number; env?: Record<string, string>; quiet?: boolean },
): Promise<ExecuteResult> {
  const nbm = require(join(packageRoot(), "kernel", "notebook.js")) as NotebookModule;
  const nb = nbm.readNotebook(file);
  const params = { ...(o.params ?? {}) };
  if (o.profile) params.profile = o.profile;
  const env: Record<string, string> = { ...(o.env ?? {}) };
  if (o.profile) env.TN_PROFILE = o.profile;
  const name = basename(file);
  const res = await nbm.runNotebook(nb, {
    cwd: dirname(resolve(file)),
    params,
    timeoutSec: o.timeoutSec,
    env,
    log: o.quiet ? undefined : (line) => process.stderr.write(`${name} ${line}\n`),
    handleSignals: true,
  });
  nbm.writeNotebook(o.out, nb);
  if (res.ok) return { ok: true, out: o.out, seconds: res.seconds };
  const f = res.failure!;
  const where = f.index >= 0 ? `cell ${f.index} (${JSON.stringify(f.firstLine)})` : "the kernel";
  const signal = res.signal ? { signal: res.signal, signalExitCode: 128 + (nbm.SIGNAL_NUMBERS[res.signal] ?? 0) } : {};
  return { ok: false, out: o.out, seconds: res.seconds, error: `${where} failed: ${f.ename}: ${f.evalue}`, ...signal };
}

export async function run(args: string[]): Promise<number> {
  const nbm = require(join(packageRoot(), "kernel", "notebook.js")) as NotebookModule;
  const a = parseRunArgs(args, nbm);
  if (typeof a === "string") {
    console.error(`tnlab run: ${a}\n${USAGE}`);
    return 2;
  }
  const out = a.out ?? join("results", basename(a.notebook));
  const r = await executeNotebook(a.notebook, { profile: a.profile, params: a.params, out, timeoutSec: a.timeoutSec });
  if (!r.ok) {
    console.error(`tnlab run: ${a.notebook}: ${r.error}\n(executed notebook with the error written to ${out})`);
    return r.signalExitCode ?? 1;
  }
  console.error(`tnlab run: ${a.notebook} ran in ${r.seconds.toFixed(1)} s; wrote ${out}`);
  return 0;
}
