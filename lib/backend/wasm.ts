// Starting the wasm backend under Node and registering the kernels it lacks for training.
import * as tf from "@tensorflow/tfjs";
import { installThreadedWasm } from "./threads";

let wasmModule: typeof import("@tensorflow/tfjs-backend-wasm") | undefined;
let kernelsRegistered = false;

function wasm(): typeof import("@tensorflow/tfjs-backend-wasm") {
  if (!wasmModule) wasmModule = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  return wasmModule;
}

/** Loads the wasm package (which registers the backend) and our training kernels. */
export async function startWasm(): Promise<void> {
  // Threads are chosen when the backend is created, so this goes before tf.setBackend("wasm").
  installThreadedWasm(wasm());
  if (!kernelsRegistered) {
    const { registerWasmTrainingKernels } = await import("./wasm-kernels");
    registerWasmTrainingKernels();
    // The native addon's kernels (when built) go over ours and fall back to them.
    const { registerNativeKernels } = await import("../native/wasm-kernels");
    registerNativeKernels();
    kernelsRegistered = true;
  }
}

export async function wasmDetails(): Promise<{ threads: number; simd: boolean }> {
  const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  return { threads: wasm().getThreadsCount(), simd };
}
