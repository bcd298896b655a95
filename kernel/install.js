"use strict";
// Writes the "TypeScript (tnlab)" kernelspec into a Jupyter data directory without Python,
// and makes `import ... from "tnlab"` resolvable from notebooks under this checkout.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.join(__dirname, "..");
const NAME = "tnlab";
const DISPLAY_NAME = "TypeScript (tnlab)";

/** The per-user Jupyter data directory, as jupyter_core computes it. */
function userDataDir(env = process.env, platform = process.platform) {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  if (platform === "win32") return path.join(env.APPDATA || path.join(os.homedir(), "AppData", "Roaming"), "jupyter");
  const xdg = env.XDG_DATA_HOME;
  return path.join(xdg ? xdg : path.join(os.homedir(), ".local", "share"), "jupyter");
}

function systemDataDir(platform = process.platform, env = process.env) {
  if (platform === "win32") return path.join(env.PROGRAMDATA || "C:\\ProgramData", "jupyter");
  return "/usr/local/share/jupyter";
}

/**
 * Where `install` writes: --prefix P → P/share/jupyter; --sys-prefix → sys.prefix of the python
 * that runs `jupyter` (asked once), else $CONDA_PREFIX / $VIRTUAL_ENV; otherwise (--user, the
 * default) the user's data dir, also for root: a system-wide kernelspec would make the last
 * checkout installed the kernel of every user of the machine (`--prefix /usr/local` still does
 * that when wanted).
 */
function kernelsDir(opts = {}, env = process.env) {
  if (opts.prefix) return path.join(path.resolve(opts.prefix), "share", "jupyter", "kernels");
  if (opts.sysPrefix) {
    const p = pythonSysPrefix() || env.CONDA_PREFIX || env.VIRTUAL_ENV;
    if (!p) throw new Error("--sys-prefix: cannot find the Python environment of `jupyter` (no CONDA_PREFIX or VIRTUAL_ENV either)");
    return path.join(p, "share", "jupyter", "kernels");
  }
  return path.join(userDataDir(env), "kernels");
}

/** Whom a kernelspec installed with `opts` serves, for the install message. */
function scope(opts = {}, env = process.env) {
  if (opts.prefix) return `for Jupyter installs under ${path.resolve(opts.prefix)}`;
  if (opts.sysPrefix) return "for the Python environment of `jupyter`";
  const user = env.USER || env.LOGNAME || (() => {
    try {
      return os.userInfo().username;
    } catch {
      return "";
    }
  })();
  return user ? `for the user ${user} only` : "for this user only";
}

/**
 * The environment (conda env or virtualenv) that the `jupyter` on PATH belongs to, if one is
 * active: `npm install` registers the kernel there, where that Jupyter looks first.
 */
function jupyterEnvironment(env = process.env) {
  const jup = which("jupyter", env);
  if (!jup) return null;
  for (const p of [env.CONDA_PREFIX, env.VIRTUAL_ENV]) {
    if (p && path.resolve(jup).startsWith(path.resolve(p) + path.sep)) return path.resolve(p);
  }
  return null;
}

function pythonSysPrefix() {
  const jup = which("jupyter");
  if (!jup) return null;
  try {
    const first = fs.readFileSync(jup, "utf8").split("\n")[0];
    const py = first.startsWith("#!") ? first.slice(2).trim().split(/\s+/) : ["python3"];
    const r = spawnSync(py[0], [...py.slice(1), "-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

function which(cmd, env = process.env) {
  const exts = process.platform === "win32" ? (env.PATHEXT || ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, cmd + ext);
      try {
        if (fs.statSync(p).isFile()) return p;
      } catch {}
    }
  }
  return null;
}

/** The kernel.json contents for this checkout. */
function kernelJson(root = ROOT, node = process.execPath) {
  return {
    argv: [node, path.join(root, "kernel", "launch.js"), "--connection-file", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    env: {},
    metadata: { tnlab: { root } },
  };
}

const PLOTLY_RESOURCE = "plotly.min.js";

function plotlyPath(root = ROOT) {
  return require.resolve("plotly.js-dist-min/plotly.min.js", { paths: [root, ROOT] });
}

/** Writes the kernelspec; returns the directory written. */
function install(opts = {}) {
  const dir = path.join(kernelsDir(opts), NAME);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `kernel.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(kernelJson(opts.root || ROOT), null, 1) + "\n");
  fs.renameSync(tmp, path.join(dir, "kernel.json"));
  for (const f of ["logo-32x32.png", "logo-64x64.png"]) fs.copyFileSync(path.join(__dirname, f), path.join(dir, f));
  // The Jupyter server serves the kernelspec folder at <base>/kernelspecs/tnlab/: figures load
  // plotly.js from there once per page instead of carrying it in every notebook.
  fs.copyFileSync(plotlyPath(opts.root || ROOT), path.join(dir, PLOTLY_RESOURCE));
  // The kernel's Help menu links to this copy (see helpLinks in server.js).
  fs.copyFileSync(path.join(opts.root || ROOT, "README.md"), path.join(dir, "README.md"));
  return dir;
}

function uninstall(opts = {}) {
  const dir = path.join(kernelsDir(opts), NAME);
  if (!fs.existsSync(dir)) return null;
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

/**
 * tslab resolves `import "tnlab"` from the notebook's directory with Node/TypeScript rules, and a
 * checkout is not inside its own node_modules: link node_modules/tnlab -> .. so that both the
 * runtime require and the type checker (package.json "types") find the package.
 */
function ensureSelfLink(root = ROOT) {
  if (path.basename(path.dirname(root)) === "node_modules") return null; // installed as a dependency
  const nm = path.join(root, "node_modules");
  if (!fs.existsSync(nm)) return null;
  const link = path.join(nm, NAME);
  try {
    const st = fs.lstatSync(link);
    if (st.isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(root)) return link;
    if (!st.isSymbolicLink()) return link; // a real install is there: leave it
    fs.unlinkSync(link);
  } catch {}
  fs.symlinkSync("..", link, process.platform === "win32" ? "junction" : "dir");
  return link;
}

module.exports = { NAME, PLOTLY_RESOURCE, DISPLAY_NAME, userDataDir, systemDataDir, kernelsDir, scope, jupyterEnvironment, kernelJson, install, uninstall, ensureSelfLink, which };
