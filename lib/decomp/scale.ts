// Decompositions of tensors whose magnitude would overflow (or underflow) their sums of squares:
// norms and Gram matrices square the entries, so entries near 1e200 gave NaN or wrong factors.
// Every decomposition is linear in x, so it runs on x / s (s a power of two: exact) and the
// scale goes back into one part of the result (the last TT core, the CP weights, the Tucker core).
import { fail } from "../errors";
import { divided, maxAbs, rangeScale, type NDArray } from "../linalg/ndarray";

export function inSafeRange<T>(x: NDArray, argument: string, run: (x: NDArray) => T, rescale: (result: T, s: number) => Float64Array): T {
  const m = maxAbs(x.data);
  const s = rangeScale(m);
  if (s === 1) return run(x);
  const result = run(divided(x, s));
  const part = rescale(result, s);
  for (let i = 0; i < part.length; i++) {
    if (!Number.isFinite(part[i])) {
      fail(argument, `a tensor with max |entry| ${m}`, "a magnitude whose factors fit in float64 (|factor entries| < 1.8e308): scale it down first");
    }
  }
  return result;
}

export function scaleInPlace(d: Float64Array, s: number): Float64Array {
  for (let i = 0; i < d.length; i++) d[i] *= s;
  return d;
}
