// The wasm backend's BatchMatMul and _FusedMatMul run at XNNPACK speed only when neither operand
// is transposed; with transposeA or transposeB they fall into a strided loop 10-50x slower
// (measured: 100x784 · (100x4096) with transposeA at 0.5 GFLOP/s against 22 GFLOP/s plain).
// Every dense layer's backward pass multiplies by transposed operands, so these wrappers
// materialise the transpose (a cheap copy) and call the original kernel untransposed.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { call, free, type Info } from "./calls";

const WRAPPED = Symbol.for("tnlab.matmulTransposeWrapper");

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
    if (!transposeA && !transposeB) return inner(args as never);
    const b = args.backend as BackendWasm;
    const { a, b: bb } = args.inputs as { a: Info; b: Info };
    const at = transposeA ? swapLastTwo(b, a) : a;
    const bt = transposeB ? swapLastTwo(b, bb) : bb;
    const out = inner({ ...args, inputs: { ...args.inputs, a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } } as never);
    if (at !== a) free(b, at);
    if (bt !== bb) free(b, bt);
    return out;
  }) as tf.KernelFunc & { [WRAPPED]?: tf.KernelFunc };
  wrapper[WRAPPED] = inner;
  return wrapper;
}
