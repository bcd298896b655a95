// Loading the optional native addon (native/, built by node-gyp at `npm install` where
// OpenBLAS, LAPACKE and oneDNN are installed). TN_NATIVE=0 leaves it unloaded.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fail } from "../errors";
import { chooseOpenblasCore, type CoreChoice } from "./openblas-core";

/** The addon's functions (native/src/*.cc documents each parameter block). */
export interface Addon {
  setThreads(n: number): void;
  threads(): { openblas: number; openmp: number; openblasConfig: string };
  matmulF32(heap: Uint8Array, params: Float64Array, pairs: Int32Array): void;
  batchNormForward(heap: Uint8Array, params: Float64Array): void;
  batchNormGrad(heap: Uint8Array, params: Float64Array): void;
  moments(heap: Uint8Array, params: Float64Array): void;
  momentsGrad(heap: Uint8Array, params: Float64Array): void;
  ttChainForward(heap: Uint8Array, params: Float64Array): void;
  ttChainBackward(heap: Uint8Array, params: Float64Array): void;
  applyMomentum(heap: Uint8Array, params: Float64Array): void;
  applyAdam(heap: Uint8Array, params: Float64Array): void;
  /** [x, out, rows, cols, scale?]: Sum (scale 1) or Mean (1/rows) over leading axes. */
  sumLeading(heap: Uint8Array, params: Float64Array): void;
  tile(heap: Uint8Array, params: Float64Array, xShape: Float64Array, reps: Float64Array): void;
  conv2dForward(heap: Uint8Array, shape: Float64Array, params: Float64Array): void;
  conv2dBackwardData(heap: Uint8Array, shape: Float64Array, params: Float64Array): void;
  conv2dBackwardWeights(heap: Uint8Array, shape: Float64Array, params: Float64Array): void;
  poolForward(heap: Uint8Array, shape: Float64Array, params: Float64Array): void;
  poolBackward(heap: Uint8Array, shape: Float64Array, params: Float64Array): void;
  dnnlLastImpl(): string;
  dnnlVersion(): string;
  dgemm(A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number, transA: number, transB: number): void;
  dsyevd(A: Float64Array, w: Float64Array, n: number, vectors: number): void;
  dgesdd(A: Float64Array, m: number, n: number, s: Float64Array, U: Float64Array, VT: Float64Array): void;
  qr(A: Float64Array, m: number, n: number, Q: Float64Array, R: Float64Array): void;
  dgesv(A: Float64Array, B: Float64Array, n: number, p: number): number;
  mttkrpRanks(T: Float64Array, ka: Float64Array, kb: Float64Array, M: Float64Array, R: number, A: number, I: number, B: number): void;
}

/** Every function of `Addon`: a build that lacks one is older than this code and is not used. */
export const ADDON_FUNCTIONS = [
  "setThreads", "threads", "matmulF32", "batchNormForward", "batchNormGrad", "moments", "momentsGrad", "ttChainForward",
  "ttChainBackward", "applyMomentum", "applyAdam", "sumLeading", "tile", "conv2dForward", "conv2dBackwardData",
  "conv2dBackwardWeights", "poolForward", "poolBackward", "dnnlLastImpl", "dnnlVersion", "dgemm", "dsyevd", "dgesdd", "qr",
  "dgesv", "mttkrpRanks",
] as const satisfies readonly (keyof Addon)[];
// Compile-time: the list names every function of the interface.
const listsAll: Exclude<keyof Addon, (typeof ADDON_FUNCTIONS)[number]> extends never ? true : never = true;
void listsAll;

/** The functions of `Addon` that `mod` (a loaded build) lacks. */
export function missingAddonFunctions(mod: unknown): string[] {
  const m = (mod ?? {}) as Record<string, unknown>;
  return ADDON_FUNCTIONS.filter((f) => typeof m[f] !== "function");
}

export const ADDON_FILE = join("native", "build", "Release", "tnlab_native.node");

let loaded: Addon | undefined;
let tried = false;
let why: string | undefined;
let enabled = true;
let threadCount = 0;
let coreChoice: CoreChoice = "openblas";

/** The project root: the folder above lib/ (source) or dist/lib/ (built). */
function findAddon(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const f = join(dir, ADDON_FILE);
    if (existsSync(f)) return f;
    dir = dirname(dir);
  }
  return undefined;
}

