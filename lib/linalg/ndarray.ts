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

/** `shape` viewed as [before, I_mode, after] around `mode` (the products of the sizes before and after it). */
export function aroundMode(shape: readonly number[], mode: number): [number, number, number] {
  return [size(shape.slice(0, mode)), shape[mode], size(shape.slice(mode + 1))];
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

export function maxAbs(d: Float64Array): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Math.abs(d[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

/**
 * The divisor that keeps sums of squares finite and normal (as LAPACK's dnrm2 scales): 1 when
 * max |x| is within [2^-480, 2^480] (squares at most 2^960, so even 2^60 of them cannot
 * overflow), else the power of two at or below max |x|, by which dividing is exact.
 */
export function rangeScale(maxAbsValue: number): number {
  if (maxAbsValue === 0 || !Number.isFinite(maxAbsValue) || (maxAbsValue <= 2 ** 480 && maxAbsValue >= 2 ** -480)) return 1;
  return 2 ** Math.floor(Math.log2(maxAbsValue));
}

/** Frobenius norm (scaled when the entries' squares would overflow or underflow). */
export function norm(a: NDArray): number {
  let s = 0;
  const d = a.data;
  const scale = rangeScale(maxAbs(d));
  if (scale === 1) {
    for (let i = 0; i < d.length; i++) s += d[i] * d[i];
    return Math.sqrt(s);
  }
  for (let i = 0; i < d.length; i++) {
    const v = d[i] / scale;
    s += v * v;
  }
  return Math.sqrt(s) * scale;
}

/** ||a - b||_F / ||a||_F (0 when both are zero); scaled like norm. */
export function relError(a: NDArray, b: NDArray): number {
  if (a.data.length !== b.data.length) fail("b.shape", b.shape, `the shape of a, [${a.shape.join(", ")}]`);
  let num = 0;
  let den = 0;
  const scale = rangeScale(Math.max(maxAbs(a.data), maxAbs(b.data)));
  for (let i = 0; i < a.data.length; i++) {
    const x = scale === 1 ? a.data[i] : a.data[i] / scale;
    const e = x - (scale === 1 ? b.data[i] : b.data[i] / scale);
    num += e * e;
    den += x * x;
  }
  return den === 0 ? Math.sqrt(num) * scale : Math.sqrt(num / den);
}

/** x / s as a new array (exact when s is a power of two). */
export function divided(a: NDArray, s: number): NDArray {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] / s;
  return { shape: [...a.shape], data: out };
}
