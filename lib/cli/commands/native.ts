// `tnlab native [--from-python [PY]] [--lib DIR [--include DIR]] [--copy] [--check] | --undo`:
// builds tfjs-node's binding against a TensorFlow already on the machine, so the native backend
// works without the libtensorflow download that its install step does.
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  bindingNeeds, BINDING_HEADERS, BINDING_SYMBOLS, checkCandidate, fromConda, fromPython, HOW_TO_GET_TENSORFLOW,
  inspectFolder, type TfCandidate, type TfCheck,
} from "../../backend/tf-locate";
import { buildNative, installPackage, nativePackageDir, proveNative, readManifest, undoBuild } from "../../backend/tf-build";

export const summary = "build the native TensorFlow backend (tfjs-node) on a TensorFlow already on this machine; --undo removes it";

export const USAGE = `usage: tnlab native [--from-python [PY]] [--lib DIR [--include DIR]] [--copy] [--check]
       tnlab native --undo
  --from-python [PY]  use the TensorFlow of a Python (default python3): its wheel's libtensorflow_cc.so.2 and include/
  --lib DIR           a folder with libtensorflow.so* (or libtensorflow_cc.so*) and libtensorflow_framework.so*
                      (the official tarball's root or its lib/); headers from DIR/include or DIR/../include
  --include DIR       the folder holding tensorflow/c/c_api.h, when it is elsewhere
  --copy              copy the libraries into the package instead of linking to them
  --check             find and check only; build nothing
  --undo              remove what tnlab native built
With no source named, it looks in $CONDA_PREFIX, python3's tensorflow, /usr/local and /usr.`;

/** `--from-python` may stand alone: give it its default so parseArgs sees a value. */
function normalise(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    out.push(args[i]);
    if (args[i] === "--from-python" && (i + 1 >= args.length || args[i + 1].startsWith("-"))) out.push("python3");
  }
  return out;
}

function candidates(v: { "from-python"?: string; lib?: string; include?: string }): { found: TfCandidate[]; failed: string[] } {
  const found: TfCandidate[] = [];
  const failed: string[] = [];
  const python = (py: string) => {
    const c = fromPython(py);
    if ("error" in c) failed.push(c.error);
    else found.push(c);
  };
  if (v.lib !== undefined) {
    if (!existsSync(v.lib)) failed.push(`--lib ${v.lib}: no such folder`);
    else found.push(inspectFolder(v.lib, "lib", `--lib ${v.lib}`, v.include));
  }
  if (v["from-python"] !== undefined) python(v["from-python"]);
  if (v.lib === undefined && v["from-python"] === undefined) {
    const conda = process.env.CONDA_PREFIX;
    if (conda) found.push(fromConda(conda));
    else failed.push("no conda environment is active ($CONDA_PREFIX unset)");
    python("python3");
    for (const d of ["/usr/local", "/usr"]) found.push(inspectFolder(d, "lib", d));
  }
  return { found, failed };
}

function report(chk: TfCheck): void {
  const c = chk.candidate;
  console.log(`- ${c.origin}`);
  if (c.lib) console.log(`    C library:  ${c.lib}`);
  if (c.framework) console.log(`    framework:  ${c.framework}`);
  if (c.include) console.log(`    headers:    ${c.include}`);
  if (c.lib || c.include) console.log(`    version:    ${chk.versionNote}`);
  for (const p of chk.problems) console.log(`    missing:    ${p}`);
  for (const w of chk.warnings) if (w !== chk.versionNote) console.log(`    warning:    ${w}`);
}

function undo(): number {
  const pkg = nativePackageDir();
  const m = pkg ? readManifest(pkg) : undefined;
  if (!pkg || !m) {
    console.log("tnlab native --undo: nothing to undo (no native build by tnlab native is installed)");
    return 0;
  }
  const removed = undoBuild(pkg, m);
  console.log(`removed the native build on ${m.origin}:`);
  for (const r of removed) console.log(`  ${r}`);
  console.log("the tensorflow backend is gone again; auto now picks wasm (TensorFlow itself was not touched)");
  return 0;
}

type NativeValues = { "from-python"?: string; lib?: string; include?: string; copy?: boolean; check?: boolean; undo?: boolean; help?: boolean };

