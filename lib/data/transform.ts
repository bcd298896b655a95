// Normalisation and augmentation, applied per batch on the byte store with typed-array loops
// (one pass per image, no per-pixel tensor ops).
import { fail } from "../errors";
import type { Rng } from "../random";

/**
 * How pixel bytes become floats:
 * - "none": the raw values 0..255;
 * - "scale": divided by 255, so in [0, 1];
 * - a Standardization: (v/255 - mean) / std, mean and std in [0, 1] units, per channel (length C)
 *   or per pixel (length H*W*C). Build one from a training set with `standardization(train, "channel" | "pixel")`.
 */
export type Normalize = "none" | "scale" | Standardization;

export interface Standardization {
  kind: "channel" | "pixel";
  mean: Float32Array;
  std: Float32Array;
}

/** Augmentations of the papers' CIFAR-10 recipes, drawn from the batch's seeded stream. */
export interface Augment {
  /** Zero-pad this many pixels on each side, then crop a random window of the original size (the papers: 4). */
  padCrop?: number;
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
  /** Random contrast, factor uniform in [lo, hi] (TF's random_contrast; tt-conv uses [0.75, 1.25]). */
  contrast?: [number, number];
}

/** Per-element offset and scale in raw byte units: out = (v - shift[k]) * scale[k], k over H*W*C. */
export interface NormPlan {
  shift: Float32Array;
  scale: Float32Array;
}

export function normPlan(normalize: Normalize, h: number, w: number, c: number): NormPlan {
  const n = h * w * c;
  const shift = new Float32Array(n);
  const scale = new Float32Array(n);
  if (normalize === "none") scale.fill(1);
  else if (normalize === "scale") scale.fill(1 / 255);
  else if (normalize && typeof normalize === "object" && (normalize.kind === "channel" || normalize.kind === "pixel")) {
    const len = normalize.kind === "channel" ? c : n;
    if (normalize.mean.length !== len || normalize.std.length !== len) {
      fail("normalize", `{kind: "${normalize.kind}", mean: ${normalize.mean.length} values, std: ${normalize.std.length} values}`, `${len} means and ${len} stds for ${h}x${w}x${c} images`);
    }
    for (let k = 0; k < n; k++) {
      const j = normalize.kind === "channel" ? k % c : k;
      const s = normalize.std[j];
      if (!(s > 0)) fail("normalize.std", Array.from(normalize.std), "positive standard deviations");
      shift[k] = 255 * normalize.mean[j];
      scale[k] = 1 / (255 * s);
    }
  } else {
    fail("normalize", normalize, `"none", "scale", or a standardization {kind: "channel" | "pixel", mean, std}`);
  }
  return { shift, scale };
}

export function checkAugment(a: Augment | undefined, h: number, w: number): void {
  if (!a) return;
  if (a.padCrop !== undefined && !(Number.isInteger(a.padCrop) && a.padCrop >= 0 && a.padCrop < Math.min(h, w))) {
    fail("augment.padCrop", a.padCrop, `an integer number of pixels in 0..${Math.min(h, w) - 1}`);
  }
  if (a.contrast !== undefined) {
    const c = a.contrast;
    if (!Array.isArray(c) || c.length !== 2 || !(c[0] > 0) || !(c[1] >= c[0])) fail("augment.contrast", c, "[lo, hi] with 0 < lo <= hi");
  }
}

/**
 * Writes image `src` (HWC bytes at `srcOff`) into `out` at `dstOff` as floats, augmented then
 * normalised. `tmp` is scratch of length H*W*C.
 */
export function writeImage(
  src: Uint8Array,
  srcOff: number,
  h: number,
  w: number,
  c: number,
  out: Float32Array,
  dstOff: number,
  plan: NormPlan,
  aug: Augment | undefined,
  r: Rng | undefined,
  tmp: Float32Array,
): void {
  const n = h * w * c;
  const { shift, scale } = plan;
  if (!aug || (!aug.padCrop && !aug.flip && !aug.contrast)) {
    for (let k = 0; k < n; k++) out[dstOff + k] = (src[srcOff + k] - shift[k]) * scale[k];
    return;
  }
  if (!r) throw new Error("augmentation needs a random stream");
  const p = aug.padCrop ?? 0;
  const oy = p ? r.int(2 * p + 1) - p : 0;
  const ox = p ? r.int(2 * p + 1) - p : 0;
  const flip = aug.flip ? r.next() < 0.5 : false;
  const factor = aug.contrast ? aug.contrast[0] + (aug.contrast[1] - aug.contrast[0]) * r.next() : 1;
  for (let y = 0; y < h; y++) {
    const sy = y + oy;
    const rowIn = sy >= 0 && sy < h;
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + ox;
      const d = (y * w + x) * c;
      if (rowIn && sx >= 0 && sx < w) {
        const s = srcOff + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) tmp[d + ch] = src[s + ch];
      } else {
        for (let ch = 0; ch < c; ch++) tmp[d + ch] = 0;
      }
    }
  }
  if (factor !== 1) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let k = ch; k < n; k += c) sum += tmp[k];
      const mean = sum / (h * w);
      for (let k = ch; k < n; k += c) tmp[k] = (tmp[k] - mean) * factor + mean;
    }
  }
  for (let k = 0; k < n; k++) out[dstOff + k] = (tmp[k] - shift[k]) * scale[k];
}
