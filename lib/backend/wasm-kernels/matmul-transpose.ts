// The wasm backend's BatchMatMul and _FusedMatMul run at XNNPACK speed only when neither operand
// is transposed; with transposeA or transposeB they fall into a strided loop 10-50x slower
// (measured: 100x784 · (100x4096) with transposeA at 0.5 GFLOP/s against 22 GFLOP/s plain).
// Every dense layer's backward pass multiplies by transposed operands, so these wrappers
// materialise the transpose (a cheap copy) and call the original kernel untransposed.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { call, free, type Info } from "./calls";

const WRAPPED = Symbol.for("tnlab.matmulTransposeWrapper");

// tfjs-backend-wasm 4.22 caches one XNNPACK fully-connected operator per weight *data id* (its
// batch_mat_mul_impl.cc), built for the [k, n] shape seen first. A reshape shares the data id, so
// the same data multiplied later as another [k', n'] (TT cores are reshaped this way) runs the
// stale operator: it reads and writes past the buffers (Aborted(), or silently wrong numbers).
// The shape each id was first multiplied as is kept here; another shape gets a fresh copy.
const firstShape = new WeakMap<object, string>();

/** `b` itself when its data id has only been multiplied as this [k, n], else a copy under a new id. */
function freshIfReshaped(backend: BackendWasm, b: Info): Info {
  const key = b.shape.slice(-2).join("x");
  const prev = firstShape.get(b.dataId);
  if (prev === undefined || prev === key) {
    firstShape.set(b.dataId, key);
    return b;
  }
  const copy = backend.makeOutput(b.shape, b.dtype);
  backend.typedArrayFromHeap(copy).set(backend.typedArrayFromHeap(b));
  firstShape.set(copy.dataId, key);
  return copy;
}

/** Whether the wasm kernel takes its XNNPACK path (and its operator cache): no transposes, batch 1. */
function xnnPath(a: Info, b: Info): boolean {
  const batch = (s: number[]) => s.slice(0, -2).reduce((p, v) => p * v, 1);
  return batch(a.shape) === 1 && batch(b.shape) === 1;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

function swapLastTwo(b: BackendWasm, x: Info): Info {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return call(b, "Transpose", { x }, { perm });
}

/** Wraps the wasm kernel `kernelName` (BatchMatMul or _FusedMatMul); idempotent. */
export function untransposedMatMul(kernelName: "BatchMatMul" | "_FusedMatMul"): tf.KernelFunc | undefined {
  const current = tf.getKernel(kernelName, "wasm");
  if (!current) return undefined;
  const original = current.kernelFunc as tf.KernelFunc & { [WRAPPED]?: tf.KernelFunc };
  const inner = original[WRAPPED] ?? original;
  const wrapper = ((args: Args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const b = args.backend as BackendWasm;
    const { a, b: bb } = args.inputs as { a: Info; b: Info };
    const at = transposeA ? swapLastTwo(b, a) : a;
    const bt0 = transposeB ? swapLastTwo(b, bb) : bb;
    const bt = xnnPath(at, bt0) ? freshIfReshaped(b, bt0) : bt0;
    if (at === a && bt === bb) return inner(args as never);
    const out = inner({ ...args, inputs: { ...args.inputs, a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as never);
    if (at !== a) free(b, at);
    if (bt0 !== bb) free(b, bt0);
    if (bt !== bt0) free(b, bt);
    return out;
  }) as tf.KernelFunc & { [WRAPPED]?: tf.KernelFunc };
  wrapper[WRAPPED] = inner;
  return wrapper;
}
