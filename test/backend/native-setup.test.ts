// `tnlab native`: finding a TensorFlow C library and checking it against what tfjs-node's binding
// needs. The layouts below are folders of empty files and headers: they test the finding and the
// decisions, never a build (an empty file is not a library, and nothing here pretends it is).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BINDING_HEADERS, BINDING_SYMBOLS, bindingNeeds, checkCandidate, definedSymbols, fromPython, headerVersion, HOW_TO_GET_TENSORFLOW,
  inspectFolder, parseNm, scanHeaders, versionVerdict,
} from "../../lib/backend/tf-locate";
import { depsLayout, nativeManifest } from "../../lib/backend/tf-build";

const root = join(__dirname, "..", "..");

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), "tn-native-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function put(file: string, text = ""): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
}

/** The C API headers the binding includes, each including what real ones do (version.h, tstring). */
function headers(include: string, version = [2, 15, 0], opts: { tslDeep?: boolean; drop?: string } = {}): void {
  for (const h of BINDING_HEADERS) {
    if (h === opts.drop) continue;
    const body = h.endsWith("ctstring_internal.h") ? '#include "tsl/platform/ctstring_internal.h"\n' : '#include "tensorflow/c/tf_datatype.h"\n';
    put(join(include, h), h === "tensorflow/c/tf_datatype.h" ? "/* leaf */\n" : body);
  }
  const tsl = opts.tslDeep ? join(include, "external", "local_tsl", "tsl") : join(include, "tsl");
  put(join(tsl, "platform", "ctstring_internal.h"), "#include <stdint.h>\n");
  put(
    join(include, "tensorflow", "core", "public", "version.h"),
    `#define TF_MAJOR_VERSION ${version[0]}\n#define TF_MINOR_VERSION ${version[1]}\n#define TF_PATCH_VERSION ${version[2]}\n#define TF_VERSION_SUFFIX ""\n`,
  );
}

/** A pip wheel's tensorflow/ folder: libtensorflow_cc.so.2 + libtensorflow_framework.so.2 + include/. */
function wheel(dir: string, version?: number[], opts?: { tslDeep?: boolean; drop?: string }): string {
  const tf = join(dir, "site-packages", "tensorflow");
  put(join(tf, "libtensorflow_cc.so.2"));
  put(join(tf, "libtensorflow_framework.so.2"));
  headers(join(tf, "include"), version, opts);
  return tf;
}

const allSymbols = () => new Set(BINDING_SYMBOLS);

function runCli(args: string[], env: Record<string, string | undefined> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(
    process.execPath,
    ["--import", "tsx", "-e", 'require("./lib/cli/main").main(process.argv.slice(1)).then((c) => process.exit(c))', "--", ...args],
    { cwd: root, env: childEnv, encoding: "utf8", timeout: 120_000 },
  );
}

test("a wheel layout: the C library is libtensorflow_cc.so.2, headers in include/, version from version.h", (t) => {
  const tf = wheel(tmp(t));
  const c = inspectFolder(tf, "python", "fixture", join(tf, "include"));
  assert.equal(c.lib, join(tf, "libtensorflow_cc.so.2"));
  assert.equal(c.framework, join(tf, "libtensorflow_framework.so.2"));
  assert.equal(c.include, join(tf, "include"));
  const chk = checkCandidate(c, undefined, allSymbols);
  assert.deepEqual(chk.problems, []);
  assert.equal(chk.ok, true);
  assert.equal(chk.version, "2.15.0");
  assert.match(chk.versionNote, /written for 2\.9\.1/);
});

test("the tarball / conda layout: lib/libtensorflow.so.2 preferred over the unversioned link, headers in include/", (t) => {
  const d = tmp(t);
  for (const f of ["libtensorflow.so", "libtensorflow.so.2", "libtensorflow.so.2.9.1", "libtensorflow_framework.so.2", "libtensorflow_framework.so.2.9.1"]) put(join(d, "lib", f));
  headers(join(d, "include"), [2, 9, 1]);
  for (const dir of [d, join(d, "lib")]) {
    const c = inspectFolder(dir, "lib", "fixture");
    assert.equal(c.lib, join(d, "lib", "libtensorflow.so.2"), dir);
    assert.equal(c.framework, join(d, "lib", "libtensorflow_framework.so.2"), dir);
    assert.equal(c.include, join(d, "include"), dir);
    const chk = checkCandidate(c, undefined, allSymbols);
    assert.ok(chk.ok, chk.problems.join("; "));
    assert.equal(versionVerdict(chk.version).verdict, "ok");
  }
});

