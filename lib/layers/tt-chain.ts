// TT-matrix contractions with reshape / transpose / matMul only (no einsum: the wasm backend
// lacks it). Cores have TTMatrix's layout [r_{k-1}, m_k, n_k, r_k]; multi-indices are row-major
// (the first mode varies slowest), so W[(i_1..i_d), (j_1..j_d)] = G_1[:, i_1, j_1, :] ··· G_d[:, i_d, j_d, :].
import * as tf from "@tensorflow/tfjs";
import { prod } from "./common";

/**
 * x laid out as [cols, m_2, ..., m_d, r_0, m_1] (row-major) → [cols, N].
 * Before core k the layout is [cols, n_1..n_{k-1}, m_{k+1}..m_d, r_{k-1}, m_k], so each core is one
 * tall-skinny product [·, r_{k-1} m_k] @ [r_{k-1} m_k, n_k r_k] (the GEMM shape BLAS-like kernels
 * run fastest, with the core in its stored layout) followed by one transpose that brings m_{k+1}
 * to the end: [A, m_{k+1}, M', n_k, r_k] → [A, n_k, M', r_k, m_{k+1}].
 */
export function ttApply(x: tf.Tensor, cores: tf.Tensor[], inModes: number[], outModes: number[], ranks: number[]): tf.Tensor2D {
  const d = cores.length;
  let z: tf.Tensor = x;
  for (let k = 0; k < d; k++) {
    const rows = ranks[k] * inModes[k];
    const g = tf.reshape(cores[k], [rows, outModes[k] * ranks[k + 1]]) as tf.Tensor2D;
    z = tf.matMul(tf.reshape(z, [-1, rows]) as tf.Tensor2D, g);
    if (k < d - 1) {
      const rest = prod(inModes.slice(k + 2));
      z = tf.transpose(tf.reshape(z, [-1, inModes[k + 1], rest, outModes[k], ranks[k + 1]]), [0, 3, 2, 4, 1]);
    }
  }
  return tf.reshape(z, [-1, prod(outModes)]) as tf.Tensor2D;
}

/**
 * Multiply-adds of ttApply per column: core k costs
 * r_{k-1} m_k n_k r_k · (∏_{l>k} m_l)(∏_{l<k} n_l).
 */
export function ttApplyMacs(inModes: number[], outModes: number[], ranks: number[]): number {
  let total = 0;
  for (let k = 0; k < inModes.length; k++) {
    total += ranks[k] * inModes[k] * outModes[k] * ranks[k + 1] * prod(inModes.slice(k + 1)) * prod(outModes.slice(0, k));
  }
  return total;
}

/** The represented matrix as [r_0, M, N] (r_0 = 1 for a TT-matrix). */
export function ttRebuild(cores: tf.Tensor[], inModes: number[], outModes: number[], ranks: number[]): tf.Tensor3D {
  // W grows as [r_0, M_k, N_k, r_k], each core's (m_k, n_k) moved into place by a 4-D transpose:
  // one transpose of all 2d modes at the end costs ~10x more on wasm, whose transposes of rank > 5
  // take a generic per-element path.
  let w: tf.Tensor = cores[0];
  let M = inModes[0];
  let N = outModes[0];
  for (let k = 1; k < cores.length; k++) {
    const y = tf.matMul(tf.reshape(w, [-1, ranks[k]]) as tf.Tensor2D, tf.reshape(cores[k], [ranks[k], -1]) as tf.Tensor2D);
    // y is [r_0 M, N, m_k, n_k r_{k+1}] → [r_0 M, m_k, N, n_k r_{k+1}].
    w = tf.transpose(tf.reshape(y, [ranks[0] * M, N, inModes[k], outModes[k] * ranks[k + 1]]), [0, 2, 1, 3]);
    M *= inModes[k];
    N *= outModes[k];
  }
  return tf.reshape(w, [ranks[0], M, N]) as tf.Tensor3D;
}

