// Shared by the kernel tests: where the project is, which Python has Jupyter's test packages,
// and a temporary Jupyter prefix holding the tnlab kernelspec.
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const NOTEBOOKS = join(ROOT, "notebooks");

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const install = require(join(ROOT, "kernel", "install.js"));
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const { KernelClient } = require(join(ROOT, "kernel", "client.js"));
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const notebook = require(join(ROOT, "kernel", "notebook.js"));

/** A python3 that can import all `modules`, or null. Debian's /usr/bin/python3 is tried after PATH's. */
export function pythonWith(modules: string[]): string | null {
  for (const py of [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean) as string[]) {
    const r = spawnSync(py, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * The reason to skip a test that needs `what`, or false to run it. In CI (CI=true) nothing is
 * skipped: a missing dependency must fail the test instead.
 */
export function skipUnless(ok: boolean, what: string): string | false {
  if (ok) return false;
  if (process.env.CI) return false;
  return `${what} is not installed (apt-get install jupyter-notebook python3-nbclient python3-jupyter-kernel-test chromium); runs in CI`;
}

/** A fresh Jupyter prefix with the tnlab kernelspec; JUPYTER_PATH = <prefix>/share/jupyter. */
export function kernelPrefix(): { prefix: string; jupyterPath: string } {
  const prefix = mkdtempSync(join(tmpdir(), "tnlab-jupyter-"));
  install.install({ prefix, root: ROOT });
  return { prefix, jupyterPath: join(prefix, "share", "jupyter") };
}

export function builtOrFail(): void {
  // The kernel loads tn from dist/ (through node_modules/tnlab): the package must be built.
  install.ensureSelfLink(ROOT);
  require.resolve(join(ROOT, "dist", "lib", "index.js"));
}

/**
 * The budget of one test that talks to a kernel: generous, so that a busy machine (other jobs on
 * every core) does not fail it; a test that really hangs still ends, and its kernel with it.
 */
export const KERNEL_TEST_TIMEOUT = Number(process.env.TNLAB_KERNEL_TEST_TIMEOUT_MS) || 180_000;

/**
 * Waits for lines "tnlab-test: WHAT" on a process's stderr (piped; everything else is passed on
 * to this process's stderr). `marker(what)` resolves at the first such line printed after the
 * call, and rejects if the process exits first.
 */
export function stderrMarkers(proc: ChildProcess): (what: string) => Promise<void> {
  let text = "";
  const waiting = new Set<{ line: string; from: number; resolve: () => void; reject: (e: Error) => void }>();
  const check = () => {
    for (const w of waiting) {
      if (text.indexOf(w.line, w.from) >= 0) {
        waiting.delete(w);
        w.resolve();
      }
    }
  };
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (chunk: string) => {
    text += chunk;
    const other = chunk.split("\n").filter((l) => l && !l.startsWith("tnlab-test: "));
    if (other.length) process.stderr.write(other.join("\n") + "\n");
    check();
  });
  proc.once("exit", (code, signal) => {
    for (const w of waiting) w.reject(new Error(`the process exited (code ${code}, signal ${signal}) before printing "${w.line.trim()}"`));
    waiting.clear();
  });
  return (what) =>
    new Promise((resolve, reject) => {
      waiting.add({ line: `tnlab-test: ${what}\n`, from: text.length, resolve, reject });
      check();
    });
}

/** Whether a process is alive: it exists and is not a zombie (PID 1 here may never reap it). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== "linux";
    } catch {
      return false;
    }
  }
}
