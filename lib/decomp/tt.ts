// Tensor train (Oseledets 2011): X[i_1..i_d] = G_1[:, i_1, :] ··· G_d[:, i_d, :], and TT-SVD.
import { fail } from "../errors";
import { gemmABt, transposeData } from "../linalg/matmul";
import { asNDArray, norm, relError, size, type NDArray, type TensorLike } from "../linalg/ndarray";
import { leftSubspace } from "../linalg/subspace";
import { svdRandomized } from "../linalg/svd";
import { FactorizedTensor } from "./factorized";
import { factorizedBundle, JUPYTER_DISPLAY } from "./display";
import { inSafeRange, scaleInPlace } from "./scale";

/**
 * Checks a chain of TT cores [r_{k-1}, ..., r_k] (`layout` names the axes in the messages): at
 * least one core, each core's first rank the previous core's last, r_0 = r_d = 1.
 */
export function checkCoreChain(cores: NDArray[], layout: string): void {
  if (cores.length === 0) fail("cores", cores, "at least one core");
  const order = layout.split(",").length;
  const last = (c: NDArray) => c.shape[c.shape.length - 1];
  cores.forEach((c, k) => {
    if (c.shape.length !== order) fail(`cores[${k}].shape`, c.shape, layout);
    const prev = k === 0 ? 1 : last(cores[k - 1]);
    if (c.shape[0] !== prev) fail(`cores[${k}].shape`, c.shape, `first rank ${prev}, matching the previous core`);
  });
  const d = cores.length;
  if (last(cores[d - 1]) !== 1) fail(`cores[${d - 1}].shape`, cores[d - 1].shape, "last rank 1");
}

/** The values a chain of cores stores. */
export function coreValues(cores: readonly NDArray[]): number {
  return cores.reduce((s, c) => s + c.data.length, 0);
}

export class TTTensor extends FactorizedTensor {
  /** Core k has shape [r_{k-1}, n_k, r_k], r_0 = r_d = 1. */
  readonly cores: NDArray[];
  readonly shape: number[];
  /** [1, r_1, ..., r_{d-1}, 1]. */
  readonly ranks: number[];
  /** Relative error against the tensor it was computed from (NaN when built from cores). */
  error: number;

  constructor(cores: NDArray[], error = NaN) {
    checkCoreChain(cores, "[r_{k-1}, n_k, r_k]");
    super();
    this.cores = cores;
    this.shape = cores.map((c) => c.shape[1]);
    this.ranks = [1, ...cores.map((c) => c.shape[2])];
    this.error = error;
  }

  get params(): number {
    return coreValues(this.cores);
  }

  /** Shown by the kernel as the value of a cell: a summary and the factors' shapes. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return factorizedBundle("TT tensor", this, this.cores.map((c, k) => ({ name: `core ${k}`, shape: c.shape })));
  }

  toDense(): NDArray {
    // cur: (n_1···n_k) × r_k, contracted left to right.
    let cur = this.cores[0].data;
    let rows = this.shape[0];
    for (let k = 1; k < this.cores.length; k++) {
      const [r0, n, r1] = this.cores[k].shape;
      const bt = transposeData(this.cores[k].data, r0, n * r1);
      cur = gemmABt(cur, bt, rows, r0, n * r1);
      rows *= n;
    }
    return { shape: [...this.shape], data: Float64Array.from(cur) };
  }

}

export type TTOptions =
  | {
      /** A max rank for every bond (clipped to what the shape allows), or the full list [1, r_1, ..., r_{d-1}, 1]. */
      ranks: number | number[];
      /**
       * How the leading subspace of each unfolding is found: "exact" (eigenvectors of the smaller
       * Gram matrix, default) or "randomized" (Halko et al.; faster when the rank is far below both
       * sides, slightly above the optimal error).
       */
      svd?: "exact" | "randomized";
    }
  | {
      /** Relative accuracy: ||X - TT||_F ≤ eps·||X||_F. */
      eps: number;
    };

/** Largest rank bond k can have: min(n_1···n_k, n_{k+1}···n_d). */
export function maxTTRanks(shape: readonly number[]): number[] {
  const d = shape.length;
  const out = [1];
  for (let k = 1; k < d; k++) out.push(Math.min(size(shape.slice(0, k)), size(shape.slice(k))));
  out.push(1);
  return out;
}

