// Small, seeded inputs and sweeps for the teaching notebooks (01-06): tensors a student can
// print, tensors with a known structure to recover, and the error-against-parameters curves of
// the three formats on the same tensor.
import { cpAls } from "../decomp/cp";
import { ttSvd } from "../decomp/tt";
import { tucker } from "../decomp/tucker";
import { fail } from "../errors";
import { ndarray, type NDArray } from "../linalg/ndarray";
import { rng } from "../random";

/** A matrix NDArray as rows, for printing and heatmaps. */
export function rows(m: NDArray): number[][] {
  if (m.shape.length !== 2) fail("m.shape", m.shape, "a matrix [rows, cols]");
  const [r, c] = m.shape;
  return Array.from({ length: r }, (_, i) => Array.from(m.data.subarray(i * c, (i + 1) * c)));
}

/** The tensor 0, 1, 2, ... of `shape` (row-major): unfoldings of it show where each entry goes. */
export function counting(shape: number[]): NDArray {
  return ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));
}

/** Gaussian N(0, 1) entries, seeded. */
export function gaussian(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  return ndarray(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()));
}

/**
 * A smooth n×n grey image (a few blurred discs and a gradient): low rank in the matrix sense, and
 * low TT rank once reshaped to 2×2×…×2 (the "quantized" view).
 */
export function smoothImage(n = 64): NDArray {
  const data = new Float64Array(n * n);
  const discs = [
    [0.3, 0.35, 0.18, 1.0],
    [0.7, 0.6, 0.22, 0.7],
    [0.45, 0.8, 0.1, 0.9],
  ];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const y = i / n;
      const x = j / n;
      let v = 0.3 * x;
      for (const [cy, cx, r, a] of discs) v += a / (1 + Math.exp((Math.hypot(y - cy, x - cx) - r) * 30));
      data[i * n + j] = v;
    }
  }
  return ndarray([n, n], data);
}

/** A video-like tensor [frames, h, w]: a bright blob moving across a static background, plus noise. */
export function movingBlob(frames = 16, h = 24, w = 24, noise = 0.02, seed = 0): NDArray {
  const r = rng(seed);
  const data = new Float64Array(frames * h * w);
  for (let t = 0; t < frames; t++) {
    const cx = 4 + ((w - 8) * t) / Math.max(1, frames - 1);
    const cy = h / 2 + 4 * Math.sin((2 * Math.PI * t) / frames);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const bg = 0.2 + 0.2 * Math.sin(j / 4) * Math.cos(i / 5);
        const blob = Math.exp(-((i - cy) ** 2 + (j - cx) ** 2) / 8);
        data[(t * h + i) * w + j] = bg + blob + noise * r.normal();
      }
    }
  }
  return ndarray([frames, h, w], data);
}

/** A rank-R CP tensor Σ_r a_r ∘ b_r ∘ c_r with Gaussian factors, plus `noise`·N(0,1) entries. */
export function plantedCp(shape: number[], rank: number, noise = 0, seed = 0): NDArray {
  const r = rng(seed);
  const factors = shape.map((n) => Float64Array.from({ length: n * rank }, () => r.normal()));
  const total = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(total);
  const idx = new Array(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let v = 0;
    for (let k = 0; k < rank; k++) {
      let p = 1;
      for (let m = 0; m < shape.length; m++) p *= factors[m][idx[m] * rank + k];
      v += p;
    }
    data[flat] = v + noise * r.normal();
    for (let m = shape.length - 1; m >= 0; m--) {
      if (++idx[m] < shape[m]) break;
      idx[m] = 0;
    }
  }
  return ndarray(shape, data);
}

/** U·Vᵀ with U (m×r), V (n×r) Gaussian, scaled to unit variance per entry, plus sigma·N(0,1). */
export function lowRankPlusNoise(m: number, n: number, rank: number, sigma: number, seed = 0): NDArray {
  const r = rng(seed);
  const U = Float64Array.from({ length: m * rank }, () => r.normal());
  const V = Float64Array.from({ length: n * rank }, () => r.normal());
  const data = new Float64Array(m * n);
  const scale = 1 / Math.sqrt(rank);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < rank; k++) v += U[i * rank + k] * V[j * rank + k];
      data[i * n + j] = v * scale + sigma * r.normal();
    }
  }
  return ndarray([m, n], data);
}

export interface TradeoffPoint {
  format: "TT" | "CP" | "Tucker";
  rank: number;
  params: number;
  relError: number;
}

/**
 * Relative error against stored parameters for TT-SVD (max rank r), CP-ALS (rank r) and Tucker
 * (HOOI, every mode's rank min(r, I_n)) of the same tensor, for each r in `ranks`.
 */
export function tradeoff(x: NDArray, ranks: number[], opts: { cpIter?: number; seed?: number } = {}): TradeoffPoint[] {
  const out: TradeoffPoint[] = [];
  for (const r of ranks) {
    const tt = ttSvd(x, { ranks: r });
    out.push({ format: "TT", rank: r, params: tt.params, relError: tt.relError(x) });
    const cp = cpAls(x, r, { maxIter: opts.cpIter ?? 50, seed: opts.seed ?? 0 });
    out.push({ format: "CP", rank: r, params: cp.params, relError: cp.error });
    const tk = tucker(x, x.shape.map((n) => Math.min(r, n)));
    out.push({ format: "Tucker", rank: r, params: tk.params, relError: tk.error });
  }
  return out;
}