export async function run(args: string[]): Promise<number> {
  let values: NativeValues;
  try {
    ({ values } = parseArgs({
      args: normalise(args),
      options: {
        "from-python": { type: "string" }, lib: { type: "string" }, include: { type: "string" },
        copy: { type: "boolean" }, check: { type: "boolean" }, undo: { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`tnlab native: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.undo) return undo();
  if (values.include !== undefined && values.lib === undefined) {
    console.error("tnlab native: --include DIR goes with --lib DIR");
    return 2;
  }

  // A package that already loads (tfjs-node installed with its own download) needs nothing.
  const pkgBefore = nativePackageDir();
  if (pkgBefore && !readManifest(pkgBefore) && existsSync(join(pkgBefore, "deps"))) {
    const p = proveNative(pkgBefore);
    if (p.ok) {
      console.log(`tnlab native: nothing to do: ${pkgBefore} already works: ${p.message}`);
      return 0;
    }
  }
  const usable = findTensorflow(values, pkgBefore);
  if (!usable) return 1;
  console.log(`using: ${usable.candidate.origin}`);
  const built0 = pkgBefore ? readManifest(pkgBefore) : undefined;
  if (pkgBefore && built0 && built0.lib === usable.candidate.lib && !values.check) {
    const p = proveNative(pkgBefore);
    if (p.ok) {
      console.log(`nothing to do: already built on it (${built0.builtAt}); ${p.message}`);
      console.log("rebuild with: npx tnlab native --undo, then npx tnlab native again");
      return 0;
    }
  }
  if (values.check) {
    console.log("--check: nothing built");
    return 0;
  }
  const pkg = pkgBefore ? { dir: pkgBefore, installed: false } : installFor(usable);
  if (!pkg) return 1;
  return buildAndProve(pkg.dir, usable, Boolean(values.copy), pkg.installed);
}

/** The candidates found, reported one by one, and the first the binding can be built on. */
function findTensorflow(values: NativeValues, pkgBefore: string | undefined): TfCheck | undefined {
  const needs = { headers: [...BINDING_HEADERS], symbols: [...BINDING_SYMBOLS] };
  if (pkgBefore && existsSync(join(pkgBefore, "binding"))) {
    // Check for what the installed binding really uses, besides the list for 4.22.
    const b = bindingNeeds(join(pkgBefore, "binding"));
    needs.headers = [...new Set([...needs.headers, ...b.headers])];
    needs.symbols = [...new Set([...needs.symbols, ...b.symbols])];
  }
  const { found, failed } = candidates(values);
  const checks = found.map((c) => checkCandidate(c, needs));
  const usable = checks.find((c) => c.ok);
  console.log("tnlab native: looking for a TensorFlow C library");
  for (const f of failed) console.log(`- ${f}`);
  const empty: string[] = [];
  for (const chk of checks) {
    // Folders with nothing of TensorFlow in them get one line unless named on the command line.
    if (chk.candidate.source === "lib" && !chk.candidate.lib && !chk.candidate.include && values.lib === undefined) empty.push(chk.candidate.origin);
    else report(chk);
  }
  if (empty.length > 0) console.log(`- ${empty.join(", ")}: no libtensorflow there`);
  if (!usable) {
    if (values.lib !== undefined) {
      const c = checks.find((k) => k.candidate.origin === `--lib ${values.lib}`);
      console.error(`tnlab native: --lib ${values.lib}: ${c ? c.problems.join("; ") : "no such folder"}`);
    } else console.error("tnlab native: found no TensorFlow C library the binding can be built on.");
    console.error("Ways to get one:");
    for (const w of HOW_TO_GET_TENSORFLOW) console.error(`  - ${w}`);
  }
  return usable;
}

/** Installs the tfjs-node package (no download: its install script is not run) and re-checks its binding's needs. */
function installFor(usable: TfCheck): { dir: string; installed: true } | undefined {
  const r = installPackage();
  console.log(r.message);
  if (!r.ok) return undefined;
  const pkg = nativePackageDir();
  if (!pkg) {
    console.error("tnlab native: npm reported success but the package cannot be resolved");
    return undefined;
  }
  const again = checkCandidate(usable.candidate, bindingNeeds(join(pkg, "binding")));
  if (!again.ok) {
    console.error(`tnlab native: the installed binding needs more than this TensorFlow has: ${again.problems.join("; ")}`);
    return undefined;
  }
  return { dir: pkg, installed: true };
}

function buildAndProve(pkg: string, usable: TfCheck, copy: boolean, installedPackage: boolean): number {
  const built = buildNative(pkg, usable, { copy, installedPackage });
  for (const s of built.steps) console.log(s);
  if (!built.ok) {
    console.error(`tnlab native: ${built.error}`);
    console.error("undo what was laid down with: npx tnlab native --undo");
    return 1;
  }
  const proof = proveNative(pkg);
  console.log(proof.message);
  if (!proof.ok) {
    console.error("tnlab native: the build does not work; undo it with: npx tnlab native --undo");
    return 1;
  }
  console.log("done: auto now picks the tensorflow backend (TN_BACKEND=tensorflow to insist).");
  console.log(`undo with: npx tnlab native --undo${built.manifest?.mode === "symlink" ? " (the build links to the files above: keep them in place)" : ""}`);
  return 0;
}
