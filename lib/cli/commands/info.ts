// `tnlab info [--backend NAME] [--json]`: which backend runs, its threads and SIMD, and the versions.
import { describe, parseBackend, use, available } from "../../backend";
import { parseCommandArgs, usageError, type CommandSpec } from "../args";

export const USAGE = "usage: tnlab info [--backend NAME] [--json]";
import { describeNative, nativeInfo } from "../../native";

export const summary = "show the TensorFlow.js backend in use (threads, SIMD) and the versions";

export const INFO_ARGS: CommandSpec = {
  options: { backend: { type: "string", expected: "a backend name" }, json: { type: "boolean" } },
};

export async function run(args: string[]): Promise<number> {
  let choice = process.env.TN_BACKEND ?? "auto";
  let json = false;
  try {
    const { values } = parseCommandArgs(args, INFO_ARGS);
    if (values.backend !== undefined) choice = values.backend as string;
    json = values.json === true;
  } catch (err) {
    return usageError("info", err, USAGE);
  }
  const i = await use(parseBackend(choice, process.env.TN_BACKEND && choice === process.env.TN_BACKEND ? "TN_BACKEND" : "--backend"));
  const avail = await available();
  await use(i.backend);
  if (json) {
    console.log(JSON.stringify({ ...i, available: avail, native: nativeInfo() }, null, 2));
    return 0;
  }
  console.log(`backend:   ${describe(i)}`);
  console.log(`available: ${avail.join(", ")}`);
  console.log(`native:    ${describeNative(nativeInfo())}`);
  if (i.tensorflowFrom) console.log(`tensorflow: ${i.versions.tensorflow ?? "?"} from ${i.tensorflowFrom}`);
  console.log(`seeded runs: ${i.determinism}`);
  for (const n of i.notes) console.log(`note:      ${n}`);
  return 0;
}
