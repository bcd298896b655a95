// Tucker decomposition X ≈ G ×_1 U_1 ··· ×_d U_d: HOSVD (De Lathauwer et al. 2000a), HOOI
// (De Lathauwer et al. 2000b, initialised by HOSVD), and Tucker-2 of a conv kernel
// (Kim et al. 2016: only the channel modes are compressed).
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { gemmABt, identity, transposeData } from "../linalg/matmul";
import { qrData } from "../linalg/qr";
import { asNDArray, norm, relError, toTensor, type NDArray, type TensorLike } from "../linalg/ndarray";
import { inSafeRange, scaleInPlace } from "./scale";
import { leftSubspace } from "../linalg/subspace";
import { modeProduct, modeProductTensor, unfold, unfoldTensor } from "../linalg/tensor-ops";
import { FactorizedTensor } from "./factorized";
import { factorizedBundle, JUPYTER_DISPLAY } from "./display";

export class TuckerTensor extends FactorizedTensor {
  readonly core: NDArray;
  /** Factor n has shape I_n × R_n; null = mode not compressed (identity). */
  readonly factors: (NDArray | null)[];
  readonly shape: number[];
  /** The core's shape. */
  readonly ranks: number[];
  /** Relative error against the tensor it was computed from (NaN when built from parts). */
  error: number;
  /** HOOI sweeps run (0 for HOSVD or when built from parts). */
  iterations = 0;

  constructor(core: NDArray, factors: (NDArray | null)[], error = NaN) {
    super();
    if (factors.length !== core.shape.length) {
      fail("factors.length", factors.length, `${core.shape.length}, one per mode of the core (null for an identity)`);
    }
    factors.forEach((f, n) => {
      if (f && (f.shape.length !== 2 || f.shape[1] !== core.shape[n])) {
        fail(`factors[${n}].shape`, f.shape, `[I_${n}, ${core.shape[n]}] (the core has ${core.shape[n]} in mode ${n})`);
      }
    });
    this.core = core;
    this.factors = factors;
    this.shape = factors.map((f, n) => (f ? f.shape[0] : core.shape[n]));
    this.ranks = [...core.shape];
    this.error = error;
  }

  get params(): number {
    return this.core.data.length + this.factors.reduce((s, f) => s + (f ? f.data.length : 0), 0);
  }

  /** Shown by the kernel as the value of a cell: a summary and the factors' shapes. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return factorizedBundle("Tucker tensor", this, [{ name: "core", shape: this.core.shape }, ...this.factors.flatMap((f, n) => (f ? [{ name: `factor ${n}`, shape: f.shape }] : []))]);
  }

  toDense(): NDArray {
    let x = this.core;
    this.factors.forEach((f, n) => {
      if (f) x = modeProduct(x, f, n);
    });
    return x;
  }

}

export interface TuckerOptions {
  /** "hooi" (default, TensorLy's `tucker`) or "hosvd" (one pass, no iterations). */
  method?: "hosvd" | "hooi";
  /** HOOI sweeps at most (default 100). */
  maxIter?: number;
  /** HOOI stops when the relative error changes by less than this (default 1e-8). */
  tol?: number;
  /**
   * How HOOI refreshes factor n from the projected unfolding Y_n: "eig" takes the exact leading
   * eigenvectors of Y_n·Y_nᵀ; "subspace" (default) a few steps of orthogonal iteration
   * U ← orth(Y_n·Y_nᵀ·U) started from the current U. Both never increase the error (Ky Fan: the
   * step cannot lower tr(Uᵀ·Y_n·Y_nᵀ·U)) and share their fixed points; the step costs O(I_n·R_n·cols)
   * instead of an O(I_n³) eigensolve, so a sweep is several times cheaper.
   */
  update?: "eig" | "subspace";
  /**
   * Where HOOI's contractions run: "float64" (JavaScript), "backend" (the active TensorFlow.js
   * backend in float32, ~5-10x faster on wasm) or "auto" (default: "backend" on wasm or native,
   * else "float64"). The factors stay float64 and orthonormal, and the final core and error are
   * computed in float64 either way.
   */
  compute?: "auto" | "float64" | "backend";
  /** Orthogonal-iteration steps per factor refresh with update "subspace" (default 2). */
  subspaceSteps?: number;
}

