// `tnlab bench <suite ...|all> [--backend wasm,cpu] [--quick] [--json FILE]`
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions, BenchRow } from "../../../bench/harness";
import { addRatios, printTable, writeJson } from "../../../bench/harness";

export const summary = "run benchmarks (backend, decomp, layers, train): prints a table, --json FILE writes JSON";

const benchDir = join(__dirname, "..", "..", "..", "bench");

function suites(): string[] {
  return readdirSync(benchDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !/^(harness|index)\./.test(f))
    .map((f) => f.replace(/\.(js|ts)$/, ""))
    .filter((v, i, a) => a.indexOf(v) === i)
    .sort();
}

export async function run(args: string[]): Promise<number> {
  const names: string[] = [];
  let json: string | undefined;
  let backends: string[] | undefined;
  let quick = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") json = args[++i];
    else if (a === "--backend") backends = (args[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--quick") quick = true;
    else if (a.startsWith("--")) {
      console.error(`tnlab bench: unknown option ${a}; expected --json FILE, --backend LIST or --quick`);
      return 2;
    } else names.push(a);
  }
  const known = suites();
  const chosen = names.length === 0 || names.includes("all") ? known : names;
  for (const n of chosen) {
    if (!known.includes(n)) {
      console.error(`tnlab bench: unknown suite "${n}"; expected one of: ${known.join(", ")}, all`);
      return 2;
    }
  }
  const { available } = await import("../../backend");
  const opts: BenchOptions = { backends: backends ?? (await available()), quick };
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
  if (json) {
    const { info } = await import("../../backend");
    writeJson(json, { date: new Date().toISOString(), machine: await info(), rows });
    console.log(`wrote ${json}`);
  }
  return 0;
}
