// tfjs-backend-wasm's Identity copies its input. Identity is tf.clone, and tf.customGrad saves
// every tensor its backward pass needs through a clone: a fused matmul's weights and activations
// were copied at every training step (45 ms of a 430 ms FC-FC-FC step, measured). Tensors are
// never written in place, so the output can share the input's memory by reference count, as the
// cpu backend's Identity and wasm's own Reshape do.
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export function sharedIdentity(fallback: tf.KernelFunc): tf.KernelFunc {
  return ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return fallback(args as never);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }) as tf.KernelFunc;
}
