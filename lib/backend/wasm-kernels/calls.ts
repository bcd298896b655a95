// Running the wasm backend's own kernels from inside our kernels, at the TensorInfo level.
// Composite kernels call these instead of tf ops so that nothing is recorded on the gradient
// tape and no Tensor objects are created: every intermediate is a bare data id that the
// composite disposes itself (`free`), and only the returned TensorInfo goes to the engine.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;

const funcs = new Map<string, tf.KernelFunc>();

function kernel(name: string): tf.KernelFunc {
  let f = funcs.get(name);
  if (!f) {
    const k = tf.getKernel(name, "wasm");
    if (!k) throw new Error(`tn: the wasm backend has no ${name} kernel, which the training kernels build on`);
    f = k.kernelFunc;
    funcs.set(name, f);
  }
  return f;
}

/** Runs the wasm kernel `name`; the result belongs to the caller. */
export function call(backend: BackendWasm, name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  return kernel(name)({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

/** Releases intermediates (reshape shares data ids by reference count, so this is always right). */
export function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

export function reshape(b: BackendWasm, x: Info, shape: number[]): Info {
  return call(b, "Reshape", { x }, { shape });
}

export function transpose(b: BackendWasm, x: Info, perm: number[]): Info {
  return call(b, "Transpose", { x }, { perm });
}

/**
 * Pads (positive amounts) or crops (negative amounts) each axis: `amounts[i] = [before, after]`.
 * Returns a new TensorInfo even when nothing changes, so callers can free uniformly.
 */
export function padOrCrop(b: BackendWasm, x: Info, amounts: [number, number][]): Info {
  const crop = amounts.some(([l, r]) => l < 0 || r < 0);
  const pad = amounts.some(([l, r]) => l > 0 || r > 0);
  let cur = x;
  if (crop) {
    const begin = amounts.map(([l]) => Math.max(0, -l));
    const size = x.shape.map((n, i) => n - begin[i] - Math.max(0, -amounts[i][1]));
    cur = call(b, "Slice", { x }, { begin, size });
  }
  if (pad || !crop) {
    const paddings = amounts.map(([l, r]) => [Math.max(0, l), Math.max(0, r)]);
    const out = call(b, "PadV2", { x: cur }, { paddings, constantValue: 0 });
    if (cur !== x) free(b, cur);
    cur = out;
  }
  return cur;
}

/**
 * Inserts `s - 1` zeros after every row (axis 1) and column (axis 2) of an NHWC tensor:
 * [b, h, w, c] -> [b, h*sH, w*sW, c]. The gradient of a strided convolution is a stride-1
 * convolution over this.
 */
export function upsampleZeros(b: BackendWasm, x: Info, sH: number, sW: number): Info {
  const [n, h, w, c] = x.shape;
  let cur = x;
  if (sH > 1) {
    const r = reshape(b, cur, [n * h, 1, w * c]);
    const p = call(b, "PadV2", { x: r }, { paddings: [[0, 0], [0, sH - 1], [0, 0]], constantValue: 0 });
    free(b, r);
    cur = reshape(b, p, [n, h * sH, w, c]);
    free(b, p);
  }
  if (sW > 1) {
    const hh = cur.shape[1];
    const r = reshape(b, cur, [n * hh * w, 1, c]);
    const p = call(b, "PadV2", { x: r }, { paddings: [[0, 0], [0, sW - 1], [0, 0]], constantValue: 0 });
    free(b, r);
    if (cur !== x) free(b, cur);
    cur = reshape(b, p, [n, hh, w * sW, c]);
    free(b, p);
  }
  return cur === x ? reshape(b, x, x.shape) : cur;
}
