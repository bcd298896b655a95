// `tnlab bench decomp`: the float64 decompositions of tn.decomp / tn.linalg on fixed seeded inputs.
// Each row: median wall-clock time and the relative error of the result. The reference times
// (NumPy, TensorLy) are measured in the same run by the reference suite (bench/reference.ts).
// They run in float64 JavaScript ("js-f64"); HOOI also runs its large contractions on the
// active TensorFlow.js backend (its default "auto" compute), so its row names that backend too.
// With the native addon built, every case runs twice in the same run: "js-f64" (our TypeScript
// float64 code) and "lapack-f64" (lib/linalg through LAPACKE/CBLAS; HOOI's contractions on
// wasm with the native kernels).
// TN_BENCH_CASE=<substring> runs only the matching cases. The multi-second cases run once.
import * as tf from "@tensorflow/tfjs";
import { time, type BenchOptions, type BenchRow } from "./harness";
import { use } from "../lib/backend";
import { addon, setNativeEnabled } from "../lib/native";
import { rng } from "../lib/random";
import type { NDArray } from "../lib/linalg/ndarray";
import { gemmABt } from "../lib/linalg/matmul";
import { svdRandomized, svdTruncated } from "../lib/linalg/svd";
import { cpAls } from "../lib/decomp/cp";
import { evbmf } from "../lib/decomp/evbmf";
import { tucker } from "../lib/decomp/tucker";
import { ttSvd } from "../lib/decomp/tt";
import { ttMatrix } from "../lib/decomp/tt-matrix";

function uniform(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  const n = shape.reduce((p, v) => p * v, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = r.next();
  return { shape, data };
}

function gaussian(shape: number[], seed: number): NDArray {
  const r = rng(seed);
  const n = shape.reduce((p, v) => p * v, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = r.normal();
  return { shape, data };
}

/** ||A − U diag(s) Vᵀ||_F / ||A||_F for an n × n matrix and rank-k factors (U n×k, V n×k). */
function lowRankError(A: NDArray, u: Float64Array, s: Float64Array, v: Float64Array, k: number): number {
  const n = A.shape[0];
  const us = Float64Array.from(u);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) us[i * k + j] *= s[j];
  const rec = gemmABt(us, v, n, k, n);
  let num = 0;
  let den = 0;
  for (let i = 0; i < rec.length; i++) {
    num += (A.data[i] - rec[i]) ** 2;
    den += A.data[i] ** 2;
  }
  return Math.sqrt(num / den);
}

interface Case {
  name: string;
  reps: number;
  /** Untimed runs first (0 for the multi-second cases, whose JIT warm-up is negligible). */
  warmup?: number;
  /** Also uses the active TensorFlow.js backend. */
  onBackend?: boolean;
  /** Runs the decomposition once; returns metrics of that run (relError, rank, ...). */
  run: () => Record<string, number>;
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const q = opts.quick;
  const cpN = q ? 30 : 100;
  const cpRank = q ? 5 : 10;
  const cpIter = q ? 20 : 100;
  const tk = q ? 32 : 256;
  const tkR = q ? 8 : 64;
  const ttShape = q ? [4, 8, 8, 8, 4] : [8, 16, 16, 16, 8];
  const [tmIn, tmOut] = q ? [[4, 8, 8], [4, 4, 6]] : [[8, 16, 8, 8], [4, 8, 8, 6]];
  const [evL, evM] = q ? [64, 576] : [512, 4608];
  const svdN = q ? 128 : 1024;
  const svdR = q ? 16 : 64;
  const reps = (full: number) => (q ? 1 : full);

  const cpX = uniform([cpN, cpN, cpN], 1);
  const tkX = gaussian([tk, tk, 3, 3], 2);
  const ttX = uniform(ttShape, 3);
  const tmW = gaussian([tmIn.reduce((p, v) => p * v, 1), tmOut.reduce((p, v) => p * v, 1)], 4);
  const evY = gaussian([evL, evM], 5);
  const svdA = gaussian([svdN, svdN], 6);

  const cases: Case[] = [
    {
      name: `CP-ALS ${cpN}x${cpN}x${cpN} rank ${cpRank}, ${cpIter} iter`,
      reps: reps(3),
      run: () => {
        const cp = cpAls(cpX, cpRank, { maxIter: cpIter, tol: 0, init: "random", seed: 0 });
        return { relError: cp.error };
      },
    },
    {
      name: `Tucker HOOI ${tk}x${tk}x3x3 -> [${tkR}, ${tkR}, 3, 3]`,
      reps: 1,
      warmup: 0,
      onBackend: true,
      run: () => ({ relError: tucker(tkX, [tkR, tkR, 3, 3]).relError(tkX) }),
    },
    ...[4, 8].map((r) => ({
      name: `TT-SVD ${ttShape.join("x")} ranks ${r}`,
      reps: reps(5),
      run: () => ({ relError: ttSvd(ttX, { ranks: r }).relError(ttX) }),
    })),
    {
      name: `TT-matrix ${tmW.shape[0]}x${tmW.shape[1]} ([${tmIn}] x [${tmOut}]) ranks 16`,
      reps: 1,
      warmup: 0,
      run: () => ({ relError: ttMatrix(tmW, tmIn, tmOut, { ranks: 16 }).relError(tmW) }),
    },
    {
      name: `EVBMF ${evL}x${evM}`,
      reps: reps(3),
      run: () => {
        const e = evbmf(evY);
        return { rank: e.rank, sigma2: e.sigma2 };
      },
    },
    ...(["exact", "randomized"] as const).map((kind) => ({
      name: `${kind === "exact" ? "truncated" : "randomized"} SVD ${svdN}x${svdN} rank ${svdR}`,
      reps: kind === "exact" ? 1 : reps(3),
      warmup: kind === "exact" ? 0 : undefined,
      run: () => {
        const { u, s, v } = kind === "exact" ? svdTruncated(svdA, svdR) : svdRandomized(svdA, svdR, { seed: 0 });
        return { relError: lowRankError(svdA, u.data, s, v.data, svdR) };
      },
    })),
  ];

  // The default backend (TN_BACKEND, else auto), not the last one an earlier suite switched to.
  await use(process.env.TN_BACKEND ?? "auto");
  const modes = addon() ? [false, true] : [false];
  let native = false;
  const label = (c: Case) => {
    const base = native ? "lapack-f64" : "js-f64";
    return c.onBackend ? `${base}+${tf.getBackend()}${native && tf.getBackend() === "wasm" ? "+native" : ""}` : base;
  };
  const rows: BenchRow[] = [];
  const only = process.env.TN_BENCH_CASE;
  for (const [c, mode] of cases.flatMap((c) => modes.map((m) => [c, m] as const))) {
    if (only && !c.name.includes(only)) continue;
    native = mode;
    setNativeEnabled(mode);
    let metrics: Record<string, number> = {};
    try {
      const t = await time(() => (metrics = c.run()), c.reps, q ? 0 : (c.warmup ?? 1));
      rows.push({
        suite: "decomp",
        case: c.name,
        backend: label(c),
        medianMs: t.medianMs,
        reps: t.reps,
        ...metrics,
      });
    } catch (e) {
      // A decomposition that throws is reported, not allowed to hide the other rows.
      rows.push({ suite: "decomp", case: c.name, backend: label(c), medianMs: NaN, reps: 0, note: `failed: ${(e as Error).message}` });
    }
  }
  setNativeEnabled(true);
  return rows;
}
