// The kernelspec installer (no Python) and the self-link that lets notebooks import "tnlab"
// with both Node's runtime resolution and the TypeScript checker tslab uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join } from "node:path";
import { install, NOTEBOOKS, ROOT } from "./helpers";

test("kernelspec locations follow jupyter_core", () => {
  assert.equal(install.kernelsDir({ prefix: "/opt/env" }), "/opt/env/share/jupyter/kernels");
  assert.equal(install.userDataDir({}, "linux"), join(homedir(), ".local", "share", "jupyter"));
  assert.equal(install.userDataDir({ XDG_DATA_HOME: "/x" }, "linux"), "/x/jupyter");
  assert.equal(install.userDataDir({ JUPYTER_DATA_DIR: "/j" }, "linux"), "/j");
  assert.equal(install.userDataDir({}, "darwin"), join(homedir(), "Library", "Jupyter"));
  assert.equal(install.systemDataDir("linux"), "/usr/local/share/jupyter");
});

test("the kernelspec goes to the user's data directory by default, also for root (never system-wide)", () => {
  assert.equal(install.kernelsDir({}, { JUPYTER_DATA_DIR: "/j" }), join("/j", "kernels"));
  assert.equal(install.kernelsDir({ user: true }, { XDG_DATA_HOME: "/x" }), join("/x", "jupyter", "kernels"));
  assert.match(install.scope({}, { USER: "ana" }), /for the user ana only/);
  assert.match(install.scope({ prefix: "/opt/env" }), /under \/opt\/env/);
});

/** Runs the npm postinstall kernel step with a fake `jupyter` on PATH; returns its output. */
function afterInstall(env: Record<string, string>, jupyterDir: string): string {
  mkdirSync(jupyterDir, { recursive: true });
  writeFileSync(join(jupyterDir, "jupyter"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(jupyterDir, "jupyter"), 0o755);
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(join(ROOT, "scripts", "kernel-setup.js"))}).afterInstall(${JSON.stringify(ROOT)})`], {
    encoding: "utf8",
    env: { PATH: `${jupyterDir}:/usr/bin:/bin`, ...env },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("npm install registers the kernel per user and says where (also as root)", { timeout: 60_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), "tnlab-postinstall-"));
  try {
    const data = join(tmp, "data");
    const out = afterInstall({ HOME: tmp, JUPYTER_DATA_DIR: data, USER: "ana" }, join(tmp, "bin"));
    const dir = join(data, "kernels", "tnlab");
    assert.ok(existsSync(join(dir, "kernel.json")), out);
    assert.ok(out.includes(`for the user ana only, in ${dir}`), out);
    assert.match(out, /npx tnlab kernel install --sys-prefix/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("npm install registers the kernel in the active virtualenv when its jupyter is on PATH", { timeout: 60_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), "tnlab-postinstall-"));
  try {
    const venv = join(tmp, "venv");
    const out = afterInstall({ HOME: tmp, JUPYTER_DATA_DIR: join(tmp, "data"), VIRTUAL_ENV: venv }, join(venv, "bin"));
    const dir = join(venv, "share", "jupyter", "kernels", "tnlab");
    assert.ok(existsSync(join(dir, "kernel.json")), out);
    assert.ok(out.includes(`for the environment ${venv}, in ${dir}`), out);
    assert.equal(existsSync(join(tmp, "data", "kernels")), false, "not also per user");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("install --prefix writes kernel.json (our launcher, TypeScript (tnlab)), both logos and plotly.js", () => {
  const prefix = mkdtempSync(join(tmpdir(), "tnlab-prefix-"));
  try {
    const dir = install.install({ prefix, root: ROOT });
    assert.equal(dir, join(prefix, "share", "jupyter", "kernels", "tnlab"));
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    assert.equal(spec.display_name, "TypeScript (tnlab)");
    assert.equal(spec.language, "typescript");
    assert.equal(spec.interrupt_mode, "signal");
    assert.equal(spec.argv[0], process.execPath);
    assert.equal(spec.argv[1], join(ROOT, "kernel", "launch.js"));
    assert.deepEqual(spec.argv.slice(2), ["--connection-file", "{connection_file}"]);
    for (const [f, size] of [["logo-32x32.png", 32], ["logo-64x64.png", 64]] as const) {
      const png = readFileSync(join(dir, f));
      assert.equal(png.subarray(1, 4).toString(), "PNG");
      assert.equal(png.readUInt32BE(16), size);
      assert.equal(png.readUInt32BE(20), size);
    }
    // Figures load plotly.js from the kernelspec folder (served at <base>/kernelspecs/tnlab/).
    assert.equal(install.PLOTLY_RESOURCE, "plotly.min.js");
    assert.deepEqual(readFileSync(join(dir, "plotly.min.js")), readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js")));
    assert.equal(readFileSync(join(dir, "README.md"), "utf8"), readFileSync(join(ROOT, "README.md"), "utf8"), "the Help menu's README");
    assert.equal(install.uninstall({ prefix }), dir);
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('"tnlab" resolves from notebooks/ at run time and for the type checker (dist/lib/index.d.ts)', () => {
  install.ensureSelfLink(ROOT);
  const runtime = require.resolve("tnlab", { paths: [NOTEBOOKS] });
  assert.equal(runtime, join(ROOT, "dist", "lib", "index.js"));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [require.resolve("tslab/package.json")] }));
  const r = ts.resolveModuleName("tnlab", join(NOTEBOOKS, "__tslab__.ts"), { moduleResolution: ts.ModuleResolutionKind.Node10 }, ts.sys);
  assert.ok(r.resolvedModule, "TypeScript finds the package");
  assert.equal(r.resolvedModule.resolvedFileName, join(ROOT, "dist", "lib", "index.d.ts"));
});

test("tnlab kernel rejects unknown subcommands and options", async () => {
  const { run } = await import("../../lib/cli/commands/kernel");
  assert.equal(await run(["frobnicate"]), 2);
  assert.equal(await run(["install", "--everywhere"]), 2);
});
