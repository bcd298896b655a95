// Shared helpers of the compression tests.
import type * as tf from "@tensorflow/tfjs";

/** Largest |D[a,c]·D[b,d] − D[a,d]·D[b,c]| over the 2x2 minors of each [kh, kw] slice, relative to ||D_r||²: 0 iff rank ≤ 1. */
export function worstRank1Defect(depthwise: tf.Tensor): number {
  const [kh, kw, R] = depthwise.shape;
  const d = depthwise.dataSync();
  const at = (h: number, w: number, r: number) => d[(h * kw + w) * R + r];
  let worst = 0;
  for (let r = 0; r < R; r++) {
    let n2 = 0;
    for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) n2 += at(h, w, r) ** 2;
    for (let a = 0; a < kh; a++)
      for (let b = a + 1; b < kh; b++)
        for (let c = 0; c < kw; c++)
          for (let e = c + 1; e < kw; e++) worst = Math.max(worst, Math.abs(at(a, c, r) * at(b, e, r) - at(a, e, r) * at(b, c, r)) / Math.max(n2, 1e-30));
  }
  return worst;
}
