// `npm start` (= tnlab lab) as root, as in most containers: Jupyter gets --allow-root, JupyterLab
// opens where it is installed (TN_JUPYTER_PYTHON or PATH), the fallback to the classic Notebook
// is said aloud, the server answers over HTTP, and stopping
// tnlab (SIGTERM) stops Jupyter with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { builtOrFail, install, kernelPrefix, ROOT, skipUnless } from "./helpers";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { freePorts } = require(join(ROOT, "kernel", "client.js"));

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasNotebook = !!install.which("jupyter-notebook") || !!install.which("jupyter-lab");

test("npm start as root opens Jupyter on the given port and stops with its children", { skip: !isRoot ? "not running as root" : skipUnless(hasNotebook, "jupyter-notebook"), timeout: 120_000 }, async () => {
  builtOrFail();
  const { prefix, jupyterPath } = kernelPrefix();
  const [port] = await freePorts(1);
  const token = "tnlab-start-test";
  // npm start runs `node bin/tnlab.js lab`; npm itself only forwards arguments after `--`.
  const child = spawn("npm", ["start", "--silent", "--", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, `--ServerApp.token=${token}`], {
    cwd: ROOT,
    env: { ...process.env, JUPYTER_PATH: jupyterPath, TN_QUIET: "1", BROWSER: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so that the test can clean up whatever is left
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const base = `http://127.0.0.1:${port}`;
  try {
    let answer: Response | null = null;
    for (let i = 0; !answer; i++) {
      answer = await fetch(`${base}/api/kernelspecs?token=${token}`).then((r) => r, () => null);
      if (!answer) {
        const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 250))]);
        assert.ok(!done, `tnlab lab exited before serving: ${stderr}`);
        assert.ok(i < 240, `no HTTP answer on port ${port}: ${stderr}`);
      }
    }
    assert.equal(answer.status, 200);
    const specs = (await answer.json()) as { kernelspecs: Record<string, unknown> };
    assert.ok("tnlab" in specs.kernelspecs, JSON.stringify(Object.keys(specs.kernelspecs)));
    assert.match(stderr, /running as root, so Jupyter gets --allow-root/);
    if (process.env.TN_JUPYTER_PYTHON || install.which("jupyter-lab")) {
      // JupyterLab (TN_JUPYTER_PYTHON's, as .ci/run sets it, or one on PATH) serves its page.
      assert.equal((await fetch(`${base}/lab?token=${token}`)).status, 200, `JupyterLab's page: ${stderr}`);
      assert.doesNotMatch(stderr, /JupyterLab is not installed/);
    } else assert.match(stderr, /JupyterLab is not installed, so this opens the classic Notebook/);
    // SIGTERM to npm alone (as a process manager would send): npm passes it to tnlab, tnlab to
    // Jupyter; the server goes down and no process of the group is left.
    process.kill(child.pid!, "SIGTERM");
    await exited;
    const groupAlive = () => {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/api?token=${token}`).then(() => true, () => false);
      if (!up && !groupAlive()) break;
      assert.ok(i < 120, `after SIGTERM: server answers = ${up}, processes left = ${groupAlive()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
    rmSync(prefix, { recursive: true, force: true });
  }
});
