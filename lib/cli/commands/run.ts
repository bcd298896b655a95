// `tnlab run NOTEBOOK [--profile smoke|quick|paper] [--param k=v ...] [--out FILE] [--timeout SECONDS]`:
// executes a notebook headless through the tnlab kernel (Jupyter protocol over ZeroMQ, no Python).
import { basename, dirname, join, resolve } from "node:path";
import type { NotebookModule } from "../../../kernel/index";
import { packageRoot } from "./kernel";

export const summary = "execute a notebook headless: --profile P, --param k=v, --out FILE, --timeout SECONDS (per cell)";

export const PROFILES = ["smoke", "quick", "paper"] as const;

export interface RunArgs {
  notebook: string;
  profile?: string;
  params: Record<string, unknown>;
  out?: string;
  timeoutSec: number;
}

export function parseRunArgs(args: string[], nbm: Pick<NotebookModule, "parseValue">): RunArgs | string {
  const r: RunArgs = { notebook: "", params: {}, timeoutSec: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "--profile") r.profile = value();
      else if (a === "--out" || a === "-o") r.out = value();
      else if (a === "--timeout") r.timeoutSec = Number(value());
      else if (a === "--param" || a === "-p") {
        const kv = value();
        const eq = kv.indexOf("=");
        if (eq <= 0) return `--param ${kv}: expected NAME=VALUE`;
        r.params[kv.slice(0, eq)] = nbm.parseValue(kv.slice(eq + 1));
      } else if (a.startsWith("-")) return `unknown option ${a}`;
      else if (!r.notebook) r.notebook = a;
      else return `unexpected argument ${a} (one notebook at a time)`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!r.notebook) return "expected a notebook file";
  if (r.profile !== undefined && !(PROFILES as readonly string[]).includes(r.profile)) {
    return `--profile ${r.profile}: expected one of ${PROFILES.join(", ")}`;
  }
  if (!Number.isFinite(r.timeoutSec) || r.timeoutSec < 0) return `--timeout ${r.timeoutSec}: expected a number of seconds >= 0`;
  return r;
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
    console.error(`tnlab run: ${a}\nusage: tnlab run NOTEBOOK [--profile smoke|quick|paper] [--param k=v ...] [--out FILE] [--timeout SECONDS]`);
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
