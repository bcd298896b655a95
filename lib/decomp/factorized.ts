// What every decomposition result shares (TensorLy style): it knows its shape, ranks and
// parameter count, rebuilds itself, and reports its relative error against a tensor.
import type * as tf from "@tensorflow/tfjs";
import type { NDArray, TensorLike } from "../linalg/ndarray";

export interface Factorized {
  /** Shape of the full tensor (for a TT-matrix: [rows, cols]). */
  readonly shape: readonly number[];
  readonly ranks: readonly number[];
  /** Number of stored values. */
  readonly params: number;
  /** Full tensor size / params. */
  readonly compression: number;
  /** The full tensor in float64. */
  toDense(): NDArray;
  /** The full tensor as a float32 tensor on the active backend. */
  toTensor(): tf.Tensor;
  /** ||x - rebuilt||_F / ||x||_F. */
  relError(x: TensorLike): number;
}
