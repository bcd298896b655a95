// tn.native: the optional N-API addon (OpenBLAS, LAPACKE, oneDNN) under the wasm backend and
// lib/linalg. Without it, everything runs on plain wasm and the own float64 code.
export { addon, active, setNativeEnabled, nativeInfo, describeNative, nativeThreads, type NativeInfo, type Addon } from "./addon";
export { nativeBatchNormGradCalls, BATCH_NORM_GRAD_KERNEL } from "./batchnorm-grad";
export { nativeMomentsCalls, MOMENTS_KERNEL, MOMENTS_GRAD_KERNEL } from "./moments";
export { registerNativeKernels, nativeKernelCalls, batchPairs, NATIVE_KERNELS, ACTIVATIONS } from "./wasm-kernels";
export { nativeTTChain, nativeTTChainCalls, nativeTTChainKeptCalls, setTTChainKeepLimit, ttChainKeptSize, TT_CHAIN_KERNEL, TT_CHAIN_GRAD_KERNEL } from "./tt-chain";
export { FusedMomentumOptimizer, FusedAdamOptimizer, nativeOptimizerCalls, APPLY_MOMENTUM_KERNEL, APPLY_ADAM_KERNEL } from "./optimizers";
