// Every command parses its arguments one way: a missing or bad value is an error naming the
// argument, the value and what was expected, with exit code 2, never silently ignored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandArgs, parseSeconds, CliArgumentError } from "../../lib/cli/args";
import * as bench from "../../lib/cli/commands/bench";
import * as data from "../../lib/cli/commands/data";
import * as info from "../../lib/cli/commands/info";
import * as kernel from "../../lib/cli/commands/kernel";
import * as reproduce from "../../lib/cli/commands/reproduce";
import * as runCmd from "../../lib/cli/commands/run";
import { TnArgumentError } from "../../lib/errors";
import { capture } from "./capture";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const nbm = require("../../kernel/notebook.js") as { parseValue(v: string): unknown };


const emptyDir = () => mkdtempSync(join(tmpdir(), "tn-cli-"));

test("the parser: missing value, option-like value, value on a flag, repeated option, unknown option, stray argument", () => {
  const spec = {
    options: { only: { type: "string" as const, expected: "a paper id" }, quick: { type: "boolean" as const }, param: { type: "string" as const, short: "p", multiple: true } },
    positionals: { min: 0, max: 1, expected: "one notebook" },
  };
  const bad = (args: string[], re: RegExp) =>
    assert.throws(() => parseCommandArgs(args, spec), (e: Error) => e instanceof CliArgumentError && e instanceof TnArgumentError && re.test(e.message), args.join(" "));
  bad(["--only"], /^--only: missing value; expected a paper id$/);
  bad(["--only", "--quick"], /--only: missing value; expected a paper id \(got the option --quick\)/);
  bad(["--only="], /--only = "": expected a paper id/);
  bad(["--quick=yes"], /--quick takes no value \(got "yes"\)/);
  bad(["--only", "a", "--only", "b"], /--only = "b": expected --only at most once/);
  bad(["--bogus"], /unknown option --bogus; expected --only, --quick, --param \(-p\)/);
  bad(["a", "b"], /unexpected argument "b"; expected one notebook/);
  assert.deepEqual(parseCommandArgs(["x", "--only=a", "-p", "k=1", "--param", "j=2", "--quick"], spec), {
    values: { only: "a", param: ["k=1", "j=2"], quick: true },
    positionals: ["x"],
  });
  assert.equal(parseSeconds("--timeout", "2.5"), 2.5);
  assert.equal(parseSeconds("--timeout", "0"), 0);
  for (const v of ["abc", "", " ", "-1", "Infinity", "1e999", "0x10", "5s"]) {
    assert.throws(() => parseSeconds("--timeout", v), (e: Error) => e.message === `--timeout = ${JSON.stringify(v)}: expected a number of seconds >= 0`);
  }
});

test("reproduce: --only without an id and --timeout abc are errors (exit 2), not all notebooks without a timeout", { timeout: 30000 }, async () => {
  // --notebooks points at an empty folder, so even a parser that ignored the error would stop at once.
  const nb = emptyDir();
  const a = await capture(() => reproduce.run(["--only", "--notebooks", nb]));
  assert.equal(a.code, 2);
  assert.match(a.err, /tnlab reproduce: --only: missing value; expected a paper id or notebook name/);
  const b = await capture(() => reproduce.run(["--notebooks", nb, "--timeout", "abc"]));
  assert.equal(b.code, 2);
  assert.match(b.err, /--timeout = "abc": expected a number of seconds >= 0/);
  const c = await capture(() => reproduce.run(["--notebooks", nb, "--only"]));
  assert.equal(c.code, 2);
  assert.match(c.err, /--only: missing value/);
  assert.match((await capture(() => reproduce.run(["--profile", "fast", "--notebooks", nb]))).err, /--profile = "fast": expected one of smoke, quick, paper/);
  assert.deepEqual(reproduce.parseReproduceArgs(["--only", "tt-fc", "--timeout", "30", "--profile", "smoke"]), {
    profile: "smoke",
    only: "tt-fc",
    timeoutSec: 30,
    outDir: "results",
    notebooksDir: undefined,
  });
});

