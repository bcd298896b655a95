// Building tfjs-node's binding against a TensorFlow found on the machine (see ./tf-locate), laid
// into the package's deps/ the way its scripts/install.js expects, and undoing it. A manifest in
// deps/ records what was laid and built, so `tnlab native --undo` removes exactly that and
// `tnlab info` can say where the TensorFlow came from.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { BINDING_TF_VERSION, soname, type TfCheck, type TfSource } from "./tf-locate";

/** The npm alias tnlab installs tfjs-node under (package.json optionalDependencies). */
export const NATIVE_ALIAS = "tfjs-node-native";
export const NATIVE_SPEC = "npm:@tensorflow/tfjs-node@4.22.0";
const MANIFEST = "tnlab-native.json";

export interface NativeManifest {
  source: TfSource;
  origin: string;
  version?: string;
  lib: string;
  framework: string;
  include: string;
  mode: "symlink" | "copy";
  /** Files and folders this build created inside the package, relative to it. */
  created: string[];
  /** True when `tnlab native` installed the package itself (then --undo removes it again). */
  installedPackage: boolean;
  builtAt: string;
  addon: string;
}

/** tnlab's own folder (holding its package.json), from lib/backend or dist/lib/backend. */
export function tnlabRoot(): string {
  for (const up of ["../..", "../../.."]) {
    const d = resolve(__dirname, up);
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "lib", "backend"))) return d;
  }
  return resolve(__dirname, "../..");
}

