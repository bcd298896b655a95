// OpenBLAS's DYNAMIC_ARCH builds (Debian's, conda-forge's) pick their kernels from the CPU's model
// number. Under a hypervisor that reports a generic model ("Intel(R) Xeon(R) Processor") OpenBLAS
// 0.3.21 falls back to its SSE3 "Prescott" kernels even when the CPU has AVX-512: measured here,
// sgemm 100x4096x2048 ran 25 GFLOP/s as Prescott and 89 GFLOP/s as SkylakeX. OpenBLAS reads
// OPENBLAS_CORETYPE when it loads, so the kernel family is chosen from the CPU's feature flags
// before the addon (and with it libopenblas) is loaded.
import { readFileSync } from "node:fs";

/** Who chose OpenBLAS's kernel family: the user (OPENBLAS_CORETYPE), tnlab from the CPU's flags, or OpenBLAS's own detection. */
export type CoreChoice = "user" | "flags" | "openblas";

/** The kernel family for these CPU flags and vendor, or undefined to let OpenBLAS decide. */
export function coretypeFor(flags: ReadonlySet<string>, vendor: string): string | undefined {
  const avx512 = ["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"].every((f) => flags.has(f));
  if (avx512) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return vendor === "AuthenticAMD" ? "Zen" : "Haswell";
  return undefined;
}

/** The first processor's flags and vendor from /proc/cpuinfo text. */
export function parseCpuinfo(text: string): { flags: Set<string>; vendor: string } {
  const line = (key: string) => new RegExp(`^${key}\\s*:\\s*(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  return { flags: new Set(line("flags").split(/\s+/).filter(Boolean)), vendor: line("vendor_id") };
}

/**
 * Sets OPENBLAS_CORETYPE from the CPU's flags unless the user has set it (or the flags are not
 * readable: not Linux). Returns where the choice came from, for `tnlab info`.
 */
export function chooseOpenblasCore(env: NodeJS.ProcessEnv = process.env, cpuinfo = "/proc/cpuinfo"): CoreChoice {
  if (env.OPENBLAS_CORETYPE) return "user";
  let text: string;
  try {
    text = readFileSync(cpuinfo, "utf8");
  } catch {
    return "openblas";
  }
  const { flags, vendor } = parseCpuinfo(text);
  const core = coretypeFor(flags, vendor);
  if (!core) return "openblas";
  env.OPENBLAS_CORETYPE = core;
  return "flags";
}