/** Validates `ranks` against a shape; returns per-bond targets (length d+1). */
export function resolveTTRanks(ranks: number | number[], shape: readonly number[], argument = "ranks"): number[] {
  const d = shape.length;
  const bound = maxTTRanks(shape);
  if (typeof ranks === "number") {
    if (!Number.isInteger(ranks) || ranks < 1) fail(argument, ranks, "a positive integer max rank, or a list [1, r_1, ..., 1]");
    return bound.map((b) => Math.min(b, ranks));
  }
  if (!Array.isArray(ranks) || ranks.length !== d + 1) {
    fail(argument, ranks, `a list of ${d + 1} ranks [1, r_1, ..., r_${d - 1}, 1] for a tensor of order ${d}`);
  }
  if (ranks[0] !== 1 || ranks[d] !== 1) fail(argument, ranks, "a list starting and ending with 1");
  ranks.forEach((r, k) => {
    if (!Number.isInteger(r) || r < 1) fail(`${argument}[${k}]`, r, "a positive integer");
    if (r > bound[k]) {
      fail(`${argument}[${k}]`, r, `at most ${bound[k]} = min(${shape.slice(0, k).join("·")}, ${shape.slice(k).join("·")}) for shape [${shape.join(", ")}]`);
    }
  });
  return [...ranks];
}

/** Smallest r with Σ_{i ≥ r} s2_i ≤ delta2 (at least 1). */
export function rankForTail(s2: Float64Array, delta2: number): number {
  let tail = 0;
  let r = s2.length;
  while (r > 1 && tail + s2[r - 1] <= delta2) {
    tail += s2[r - 1];
    r--;
  }
  return r;
}

/**
 * TT-SVD (Oseledets 2011, Alg. 1). With `eps`, each of the d-1 truncations discards at most
 * (eps/sqrt(d-1))·||X|| so that ||X - TT|| ≤ eps·||X||; with `ranks`, bonds are cut to the given
 * ranks (a scalar max rank is clipped per bond to min(∏_{i≤k} n_i, ∏_{i>k} n_i); an explicit list
 * with an impossible rank is an error).
 */
export function ttSvd(input: TensorLike, opts: TTOptions): TTTensor {
  return inSafeRange(asNDArray(input, "x"), "x", (x) => ttSvdScaled(x, opts), (tt, s) => scaleInPlace(tt.cores[tt.cores.length - 1].data, s));
}

function ttSvdScaled(x: NDArray, opts: TTOptions): TTTensor {
  const shape = [...x.shape];
  const d = shape.length;
  if (d < 1) fail("x.shape", shape, "a tensor of order at least 1");
  if (shape.some((s) => s < 1)) fail("x.shape", shape, "positive sizes");
  if (opts == null || typeof opts !== "object") fail("opts", opts, "{ ranks } or { eps }");
  let targets: number[] | undefined;
  let delta2 = 0;
  let randomized = false;
  let accurate = false;
  if ("eps" in opts && opts.eps !== undefined) {
    const eps = opts.eps;
    if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) fail("eps", eps, "a positive number");
    const nx = norm(x);
    delta2 = d > 1 ? (eps * nx) ** 2 / (d - 1) : 0;
    // Gram eigenvalues carry an absolute error ~1e-16·σ_max²: finer tolerances need the real SVD.
    accurate = eps < 1e-6;
  } else if ("ranks" in opts) {
    targets = resolveTTRanks(opts.ranks, shape);
    randomized = opts.svd === "randomized";
    if (opts.svd !== undefined && opts.svd !== "exact" && opts.svd !== "randomized") fail("opts.svd", opts.svd, '"exact" or "randomized"');
  } else {
    fail("opts", opts, "{ ranks: number | number[] } or { eps: number }");
  }

  const cores: NDArray[] = [];
  let C = x.data;
  let r = 1;
  for (let k = 0; k < d - 1; k++) {
    const rows = r * shape[k];
    const cols = C.length / rows;
    const mat: NDArray = { shape: [rows, cols], data: C };
    let U: NDArray;
    if (targets && randomized && targets[k + 1] * 4 <= Math.min(rows, cols) && Math.min(rows, cols) >= 64) {
      U = svdRandomized(mat, targets[k + 1], { oversample: 10, powerIters: 3, seed: k }).u;
    } else {
      const t = targets;
      U = leftSubspace(mat, (s2) => (t ? Math.min(t[k + 1], s2.length) : rankForTail(s2, delta2)), accurate).u;
    }
    const rk = U.shape[1];
    cores.push({ shape: [r, shape[k], rk], data: U.data });
    // C ← Uᵀ·C (rk × cols)
    C = gemmABt(transposeData(U.data, rows, rk), transposeData(C, rows, cols), rk, rows, cols);
    r = rk;
  }
  cores.push({ shape: [r, shape[d - 1], 1], data: C });
  const tt = new TTTensor(cores);
  tt.error = relError(x, tt.toDense());
  return tt;
}