/** Threads for OpenBLAS and oneDNN: TN_NATIVE_THREADS, else every CPU. */
export function nativeThreads(): number {
  const env = process.env.TN_NATIVE_THREADS;
  if (env !== undefined && env.trim() !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) fail("TN_NATIVE_THREADS", env, "a positive integer");
    return n;
  }
  return require("node:os").cpus().length;
}

/** The addon, loading it on first use; undefined when TN_NATIVE=0, not built or not loadable. */
export function addon(): Addon | undefined {
  if (tried) return loaded;
  tried = true;
  if (process.env.TN_NATIVE === "0") {
    why = "turned off by TN_NATIVE=0";
    return undefined;
  }
  const file = findAddon();
  if (!file) {
    why = `not built (${ADDON_FILE} is missing: install OpenBLAS, LAPACKE and oneDNN, then npm install)`;
    return undefined;
  }
  // OpenBLAS reads its kernel family once, when the addon loads it.
  coreChoice = chooseOpenblasCore();
  // Both libraries start their thread pools when first called. Their workers spin-wait a while
  // after each call before sleeping, stealing the cores the wasm backend's threads run on next:
  // keep that short (libgomp reads these when it loads, OpenBLAS when it starts its threads).
  process.env.GOMP_SPINCOUNT ??= "10000";
  process.env.OPENBLAS_THREAD_TIMEOUT ??= "18"; // 2^18 cycles, ~0.1 ms
  try {
    const mod = require(file) as Addon;
    const missing = missingAddonFunctions(mod);
    if (missing.length) {
      why = `${file} was built from an older tnlab (it lacks ${missing.join(", ")}): rebuild it with \`npm run build:native\``;
      // Not silent: without it every native path falls back to the slower wasm/TypeScript code.
      if (process.env.TN_QUIET !== "1") console.warn(`tnlab: native kernels off: ${why}`);
      return undefined;
    }
    loaded = mod;
    threadCount = nativeThreads();
    loaded.setThreads(threadCount);
  } catch (err) {
    loaded = undefined;
    why = `failed to load ${file}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  }
  return loaded;
}

/** The addon when it is loaded and switched on (the kernels and linalg ask this each call). */
export function active(): Addon | undefined {
  return enabled ? addon() : undefined;
}

/**
 * Switches the native paths on or off at run time (tests and benchmarks compare both in one
 * process). Returns the previous setting.
 */
export function setNativeEnabled(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

export interface NativeInfo {
  /** The addon is loaded and switched on. */
  active: boolean;
  /** Why not, when it is not. */
  reason?: string;
  /** `core`: OpenBLAS's kernel family; `chosenBy`: OPENBLAS_CORETYPE set by the user, by tnlab from the CPU's flags, or OpenBLAS's own detection. */
  openblas?: { version: string; threads: number; core: string; chosenBy: CoreChoice };
  onednn?: { version: string; threads: number };
  lapack?: string;
}

export function nativeInfo(): NativeInfo {
  const a = addon();
  if (!a) return { active: false, reason: why };
  const t = a.threads();
  const version = /OpenBLAS\s+(\S+)/.exec(t.openblasConfig)?.[1] ?? t.openblasConfig;
  // openblas_get_config(): "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
  const core = t.openblasConfig.split(/\s+/).find((w, i) => i > 1 && !/^(DYNAMIC_ARCH|NO_AFFINITY|USE_OPENMP|NO_LAPACK.*|MAX_THREADS=.*)$/.test(w)) ?? "unknown";
  return {
    active: enabled,
    ...(enabled ? {} : { reason: "switched off (setNativeEnabled(false))" }),
    openblas: { version, threads: t.openblas, core, chosenBy: coreChoice },
    onednn: { version: a.dnnlVersion(), threads: t.openmp || threadCount },
    lapack: "LAPACKE over OpenBLAS",
  };
}

/** One line for people: "OpenBLAS 0.3.21 (SkylakeX kernels, …; 2 threads), oneDNN 2.6.3 (2 threads), LAPACKE". */
export function describeNative(i: NativeInfo): string {
  if (!i.openblas || !i.onednn) return `native kernels off: ${i.reason}`;
  const by = { user: "OPENBLAS_CORETYPE", flags: "chosen from the CPU's flags", openblas: "OpenBLAS's detection" }[i.openblas.chosenBy];
  return `native kernels ${i.active ? "on" : "off"}: OpenBLAS ${i.openblas.version} (${i.openblas.core} kernels, ${by}; ${i.openblas.threads} threads), oneDNN ${i.onednn.version} (${i.onednn.threads} threads), ${i.lapack}`;
}
