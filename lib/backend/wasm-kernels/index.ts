// Kernels that TensorFlow.js's wasm backend (4.22) lacks or runs slowly, registered so that
// every model trains on wasm. Which op needs which kernel was checked against the gradients of
// the ops our layers, BatchNorm, Dropout, pooling and the optimizers use; everything else they
// need is already a wasm kernel (MaxPoolGrad, AvgPoolGrad, FusedBatchNorm, BatchMatMul, ...).
import * as tf from "@tensorflow/tfjs";
import { conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropFilter, depthwiseBackpropInput } from "./conv-gradients";
import { cpuFallback } from "./cpu-fallback";
import { untransposedMatMul } from "./matmul-transpose";
import { sharedIdentity } from "./shared-identity";
import { registerAvgPoolGradFix } from "../avg-pool-grad";

/**
 * Composites of the backend's XNNPACK kernels (fast). Conv2DBackpropInput exists in wasm, but as
 * a scalar loop many times slower than the convolution it mirrors, so ours replaces it.
 */
export const FAST_KERNELS: Readonly<Record<string, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as tf.KernelFunc,
};

/**
 * Missing kernels that run the cpu backend's kernel on copies (correct, slow; off the hot path):
 * Einsum (tf.einsum) and UnsortedSegmentSum (the gradient of tf.gather, e.g. embeddings).
 * Not provided at all: complex numbers and FFT (wasm cannot hold complex64 tensors), ragged and
 * string kernels, Draw.
 */
export const FALLBACK_KERNELS: readonly string[] = ["Einsum", "UnsortedSegmentSum"];

/** Matrix products whose transposed-operand path is slow in wasm: wrapped to transpose first. */
export const MATMUL_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

export function registerWasmTrainingKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(FAST_KERNELS)) {
    if (tf.getKernel(kernelName, "wasm")) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  for (const kernelName of MATMUL_KERNELS) {
    const kernelFunc = untransposedMatMul(kernelName);
    if (!kernelFunc) continue;
    // The original's setupFunc binds its wasm entry point when the backend starts: keep it.
    const { setupFunc, disposeFunc } = tf.getKernel(kernelName, "wasm")!;
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc, setupFunc, disposeFunc });
  }
  for (const kernelName of FALLBACK_KERNELS) {
    if (tf.getKernel(kernelName, "wasm")) continue;
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: cpuFallback(kernelName) });
  }
  const identity = tf.getKernel("Identity", "wasm");
  if (identity && !(identity.kernelFunc as { shared?: boolean }).shared) {
    const kernelFunc = Object.assign(sharedIdentity(identity.kernelFunc), { shared: true });
    tf.unregisterKernel("Identity", "wasm");
    tf.registerKernel({ ...identity, kernelFunc });
  }
  registerAvgPoolGradFix("wasm");
}
