// Shared by the kernel tests: where the project is, which Python has Jupyter's test packages,
// and a temporary Jupyter prefix holding the tnlab kernelspec.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
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