/**
 * One HOOI sweep with the contractions on the active backend (float32); updates `factors` in
 * place and returns the core of the sweep (float32 accuracy, used for the stopping test).
 */
function hooiSweepOnBackend(
  xT: tf.Tensor,
  factors: (NDArray | null)[],
  ranks: (number | null)[],
  update: "eig" | "subspace",
  steps: number,
): NDArray {
  const d = xT.rank;
  const tT = (u: NDArray) => tf.tensor2d(Float32Array.from(transposeData(u.data, u.shape[0], u.shape[1])), [u.shape[1], u.shape[0]]);
  let lastN = -1;
  let lastY: tf.Tensor | undefined;
  try {
    for (let n = 0; n < d; n++) {
      const r = ranks[n];
      if (r === null) continue;
      const order = factors
        .map((f, k) => ({ f, k }))
        .filter(({ f, k }) => f && k !== n)
        .sort((a, b) => b.f!.shape[0] / b.f!.shape[1] - a.f!.shape[0] / a.f!.shape[1]);
      const y = tf.tidy(() => {
        let cur = xT;
        for (const { f, k } of order) cur = modeProductTensor(cur, tT(f!), k);
        return cur === xT ? cur.clone() : cur;
      });
      const yn = unfoldTensor(y, n);
      let small: tf.Tensor;
      if (update === "eig") {
        // The Gram matrix replaces the unfolding for the eigenvectors: same left subspace, I_n² values.
        small = tf.tidy(() => tf.matMul(yn, tf.transpose(yn)));
        const g = asNDArray(small, "gram");
        const [I] = g.shape;
        factors[n] = leftSubspace({ shape: [I, I], data: g.data }, (s2) => Math.min(r, s2.length)).u;
      } else {
        const u = factors[n]!;
        const ynT = tf.transpose(yn);
        small = tf.tensor2d(Float32Array.from(u.data), [u.shape[0], u.shape[1]]);
        for (let step = 0; step < steps; step++) {
          const prev = small;
          const z = tf.tidy(() => tf.matMul(yn, tf.matMul(ynT, prev)));
          prev.dispose();
          const q = qrData(asNDArray(z, "z").data, u.shape[0], u.shape[1]).q;
          z.dispose();
          factors[n] = { shape: [...u.shape], data: q };
          small = tf.tensor2d(Float32Array.from(q), [u.shape[0], u.shape[1]]);
        }
        ynT.dispose();
      }
      tf.dispose([yn, small]);
      lastY?.dispose();
      lastY = y;
      lastN = n;
    }
    if (!lastY) return { shape: [0], data: new Float64Array(0) };
    const f = factors[lastN]!;
    const c = tf.tidy(() => modeProductTensor(lastY!, tT(f), lastN));
    const out = asNDArray(c, "core");
    c.dispose();
    return out;
  } finally {
    lastY?.dispose();
  }
}

/** `steps` orthogonal-iteration steps U ← orth(Y·(Yᵀ·U)), Y of shape I × cols, U of shape I × R. */
function subspaceSteps(y: NDArray, u0: NDArray, steps: number): NDArray {
  const [I, cols] = y.shape;
  const R = u0.shape[1];
  const yt = transposeData(y.data, I, cols);
  let u = u0.data;
  for (let s = 0; s < steps; s++) {
    const ytu = gemmABt(yt, transposeData(u, I, R), cols, I, R); // Yᵀ·U, cols × R
    const z = gemmABt(y.data, transposeData(ytu, cols, R), I, cols, R); // Y·(Yᵀ·U), I × R
    u = qrData(z, I, R).q;
  }
  return { shape: [I, R], data: u };
}

