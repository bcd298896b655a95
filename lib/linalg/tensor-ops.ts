// Unfoldings, n-mode products and the Khatri-Rao product, in TensorLy's conventions:
// unfold(x, n) moves mode n to the front and reshapes in C order, so the remaining modes vary
// slowest-first in ascending order, and khatriRao lets its first matrix vary slowest. Together they
// give, for a CP tensor, unfold(X, n) = A_n · khatriRao([A_k for k ≠ n])ᵀ.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { gemmABt } from "./matmul";
import { aroundMode, asNDArray, size, toTensor, type NDArray, type TensorLike } from "./ndarray";

function checkMode(mode: number, order: number, argument = "mode"): void {
  if (!Number.isInteger(mode) || mode < 0 || mode >= order) {
    fail(argument, mode, `an integer in [0, ${order - 1}] for a tensor of order ${order}`);
  }
}

/** Mode-`mode` unfolding: I_mode × (product of the other sizes). */
export function unfold(input: TensorLike, mode: number): NDArray {
  const x = asNDArray(input, "x");
  checkMode(mode, x.shape.length);
  const [L, I, R] = aroundMode(x.shape, mode);
  const out = new Float64Array(x.data.length);
  const cols = L * R;
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < I; i++) {
      const src = (l * I + i) * R;
      out.set(x.data.subarray(src, src + R), i * cols + l * R);
    }
  }
  return { shape: [I, cols], data: out };
}

/** Inverse of unfold: the tensor of `shape` whose mode-`mode` unfolding is m. */
export function fold(input: TensorLike, mode: number, shape: readonly number[]): NDArray {
  const m = asNDArray(input, "m");
  checkMode(mode, shape.length);
  const [L, I, R] = aroundMode(shape, mode);
  if (m.shape.length !== 2 || m.shape[0] !== I || m.shape[1] !== L * R) {
    fail("m.shape", m.shape, `[${I}, ${L * R}], the mode-${mode} unfolding of shape [${shape.join(", ")}]`);
  }
  const out = new Float64Array(m.data.length);
  const cols = L * R;
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < I; i++) {
      const dst = (l * I + i) * R;
      out.set(m.data.subarray(i * cols + l * R, i * cols + l * R + R), dst);
    }
  }
  return { shape: [...shape], data: out };
}

/** x ×_mode m, with m of shape J × I_mode: the result has I_mode replaced by J. */
export function modeProduct(input: TensorLike, matrix: TensorLike, mode: number): NDArray {
  const x = asNDArray(input, "x");
  const m = asNDArray(matrix, "m");
  checkMode(mode, x.shape.length);
  const [L, I, R] = aroundMode(x.shape, mode);
  if (m.shape.length !== 2 || m.shape[1] !== I) {
    fail("m.shape", m.shape, `a matrix with ${I} columns (size of mode ${mode} of x, shape [${x.shape.join(", ")}])`);
  }
  const J = m.shape[0];
  // Xt[(l, r), i] = x[l, i, r], so the product is one C = M·Xtᵀ of shape [J, L·R].
  const Xt = new Float64Array(x.data.length);
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < I; i++) {
      const src = (l * I + i) * R;
      for (let r = 0; r < R; r++) Xt[(l * R + r) * I + i] = x.data[src + r];
    }
  }
  const C = gemmABt(m.data, Xt, J, I, L * R);
  const out = new Float64Array(L * J * R);
  for (let j = 0; j < J; j++) {
    for (let l = 0; l < L; l++) {
      out.set(C.subarray(j * L * R + l * R, j * L * R + l * R + R), (l * J + j) * R);
    }
  }
  const shape = [...x.shape];
  shape[mode] = J;
  return { shape, data: out };
}

/** x ×_k m_k for every k with a non-null matrix (transposed first when `transpose`). */
export function multiModeProduct(
  input: TensorLike,
  matrices: readonly (TensorLike | null | undefined)[],
  transposeFactors = false,
): NDArray {
  let x = asNDArray(input, "x");
  if (matrices.length !== x.shape.length) {
    fail("matrices.length", matrices.length, `${x.shape.length}, one per mode of x (null to skip a mode)`);
  }
  matrices.forEach((mm, k) => {
    if (mm == null) return;
    let m = asNDArray(mm, `matrices[${k}]`);
    if (transposeFactors) {
      const [a, b] = m.shape;
      const t = new Float64Array(a * b);
      for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) t[j * a + i] = m.data[i * b + j];
      m = { shape: [b, a], data: t };
    }
    x = modeProduct(x, m, k);
  });
  return x;
}

