// Every command's arguments are parsed one way: Node's util.parseArgs tokenizes them, and this
// file holds them to the command's option table, so a missing value, an option-like value
// ("--only --timeout 5"), a value given to a flag, an unknown option or a stray argument is an
// error naming the argument, the value and what was expected (never silently ignored).
import { parseArgs } from "node:util";
import { TnArgumentError } from "../errors";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** What the value is, for messages: "a file name", "seconds >= 0". */
  expected?: string;
}

export interface CommandSpec {
  options: Record<string, OptionSpec>;
  /** Allowed positional arguments: [min, max] and what they are, for messages. */
  positionals?: { min: number; max: number; expected: string };
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A bad command-line argument: the commands print it with their usage and exit 2. */
export class CliArgumentError extends TnArgumentError {
  constructor(argument: string, value: unknown, expected: string, message?: string) {
    super(argument, value, expected);
    this.name = "CliArgumentError";
    if (message) this.message = message;
  }
}

function optionNames(spec: CommandSpec): string {
  const names = Object.entries(spec.options).map(([n, o]) => `--${n}${o.short ? ` (-${o.short})` : ""}`);
  return names.length ? names.join(", ") : "no options";
}

export function parseCommandArgs(args: string[], spec: CommandSpec): ParsedArgs {
  // strict: false so that every problem is reported below in one format; tokens say what each was.
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries(
      Object.entries(spec.options).map(([n, o]) => [n, { type: o.type, multiple: o.multiple ?? false, ...(o.short ? { short: o.short } : {}) }]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedArgs["values"] = {};
  const positionals: string[] = [];
  for (const t of tokens ?? []) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const o = spec.options[t.name];
    if (!o) throw new CliArgumentError("option", t.rawName, optionNames(spec), `unknown option ${t.rawName}; expected ${optionNames(spec)}`);
    if (o.type === "boolean") {
      if (t.value !== undefined) {
        throw new CliArgumentError(t.rawName, t.value, "no value", `${t.rawName} takes no value (got ${JSON.stringify(t.value)})`);
      }
      values[t.name] = true;
      continue;
    }
    const what = o.expected ?? "a value";
    // parseArgs (non-strict) takes the next argument as the value even when it is another option.
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-"))) {
      throw new CliArgumentError(t.rawName, undefined, what, `${t.rawName}: missing value; expected ${what}${t.value !== undefined ? ` (got the option ${t.value})` : ""}`);
    }
    if (t.value === "") throw new CliArgumentError(t.rawName, t.value, what);
    if (o.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), t.value];
    else if (values[t.name] !== undefined) {
      throw new CliArgumentError(t.rawName, t.value, `${t.rawName} at most once (it was already ${JSON.stringify(values[t.name])})`);
    } else values[t.name] = t.value;
  }
  const p = spec.positionals ?? { min: 0, max: 0, expected: "no arguments besides options" };
  if (positionals.length > p.max) {
    const extra = positionals[p.max];
    throw new CliArgumentError("argument", extra, p.expected, `unexpected argument ${JSON.stringify(extra)}; expected ${p.expected}`);
  }
  if (positionals.length < p.min) throw new CliArgumentError("arguments", positionals, p.expected, `missing argument; expected ${p.expected}`);
  return { values, positionals };
}

/** A number of seconds >= 0 from an option's text ("abc", "", "-1", "Infinity" are errors). */
export function parseSeconds(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\s*\d+(\.\d*)?\s*$|^\s*\.\d+\s*$/.test(text) || !Number.isFinite(v)) throw new CliArgumentError(option, text, "a number of seconds >= 0");
  return v;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(option: string, text: string | undefined, choices: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new CliArgumentError(option, text, `one of ${choices.join(", ")}`);
  return text as T;
}

/**
 * For a command's run(): prints a CliArgumentError with the usage and returns exit code 2;
 * anything else is rethrown (a real failure, not a usage error).
 */
export function usageError(command: string, err: unknown, usage: string): number {
  if (!(err instanceof CliArgumentError)) throw err;
  console.error(`tnlab ${command}: ${err.message}\n${usage}`);
  return 2;
}
