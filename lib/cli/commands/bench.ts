// `tnlab bench <suite ...|all> [--backend wasm,cpu] [--quick] [--json FILE] [--reference-python PATH]`
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions, BenchRow } from "../../../bench/harness";
import { addRatios, printTable, withNative, writeJson } from "../../../bench/harness";
import { parseCommandArgs, usageError, type CommandSpec } from "../args";

export const summary = "run benchmarks (backend, decomp, layers, train): prints a table, --json FILE writes JSON";

const benchDir = join(__dirname, "..", "..", "..", "bench");

function suites(): string[] {
  return readdirSync(benchDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !/^(harness|index)\./.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ""))
    .filter((v, i, a) => a.indexOf(v) === i)
    .sort();
}

export const USAGE = "usage: tnlab bench <suite ...|all> [--backend wasm,cpu] [--quick] [--json FILE] [--reference-python PATH]";

export const BENCH_ARGS: CommandSpec = {
  options: {
    json: { type: "string", expected: "a file to write the JSON to" },
    backend: { type: "string", expected: "a comma-separated list of backends, e.g. wasm,cpu" },
    quick: { type: "boolean" },
    "reference-python": { type: "string", expected: "a Python with tensorflow (bench/reference.py runs in it)" },
  },
  positionals: { min: 0, max: Infinity, expected: "suite names or all" },
};

export function parseBenchArgs(args: string[]): { names: string[]; json?: string; backends?: string[]; quick: boolean; referencePython?: string } {
  const { values, positionals } = parseCommandArgs(args, BENCH_ARGS);
  const backends = values.backend === undefined ? undefined : (values.backend as string).split(",").filter(Boolean);
  const python = values["reference-python"] as string | undefined;
  return { names: positionals, json: values.json as string | undefined, backends, quick: values.quick === true, ...(python === undefined ? {} : { referencePython: python }) };
}

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(args);
  } catch (err) {
    return usageError("bench", err, USAGE);
  }
  const { names, json, backends, quick, referencePython } = parsed;
  const known = suites();
  const chosen = names.length === 0 || names.includes("all") ? known : names;
  for (const n of chosen) {
    if (!known.includes(n)) {
      console.error(`tnlab bench: unknown suite "${n}"; expected one of: ${known.join(", ")}, all`);
      return 2;
    }
  }
  const { available } = await import("../../backend");
  const opts: BenchOptions = { backends: backends ?? withNative(await available()), quick, referencePython };
  const rows: BenchRow[] = [];
  for (const n of chosen) {
    const file = join(benchDir, n);
    if (!existsSync(file + ".js") && !existsSync(file + ".ts")) continue;
    const suite = require(file) as { run(o: BenchOptions): Promise<BenchRow[]> };
    // Rows on the native backend (and cpu) get their speed relative to wasm's in this run.
    const got = addRatios(await suite.run(opts));
    printTable(got);
    console.log("");
    rows.push(...got);
  }
  // tnlab / reference framework, per engine, for the work both timed in this run.
  const { referenceRatios } = require(join(benchDir, "reference")) as typeof import("../../../bench/reference");
  const ratios = referenceRatios(rows);
  if (ratios.length > 0) {
    console.log("tnlab time / reference time (same run):");
    printTable(ratios);
    console.log("");
    rows.push(...ratios);
  }
  if (json) {
    const { info } = await import("../../backend");
    writeJson(json, { date: new Date().toISOString(), machine: await info(), rows });
    console.log(`wrote ${json}`);
  }
  return 0;
}
