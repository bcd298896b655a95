// No orphaned kernels: `tnlab run` stopped by SIGINT or SIGTERM shuts its kernel down, removes
// the connection folder, writes the cells done so far and exits 128+signal; a runner killed
// outright (SIGKILL) leaves a kernel that ends by itself; a kernel ends on SIGTERM even while a
// cell spins. Process inspection reads /proc, so these run on Linux.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { alive, builtOrFail, KERNEL_TEST_TIMEOUT, KernelClient, NOTEBOOKS, ROOT, stderrMarkers } from "./helpers";

const linux = process.platform === "linux" ? false : "reads /proc (Linux only)";
const T = { timeout: KERNEL_TEST_TIMEOUT, skip: linux };
let dir: string;
const started: ChildProcess[] = [];

before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-signals-"));
});
after(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const say = (what: string) => `fs.writeSync(2, "tnlab-test: ${what}\\n");`;

function notebookFile(name: string, cells: string[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
      metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  return file;
}

const SPIN = ['console.log("first cell done");', `import * as fs from "node:fs";\nlet spins = 0;\n${say("looping")}\nwhile (true) { spins++; }`, 'console.log("never");'];
const ASYNC_LOOP = [
  'console.log("first cell done");',
  `import * as fs from "node:fs";\nlet ticks = 0;\nfor (;;) {\n  await new Promise((r) => setTimeout(r, 5));\n  if (++ticks === 3) ${say("looping")}\n}`,
  'console.log("never");',
];

/** The kernel that a runner started: its only child process, and its connection folder. */
function kernelOf(runner: number): { pid: number; connectionDir: string } {
  const kids = readFileSync(`/proc/${runner}/task/${runner}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  assert.equal(kids.length, 1, `one child process (the kernel): ${kids}`);
  const argv = readFileSync(`/proc/${kids[0]}/cmdline`, "utf8").split("\0");
  assert.match(argv[1], /kernel[\\/]launch\.js$/);
  return { pid: kids[0], connectionDir: dirname(argv[argv.indexOf("--connection-file") + 1]) };
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Polls /proc until `pid` is gone (a process watching its parent notices within ~0.5 s). */
async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Starts `tnlab run` on `cells`; resolves once the second cell is looping in the kernel. */
async function runUntilLooping(name: string, cells: string[]) {
  const out = join(dir, `${name}.out.ipynb`);
  const runner = spawn(process.execPath, [join(ROOT, "bin", "tnlab.js"), "run", notebookFile(`${name}.ipynb`, cells), "--out", out], {
    cwd: dir,
    env: { ...process.env, TN_QUIET: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  started.push(runner);
  await stderrMarkers(runner)("looping");
  return { runner, out, kernel: kernelOf(runner.pid!) };
}

interface Nb {
  cells: { outputs: { output_type: string; text?: string; ename?: string }[]; execution_count: number | null }[];
  metadata: { tnlab: { run: { ok: boolean; signal?: string } } };
}

for (const [signal, cells, code] of [
  ["SIGINT", SPIN, 130],
  ["SIGTERM", ASYNC_LOOP, 143],
] as const) {
  test(`tnlab run stopped by ${signal} shuts its kernel down, removes the connection folder and writes the partial notebook`, T, async () => {
    const { runner, out, kernel } = await runUntilLooping(signal.toLowerCase(), [...cells]);
    assert.ok(alive(kernel.pid) && existsSync(kernel.connectionDir));
    runner.kill(signal);
    const ex = await exited(runner);
    assert.equal(ex.code, code, `exit code 128 + ${signal}`);
    assert.equal(alive(kernel.pid), false, "the kernel is gone");
    assert.equal(existsSync(kernel.connectionDir), false, "the connection folder is removed");
    const nb = JSON.parse(readFileSync(out, "utf8")) as Nb;
    assert.equal(nb.cells[0].outputs[0].text, "first cell done\n");
    assert.equal(nb.cells[0].execution_count, 1);
    assert.ok(nb.cells[1].outputs.some((o) => o.output_type === "error"), "the stopped cell shows why");
    assert.equal(nb.cells[2].execution_count, null, "later cells are not run");
    assert.equal(nb.metadata.tnlab.run.ok, false);
    assert.equal(nb.metadata.tnlab.run.signal, signal);
  });
}

test("a kernel whose runner is killed outright (SIGKILL) ends by itself and removes its connection folder", T, async () => {
  const { runner, kernel } = await runUntilLooping("sigkill", [...SPIN]);
  runner.kill("SIGKILL");
  await exited(runner);
  assert.ok(await gone(kernel.pid, 60_000), "the kernel ended after its parent died");
  assert.equal(existsSync(kernel.connectionDir), false);
});

test("tnlab reproduce stopped by SIGTERM stops its kernel, skips the notebooks not run and exits 143", T, async () => {
  const nbDir = join(dir, "repro");
  mkdirSync(nbDir);
  const paper = (file: string, cells: string[]) => {
    const nb = JSON.parse(readFileSync(notebookFile(file, cells), "utf8"));
    nb.metadata.tnlab = { paper: "tt-fc" };
    writeFileSync(join(nbDir, file), JSON.stringify(nb));
  };
  paper("a-loops.ipynb", [...SPIN]);
  paper("b-never.ipynb", ['console.log("never")']);
  const out = join(dir, "repro-results");
  const runner = spawn(process.execPath, [join(ROOT, "bin", "tnlab.js"), "reproduce", "--profile", "smoke", "--notebooks", nbDir, "--out-dir", out], {
    cwd: dir,
    env: { ...process.env, TN_QUIET: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  started.push(runner);
  await stderrMarkers(runner)("looping");
  const kernel = kernelOf(runner.pid!);
  runner.kill("SIGTERM");
  const ex = await exited(runner);
  assert.equal(ex.code, 143);
  assert.equal(alive(kernel.pid), false);
  assert.equal(existsSync(kernel.connectionDir), false);
  assert.ok(existsSync(join(out, "a-loops.ipynb")), "the stopped notebook is written");
  assert.equal(existsSync(join(out, "b-never.ipynb")), false, "the next notebook is not run");
});

test("kernels a process leaves running when it exits are killed on the way out", T, async () => {
  const script = `const { KernelClient } = require(${JSON.stringify(join(ROOT, "kernel", "client.js"))});
KernelClient.start({ cwd: ${JSON.stringify(NOTEBOOKS)}, env: { TN_QUIET: "1" } }).then((k) => {
  console.log(JSON.stringify({ pid: k.pid, dir: k.dir }));
  process.exit(1); // as a test file whose test timed out: no shutdown
});`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  started.push(child);
  let text = "";
  child.stdout!.on("data", (d) => (text += d));
  await exited(child);
  const k = JSON.parse(text) as { pid: number; dir: string };
  assert.ok(await gone(k.pid, 10_000), "the kernel was killed when its client exited");
  assert.equal(existsSync(k.dir), false);
});

test("a kernel ends on SIGTERM while a cell spins", T, async () => {
  const k = await KernelClient.start({ cwd: NOTEBOOKS, env: { TN_QUIET: "1" }, stderr: "pipe" });
  try {
    const looping = stderrMarkers(k.proc)("looping");
    const pending = k.execute(`import * as fs from "node:fs";\n${say("looping")}\nwhile (true) {}`).catch((e: Error) => e);
    await looping;
    k.proc.kill("SIGTERM");
    const ex = await exited(k.proc);
    assert.equal(ex.signal, "SIGTERM");
    assert.match(String(await pending), /the kernel died while running the cell/);
  } finally {
    await k.shutdown();
  }
});
