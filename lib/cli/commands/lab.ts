// `tnlab lab [--notebook] [jupyter args]` (= npm start): JupyterLab on notebooks/ with the tnlab
// kernel, or the classic Notebook where JupyterLab is not installed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import type { InstallModule } from "../../../kernel/index";
import { packageRoot } from "./kernel";

export const summary = "open JupyterLab (or the classic Notebook) on notebooks/ with the tnlab kernel";

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export async function run(args: string[]): Promise<number> {
  const root = packageRoot();
  const inst = require(join(root, "kernel", "install.js")) as InstallModule;
  const classic = args.includes("--notebook");
  const rest = args.filter((a) => a !== "--notebook");
  const lab = !classic && inst.which("jupyter-lab");
  const nb = inst.which("jupyter-notebook");
  if (!lab && !nb) {
    console.error(
      "tnlab lab: Jupyter is not installed. Install it with one of:\n" +
        "  conda env create -f environment.yml && conda activate tnlab\n" +
        "  pip install jupyterlab\n" +
        "  sudo apt-get install jupyter-notebook        (Debian/Ubuntu)\n" +
        "then run `npx tnlab kernel install --user` and `npm start`.",
    );
    return 1;
  }
  inst.ensureSelfLink(root);
  const installed = [inst.kernelsDir({ user: true }), "/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels"].some((d) =>
    existsSync(join(d, inst.NAME, "kernel.json")),
  );
  if (!installed && !process.env.JUPYTER_PATH) {
    const dir = inst.install({ user: true, root });
    console.error(`tnlab lab: installed the kernel in ${dir}`);
  }
  const cmd = lab ? "jupyter-lab" : "jupyter-notebook";
  if (!lab && !classic) {
    console.error(
      "tnlab lab: JupyterLab is not installed, so this opens the classic Notebook (jupyter-notebook).\n" +
        "  For JupyterLab: pip install jupyterlab, or conda env create -f environment.yml (Debian has no JupyterLab package).",
    );
  }
  // Jupyter refuses to start as root without --allow-root; containers usually run as root.
  const jupyterArgs = [...rest];
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
