#!/usr/bin/env node
"use strict";
// Finds OpenBLAS (CBLAS + LAPACKE) and oneDNN for binding.gyp and scripts/postinstall.js.
// Looks under TN_NATIVE_PREFIX, the active conda environment, Homebrew and /usr/local, /usr
// (with Debian's multiarch folders).
// Usage: node find-libs.js include|libs|rpath|check
const { existsSync, readdirSync } = require("node:fs");
const { join } = require("node:path");

const HEADERS = { openblas: "cblas.h", lapacke: "lapacke.h", onednn: join("oneapi", "dnnl", "dnnl.hpp") };
const LIBS = { openblas: "openblas", lapacke: "lapacke", onednn: "dnnl" };

function prefixes() {
  const out = [];
  if (process.env.TN_NATIVE_PREFIX) out.push(...process.env.TN_NATIVE_PREFIX.split(":"));
  if (process.env.CONDA_PREFIX) out.push(process.env.CONDA_PREFIX);
  for (const p of ["/opt/homebrew", "/usr/local"]) {
    out.push(...["openblas", "onednn", "lapack"].map((k) => join(p, "opt", k)), p);
  }
  out.push("/usr");
  return out;
}

function multiarch(dir) {
  const sub = existsSync(dir) ? readdirSync(dir).filter((d) => /-linux-gnu/.test(d)).map((d) => join(dir, d)) : [];
  // Debian keeps cblas.h beside the BLAS variant it selects (openblas-pthread, -openmp, ...).
  return [dir, ...sub, ...sub.flatMap((s) => (existsSync(s) ? readdirSync(s).filter((d) => d.startsWith("openblas")).map((d) => join(s, d)) : []))];
}

function libFile(dir, name) {
  return [".so", ".dylib", ".a"].some((ext) => existsSync(join(dir, `lib${name}${ext}`)));
}

function find() {
  const found = { include: {}, lib: {} };
  for (const p of prefixes()) {
    for (const [k, h] of Object.entries(HEADERS)) {
      if (found.include[k]) continue;
      const dir = multiarch(join(p, "include")).find((d) => existsSync(join(d, h)));
      if (dir) found.include[k] = dir;
    }
    for (const [k, l] of Object.entries(LIBS)) {
      if (found.lib[k]) continue;
      const dir = multiarch(join(p, "lib")).find((d) => libFile(d, l));
      if (dir) found.lib[k] = dir;
    }
  }
  // LAPACKE is inside libopenblas on Homebrew and conda-forge: a header is enough there.
  const missing = Object.keys(HEADERS).filter((k) => !found.include[k]);
  for (const k of ["openblas", "onednn"]) if (!found.lib[k]) missing.push(`${k} library`);
  return { ...found, missing: [...new Set(missing)] };
}

const SYSTEM = new Set(["/usr/include", "/usr/lib"]);
function uniq(a) {
  return [...new Set(a)];
}

if (require.main === module) {
  const f = find();
  const what = process.argv[2];
  if (what === "include") console.log(uniq(Object.values(f.include)).filter((d) => !SYSTEM.has(d)).join(" "));
  else if (what === "libs") {
    const dirs = uniq(Object.values(f.lib)).filter((d) => !SYSTEM.has(d) && !d.startsWith("/usr/lib/"));
    const libs = ["-lopenblas", "-ldnnl"];
    if (f.lib.lapacke) libs.splice(1, 0, "-llapacke");
    console.log([...dirs.map((d) => `-L${d}`), ...libs].join(" "));
  } else if (what === "rpath") {
    const dirs = uniq(Object.values(f.lib)).filter((d) => !SYSTEM.has(d) && !d.startsWith("/usr/lib/"));
    console.log(dirs.map((d) => `-Wl,-rpath,${d}`).join(" "));
  } else if (what === "check") {
    console.log(JSON.stringify(f));
    process.exit(f.missing.length ? 1 : 0);
  } else {
    console.error("usage: node find-libs.js include|libs|rpath|check");
    process.exit(2);
  }
}
module.exports = { find };
