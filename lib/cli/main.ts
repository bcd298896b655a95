// `tnlab <command> [args]`: each command is a module in ./commands exporting
// `run(args: string[]): Promise<number>` (the exit code) and a one-line `summary`.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export interface Command {
  summary: string;
  /** The command's usage line(s), shown by `tnlab COMMAND --help`. */
  USAGE: string;
  run(args: string[]): Promise<number>;
}

function commandNames(): string[] {
  const dir = join(__dirname, "commands");
  return readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".map"))
    .map((f) => f.replace(/\.(js|ts)$/, ""))
    .sort();
}

function load(name: string): Command {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(join(__dirname, "commands", name)) as Command;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const names = commandNames();
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log("usage: tnlab <command> [options]\n\ncommands:");
    for (const n of names) console.log(`  ${n.padEnd(12)} ${load(n).summary}`);
    return 0;
  }
  if (!names.includes(name)) {
    console.error(`tnlab: unknown command "${name}"; expected one of: ${names.join(", ")}`);
    return 2;
  }
  const cmd = load(name);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`tnlab ${name}: ${cmd.summary}\n${cmd.USAGE}`);
    return 0;
  }
  return cmd.run(args);
}