/** Column-wise Kronecker product; the first matrix's row index varies slowest. */
export function khatriRao(mats: readonly TensorLike[]): NDArray {
  if (mats.length === 0) fail("mats", mats, "at least one matrix");
  const ms = mats.map((m, k) => asNDArray(m, `mats[${k}]`));
  const R = ms[0].shape[1];
  ms.forEach((m, k) => {
    if (m.shape.length !== 2 || m.shape[1] !== R) fail(`mats[${k}].shape`, m.shape, `a matrix with ${R} columns, as mats[0]`);
  });
  let cur = ms[0].data;
  let rows = ms[0].shape[0];
  for (let k = 1; k < ms.length; k++) {
    const b = ms[k];
    const rb = b.shape[0];
    const next = new Float64Array(rows * rb * R);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rb; j++) {
        const o = (i * rb + j) * R;
        for (let r = 0; r < R; r++) next[o + r] = cur[i * R + r] * b.data[j * R + r];
      }
    }
    cur = next;
    rows *= rb;
  }
  return { shape: [rows, R], data: cur === ms[0].data ? Float64Array.from(cur) : cur };
}

// --- The same on tensors of the active backend (float32), for large contractions. ---

function tfPerm(order: number, mode: number): number[] {
  return [mode, ...Array.from({ length: order }, (_, i) => i).filter((i) => i !== mode)];
}

/** unfold on a tf.Tensor. */
export function unfoldTensor(x: tf.Tensor, mode: number): tf.Tensor2D {
  checkMode(mode, x.rank);
  return tf.tidy(() => tf.transpose(x, tfPerm(x.rank, mode)).reshape([x.shape[mode], -1]) as tf.Tensor2D);
}

/** fold on a tf.Tensor. */
export function foldTensor(m: tf.Tensor, mode: number, shape: readonly number[]): tf.Tensor {
  checkMode(mode, shape.length);
  const rest = shape.filter((_, i) => i !== mode);
  if (m.rank !== 2 || m.shape[0] !== shape[mode] || m.shape[1] !== size(rest)) {
    fail("m.shape", m.shape, `[${shape[mode]}, ${size(rest)}], the mode-${mode} unfolding of shape [${shape.join(", ")}]`);
  }
  const perm = tfPerm(shape.length, mode);
  const inv = perm.map((_, i) => perm.indexOf(i));
  return tf.tidy(() => tf.transpose(m.reshape([shape[mode], ...rest]), inv));
}

/** modeProduct on the active backend: x ×_mode m, m of shape J × I_mode. */
export function modeProductTensor(x: tf.Tensor, m: tf.Tensor, mode: number): tf.Tensor {
  checkMode(mode, x.rank);
  if (m.rank !== 2 || m.shape[1] !== x.shape[mode]) {
    fail("m.shape", m.shape, `a matrix with ${x.shape[mode]} columns (size of mode ${mode} of x, shape [${x.shape.join(", ")}])`);
  }
  const shape = [...x.shape];
  shape[mode] = m.shape[0];
  return tf.tidy(() => foldTensor(tf.matMul(m as tf.Tensor2D, unfoldTensor(x, mode)), mode, shape));
}

/** a·b on the active backend (float32); accepts anything asNDArray does. */
export function matmulTensor(a: TensorLike | tf.Tensor, b: TensorLike | tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const ta = a instanceof tf.Tensor ? a : toTensor(asNDArray(a, "a"));
    const tb = b instanceof tf.Tensor ? b : toTensor(asNDArray(b, "b"));
    if (ta.rank !== 2) fail("a.shape", ta.shape, "a matrix (2 dimensions)");
    if (tb.rank !== 2 || tb.shape[0] !== ta.shape[1]) fail("b.shape", tb.shape, `a matrix with ${ta.shape[1]} rows`);
    return tf.matMul(ta as tf.Tensor2D, tb as tf.Tensor2D);
  });
}

/** Axis permutation of an NDArray (numpy.transpose): result axis k is input axis perm[k]. */
export function permute(input: TensorLike, perm: readonly number[]): NDArray {
  const x = asNDArray(input, "x");
  const d = x.shape.length;
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== d || sorted.some((v, i) => v !== i)) fail("perm", perm, `a permutation of 0..${d - 1}`);
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = new Array<number>(d);
  let s = 1;
  for (let k = d - 1; k >= 0; k--) {
    inStrides[k] = s;
    s *= x.shape[k];
  }
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float64Array(x.data.length);
  if (out.length === 0) return { shape, data: out };
  // Odometer over the output in C order; the innermost axis is copied in a tight loop.
  const idx = new Array<number>(d).fill(0);
  const last = d - 1;
  const nLast = shape[last] ?? 1;
  const sLast = strides[last] ?? 0;
  let o = 0;
  let base = 0;
  for (;;) {
    for (let i = 0; i < nLast; i++) out[o++] = x.data[base + i * sLast];
    let k = last - 1;
    while (k >= 0) {
      idx[k]++;
      base += strides[k];
      if (idx[k] < shape[k]) break;
      base -= strides[k] * shape[k];
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
  return { shape, data: out };
}
