// Multithreaded wasm under Node.
//
// tfjs-backend-wasm 4.22 ships a threaded SIMD build (wasm-out/tfjs-backend-wasm-threaded-simd.*)
// whose emscripten glue supports Node (worker_threads), but the package never uses it there:
//  1. flags_wasm.ts answers WASM_HAS_MULTITHREAD_SUPPORT = false whenever IS_NODE
//     (tensorflow/tfjs#3830), so init() picks the single-threaded SIMD binary;
//  2. even when forced, init() hands emscripten the pthread worker script as a blob: URL, which
//     Node's Worker cannot load, and the shipped *.worker.js file is not the worker script but a
//     CommonJS module exporting it as a string (`wasmWorkerContents`);
//  3. the C++ side caps the XNNPACK thread pool at emscripten_num_logical_cores() / 2 (it
//     assumes 2 hyper-threads per core), and under Node that is os.cpus().length / 2, i.e. one
//     thread on a 2-vCPU machine whatever setThreadsCount() asks for.
// So we register our own factory for the "wasm" backend: it writes the worker script to a file
// in the temp directory, loads the threaded glue with locateFile/mainScriptUrlOrBlob pointing at
// real files, reports twice the CPU count to the glue while its static constructors run (so the
// cap becomes the real count), and asks for TN_WASM_THREADS threads (default: all CPUs).
// Anything going wrong falls back to the stock single-threaded factory.
// Measured on a 2-vCPU machine: 1024² matmul 38 ms with 2 threads vs 73 ms with 1.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { readFileSync, existsSync } from "node:fs";
import { writeAtomic } from "../atomic-file";
import { dirname, join } from "node:path";
// The real module object: the glue calls require("os").cpus(), and a TypeScript namespace
// import would be a read-only copy.
const os = require("node:os") as typeof import("node:os");

type WasmPackage = typeof import("@tensorflow/tfjs-backend-wasm");

/** Threads asked for: TN_WASM_THREADS if set (1 turns threading off), else every CPU. */
export function wantedThreads(): number {
  const env = process.env.TN_WASM_THREADS;
  if (env !== undefined && env.trim() !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) fail("TN_WASM_THREADS", env, "a positive integer");
    return n;
  }
  return os.cpus().length;
}

let installed = false;
/** Why the threaded build is not in use, when it is not (for info()/reports). */
export let threadsNote: string | undefined;

function workerScript(dir: string): string {
  const mod = require(join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string };
  // The string was written for a Blob: its "\n" escapes became real newlines inside string
  // literals. tfjs re-escapes them the same way before making its blob.
  const code = mod.wasmWorkerContents.replace(/\n/g, "\\n");
  const version = (require("@tensorflow/tfjs-backend-wasm/package.json") as { version: string }).version;
  const file = join(os.tmpdir(), `tnlab-tfjs-wasm-${version}-worker.cjs`);
  if (!existsSync(file) || readFileSync(file, "utf8") !== code) {
    writeAtomic(file, code);
  }
  return file;
}

async function threadedBackend(pkg: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const dir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
  const glue = join(dir, "tfjs-backend-wasm-threaded-simd.js");
  const factory = require(glue) as (cfg: object) => Promise<Record<string, unknown> & { cwrap: Function }>;
  const worker = workerScript(dir);
  const cpus = os.cpus;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const c = cpus.call(os);
    return [...c, ...c];
  };
  let module;
  try {
    module = await factory({
      locateFile: (p: string) => (p.endsWith(".worker.js") ? worker : join(dir, p)),
      mainScriptUrlOrBlob: glue,
    });
  } finally {
    (os as { cpus: typeof os.cpus }).cpus = cpus;
  }
  // The same bridge tfjs-backend-wasm's own init() builds.
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module as never);
  // The pool's threads live for the whole process, and emscripten refs a worker while its
  // thread runs: without this, Node would never exit once the backend had started.
  const pthreads = module.PThread as { runningWorkers: { unref(): void }[] } | undefined;
  for (const w of pthreads?.runningWorkers ?? []) w.unref();
  return backend;
}

/**
 * Makes the "wasm" backend start multithreaded. Must run before the backend first initialises;
 * afterwards it does nothing (the running backend keeps its threads).
 */
export function installThreadedWasm(pkg: WasmPackage): void {
  if (installed) return;
  installed = true;
  const threads = wantedThreads();
  if (threads <= 1) {
    threadsNote = "single thread (TN_WASM_THREADS=1 or one CPU)";
    return;
  }
  if (tf.engine().registry["wasm"]) {
    threadsNote = "the wasm backend was already initialised single-threaded";
    return;
  }
  if (typeof SharedArrayBuffer === "undefined") {
    threadsNote = "no SharedArrayBuffer in this Node";
    return;
  }
  const stock = tf.findBackendFactory("wasm");
  if (!stock) return;
  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      try {
        return await threadedBackend(pkg, threads);
      } catch (err) {
        threadsNote = `threaded wasm did not start (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); single thread`;
        return stock();
      }
    },
    2,
  );
}