/** x ×_n Uᵀ for U of shape I_n × R_n. */
function projectMode(x: NDArray, u: NDArray, n: number): NDArray {
  const [I, R] = u.shape;
  return modeProduct(x, { shape: [R, I], data: transposeData(u.data, I, R) }, n);
}

/** x ×_k U_kᵀ for all k ≠ skip with a factor, shrinking the largest reductions first. */
function projectAllBut(x: NDArray, factors: (NDArray | null)[], skip: number): NDArray {
  const order = factors
    .map((f, k) => ({ f, k }))
    .filter(({ f, k }) => f && k !== skip)
    .sort((a, b) => b.f!.shape[0] / b.f!.shape[1] - a.f!.shape[0] / a.f!.shape[1]);
  let y = x;
  for (const { f, k } of order) y = projectMode(y, f!, k);
  return y;
}

/**
 * Tucker with `ranks[n]` = null for modes kept whole (identity factor). Factors are the leading
 * left singular vectors of the unfoldings (HOSVD), then refined mode by mode (HOOI).
 */
function tuckerCore(x: NDArray, ranks: (number | null)[], opts: TuckerOptions, argument = "x"): TuckerTensor {
  return inSafeRange(x, argument, (xs) => tuckerCoreScaled(xs, ranks, opts), (t, s) => scaleInPlace(t.core.data, s));
}

function tuckerCoreScaled(x: NDArray, ranks: (number | null)[], opts: TuckerOptions): TuckerTensor {
  const method = opts.method ?? "hooi";
  if (method !== "hosvd" && method !== "hooi") fail("opts.method", method, '"hosvd" or "hooi"');
  const maxIter = opts.maxIter ?? 100;
  if (!Number.isInteger(maxIter) || maxIter < 0) fail("opts.maxIter", maxIter, "a non-negative integer");
  const tol = opts.tol ?? 1e-8;
  if (!(tol >= 0)) fail("opts.tol", tol, "a non-negative number");
  const d = x.shape.length;
  // A mode kept at full rank needs no factor: any orthonormal I_n × I_n factor leaves the error
  // unchanged, so it is the identity, and HOOI skips its contractions (for a conv kernel the two
  // spatial modes, about half of every sweep). It is returned as an explicit identity.
  const fullRank = ranks.map((r, n) => r !== null && r === x.shape[n]);
  ranks = ranks.map((r, n) => (fullRank[n] ? null : r));
  const factors: (NDArray | null)[] = new Array(d).fill(null);
  const leading = (m: NDArray, r: number) => leftSubspace(m, (s2) => Math.min(r, s2.length)).u;
  for (let n = 0; n < d; n++) {
    const r = ranks[n];
    if (r !== null) factors[n] = leading(unfold(x, n), r);
  }
  const nx = norm(x);
  const coreOf = (fs: (NDArray | null)[]) => projectAllBut(x, fs, -1);
  let core = coreOf(factors);
  // With orthonormal factors ||X - X̂||² = ||X||² - ||G||².
  const errOf = (g: NDArray) => (nx === 0 ? 0 : Math.sqrt(Math.max(0, nx * nx - norm(g) ** 2)) / nx);
  let iterations = 0;
  if (method === "hooi" && ranks.some((r) => r !== null)) {
    const update = opts.update ?? "subspace";
    if (update !== "eig" && update !== "subspace") fail("opts.update", update, '"eig" or "subspace"');
    let compute = opts.compute ?? "auto";
    if (compute !== "float64" && compute !== "backend" && compute !== "auto") fail("opts.compute", compute, '"auto", "float64" or "backend"');
    // The float32 contractions move the result by ~1e-10 (the factors and the final core stay
    // float64), so a fast backend is worth taking; the JavaScript cpu backend is not.
    if (compute === "auto") compute = ["wasm", "tensorflow", "webgl", "webgpu"].includes(tf.getBackend()) ? "backend" : "float64";
    const steps = opts.subspaceSteps ?? 2;
    if (!Number.isInteger(steps) || steps < 1) fail("opts.subspaceSteps", steps, "a positive integer");
    const refresh = (yn: NDArray, n: number, r: number) => (update === "eig" ? leading(yn, r) : subspaceSteps(yn, factors[n]!, steps));
    const xT = compute === "backend" ? toTensor(x) : undefined;
    try {
      let err = errOf(core);
      for (let it = 0; it < maxIter; it++) {
        let coreNow: NDArray | undefined;
        if (xT) {
          coreNow = hooiSweepOnBackend(xT, factors, ranks, update, steps);
        } else {
          let last: { y: NDArray; n: number } | undefined;
          for (let n = 0; n < d; n++) {
            const r = ranks[n];
            if (r === null) continue;
            const y = projectAllBut(x, factors, n);
            factors[n] = refresh(unfold(y, n), n, r);
            last = { y, n };
          }
          // The last projection already contracts every other mode: one product finishes the core.
          coreNow = last ? projectMode(last.y, factors[last.n]!, last.n) : coreOf(factors);
        }
        iterations = it + 1;
        const e = errOf(coreNow);
        const done = Math.abs(err - e) < tol;
        err = e;
        if (done) break;
      }
    } finally {
      xT?.dispose();
    }
    core = coreOf(factors);
  }
  fullRank.forEach((full, n) => {
    if (full) factors[n] = identity(x.shape[n]);
  });
  const out = new TuckerTensor(core, factors);
  out.error = relError(x, out.toDense());
  out.iterations = iterations;
  return out;
}

