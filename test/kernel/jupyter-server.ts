// A Jupyter server (JupyterLab 4, Notebook 7 or the classic Notebook 6) for the browser tests:
// started on a free port in a temporary folder with the tnlab kernelspec, polled until it
// answers, and stopped with its kernels (its own process group) whatever happens in the test.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelPrefix, ROOT } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { freePorts } = require(join(ROOT, "kernel", "client.js"));

export const LAB_HOWTO =
  "JupyterLab is not installed for the tests: set TN_JUPYTER_PYTHON to a Python with jupyterlab, ipywidgets, notebook and plotly " +
  "(offline: python3 -m venv /tmp/tnlab-lab && /tmp/tnlab-lab/bin/pip install --no-index --find-links /opt/pypi/files jupyterlab ipywidgets notebook plotly; " +
  "online: the same without --no-index --find-links; .ci/run does this)";

/**
 * The Python whose environment has JupyterLab (TN_JUPYTER_PYTHON, else a python3 on PATH), or
 * null. A TN_JUPYTER_PYTHON without jupyterlab is an error, not a skip: someone meant to test Lab.
 */
export function labPython(): string | null {
  const named = process.env.TN_JUPYTER_PYTHON;
  const imports = (py: string) => spawnSync(py, ["-c", "import jupyterlab, notebook, ipywidgets"], { encoding: "utf8" }).status === 0;
  if (named) {
    if (!imports(named)) throw new Error(`TN_JUPYTER_PYTHON = ${named}: expected a Python with jupyterlab, notebook and ipywidgets installed`);
    return named;
  }
  for (const py of ["python3", "/usr/bin/python3"]) if (imports(py)) return py;
  return null;
}

export interface Server {
  base: string;
  token: string;
  work: string;
  /** An absolute URL on the server, with the token. */
  url(path: string): string;
  /** Rewrites the page config's disabled extensions; read again by the next page load. */
  disableExtensions(ids: string[]): void;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** The command and its arguments, e.g. [python, "-m", "jupyterlab"] or ["jupyter-notebook"]. */
  argv: string[];
  /** Files to place in the served folder: name → contents. */
  files?: Record<string, string>;
  /** Front-end extensions (page config ids) to disable, e.g. ["jupyterlab-plotly"]. */
  disabledExtensions?: string[];
  /** Extra directories for JUPYTER_PATH (where the classic Notebook finds nbextensions). */
  jupyterPath?: string[];
  /** Classic Notebook extensions to load, e.g. ["jupyter-js-widgets/extension"]. */
  nbextensions?: string[];
  startBudgetMs?: number;
}

function stopGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const stopped = new Promise<void>((r) => proc.once("exit", () => r()));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {}
  };
  kill("SIGTERM");
  const t = setTimeout(() => kill("SIGKILL"), 15_000);
  return stopped.then(() => {
    clearTimeout(t);
    // Kernels the server had not yet stopped share its process group.
    kill("SIGKILL");
  });
}

export async function startServer(opts: ServerOptions): Promise<Server> {
  const { prefix, jupyterPath } = kernelPrefix();
  const work = mkdtempSync(join(tmpdir(), "tnlab-server-"));
  const config = join(prefix, "config");
  mkdirSync(join(config, "labconfig"), { recursive: true });
  // The user config dir: page config (disabled extensions) and nothing from the machine's user.
  const disableExtensions = (ids: string[]) =>
    writeFileSync(join(config, "labconfig", "page_config.json"), JSON.stringify({ disabledExtensions: Object.fromEntries(ids.map((e) => [e, true])) }));
  disableExtensions(opts.disabledExtensions ?? []);
  if (opts.nbextensions) {
    mkdirSync(join(config, "nbconfig"), { recursive: true });
    writeFileSync(join(config, "nbconfig", "notebook.json"), JSON.stringify({ load_extensions: Object.fromEntries(opts.nbextensions.map((e) => [e, true])) }));
  }
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(work, name), text);
  const [port] = await freePorts(1);
  const token = "tnlab-test-token";
  const env = {
    ...process.env,
    JUPYTER_PATH: [jupyterPath, ...(opts.jupyterPath ?? [])].join(":"),
    JUPYTER_DATA_DIR: join(prefix, "data"),
    JUPYTER_CONFIG_DIR: config,
    JUPYTER_RUNTIME_DIR: join(prefix, "runtime"),
    IPYTHONDIR: join(prefix, "ipython"),
    TN_QUIET: "1",
    BROWSER: "true",
  };
  const args = [
    ...opts.argv.slice(1),
    "--no-browser",
    `--port=${port}`,
    "--ip=127.0.0.1",
    `--NotebookApp.token=${token}`,
    `--ServerApp.token=${token}`,
    "--allow-root",
    `--notebook-dir=${work}`,
    // JupyterLab and Notebook 7 expose their application object as window.jupyterapp (as
    // Galata, JupyterLab's own browser tests, does); the classic Notebook ignores the option.
    "--LabServerApp.expose_app_in_browser=True",
  ];
  const proc = spawn(opts.argv[0], args, { cwd: work, env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  // The server has its own process group (so that stop() ends its kernels too), so it would
  // outlive a test process that is killed: end the group when this process exits or is signalled.
  const killGroup = () => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {}
  };
  const onSignal = (sig: NodeJS.Signals) => {
    killGroup();
    process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGHUP" ? 1 : 15));
  };
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  process.once("exit", killGroup);
  for (const sig of signals) process.once(sig, onSignal);
  proc.once("exit", () => {
    process.off("exit", killGroup);
    for (const sig of signals) process.off(sig, onSignal);
  });
  let log = "";
  proc.stderr!.on("data", (d) => (log = (log + d).slice(-20_000)));
  const base = `http://127.0.0.1:${port}`;
  const server: Server = {
    base,
    token,
    work,
    url: (path: string) => `${base}${path}${path.includes("?") ? "&" : "?"}token=${token}`,
    disableExtensions,
    async stop() {
      await stopGroup(proc);
      rmSync(work, { recursive: true, force: true });
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  try {
    // Poll until the server answers, it exits, or the budget ends (a busy machine starts it slowly).
    const deadline = Date.now() + (opts.startBudgetMs ?? 120_000);
    while (!(await fetch(server.url("/api")).then((r) => r.ok, () => false))) {
      if (proc.exitCode !== null) throw new Error(`${opts.argv.join(" ")} exited with code ${proc.exitCode}:\n${log}`);
      if (Date.now() > deadline) throw new Error(`${opts.argv.join(" ")} did not answer within the budget:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Runs `fn` with a server started from `opts`, and stops the server (and its kernels) whatever `fn` does. */
export async function withServer<T>(opts: ServerOptions, fn: (server: Server) => Promise<T>): Promise<T> {
  const server = await startServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** A notebook of code cells for the tnlab kernel, as JSON text. */
export function notebookJson(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ id: `cell-${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "tnlab", display_name: "TypeScript (tnlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

