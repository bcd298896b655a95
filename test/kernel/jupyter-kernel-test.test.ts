// Jupyter's own kernel conformance suite (Debian python3-jupyter-kernel-test) against tnlab.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { builtOrFail, kernelPrefix, NOTEBOOKS, pythonWith, skipUnless } from "./helpers";

const py = pythonWith(["jupyter_kernel_test", "jupyter_client"]);

test("jupyter_kernel_test.KernelTests pass against the tnlab kernel", { skip: skipUnless(!!py, "jupyter_kernel_test"), timeout: 430_000 }, () => {
  assert.ok(py, "python3 with jupyter_kernel_test (Debian: python3-jupyter-kernel-test) is required in CI");
  builtOrFail();
  const { prefix, jupyterPath } = kernelPrefix();
  try {
    const r = spawnSync(py, [join(__dirname, "test_tnlab_kernel.py"), "-v"], {
      cwd: NOTEBOOKS,
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: jupyterPath, TN_QUIET: "1" },
      timeout: 400_000, // wide for a busy machine; on expiry the kernel ends with its parent
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const ran = out.match(/Ran (\d+) tests?/);
    assert.equal(r.status, 0, `the kernel test suite failed:\n${out.slice(-6000)}`);
    assert.ok(ran && Number(ran[1]) >= 12, `expected the whole suite to run:\n${out.slice(-2000)}`);
    assert.match(out, /\nOK/);
    for (const name of ["test_error", "test_execute_result", "test_kernel_info", "test_display_data", "test_history", "test_inspect", "test_completion"]) {
      assert.match(out, new RegExp(`${name} .*\\.\\.\\. ok`), `${name} did not pass:\n${out.slice(-3000)}`);
    }
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
