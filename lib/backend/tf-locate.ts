// Finding a TensorFlow C library already on the machine (a Python wheel, a conda libtensorflow,
// the official tarball, any folder) and checking that it has what tfjs-node's binding needs:
// the two shared libraries, the C API headers it includes and the TF_* / TFE_* functions it calls.
// Everything here only reads files; building is in ./tf-build.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The libtensorflow version @tensorflow/tfjs-node 4.22 downloads (scripts/deps-constants.js). */
export const BINDING_TF_VERSION = "2.9.1";
/**
 * Oldest TensorFlow whose C API has everything the binding uses: TF_TString (the string tensor
 * layout in tensorflow/core/platform/ctstring_internal.h) arrived in 2.4.
 */
export const MIN_TF_VERSION = [2, 4] as const;

/** Headers tfjs-node 4.22's binding/*.cc include from TensorFlow. */
export const BINDING_HEADERS: readonly string[] = [
  "tensorflow/c/c_api.h",
  "tensorflow/c/eager/c_api.h",
  "tensorflow/c/tf_datatype.h",
  "tensorflow/c/tf_status.h",
  "tensorflow/c/tf_tensor.h",
  "tensorflow/core/platform/ctstring_internal.h",
];

/** C API functions tfjs-node 4.22's binding calls (the TF_TString_* ones are inline in the headers). */
export const BINDING_SYMBOLS: readonly string[] = [
  "TFE_ContextListDevices", "TFE_DeleteContext", "TFE_DeleteContextOptions", "TFE_DeleteOp",
  "TFE_DeleteTensorHandle", "TFE_Execute", "TFE_NewContext", "TFE_NewContextOptions", "TFE_NewOp",
  "TFE_NewTensorHandle", "TFE_OpAddInput", "TFE_OpSetAttrBool", "TFE_OpSetAttrBoolList",
  "TFE_OpSetAttrFloat", "TFE_OpSetAttrFloatList", "TFE_OpSetAttrInt", "TFE_OpSetAttrIntList",
  "TFE_OpSetAttrShape", "TFE_OpSetAttrString", "TFE_OpSetAttrType", "TFE_TensorHandleCopyToDevice",
  "TFE_TensorHandleDataType", "TFE_TensorHandleDim", "TFE_TensorHandleNumDims", "TFE_TensorHandleResolve",
  "TF_AllocateTensor", "TF_DataTypeSize", "TF_DeleteBuffer", "TF_DeleteDeviceList", "TF_DeleteGraph",
  "TF_DeleteSession", "TF_DeleteSessionOptions", "TF_DeleteStatus", "TF_DeleteTensor", "TF_DeviceListCount",
  "TF_DeviceListName", "TF_DeviceListType", "TF_Dim", "TF_GetCode", "TF_GraphOperationByName",
  "TF_LoadSessionFromSavedModel", "TF_Message", "TF_NewBuffer", "TF_NewBufferFromString", "TF_NewGraph",
  "TF_NewSessionOptions", "TF_NewStatus", "TF_NewTensor", "TF_NumDims", "TF_SessionRun", "TF_TensorByteSize",
  "TF_TensorData", "TF_TensorElementCount", "TF_TensorType", "TF_Version",
];

/**
 * What a binding source tree needs from TensorFlow, read from its files: the `tensorflow/...`
 * headers it includes and the TF_* / TFE_* functions it calls. Run on the installed package so a
 * newer tfjs-node is checked for what it really uses, not for our list.
 */
