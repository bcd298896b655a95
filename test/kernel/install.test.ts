// The kernelspec installer (no Python) and the self-link that lets notebooks import "tnlab"
// with both Node's runtime resolution and the TypeScript checker tslab uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
