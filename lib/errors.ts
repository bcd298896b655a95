// One error type for bad input, so every message names the argument, the value and what was expected.

export class TnArgumentError extends Error {
  readonly argument: string;
  readonly value: unknown;
  constructor(argument: string, value: unknown, expected: string) {
    super(`${argument} = ${show(value)}: expected ${expected}`);
    this.name = "TnArgumentError";
    this.argument = argument;
    this.value = value;
  }
}

/** Throws a TnArgumentError: `fail("ranks", [1, 5, 1], "end ranks equal to 1")`. */
export function fail(argument: string, value: unknown, expected: string): never {
  throw new TnArgumentError(argument, value, expected);
}

/** Short printable form of a value for error messages (arrays and shapes in brackets, long ones cut). */
export function show(value: unknown): string {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const arr = Array.from(value as ArrayLike<unknown>);
    const head = arr.slice(0, 12).map((v) => show(v)).join(", ");
    return `[${head}${arr.length > 12 ? `, ... (${arr.length} items)` : ""}]`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (value && typeof value === "object" && "shape" in (value as object)) {
    return `tensor of shape ${show((value as { shape: number[] }).shape)}`;
  }
  return String(value);
}
