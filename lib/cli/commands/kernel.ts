// `tnlab kernel install [--user | --prefix P | --sys-prefix]`, `uninstall`, `show`: the Jupyter
// kernelspec "TypeScript (tnlab)", written without Python.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { InstallModule } from "../../../kernel/index";
import { parseCommandArgs, usageError, type CommandSpec } from "../args";

export const USAGE = "usage: tnlab kernel install|uninstall|show [--user | --prefix P | --sys-prefix]";

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

export const KERNEL_ARGS: CommandSpec = {
  options: { user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string", expected: "a directory" } },
  positionals: { min: 0, max: 1, expected: "one subcommand: install, uninstall or show" },
};

export async function run(args: string[]): Promise<number> {
  let sub: string | undefined;
  const opts: { user?: boolean; prefix?: string; sysPrefix?: boolean } = {};
  try {
    const { values, positionals } = parseCommandArgs(args, KERNEL_ARGS);
    sub = positionals[0];
    if (values.user) opts.user = true;
    if (values["sys-prefix"]) opts.sysPrefix = true;
    if (values.prefix !== undefined) opts.prefix = values.prefix as string;
  } catch (err) {
    return usageError("kernel", err, USAGE);
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
