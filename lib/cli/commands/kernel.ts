// `tnlab kernel install [--user | --prefix P | --sys-prefix]`, `uninstall`, `show`: the Jupyter
// kernelspec "TypeScript (tnlab)", written without Python.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { InstallModule } from "../../../kernel/index";

export const summary = "install/uninstall/show the Jupyter kernel \"TypeScript (tnlab)\" (--user | --prefix P | --sys-prefix)";

export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "kernel", "launch.js"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the kernel/ folder of the tnlab package");
    dir = up;
  }
  return dir;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const opts: { user?: boolean; prefix?: string; sysPrefix?: boolean } = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--user") opts.user = true;
    else if (a === "--sys-prefix") opts.sysPrefix = true;
    else if (a === "--prefix") {
      opts.prefix = rest[++i];
      if (!opts.prefix) {
        console.error("tnlab kernel: --prefix needs a directory");
        return 2;
      }
    } else if (a.startsWith("--prefix=")) opts.prefix = a.slice("--prefix=".length);
    else {
      console.error(`tnlab kernel: unknown option ${a}; expected --user, --prefix P or --sys-prefix`);
      return 2;
    }
  }
  const root = packageRoot();
  const inst = require(join(root, "kernel", "install.js")) as InstallModule;
  switch (sub) {
    case "install": {
      inst.ensureSelfLink(root);
      const dir = inst.install({ ...opts, root });
      console.log(`installed the Jupyter kernel "${inst.DISPLAY_NAME}" ${inst.scope(opts)}, in ${dir}`);
      return 0;
    }
    case "uninstall": {
      const dir = inst.uninstall(opts);
      console.log(dir ? `removed ${dir}` : `no tnlab kernelspec in ${inst.kernelsDir(opts)}`);
      return 0;
    }
    case "show":
      console.log(JSON.stringify({ dir: join(inst.kernelsDir(opts), inst.NAME), kernel: inst.kernelJson(root) }, null, 2));
      return 0;
    default:
      console.error(`tnlab kernel: expected a subcommand: install, uninstall or show (got ${sub === undefined ? "nothing" : JSON.stringify(sub)})`);
      return 2;
  }
}
