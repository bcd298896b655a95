// `tnlab lab [--notebook] [jupyter args]` (= npm start): JupyterLab on notebooks/ with the tnlab
// kernel, or the classic Notebook where JupyterLab is not installed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { InstallModule } from "../../../kernel/index";
import { packageRoot } from "./kernel";

export const summary = "open JupyterLab (or the classic Notebook) on notebooks/ with the tnlab kernel";

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
  const child = spawn(cmd, rest, { cwd: join(root, "notebooks"), stdio: "inherit" });
  // Ctrl-C reaches Jupyter through the terminal's process group; we only wait for it.
  process.on("SIGINT", () => {});
  return await new Promise<number>((res) => child.on("exit", (code) => res(code ?? 0)));
}