export function bindingNeeds(bindingDir: string): { headers: string[]; symbols: string[] } {
  const headers = new Set<string>();
  const symbols = new Set<string>();
  const own = new Set<string>();
  const files = readdirSync(bindingDir).filter((f) => /\.(cc|h)$/.test(f));
  const texts = files.map((f) => readFileSync(join(bindingDir, f), "utf8"));
  // Classes and macros the binding defines itself (TF_AutoStatus, TFE_AutoOp, ...) are not TensorFlow's.
  for (const t of texts) for (const m of t.matchAll(/\b(?:class|struct|#define)\s+(TFE?_\w+)/g)) own.add(m[1]);
  for (const t of texts) {
    for (const m of t.matchAll(/#include\s+"(tensorflow\/[^"]+)"/g)) headers.add(m[1]);
    for (const m of t.matchAll(/\b(TFE?_[A-Za-z]\w*)\s*\(/g)) {
      const name = m[1];
      if (own.has(name) || name.startsWith("TF_TString_")) continue;
      symbols.add(name);
    }
  }
  return { headers: [...headers].sort(), symbols: [...symbols].sort() };
}

/** Where a candidate TensorFlow came from, for messages and `tnlab info`. */
export type TfSource = "python" | "conda" | "lib";

/** A TensorFlow C library found on disk, before checking. */
export interface TfCandidate {
  source: TfSource;
  /** How it was found, for people: "python3 (tensorflow 2.15.0 in /usr/lib/python3/...)". */
  origin: string;
  /** The C API library (libtensorflow.so.2 or, in a wheel, libtensorflow_cc.so.2). */
  lib?: string;
  /** libtensorflow_framework.so.2. */
  framework?: string;
  /** The folder holding tensorflow/c/c_api.h. */
  include?: string;
  /** Folders looked in, for the "missing" message. */
  searched: string[];
  /**
   * The version its package says (pip metadata, conda-meta, a wheel's *.dist-info), for layouts
   * whose headers carry none: TensorFlow 2.16+ passes the version numbers as build flags.
   */
  version?: string;
}

/** The first file in `dir` whose name matches one of `names` in order (exact, then versioned .so.N...). */
function firstLib(dir: string, stems: readonly string[]): string | undefined {
  if (!isDir(dir)) return undefined;
  const files = readdirSync(dir);
  for (const stem of stems) {
    // Prefer the soname-style file (libX.so.2), then the unversioned link, then any libX.so.2.x.y.
    const ranked = files
      .filter((f) => f === `${stem}.so` || f.startsWith(`${stem}.so.`))
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    if (ranked.length > 0) return join(dir, ranked[0]);
  }
  return undefined;
  function rank(f: string): number {
    const parts = f.split(".so")[1].split(".").filter(Boolean).length;
    return parts === 1 ? 0 : parts === 0 ? 1 : 2;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// The C library is libtensorflow in the tarball and conda's libtensorflow, libtensorflow_cc in a
// Python wheel (which exports the same C API) and in conda's libtensorflow_cc.
const C_LIB_STEMS = ["libtensorflow", "libtensorflow_cc"] as const;
const FRAMEWORK_STEMS = ["libtensorflow_framework"] as const;

/**
 * Looks for the libraries and headers under `dir`: the folder itself, its lib/ (the official
 * tarball and conda), and its include/ or ../include.
 */
export function inspectFolder(dir: string, source: TfSource, origin: string, includeHint?: string): TfCandidate {
  const libDirs = [dir, join(dir, "lib"), join(dir, "lib64")];
  const incDirs = includeHint ? [includeHint] : [join(dir, "include"), join(dirname(dir), "include"), dir];
  const c: TfCandidate = { source, origin, searched: [...new Set([...libDirs, ...incDirs].filter(isDir))] };
  for (const d of libDirs) {
    c.lib ??= firstLib(d, C_LIB_STEMS);
    c.framework ??= firstLib(d, FRAMEWORK_STEMS);
  }
  c.include = incDirs.find((d) => existsSync(join(d, "tensorflow", "c", "c_api.h")));
  if (c.searched.length === 0) c.searched = [dir];
  c.version = packageVersion(dir);
  return c;
}

/**
 * The version recorded beside an installed TensorFlow: a wheel's site-packages/tensorflow*-X.dist-info
 * next to the tensorflow/ folder, or conda's conda-meta/libtensorflow*-X-build.json.
 */
export function packageVersion(dir: string): string | undefined {
  const site = dirname(dir);
  try {
    for (const n of readdirSync(site)) {
      const m = /^(?:tensorflow|tensorflow_cpu|tensorflow_gpu|tensorflow_intel|tf_nightly)-(\d+\.\d+\.\d+[^-]*?)\.dist-info$/.exec(n);
      if (m && basename(dir) === "tensorflow") return m[1];
    }
  } catch {
    // no parent folder to read
  }
  try {
    for (const n of readdirSync(join(dir, "conda-meta"))) {
      const m = /^libtensorflow(?:_cc)?-(\d+\.\d+\.\d+)-.*\.json$/.exec(n);
      if (m) return m[1];
    }
  } catch {
    // not a conda environment
  }
  return undefined;
}

/** Python code that prints tensorflow's package folder and version without importing it (no TF start-up, no logs). */
const PY_PROBE = [
  "import importlib.util, json",
  "s = importlib.util.find_spec('tensorflow')",
  "d = list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else None",
  "v = None",
  "try:",
  "    import importlib.metadata as md",
  "    for n in ('tensorflow', 'tensorflow-cpu', 'tensorflow-gpu', 'tensorflow-intel', 'tf-nightly', 'tensorflow-cpu-aws', 'tensorflow-aarch64'):",
  "        try:",
  "            v = md.version(n); break",
  "        except Exception: pass",
  "except Exception: pass",
  "print(json.dumps({'dir': d, 'version': v}))",
].join("\n");

/** Asks a Python interpreter where its tensorflow package is; a wheel keeps the libraries in it and headers in include/. */
export function fromPython(python: string): TfCandidate | { error: string } {
  let out: string;
  try {
    out = execFileSync(python, ["-c", PY_PROBE], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    return { error: e.code === "ENOENT" ? `${python} is not on this machine` : `${python} failed: ${(e.stderr || e.message).trim().split("\n").pop()}` };
  }
  let probe: { dir: string | null; version: string | null };
  try {
    probe = JSON.parse(out.trim().split("\n").pop() ?? "");
  } catch {
    return { error: `${python} printed ${JSON.stringify(out.slice(0, 200))} instead of tensorflow's location` };
  }
  if (!probe.dir) return { error: `${python} has no tensorflow package (import tensorflow would fail)` };
  const origin = `${python}: tensorflow${probe.version ? ` ${probe.version}` : ""} in ${probe.dir}`;
  const c = inspectFolder(probe.dir, "python", origin, join(probe.dir, "include"));
  c.version ??= probe.version ?? undefined;
  return c;
}

/** A conda environment's libtensorflow (conda-forge: libtensorflow or libtensorflow_cc). */
export function fromConda(prefix: string): TfCandidate {
  return inspectFolder(prefix, "conda", `conda environment ${prefix}`);
}

/** TF_MAJOR/MINOR/PATCH_VERSION from tensorflow/core/public/version.h, the one version all layouts carry. */
export function headerVersion(include: string): string | undefined {
  const file = join(include, "tensorflow", "core", "public", "version.h");
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const get = (k: string) => new RegExp(`#define\\s+TF_${k}_VERSION\\s+(\\d+)`).exec(text)?.[1];
  const [maj, min, pat] = [get("MAJOR"), get("MINOR"), get("PATCH")];
  if (maj === undefined || min === undefined) return undefined;
  const suffix = /#define\s+TF_VERSION_SUFFIX\s+"([^"]*)"/.exec(text)?.[1] ?? "";
  return `${maj}.${min}.${pat ?? 0}${suffix}`;
}

/** Whether a version can serve the binding: "ok", "untested" (a 2.x other than 2.9) or "too-old"/"unknown". */
export function versionVerdict(version: string | undefined): { verdict: "ok" | "untested" | "too-old" | "unknown"; note: string } {
  if (!version) return { verdict: "unknown", note: "neither the headers (tensorflow/core/public/version.h) nor the package say which version this is" };
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return { verdict: "unknown", note: `cannot read the version "${version}"` };
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj !== 2 || min < MIN_TF_VERSION[1]) {
    return { verdict: "too-old", note: `TensorFlow ${version}: the binding needs the 2.x C API from 2.${MIN_TF_VERSION[1]} on (written for ${BINDING_TF_VERSION})` };
  }
  if (version.startsWith(BINDING_TF_VERSION.split(".").slice(0, 2).join(".") + ".")) {
    return { verdict: "ok", note: `TensorFlow ${version}: the version tfjs-node 4.22 was written for` };
  }
  return { verdict: "untested", note: `TensorFlow ${version}: tfjs-node 4.22 was written for ${BINDING_TF_VERSION}; the C API is stable across 2.x and its functions and headers are checked below` };
}

/**
 * Quoted includes reachable from `roots` that no include folder holds. Where a missing header sits
 * deeper in the tree (newer wheels keep tsl/ under external/local_tsl/), the folder that resolves
 * it is returned as an extra include folder instead. Includes inside conditional blocks are
 * followed too, so a "missing" one is a warning; the compiler is the judge.
 */
export function scanHeaders(include: string, roots: readonly string[]): { missing: string[]; extraIncludes: string[] } {
  const dirs = [include];
  const seen = new Set<string>();
  const missing = new Set<string>();
  const queue = [...roots];
  let tree: string[] | undefined;
  while (queue.length > 0) {
    const h = queue.shift()!;
    if (seen.has(h)) continue;
    seen.add(h);
    let file = dirs.map((d) => join(d, h)).find((p) => existsSync(p));
    if (!file) {
      tree ??= listFiles(include, 8);
      const hit = tree.find((p) => p.endsWith("/" + h));
      if (hit) {
        dirs.push(hit.slice(0, hit.length - h.length - 1));
        file = hit;
      }
    }
    if (!file) {
      missing.add(h);
      continue;
    }
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) {
      const inc = m[1];
      // Relative includes resolve beside the including file.
      if (!inc.includes("/") && existsSync(join(dirname(file), inc))) continue;
      queue.push(inc);
    }
  }
  return { missing: [...missing].sort(), extraIncludes: dirs.slice(1) };
}

function listFiles(dir: string, depth: number, out: string[] = []): string[] {
  if (depth < 0) return out;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (isDir(p)) listFiles(p, depth - 1, out);
    else if (n.endsWith(".h")) out.push(p);
  }
  return out;
}

/** Dynamic symbols a shared library defines (GNU nm, from binutils, which node-gyp builds need anyway). */
export function definedSymbols(lib: string): Set<string> {
  const out = execFileSync("nm", ["-D", "--defined-only", lib], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  return parseNm(out);
}

/** Symbol names from `nm -D --defined-only` output ("ADDR T NAME" or "ADDR T NAME@@VERSION"). */
export function parseNm(text: string): Set<string> {
  const s = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^[0-9a-fA-F]*\s+[A-Za-z]\s+(\S+)$/.exec(line.trim());
    if (m) s.add(m[1].split("@")[0]);
  }
  return s;
}

/** The DT_SONAME a library asks to be loaded by, else its file name. */
export function soname(lib: string): string {
  try {
    const out = execFileSync("readelf", ["-d", lib], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const m = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(out);
    if (m) return m[1];
  } catch {
    // readelf missing: fall back to the name below
  }
  return basename(lib);
}

/** The outcome of checking a candidate: what is there, what is missing, and whether it can be built on. */
export interface TfCheck {
  candidate: TfCandidate;
  version?: string;
  versionNote: string;
  /** Hard problems: each names the folder and the file or symbols missing. */
  problems: string[];
  /** Soft problems (headers the scan could not resolve, untested version). */
  warnings: string[];
  extraIncludes: string[];
  ok: boolean;
}

/**
 * Checks a candidate against what the binding needs. `symbolsOf` is injectable so the decision
 * logic is tested on fixture layouts without pretending a file is TensorFlow.
 */
export function checkCandidate(
  c: TfCandidate,
  needs: { headers: readonly string[]; symbols: readonly string[] } = { headers: BINDING_HEADERS, symbols: BINDING_SYMBOLS },
  symbolsOf: (lib: string) => Set<string> = definedSymbols,
): TfCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = c.searched.join(", ");
  if (!c.lib) problems.push(`no TensorFlow C library (libtensorflow.so* or libtensorflow_cc.so*) in ${where}`);
  if (!c.framework) problems.push(`no libtensorflow_framework.so* in ${where}`);
  if (!c.include) problems.push(`no C API headers (tensorflow/c/c_api.h) in ${where}`);
  let version: string | undefined;
  let extraIncludes: string[] = [];
  if (c.include) {
    version = headerVersion(c.include) ?? c.version;
    const direct = needs.headers.filter((h) => !existsSync(join(c.include!, h)));
    if (direct.length > 0) problems.push(`headers the binding includes are missing from ${c.include}: ${direct.join(", ")}`);
    const scan = scanHeaders(c.include, needs.headers.filter((h) => !direct.includes(h)));
    extraIncludes = scan.extraIncludes;
    if (scan.missing.length > 0) warnings.push(`headers included from the C API headers but not found under ${c.include}: ${scan.missing.join(", ")}`);
  }
  const v = versionVerdict(version);
  if (v.verdict === "too-old") problems.push(v.note);
  else if (v.verdict !== "ok") warnings.push(v.note);
  if (c.lib && c.framework) {
    const have = new Set<string>();
    const read: string[] = [];
    for (const lib of [c.lib, c.framework]) {
      try {
        for (const s of symbolsOf(lib)) have.add(s);
      } catch (err) {
        read.push(`${lib} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
      }
    }
    if (read.length > 0) problems.push(`cannot read the symbols of ${read.join("; ")}`);
    else {
      const lacking = needs.symbols.filter((s) => !have.has(s));
      if (lacking.length > 0) {
        problems.push(`${basename(c.lib)} and ${basename(c.framework)} lack ${lacking.length} C API function(s) the binding calls: ${lacking.slice(0, 8).join(", ")}${lacking.length > 8 ? ", ..." : ""}`);
      }
    }
  }
  return { candidate: c, version, versionNote: v.note, problems, warnings, extraIncludes, ok: problems.length === 0 };
}

/** Ways to get a TensorFlow C library, for the message when none is found. */
export const HOW_TO_GET_TENSORFLOW = [
  "with internet: npm install @tensorflow/tfjs-node (its install step downloads libtensorflow; nothing else to do)",
  "pip install tensorflow-cpu (into the python3 on PATH or a venv), then: npx tnlab native --from-python [PYTHON]",
  "conda install -c conda-forge libtensorflow (in an active environment), then: npx tnlab native",
  "the official libtensorflow tarball (libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz) unpacked anywhere, then: npx tnlab native --lib DIR",
];
