// Linear solves by LU with partial pivoting.
import { fail } from "../errors";
import { as2D } from "./matmul";
import { nativeSolve } from "./lapack";
import { asNDArray, type NDArray, type TensorLike } from "./ndarray";

/** X with a·X = b; b is an n-vector or an n×p matrix, and X has b's shape. */
export function solve(x: TensorLike, y: TensorLike): NDArray {
  const a = as2D(x, "a");
  const b = asNDArray(y, "b");
  const [n, n2] = a.shape;
  if (n !== n2) fail("a.shape", a.shape, "a square matrix");
  if (b.shape.length !== 1 && b.shape.length !== 2) fail("b.shape", b.shape, "a vector or a matrix");
  if (b.shape[0] !== n) fail("b.shape", b.shape, `${n} rows, to match a of shape [${n}, ${n}]`);
  const p = b.shape.length === 1 ? 1 : b.shape[1];
  const native = nativeSolve(a.data, b.data, n, p);
  if (native && "x" in native) return { shape: [...b.shape], data: native.x };
  if (native) fail("a", `matrix whose pivot ${native.singularAt} is 0`, "a non-singular matrix");
  const LU = Float64Array.from(a.data);
  const X = Float64Array.from(b.data);
  let amax = 0;
  for (const v of LU) amax = Math.max(amax, Math.abs(v));
  const tiny = n * 2 ** -52 * amax;
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(LU[i * n + k]) > Math.abs(LU[piv * n + k])) piv = i;
    if (!(Math.abs(LU[piv * n + k]) > tiny)) {
      fail("a", `matrix whose pivot ${k} is ${LU[piv * n + k].toPrecision(3)}`, "a non-singular matrix");
    }
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = LU[k * n + j];
        LU[k * n + j] = LU[piv * n + j];
        LU[piv * n + j] = t;
      }
      for (let j = 0; j < p; j++) {
        const t = X[k * p + j];
        X[k * p + j] = X[piv * p + j];
        X[piv * p + j] = t;
      }
    }
    const d = LU[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = LU[i * n + k] / d;
      if (f === 0) continue;
      LU[i * n + k] = f;
      for (let j = k + 1; j < n; j++) LU[i * n + j] -= f * LU[k * n + j];
      for (let j = 0; j < p; j++) X[i * p + j] -= f * X[k * p + j];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const d = LU[k * n + k];
    for (let j = 0; j < p; j++) {
      let s = X[k * p + j];
      for (let i = k + 1; i < n; i++) s -= LU[k * n + i] * X[i * p + j];
      X[k * p + j] = s / d;
    }
  }
  return { shape: [...b.shape], data: X };
}
