// What every decomposition result shares (TensorLy style): it knows its shape, ranks and
// parameter count, rebuilds itself, and reports its relative error against a tensor. The
// FactorizedTensor base writes compression, toTensor and relError once for TT, TT-matrix, Tucker
// and CP; each class keeps its factors, its parameter count and its rebuild (toDense).
import type * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { asNDArray, relError, size, toTensor, type NDArray, type TensorLike } from "../linalg/ndarray";

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

export abstract class FactorizedTensor implements Factorized {
  abstract readonly shape: readonly number[];
  abstract readonly ranks: readonly number[];
  abstract get params(): number;
  abstract toDense(): NDArray;

  get compression(): number {
    return size(this.shape) / this.params;
  }

  toTensor(): tf.Tensor {
    return toTensor(this.toDense());
  }

  relError(x: TensorLike): number {
    const a = asNDArray(x, this.inputName());
    this.checkInput(a);
    return relError(a, this.toDense());
  }

  /** How relError names its argument ("x"; "W" for a TT-matrix). */
  protected inputName(): string {
    return "x";
  }

  /** relError's check of its argument: as many values as the full tensor. */
  protected checkInput(a: NDArray): void {
    if (a.data.length !== size(this.shape)) fail(`${this.inputName()}.shape`, a.shape, `shape [${this.shape.join(", ")}]`);
  }
}