/** The folder of the installed tfjs-node package (under its alias or its own name), if any. */
export function nativePackageDir(): string | undefined {
  for (const id of [NATIVE_ALIAS, "@tensorflow/tfjs-node"]) {
    try {
      const pj = require.resolve(`${id}/package.json`, { paths: [tnlabRoot()] });
      const name = (JSON.parse(readFileSync(pj, "utf8")) as { name: string }).name;
      if (name === "@tensorflow/tfjs-node") return dirname(pj);
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

export function readManifest(pkgDir: string): NativeManifest | undefined {
  const f = join(pkgDir, "deps", MANIFEST);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as NativeManifest;
  } catch {
    return undefined;
  }
}

/** The manifest of the installed native package, if `tnlab native` built it. */
export function nativeManifest(): NativeManifest | undefined {
  const d = nativePackageDir();
  return d ? readManifest(d) : undefined;
}

/**
 * The file names to lay into deps/lib for a C library and a framework library:
 * - libtensorflow.so / libtensorflow_framework.so: what `-ltensorflow -ltensorflow_framework` link;
 * - each library's soname (libtensorflow_cc.so.2 in a wheel): what the built addon loads at run
 *   time through its rpath $ORIGIN/../../deps/lib;
 * - libtensorflow.so.2.9.1: the file install.js takes as "libtensorflow already here", so a later
 *   `npm rebuild` builds on it instead of downloading.
 */
export function depsLayout(lib: string, framework: string, sonameOf: (f: string) => string = soname): Map<string, string> {
  const m = new Map<string, string>();
  m.set("libtensorflow.so", lib);
  m.set(sonameOf(lib), lib);
  m.set(`libtensorflow.so.${BINDING_TF_VERSION}`, lib);
  m.set("libtensorflow_framework.so", framework);
  m.set(sonameOf(framework), framework);
  m.set(`libtensorflow_framework.so.${BINDING_TF_VERSION}`, framework);
  return m;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, log = true) {
  if (log) console.log(`  $ ${[cmd, ...args].join(" ")}`);
  return spawnSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

/** Installs the tfjs-node package without its install script (which would download libtensorflow). */
export function installPackage(): { ok: boolean; message: string } {
  const root = tnlabRoot();
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = run(npm, ["install", "--no-save", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", `${NATIVE_ALIAS}@${NATIVE_SPEC}`], root);
  if (r.status !== 0) return { ok: false, message: `npm could not install ${NATIVE_SPEC} without its install script:\n${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}` };
  return { ok: true, message: `installed ${NATIVE_SPEC} as ${NATIVE_ALIAS} (install script skipped)` };
}

/** npm's own node-gyp (npm ships one), or one the project has. */
export function nodeGypPath(): string | undefined {
  const env = process.env.npm_config_node_gyp;
  if (env && existsSync(env)) return env;
  const cands = [
    join(tnlabRoot(), "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return cands.find((c) => existsSync(c));
}

/** Node's headers beside this node (Debian's nodejs-dev, nvm, the official tarball), when their version matches. */
export function localNodeDir(): string | undefined {
  const prefix = resolve(dirname(process.execPath), "..");
  const h = join(prefix, "include", "node", "node_version.h");
  if (!existsSync(h)) return undefined;
  const t = readFileSync(h, "utf8");
  const v = ["MAJOR", "MINOR", "PATCH"].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(t)?.[1]).join(".");
  return `v${v}` === process.version ? prefix : undefined;
}

/** The N-API version the addon is built for: the highest both tfjs-node's package.json and this node support. */
export function napiBuildVersion(pkgDir: string): number {
  const pj = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { binary: { napi_versions: number[] } };
  const have = Number(process.versions.napi);
  return Math.max(...pj.binary.napi_versions.filter((v) => v <= have));
}

export interface BuildResult {
  ok: boolean;
  steps: string[];
  error?: string;
  manifest?: NativeManifest;
}

/** Lays deps/, builds the addon with node-gyp, and writes the manifest. Does not load it (see proveNative). */
export function buildNative(pkgDir: string, check: TfCheck, opts: { copy: boolean; installedPackage: boolean }): BuildResult {
  const c = check.candidate;
  const steps: string[] = [];
  const deps = join(pkgDir, "deps");
  const old = readManifest(pkgDir);
  if (existsSync(deps) && !old) {
    return { ok: false, steps, error: `${deps} exists and was not made by tnlab native (tfjs-node's own download?); move it away first` };
  }
  if (old) undoBuild(pkgDir, old, false);
  mkdirSync(join(deps, "lib"), { recursive: true });
  const created = ["deps"];
  const place = (dest: string, src: string) => {
    rmSync(dest, { force: true, recursive: true });
    if (opts.copy) {
      if (src.endsWith(".so") || /\.so\.\d/.test(src)) copyFileSync(src, dest);
      else cpSync(src, dest, { recursive: true, dereference: true });
    } else symlinkSync(src, dest);
  };
  for (const [name, src] of depsLayout(c.lib!, c.framework!)) place(join(deps, "lib", name), src);
  place(join(deps, "include"), c.include!);
  steps.push(`${opts.copy ? "copied" : "linked"} ${basename(c.lib!)}, ${basename(c.framework!)} and ${c.include} into ${deps}`);

  const gyp = nodeGypPath();
  if (!gyp) return { ok: false, steps, error: "node-gyp not found (npm ships one; is npm installed beside node?)" };
  const napi = napiBuildVersion(pkgDir);
  const modulePath = join(pkgDir, "lib", `napi-v${napi}`);
  const args = [gyp, "rebuild", `--napi_build_version=${napi}`, "--module_name=tfjs_binding", `--module_path=${modulePath}`];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const env = { ...process.env };
  // Newer wheels keep some headers the C API includes deeper in include/ (e.g. external/local_tsl).
  if (check.extraIncludes.length > 0) env.CPPFLAGS = [env.CPPFLAGS, ...check.extraIncludes.map((d) => `-I${d}`)].filter(Boolean).join(" ");
  const hadLib = existsSync(join(pkgDir, "lib"));
  const r = run(process.execPath, args, pkgDir, env);
  created.push("build", hadLib ? join("lib", `napi-v${napi}`) : "lib");
  const addon = join(modulePath, "tfjs_binding.node");
  const manifest: NativeManifest = {
    source: c.source, origin: c.origin, version: check.version, lib: c.lib!, framework: c.framework!, include: c.include!,
    mode: opts.copy ? "copy" : "symlink", created, installedPackage: opts.installedPackage, builtAt: new Date().toISOString(), addon,
  };
  writeFileSync(join(deps, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  if (r.status !== 0 || !existsSync(addon)) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").filter((l) => /error|Error|undefined reference|No such file/.test(l)).slice(0, 12);
    return { ok: false, steps, manifest, error: `node-gyp rebuild failed (exit ${r.status}):\n${tail.join("\n") || (r.stderr || r.stdout).trim().split("\n").slice(-12).join("\n")}` };
  }
  steps.push(`built ${addon} with node-gyp (N-API ${napi}${nodedir ? `, node headers from ${nodedir}` : ""})`);
  return { ok: true, steps, manifest };
}

/**
 * Loads the built package in a fresh node (so a crash in the native code cannot take this one down)
 * and runs a matrix product on the tensorflow backend, checking the numbers.
 */
export function proveNative(pkgDir: string): { ok: boolean; message: string; tfVersion?: string } {
  const code = `
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || "2";
const tf = require(${JSON.stringify(pkgDir)});
tf.setBackend("tensorflow");
const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync();
const want = [19, 22, 43, 50];
const ok = tf.getBackend() === "tensorflow" && want.every((v, i) => y[i] === v);
console.log(JSON.stringify({ ok, backend: tf.getBackend(), y: Array.from(y), tf: tf.backend().binding.TF_Version }));`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: tnlabRoot(), encoding: "utf8", timeout: 120_000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const j = JSON.parse(line) as { ok: boolean; backend: string; y: number[]; tf: string };
    if (j.ok) return { ok: true, message: `the tensorflow backend loads (TensorFlow ${j.tf}) and [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]`, tfVersion: j.tf };
    return { ok: false, message: `the addon loaded but the check failed: backend ${j.backend}, product ${JSON.stringify(j.y)}` };
  } catch {
    return { ok: false, message: `the built addon does not load (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout).trim().split("\n").slice(0, 8).join("\n")}` };
  }
}

/** Removes what the manifest says this tool created; with `pkg`, also the package it installed. */
export function undoBuild(pkgDir: string, m: NativeManifest, pkg = true): string[] {
  const removed: string[] = [];
  for (const rel of m.created) {
    const p = join(pkgDir, rel);
    if (existsSync(p)) {
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    }
  }
  if (pkg && m.installedPackage && existsSync(pkgDir)) {
    rmSync(pkgDir, { recursive: true, force: true });
    removed.push(pkgDir);
  }
  return removed;
}
