// The MTTKRPs of one CP-ALS sweep: modes 0, 1, …, N-1 in turn, each with the factors updated so
// far. A dimension tree reads X twice per sweep instead of N times:
// - modes 0 … N-2 from T = X ×_last A_last, computed when mode 0 is asked (one pass over X);
// - mode N-1 by `mttkrpLast` (U = A_0ᵀ ×_0 X with the new A_0, or a product with Xᵀ).
// With the native addon both passes are OpenBLAS products Fᵀ · (X viewed I × rest) whose inner
// dimension is one mode: the shape OpenBLAS runs fastest and shares between threads without a
// synchronisation per inner block (X · A_last, the TypeScript form, measured ~1.3x slower). T is
// then rank-major (R × I_0 ⋯ I_{N-2}). Without the addon T is P × R and the TypeScript kernels run.
import { nativeGemm } from "../linalg/lapack";
import { transposeData } from "../linalg/matmul";
import { gemmNarrow, mttkrpGemm, mttkrpLast, mttkrpPartial, mttkrpPartialRankMajor } from "./mttkrp";

/** Doubles allowed for the partial tensor T (32 MB). */
const TREE_LIMIT = 1 << 22;
/** Largest X (in doubles, 128 MB) for which a transposed copy is kept. */
const XT_LIMIT = 1 << 24;

export class CpSweep {
  private readonly last: number;
  /** Rows of X viewed as P × I_last. */
  private readonly P: number;
  private readonly useTree: boolean;
  private T: Float64Array = new Float64Array(0);
  private rankMajor = false;
  private xt: Float64Array | undefined;
  private xtDone = false;
  private readonly work: { U?: Float64Array } = {};

  constructor(
    private readonly x: Float64Array,
    private readonly dims: readonly number[],
    private readonly rank: number,
  ) {
    this.last = dims.length - 1;
    this.P = x.length / dims[this.last];
    this.useTree = dims.length >= 3 && this.P * rank <= TREE_LIMIT;
  }

  /** MTTKRP of `mode` (I_mode × R); call modes 0 … N-1 in order within each sweep. */
  mttkrp(mode: number, factors: readonly Float64Array[]): Float64Array {
    const { x, dims, rank: R, last } = this;
    if (this.useTree && mode < last) {
      if (mode === 0) this.tree(factors[last]);
      const head = dims.slice(0, last);
      return this.rankMajor ? mttkrpPartialRankMajor(this.T, head, factors, R, mode) : mttkrpPartial(this.T, head, factors, R, mode);
    }
    if (mode === last) return mttkrpLast(x, dims, factors, R, () => this.transposed(), this.work);
    return mttkrpGemm(x, dims, factors, R, mode);
  }

  /** T = X ×_last A_last: R × P natively (into the last sweep's buffer), else P × R. */
  private tree(F: Float64Array): void {
    const { x, rank: R, P } = this;
    const I = this.dims[this.last];
    const out = this.rankMajor ? this.T : undefined;
    const xt = this.transposed();
    const Tt = xt ? nativeGemm(F, xt, R, I, P, true, false, out) : nativeGemm(F, x, R, I, P, true, true, out);
    this.rankMajor = Tt !== undefined;
    this.T = Tt ?? gemmNarrow(x, transposeData(F, I, R), P, I, R);
  }

  /** X as I_last × P (transposed once, when first needed), or undefined when X is too large. */
  private transposed(): Float64Array | undefined {
    if (!this.xtDone) {
      this.xtDone = true;
      if (this.x.length <= XT_LIMIT) this.xt = transposeData(this.x, this.P, this.dims[this.last]);
    }
    return this.xt;
  }
}
