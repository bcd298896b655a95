// A correct but slow stand-in for kernels the wasm backend lacks: the cpu backend's kernel runs
// on copies of the inputs and its outputs are copied back into wasm memory. Used only for ops
// that our layers do not put on the training hot path (see FALLBACK_KERNELS in ./index).
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type Backend = tf.KernelBackend & {
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object, force?: boolean): boolean;
};

function cpuBackend(): Backend {
  // The cpu backend's factory is synchronous, so findBackend initialises it on first use.
  const cpu = tf.findBackend("cpu") as Backend | null;
  if (!cpu) throw new Error("tn: the cpu backend is not available for a wasm fallback kernel");
  return cpu;
}

/** A kernelFunc for the wasm backend that runs the cpu backend's kernel `name`. */
export function cpuFallback(name: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const wasm = backend as unknown as BackendWasm;
    const cpuKernel = tf.getKernel(name, "cpu");
    if (!cpuKernel) throw new Error(`tn: no cpu kernel ${name} to fall back to from wasm`);
    const cpu = cpuBackend();
    const copies: tf.TensorInfo[] = [];
    // Some kernels (Einsum, Concat, AddN) take an array of inputs rather than named ones.
    const cpuInputs: Record<string, tf.TensorInfo> | tf.TensorInfo[] = Array.isArray(inputs) ? [] : {};
    for (const [key, t] of Object.entries(inputs)) {
      if (!t) continue;
      const values = wasm.readSync(t.dataId) as tf.backend_util.BackendValues;
      // readSync may hand back a view on wasm memory, which later kernels can overwrite.
      const owned = (values as Float32Array).slice ? (values as Float32Array).slice() : values;
      const info = { dataId: cpu.write(owned, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      copies.push(info);
      (cpuInputs as Record<string, tf.TensorInfo>)[key] = info;
    }
    try {
      const out = cpuKernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, attrs, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map((o) => {
        const values = cpu.readSync(o.dataId);
        cpu.disposeData(o.dataId, true);
        return wasm.makeOutput(o.shape, o.dtype, undefined, values as Float32Array);
      });
      return Array.isArray(out) ? results : results[0];
    } finally {
      for (const c of copies) cpu.disposeData(c.dataId, true);
    }
  };
}
