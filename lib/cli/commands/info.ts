// `tnlab info [--backend NAME] [--json]`: which backend runs, its threads and SIMD, and the versions.
import { describe, parseBackend, use, available } from "../../backend";

export const summary = "show the TensorFlow.js backend in use (threads, SIMD) and the versions";

export async function run(args: string[]): Promise<number> {
  let choice = process.env.TN_BACKEND ?? "auto";
  let json = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--backend") choice = args[++i] ?? "";
    else if (args[i] === "--json") json = true;
    else {
      console.error(`tnlab info: unknown option ${args[i]}; expected --backend NAME or --json`);
      return 2;
    }
  }
  const i = await use(parseBackend(choice, process.env.TN_BACKEND && choice === process.env.TN_BACKEND ? "TN_BACKEND" : "--backend"));
  const avail = await available();
  await use(i.backend);
  if (json) {
    console.log(JSON.stringify({ ...i, available: avail }, null, 2));
    return 0;
  }
  console.log(`backend:   ${describe(i)}`);
  console.log(`available: ${avail.join(", ")}`);
  console.log(`seeded runs: ${i.determinism}`);
  for (const n of i.notes) console.log(`note:      ${n}`);
  return 0;
}