/** Tucker decomposition to core shape `ranks` (each in [1, I_n]). */
export function tucker(input: TensorLike, ranks: number[], opts: TuckerOptions = {}): TuckerTensor {
  const x = asNDArray(input, "x");
  const d = x.shape.length;
  if (!Array.isArray(ranks) || ranks.length !== d) fail("ranks", ranks, `${d} ranks, one per mode of x (shape [${x.shape.join(", ")}])`);
  ranks.forEach((r, n) => {
    if (!Number.isInteger(r) || r < 1 || r > x.shape[n]) fail(`ranks[${n}]`, r, `an integer in [1, ${x.shape[n]}] (size of mode ${n})`);
  });
  // A mode kept at full size needs no factor for the fit; it gets an identity so every factor is a matrix.
  const t = tuckerCore(x, ranks.map((r, n) => (r === x.shape[n] ? null : r)), opts);
  const factors = t.factors.map((f, n) => f ?? identity(x.shape[n]));
  const out = new TuckerTensor(t.core, factors, t.error);
  out.iterations = t.iterations;
  return out;
}

/**
 * Tucker-2 of a conv kernel [kh, kw, cin, cout] (the tf.layers layout): core [kh, kw, rIn, rOut],
 * factors [null, null, U_in (cin × rIn), U_out (cout × rOut)], so that
 * W[h, w, i, o] = Σ_{a,b} core[h, w, a, b]·U_in[i, a]·U_out[o, b].
 */
export function tucker2(
  kernel: TensorLike,
  ranks: [number, number],
  opts: TuckerOptions = {},
): TuckerTensor {
  const x = asNDArray(kernel, "kernel");
  if (x.shape.length !== 4) fail("kernel.shape", x.shape, "a conv kernel [kh, kw, cin, cout]");
  const [, , cin, cout] = x.shape;
  if (!Array.isArray(ranks) || ranks.length !== 2) fail("ranks", ranks, "[rOut, rIn]");
  const [rOut, rIn] = ranks;
  if (!Number.isInteger(rOut) || rOut < 1 || rOut > cout) fail("ranks[0]", rOut, `rOut, an integer in [1, ${cout}] (cout)`);
  if (!Number.isInteger(rIn) || rIn < 1 || rIn > cin) fail("ranks[1]", rIn, `rIn, an integer in [1, ${cin}] (cin)`);
  return tuckerCore(x, [null, null, rIn, rOut], opts, "kernel");
}
