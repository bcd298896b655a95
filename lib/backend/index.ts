// Choosing and starting the TensorFlow.js backend.
// `use("auto")` takes the native backend when its package loads, else wasm (SIMD), else cpu,
// and says which one runs. TN_BACKEND picks the default for `ready()`.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { BACKEND_CHOICES, BACKEND_NAMES, type BackendChoice, type BackendName } from "./names";
import { loadNative, tensorflowOrigin, tensorflowVersion } from "./native";
import { registerAvgPoolGradFix } from "./avg-pool-grad";
import { startWasm, wasmDetails } from "./wasm";
import { active as nativeActive } from "../native/addon";

export { BACKEND_CHOICES, BACKEND_NAMES, type BackendChoice, type BackendName } from "./names";

export interface BackendInfo {
  backend: BackendName;
  /** Worker threads the backend computes with (1 for cpu and single-threaded wasm). */
  threads: number;
  simd: boolean;
  versions: { tnlab: string; tfjs: string; node: string; native?: string; tensorflow?: string };
  /** Where the native backend's TensorFlow came from (a tnlab native build, or the package's download). */
  tensorflowFrom?: string;
  /** wasm only: whether the native addon's kernels (OpenBLAS, oneDNN) run in place of wasm's heavy ones. */
  nativeKernels?: boolean;
  /** Why better backends were passed over, when "auto" chose. */
  notes: string[];
  /** Whether two runs with the same seed give the same bits on this backend, and how we know. */
  determinism: string;
}

/** Same seed, same bits? Per backend, with what backs the statement. */
export function determinism(name: BackendName): string {
  if (name === "wasm") return "same seed, bit-identical weights, with 1 or 2 threads alike (tested on VGG-S/2 training: test/experiments/musco.test.ts)";
  if (name === "cpu") return "same seed, bit-identical weights (one thread, fixed order of every sum)";
  return "not guaranteed: TensorFlow's multi-threaded kernels (Eigen, oneDNN; cuDNN on a GPU) may sum in a different order from run to run, so same-seed runs can differ in the last bits and drift apart over training";
}

// The cpu kernels register when tfjs loads; wasm's are fixed when it starts (./wasm-kernels).
registerAvgPoolGradFix("cpu");

let current: BackendName | undefined;
let notes: string[] = [];
let starting: Promise<BackendInfo> | undefined;

function quiet(): boolean {
  return process.env.TN_QUIET === "1";
}

/** Parses a backend name, with an error that lists the valid ones. */
export function parseBackend(name: string, source = "backend"): BackendChoice {
  const n = name.trim().toLowerCase();
  if (!(BACKEND_CHOICES as readonly string[]).includes(n)) {
    fail(source, name, `one of ${BACKEND_CHOICES.map((c) => `"${c}"`).join(", ")}`);
  }
  return n as BackendChoice;
}

async function tryStart(name: BackendName): Promise<string | undefined> {
  if (name === "tensorflow") {
    const native = loadNative();
    if (!native.package) return native.failures.join("; ");
  } else if (name === "wasm") {
    try {
      await startWasm();
    } catch (err) {
      return `wasm did not start (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
    }
  }
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `${name} backend did not initialise`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return `${name} backend did not initialise (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
  }
}

/**
 * Selects the backend. `auto` takes the best one that starts; an explicit name that cannot
 * start is an error. Returns what runs.
 */
export async function use(choice: BackendChoice | string = "auto"): Promise<BackendInfo> {
  const wanted = parseBackend(String(choice));
  const order: BackendName[] = wanted === "auto" ? [...BACKEND_NAMES] : [wanted];
  const passed: string[] = [];
  for (const name of order) {
    const why = await tryStart(name);
    if (why === undefined) {
      current = name;
      notes = passed;
      if (wanted === "auto" && passed.length > 0 && !quiet()) {
        console.error(`tn: using the ${name} backend (${passed.join("; ")})`);
      }
      return info();
    }
    if (wanted !== "auto") throw new Error(`tn: the ${name} backend cannot start: ${why}`);
    passed.push(why);
  }
  throw new Error(`tn: no backend could start: ${passed.join("; ")}`);
}

/** Starts the default backend (TN_BACKEND, else auto) once; later calls return the same. */
export function ready(): Promise<BackendInfo> {
  if (current && tf.getBackend() === current) return info();
  if (!starting) {
    const env = process.env.TN_BACKEND;
    starting = Promise.resolve()
      .then(() => use(env ? parseBackend(env, "TN_BACKEND") : "auto"))
      .finally(() => {
        starting = undefined;
      });
  }
  return starting;
}

/** The backends that can start on this machine, best first (starting each to check). */
export async function available(): Promise<BackendName[]> {
  const before = tf.getBackend();
  const out: BackendName[] = [];
  for (const name of BACKEND_NAMES) if ((await tryStart(name)) === undefined) out.push(name);
  if (before && before !== tf.getBackend()) await tf.setBackend(before);
  return out;
}

function tnlabVersion(): string {
  try {
    return (require("../../package.json") as { version: string }).version;
  } catch {
    return (require("../../../package.json") as { version: string }).version;
  }
}

/**
 * The engine computing right now, in one word: "tensorflow", "wasm+native" (wasm with the native
 * addon's kernels switched on), "wasm" or "cpu". Each training epoch records it, so a run resumed
 * on another engine says which epochs ran where.
 */
export function engineLabel(): string {
  const name = tf.getBackend();
  return name === "wasm" && nativeActive() ? "wasm+native" : name;
}

/** Which backend runs, its threads and SIMD, and the versions. */
export async function info(): Promise<BackendInfo> {
  const name = (current ?? tf.getBackend()) as BackendName;
  const versions: BackendInfo["versions"] = {
    tnlab: tnlabVersion(),
    tfjs: tf.version.tfjs,
    node: process.versions.node,
  };
  const native = name === "tensorflow" ? loadNative() : undefined;
  if (native?.package) versions.native = `${native.package}@${native.version ?? "?"}`;
  let tensorflowFrom: string | undefined;
  if (native?.package) {
    versions.tensorflow = tensorflowVersion(tf.backend());
    tensorflowFrom = tensorflowOrigin();
  }
  let threads = 1;
  let simd = false;
  if (name === "wasm") ({ threads, simd } = await wasmDetails());
  if (name === "tensorflow") threads = Number(process.env.TF_NUM_INTRAOP_THREADS) || require("node:os").cpus().length;
  const kernels = name === "wasm" ? { nativeKernels: nativeActive() !== undefined } : {};
  return { backend: name, threads, simd, versions, ...kernels, ...(tensorflowFrom ? { tensorflowFrom } : {}), notes: [...notes], determinism: determinism(name) };
}

/** One line for people: "wasm (SIMD, 1 thread) + native kernels · tfjs 4.22.0 · node 20.20.2". */
export function describe(i: BackendInfo): string {
  const feats = i.backend === "wasm" ? ` (${i.simd ? "SIMD" : "no SIMD"}, ${i.threads} thread${i.threads > 1 ? "s" : ""})${i.nativeKernels ? " + native kernels" : ""}` : i.backend === "tensorflow" ? ` (${i.versions.native}, TensorFlow ${i.versions.tensorflow ?? "?"}, ${i.threads} threads)` : "";
  return `${i.backend}${feats} · tnlab ${i.versions.tnlab} · tfjs ${i.versions.tfjs} · node ${i.versions.node}`;
}