/** Multiply-adds of ttRebuild: Σ_{k≥2} r_0 (∏_{l<k} m_l n_l) · r_{k-1} m_k n_k r_k. */
export function ttRebuildMacs(inModes: number[], outModes: number[], ranks: number[]): number {
  let total = 0;
  for (let k = 1; k < inModes.length; k++) {
    total += ranks[0] * prod(inModes.slice(0, k)) * prod(outModes.slice(0, k)) * ranks[k] * inModes[k] * outModes[k] * ranks[k + 1];
  }
  return total;
}

export function ttCoreParams(inModes: number[], outModes: number[], ranks: number[]): number {
  let n = 0;
  for (let k = 0; k < inModes.length; k++) n += ranks[k] * inModes[k] * outModes[k] * ranks[k + 1];
  return n;
}

/**
 * y = x·W for x [B, ∏inModes] (rows in their natural layout) without transposes: before core k
 * the intermediate is z_k = [P, r_{k-1} m_k, Q] (P = B·∏_{l<k} n_l, Q = ∏_{l>k} m_l), and
 * z_{k+1}[p] = G_kᵀ·z_k[p] is one batched product with the core broadcast over P, whose result
 * already has z_{k+1}'s layout; a core with Q = 1 is one plain product. The gradient is written
 * out (tfjs-core's BatchMatMul gradient does not reduce a broadcast operand): per core one
 * batched product and a sum over P for the core, one broadcast product for z_k. Against
 * ttApply: no 5-D transposes forward or backward, about half the kernels, the same products.
 */
export function ttApplyRows(x: tf.Tensor2D, cores: tf.Tensor[], inModes: number[], outModes: number[], ranks: number[]): tf.Tensor2D {
  const d = cores.length;
  const B = x.shape[0];
  const dims = cores.map((_, k) => {
    const A = ranks[k] * inModes[k];
    const C = outModes[k] * ranks[k + 1];
    const Q = prod(inModes.slice(k + 1));
    return { A, C, Q, P: B * prod(outModes.slice(0, k)) };
  });
  const step = (z: tf.Tensor, g: tf.Tensor, k: number): tf.Tensor => {
    const { A, C, Q, P } = dims[k];
    if (Q === 1) return tf.matMul(tf.reshape(z, [P, A]) as tf.Tensor2D, tf.reshape(g, [A, C]) as tf.Tensor2D);
    return tf.matMul(tf.reshape(g, [1, A, C]) as tf.Tensor3D, tf.reshape(z, [P, A, Q]) as tf.Tensor3D, true, false);
  };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x0, ...gs] = args as tf.Tensor[];
    const zs: tf.Tensor[] = [x0];
    for (let k = 0; k < d - 1; k++) zs.push(step(zs[k], gs[k], k));
    const y = tf.reshape(step(zs[d - 1], gs[d - 1], d - 1), [B, prod(outModes)]);
    save([...gs, ...zs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const g = saved.slice(0, d);
      const z = saved.slice(d);
      const dg: tf.Tensor[] = new Array(d);
      let dout = dy;
      for (let k = d - 1; k >= 0; k--) {
        const { A, C, Q, P } = dims[k];
        if (Q === 1) {
          const z2 = tf.reshape(z[k], [P, A]) as tf.Tensor2D;
          const d2 = tf.reshape(dout, [P, C]) as tf.Tensor2D;
          dg[k] = tf.reshape(tf.matMul(z2, d2, true, false), g[k].shape);
          dout = tf.matMul(d2, tf.reshape(g[k], [A, C]) as tf.Tensor2D, false, true);
        } else {
          const z3 = tf.reshape(z[k], [P, A, Q]) as tf.Tensor3D;
          const d3 = tf.reshape(dout, [P, C, Q]) as tf.Tensor3D;
          dg[k] = tf.reshape(tf.sum(tf.matMul(z3, d3, false, true), 0), g[k].shape);
          dout = tf.matMul(tf.reshape(g[k], [1, A, C]) as tf.Tensor3D, d3);
        }
      }
      return [tf.reshape(dout, x0.shape), ...dg];
    };
    return { value: y, gradFunc };
  });
  return f(x, ...cores) as tf.Tensor2D;
}