test("--lib on a folder without the library names the folder and each missing piece", (t) => {
  const d = tmp(t);
  put(join(d, "README"));
  const chk = checkCandidate(inspectFolder(d, "lib", `--lib ${d}`), undefined, allSymbols);
  assert.equal(chk.ok, false);
  assert.equal(chk.problems.length, 3, chk.problems.join("\n"));
  assert.match(chk.problems[0], new RegExp(`no TensorFlow C library \\(libtensorflow\\.so\\* or libtensorflow_cc\\.so\\*\\) in ${d}`));
  assert.match(chk.problems[1], /no libtensorflow_framework\.so\*/);
  assert.match(chk.problems[2], /no C API headers \(tensorflow\/c\/c_api\.h\)/);
});

test("a library lacking C API functions the binding calls is refused, naming them", (t) => {
  const tf = wheel(tmp(t));
  const some = new Set(BINDING_SYMBOLS.filter((s) => s !== "TFE_TensorHandleResolve" && s !== "TF_Version"));
  const chk = checkCandidate(inspectFolder(tf, "python", "fixture", join(tf, "include")), undefined, () => some);
  assert.equal(chk.ok, false);
  assert.match(chk.problems.join("\n"), /lack 2 C API function\(s\) the binding calls: TFE_TensorHandleResolve, TF_Version/);
});

test("a header the binding includes directly is a hard problem; the version decides too-old / untested / ok", (t) => {
  const tf = wheel(tmp(t), [2, 15, 0], { drop: "tensorflow/c/eager/c_api.h" });
  const chk = checkCandidate(inspectFolder(tf, "python", "fixture", join(tf, "include")), undefined, allSymbols);
  assert.equal(chk.ok, false);
  assert.match(chk.problems.join("\n"), /headers the binding includes are missing from .*: tensorflow\/c\/eager\/c_api\.h/);

  assert.equal(versionVerdict("1.15.0").verdict, "too-old");
  assert.equal(versionVerdict("2.3.4").verdict, "too-old");
  assert.equal(versionVerdict("2.9.3").verdict, "ok");
  assert.equal(versionVerdict("2.16.1").verdict, "untested");
  assert.equal(versionVerdict(undefined).verdict, "unknown");
  const old = wheel(tmp(t), [1, 15, 0]);
  const chkOld = checkCandidate(inspectFolder(old, "python", "fixture", join(old, "include")), undefined, allSymbols);
  assert.equal(chkOld.ok, false);
  assert.match(chkOld.problems.join("\n"), /TensorFlow 1\.15\.0: the binding needs the 2\.x C API/);
});

test("headers the C API includes from deeper folders (external/local_tsl) become extra include folders", (t) => {
  const d = tmp(t);
  headers(d, [2, 16, 1], { tslDeep: true });
  const scan = scanHeaders(d, BINDING_HEADERS);
  assert.deepEqual(scan.missing, []);
  assert.deepEqual(scan.extraIncludes, [join(d, "external", "local_tsl")]);
  rmSync(join(d, "external"), { recursive: true });
  assert.deepEqual(scanHeaders(d, BINDING_HEADERS).missing, ["tsl/platform/ctstring_internal.h"]);
  assert.equal(headerVersion(d), "2.16.1");
});

test("the binding's needs are read from its sources: includes and calls, not its own classes or inline helpers", (t) => {
  const d = tmp(t);
  put(join(d, "a.cc"), '#include "tensorflow/c/c_api.h"\n#include <node_api.h>\nclass TF_AutoStatus {};\nvoid f() { TF_AutoStatus s; TF_Version(); TFE_NewOp (ctx, "x", s); TF_TString_Init(t); }\n');
  put(join(d, "b.h"), '#include "tensorflow/core/platform/ctstring_internal.h"\n#define TF_NODEJS_B_H_\nTF_AutoStatus(x);\n');
  const n = bindingNeeds(d);
  assert.deepEqual(n.headers, ["tensorflow/c/c_api.h", "tensorflow/core/platform/ctstring_internal.h"]);
  assert.deepEqual(n.symbols, ["TFE_NewOp", "TF_Version"]);
});

test("symbols are read from a real shared library: libc has malloc and none of TensorFlow's C API", () => {
  const libc = "/lib/x86_64-linux-gnu/libc.so.6";
  assert.deepEqual([...parseNm("0000000000012345 T TF_Version\n0000000000012350 T TFE_NewOp@@tensorflow\n                 w __gmon_start__\n")], ["TF_Version", "TFE_NewOp"]);
  let syms: Set<string>;
  try {
    syms = definedSymbols(libc);
  } catch {
    return; // no binutils or another libc path: the parsing above still ran
  }
  assert.ok(syms.has("malloc"));
  const chk = checkCandidate({ source: "lib", origin: "libc", lib: libc, framework: libc, include: undefined, searched: ["/lib"] });
  assert.match(chk.problems.join("\n"), /lack 55 C API function\(s\) the binding calls: TFE_ContextListDevices/);
});

