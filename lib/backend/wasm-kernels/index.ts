// Kernels that TensorFlow.js's wasm backend lacks but training needs.
export function registerWasmTrainingKernels(): void {
  // filled in by the wasm-kernels work
}