test("bench: --json without a file and --backend without a list are errors (exit 2)", { timeout: 30000 }, async () => {
  // An unknown suite name keeps even a lenient parser from running benchmarks.
  const a = await capture(() => bench.run(["no-such-suite", "--json"]));
  assert.equal(a.code, 2);
  assert.match(a.err, /tnlab bench: --json: missing value; expected a file to write the JSON to/);
  const b = await capture(() => bench.run(["no-such-suite", "--backend", "--quick"]));
  assert.equal(b.code, 2);
  assert.match(b.err, /--backend: missing value/);
  assert.deepEqual(bench.parseBenchArgs(["layers", "--json", "out.json", "--backend", "wasm,cpu", "--quick"]), {
    names: ["layers"],
    json: "out.json",
    backends: ["wasm", "cpu"],
    quick: true,
  });
});

test("data: --dir without a value is an error (exit 2), not a check of the default folder", { timeout: 30000 }, async () => {
  const a = await capture(() => data.run(["check", "mnist", "--dir"]));
  assert.equal(a.code, 2, a.out);
  assert.match(a.err, /tnlab data: --dir: missing value; expected a data folder/);
  const b = await capture(() => data.run(["fetch", "cifar10", "--base-url", "--force"]));
  assert.equal(b.code, 2);
  assert.match(b.err, /--base-url: missing value/);
  assert.equal((await capture(() => data.run(["check", "mnist", "extra"]))).code, 2);
  assert.equal((await capture(() => data.run(["check", "mnist", "--force=1"]))).code, 2);
});

test("info: --backend without a name and --json=1 are errors (exit 2)", { timeout: 30000 }, async () => {
  const a = await capture(() => info.run(["--backend"]));
  assert.equal(a.code, 2);
  assert.match(a.err, /tnlab info: --backend: missing value; expected a backend name/);
  const b = await capture(() => info.run(["--json=1"]));
  assert.equal(b.code, 2);
  assert.match(b.err, /--json takes no value/);
});

test("kernel: --prefix without a folder, an empty --prefix= and a second subcommand are errors (exit 2)", async () => {
  const a = await capture(() => kernel.run(["install", "--prefix"]));
  assert.equal(a.code, 2);
  assert.match(a.err, /--prefix: missing value; expected a directory/);
  assert.match((await capture(() => kernel.run(["install", "--prefix="]))).err, /--prefix = "": expected a directory/);
  assert.match((await capture(() => kernel.run(["show", "uninstall"]))).err, /unexpected argument "uninstall"/);
});

test("run: --timeout abc, --timeout with no value, --out with no file and a bad --param are errors", () => {
  const p = (args: string[]) => runCmd.parseRunArgs(args, nbm);
  assert.equal(p(["a.ipynb", "--timeout", "abc"]), '--timeout = "abc": expected a number of seconds >= 0');
  assert.equal(p(["a.ipynb", "--timeout="]), '--timeout = "": expected a number of seconds >= 0 (per cell; 0 = none)');
  assert.equal(p(["a.ipynb", "--out"]), "--out: missing value; expected an output notebook file");
  assert.equal(p(["a.ipynb", "-p", "novalue"]), '--param = "novalue": expected NAME=VALUE');
  assert.equal(p(["--timeout", "5"]), "missing argument; expected one notebook file");
  assert.equal(p(["a.ipynb", "b.ipynb"]), 'unexpected argument "b.ipynb"; expected one notebook file');
  assert.deepEqual(p(["a.ipynb", "-p", "epochs=3", "--param", "name=x", "-o", "out.ipynb", "--timeout", "60", "--profile", "quick"]), {
    notebook: "a.ipynb",
    profile: "quick",
    params: { epochs: 3, name: "x" },
    out: "out.ipynb",
    timeoutSec: 60,
  });
});

test("every command answers --help (and -h) with its summary and usage, exit 0, running nothing", async () => {
  const { main } = await import("../../lib/cli/main");
  for (const name of ["bench", "data", "info", "kernel", "lab", "native", "notebook", "reproduce", "run", "train"]) {
    for (const flag of ["--help", "-h"]) {
      const r = await capture(() => main([name, flag]));
      assert.equal(r.code, 0, `${name} ${flag}: ${r.err}`);
      assert.match(r.out, new RegExp(`^tnlab ${name}: .+\\n(usage: )?[^]*tnlab ${name}`), `${name} ${flag}`);
    }
  }
});