test("deps/ names: the link names, each library's soname, and install.js's libtensorflow.so.2.9.1 marker", () => {
  const m = depsLayout("/w/tensorflow/libtensorflow_cc.so.2", "/w/tensorflow/libtensorflow_framework.so.2", (f) => f.split("/").pop()!);
  assert.deepEqual(Object.fromEntries(m), {
    "libtensorflow.so": "/w/tensorflow/libtensorflow_cc.so.2",
    "libtensorflow_cc.so.2": "/w/tensorflow/libtensorflow_cc.so.2",
    "libtensorflow.so.2.9.1": "/w/tensorflow/libtensorflow_cc.so.2",
    "libtensorflow_framework.so": "/w/tensorflow/libtensorflow_framework.so.2",
    "libtensorflow_framework.so.2": "/w/tensorflow/libtensorflow_framework.so.2",
    "libtensorflow_framework.so.2.9.1": "/w/tensorflow/libtensorflow_framework.so.2",
  });
});

test("tnlab native --lib on an empty folder exits 1 naming the folder, what is missing and the ways to get TensorFlow", (t) => {
  const d = tmp(t);
  const r = runCli(["native", "--lib", d]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`--lib ${d}: no TensorFlow C library .* in ${d}.*no libtensorflow_framework.*no C API headers`));
  for (const w of HOW_TO_GET_TENSORFLOW) assert.ok(r.stderr.includes(w), `missing "${w}" in:\n${r.stderr}`);
});

test("tnlab native with nothing on the machine exits 1 and names pip, conda, the tarball and npm", (t) => {
  // An empty conda prefix and a python without tensorflow: the search finds nothing there.
  const conda = tmp(t);
  const r = runCli(["native", "--check"], { CONDA_PREFIX: conda });
  if (r.status === 0) {
    t.skip(`a TensorFlow is on this machine (${/using: (.*)/.exec(r.stdout)?.[1]}): the no-TensorFlow message cannot be shown here`);
    return;
  }
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`conda environment ${conda}`));
  assert.match(r.stderr, /found no TensorFlow C library/);
  for (const w of [/pip install tensorflow-cpu/, /conda install -c conda-forge libtensorflow/, /libtensorflow-cpu-linux-x86_64-2\.9\.1\.tar\.gz/, /npm install @tensorflow\/tfjs-node/]) assert.match(r.stderr, w);
});

test("tnlab native: bad options exit 2 with the usage; --undo without a build says so and exits 0", () => {
  const bad = runCli(["native", "--frm-python"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--frm-python'[\s\S]*usage: tnlab native/);
  const inc = runCli(["native", "--include", "/x"]);
  assert.equal(inc.status, 2);
  assert.match(inc.stderr, /--include DIR goes with --lib DIR/);
  // Never undo a real build from a test: only where there is none.
  if (nativeManifest()) return;
  const u = runCli(["native", "--undo"]);
  assert.equal(u.status, 0, u.stderr);
  assert.match(u.stdout, /nothing to undo/);
});

test("TensorFlow's C++ logging is set to errors only before the native package loads, unless the user set it", () => {
  const code = 'require("./lib/backend/native").loadNative(); console.log("LEVEL=" + process.env.TF_CPP_MIN_LOG_LEVEL);';
  const unset = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: undefined } });
  assert.match(unset.stdout, /LEVEL=2/, unset.stderr);
  const mine = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "0" } });
  assert.match(mine.stdout, /LEVEL=0/, mine.stderr);
});

test("describe() names the TensorFlow version inside the native backend", async () => {
  const { describe } = await import("../../lib/backend");
  const line = describe({ backend: "tensorflow", threads: 2, simd: false, versions: { tnlab: "0.1.0", tfjs: "4.22.0", node: "20.20.2", native: "@tensorflow/tfjs-node@4.22.0", tensorflow: "2.15.0" }, tensorflowFrom: "python3: tensorflow 2.15.0 in /x", notes: [] });
  assert.match(line, /^tensorflow \(@tensorflow\/tfjs-node@4\.22\.0, TensorFlow 2\.15\.0, 2 threads\)/);
});

test("a real TensorFlow (the Python named by TN_TF_PYTHON) passes every check: libraries, headers, version, all 55 functions", (t) => {
  const py = process.env.TN_TF_PYTHON;
  if (!py) {
    t.skip("TN_TF_PYTHON names no Python with tensorflow (set it to check a real installation)");
    return;
  }
  const c = fromPython(py);
  assert.ok(!("error" in c), "error" in c ? c.error : "");
  const chk = checkCandidate(c as Exclude<typeof c, { error: string }>);
  assert.deepEqual(chk.problems, []);
  assert.ok(chk.version && /^2\.\d+\.\d+/.test(chk.version), `version ${chk.version}`);
  const have = new Set([...definedSymbols(chk.candidate.lib!), ...definedSymbols(chk.candidate.framework!)]);
  assert.deepEqual(BINDING_SYMBOLS.filter((s) => !have.has(s)), []);
});
