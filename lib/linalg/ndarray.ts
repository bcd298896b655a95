// The plain dense array of tn's numerical code: float64, row-major (C order).
// Decompositions take NDArray or a TensorFlow.js tensor (or nested numbers) and work in float64.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";

export interface NDArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Anything a decomposition accepts as input. */
export type TensorLike = NDArray | tf.Tensor | number[] | number[][] | number[][][] | number[][][][];

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function ndarray(shape: readonly number[], data?: Float64Array | ArrayLike<number>): NDArray {
  for (const s of shape) if (!Number.isInteger(s) || s < 0) fail("shape", shape, "non-negative integers");
  const n = size(shape);
  const d = data === undefined ? new Float64Array(n) : data instanceof Float64Array ? data : Float64Array.from(data);
  if (d.length !== n) fail("data.length", d.length, `${n} values for shape [${shape.join(", ")}]`);
  return { shape: [...shape], data: d };
}

export function isNDArray(x: unknown): x is NDArray {
  return typeof x === "object" && x !== null && (x as NDArray).data instanceof Float64Array && Array.isArray((x as NDArray).shape);
}

function nestedShape(x: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

/**
 * Converts input to a float64 NDArray (copying tensors off the backend) and rejects NaN/Inf,
 * naming `argument` in the error.
 */
export function asNDArray(x: TensorLike, argument = "x"): NDArray {
  let out: NDArray;
  if (isNDArray(x)) out = x;
  else if (x instanceof tf.Tensor) out = { shape: [...x.shape], data: Float64Array.from(x.dataSync() as ArrayLike<number>) };
  else if (Array.isArray(x)) {
    const shape = nestedShape(x);
    const flat = (x as unknown[]).flat(Infinity) as number[];
    if (flat.length !== size(shape)) fail(argument, `nested array of ragged shape`, "a rectangular nested array");
    out = ndarray(shape, flat);
  } else return fail(argument, x, "an NDArray, a tf.Tensor or a nested number array");
  const d = out.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      fail(argument, `${argument} with ${d[i]} at flat index ${i}`, "finite values (no NaN or Inf)");
    }
  }
  return out;
}

/** A float32 tensor on the active backend. */
export function toTensor(a: NDArray): tf.Tensor {
  return tf.tensor(Float32Array.from(a.data), [...a.shape], "float32");
}

export function reshape(a: NDArray, shape: readonly number[]): NDArray {
  if (size(shape) !== a.data.length) fail("shape", shape, `${a.data.length} elements, as in shape [${a.shape.join(", ")}]`);
  return { shape: [...shape], data: a.data };
}

/** Frobenius norm. */
export function norm(a: NDArray): number {
  let s = 0;
  const d = a.data;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return Math.sqrt(s);
}

/** ||a - b||_F / ||a||_F (0 when both are zero). */
export function relError(a: NDArray, b: NDArray): number {
  if (a.data.length !== b.data.length) fail("b.shape", b.shape, `the shape of a, [${a.shape.join(", ")}]`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    const e = a.data[i] - b.data[i];
    num += e * e;
    den += a.data[i] * a.data[i];
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
