// OpenBLAS's kernel family: chosen from the CPU's flags (a hypervisor's generic CPU model made
// OpenBLAS 0.3.21 fall back to its SSE3 kernels), unless the user set OPENBLAS_CORETYPE.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseOpenblasCore, coretypeFor, parseCpuinfo } from "../../lib/native/openblas-core";
import { addon } from "../../lib/native/addon";

const AVX512 = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl";

test("the kernel family follows the flags: AVX-512 → SkylakeX, AVX2+FMA → Haswell (Zen on AMD), older → OpenBLAS decides", () => {
  const flags = (s: string) => new Set(s.split(" "));
  assert.equal(coretypeFor(flags(AVX512), "GenuineIntel"), "SkylakeX");
  assert.equal(coretypeFor(flags("sse2 avx fma avx2"), "GenuineIntel"), "Haswell");
  assert.equal(coretypeFor(flags("sse2 avx fma avx2"), "AuthenticAMD"), "Zen");
  assert.equal(coretypeFor(flags("sse2 avx avx512f"), "GenuineIntel"), undefined, "avx512f alone, no AVX2: not enough for either");
  assert.equal(coretypeFor(flags("sse2 sse3"), "GenuineIntel"), undefined);
});

test("/proc/cpuinfo is read from its first processor; a user's OPENBLAS_CORETYPE is kept; no cpuinfo leaves OpenBLAS to decide", () => {
  const dir = mkdtempSync(join(tmpdir(), "tnlab-cpuinfo-"));
  try {
    const file = join(dir, "cpuinfo");
    writeFileSync(file, `processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: ${AVX512}\n\nprocessor\t: 1\nflags\t\t: sse2\n`);
    assert.deepEqual([...parseCpuinfo(`vendor_id : AuthenticAMD\nflags : avx2 fma\n`).flags], ["avx2", "fma"]);
    const env: NodeJS.ProcessEnv = {};
    assert.equal(chooseOpenblasCore(env, file), "flags");
    assert.equal(env.OPENBLAS_CORETYPE, "SkylakeX");
    const mine: NodeJS.ProcessEnv = { OPENBLAS_CORETYPE: "Haswell" };
    assert.equal(chooseOpenblasCore(mine, file), "user");
    assert.equal(mine.OPENBLAS_CORETYPE, "Haswell");
    const none: NodeJS.ProcessEnv = {};
    assert.equal(chooseOpenblasCore(none, join(dir, "missing")), "openblas");
    assert.equal(none.OPENBLAS_CORETYPE, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the loaded OpenBLAS runs the family chosen before it loaded (tnlab info reports it)", { skip: addon() ? false : "the native addon is not built" }, () => {
  // A fresh process: this one may have loaded OpenBLAS already.
  const code = `const n = require("./lib/native/addon"); const i = n.nativeInfo(); console.log(JSON.stringify({ env: process.env.OPENBLAS_CORETYPE ?? null, openblas: i.openblas }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: join(__dirname, "..", ".."), encoding: "utf8", timeout: 60_000, env: { ...process.env, OPENBLAS_CORETYPE: "" } });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as { env: string | null; openblas: { core: string; chosenBy: string } };
  if (got.openblas.chosenBy === "flags") assert.equal(got.openblas.core, got.env, "OpenBLAS runs the kernels tnlab chose");
  else assert.equal(got.openblas.chosenBy, "openblas");
  const user = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: join(__dirname, "..", ".."), encoding: "utf8", timeout: 60_000, env: { ...process.env, OPENBLAS_CORETYPE: "Haswell" } });
  assert.equal(user.status, 0, user.stderr);
  const u = JSON.parse(user.stdout.trim().split("\n").pop()!) as { openblas: { core: string; chosenBy: string } };
  assert.deepEqual([u.openblas.core, u.openblas.chosenBy], ["Haswell", "user"]);
});
