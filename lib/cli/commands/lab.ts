// `tnlab lab [--notebook] [jupyter args]` (= npm start): JupyterLab on notebooks/ with the tnlab
// kernel, or the classic Notebook where JupyterLab is not installed. TN_JUPYTER_PYTHON names the
// Python of a virtualenv that has JupyterLab (as .ci/run makes from local wheels).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import type { InstallModule } from "../../../kernel/index";
import { packageRoot } from "./kernel";

export const USAGE = "usage: tnlab lab [--notebook] [JUPYTER OPTIONS ...]   (npm start; --notebook: the classic Notebook)";

export const summary = "open JupyterLab (or the classic Notebook) on notebooks/ with the tnlab kernel";

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

const LAB_INSTALL =
  "python3 -m venv ~/tnlab-lab && ~/tnlab-lab/bin/pip install jupyterlab ipywidgets plotly " +
  "(offline from a folder of wheels: add --no-index --find-links DIR), then TN_JUPYTER_PYTHON=~/tnlab-lab/bin/python npm start; " +
  "or conda env create -f environment.yml && conda activate tnlab";

/**
 * The Jupyter to run: TN_JUPYTER_PYTHON's (`python -m jupyterlab`, or `-m notebook` with
 * --notebook), else jupyter-lab / jupyter-notebook on PATH (an activated virtualenv or conda env).
 */
function findJupyter(inst: InstallModule, classic: boolean): { argv: string[]; lab: boolean } | { error: string } {
  const py = process.env.TN_JUPYTER_PYTHON;
  if (py) {
    const mod = classic ? "notebook" : "jupyterlab";
    const r = spawnSync(py, ["-c", `import ${mod}`], { encoding: "utf8" });
    if (r.status !== 0) return { error: `tnlab lab: TN_JUPYTER_PYTHON = ${py}: expected a Python with ${mod} installed (${(r.stderr || r.error?.message || "").trim().split("\n").pop()})` };
    return { argv: [py, "-m", mod], lab: !classic };
  }
  const lab = !classic && inst.which("jupyter-lab");
  if (lab) return { argv: ["jupyter-lab"], lab: true };
  if (inst.which("jupyter-notebook")) return { argv: ["jupyter-notebook"], lab: false };
  return {
    error:
      "tnlab lab: Jupyter is not installed. Install it with one of:\n" +
      `  ${LAB_INSTALL}\n` +
      "  sudo apt-get install jupyter-notebook        (Debian/Ubuntu: the classic Notebook)\n" +
      "then run `npm start` (it installs the kernel for this user when needed).",
  };
}

export async function run(args: string[]): Promise<number> {
  const root = packageRoot();
  const inst = require(join(root, "kernel", "install.js")) as InstallModule;
  const classic = args.includes("--notebook");
  const rest = args.filter((a) => a !== "--notebook");
  const jupyter = findJupyter(inst, classic);
  if ("error" in jupyter) {
    console.error(jupyter.error);
    return 1;
  }
  const lab = jupyter.lab;
  inst.ensureSelfLink(root);
  const installed = [inst.kernelsDir({ user: true }), "/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels"].some((d) =>
    existsSync(join(d, inst.NAME, "kernel.json")),
  );
  if (!installed && !process.env.JUPYTER_PATH) {
    const dir = inst.install({ user: true, root });
    console.error(`tnlab lab: installed the kernel in ${dir}`);
  }
  const [cmd, ...cmdArgs] = jupyter.argv;
  if (!lab && !classic) {
    console.error(
      "tnlab lab: JupyterLab is not installed, so this opens the classic Notebook (jupyter-notebook).\n" +
        `  For JupyterLab (Debian has no package for it): ${LAB_INSTALL}`,
    );
  }
  // Jupyter refuses to start as root without --allow-root; containers usually run as root.
  const jupyterArgs = [...cmdArgs, ...rest];
  if (isRoot() && !jupyterArgs.some((a) => a === "--allow-root" || a.startsWith("--allow-root="))) {
    jupyterArgs.push("--allow-root");
    console.error("tnlab lab: running as root, so Jupyter gets --allow-root");
  }
  const child = spawn(cmd, jupyterArgs, { cwd: join(root, "notebooks"), stdio: "inherit" });
  // Ctrl-C reaches Jupyter through the terminal's process group; we only wait for it. A SIGTERM
  // or SIGHUP sent to us alone is passed on, so that Jupyter (and its kernels) stop with us.
  process.on("SIGINT", () => {});
  for (const sig of ["SIGTERM", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  // `npm start` runs us under `sh -c`, and npm's SIGTERM stops only that shell: when our parent
  // goes away (we are re-parented), stop Jupyter too rather than leave it serving.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      console.error("tnlab lab: the process that started us has ended; stopping Jupyter");
      child.kill("SIGTERM");
    }
  }, 500);
  child.on("exit", () => clearInterval(watch));
  return await new Promise<number>((res) => {
    child.on("error", (e) => {
      console.error(`tnlab lab: cannot start ${cmd}: ${e.message}`);
      res(1);
    });
    child.on("exit", (code, signal) => res(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
