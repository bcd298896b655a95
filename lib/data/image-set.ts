// A split of an image dataset held as bytes (NHWC) with byte labels; tensors are made per batch.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { permutation, rng, type Rng } from "../random";
import { checkAugment, normPlan, writeImage, type Augment, type Normalize, type Standardization } from "./transform";

export interface BatchOptions {
  /** Shuffle the order (seeded). Default false. */
  shuffle?: boolean;
  /** Seed of the order and of the augmentation draws. Default 0. */
  seed?: number;
  /** Leave out the last, smaller batch. Default false. */
  dropRemainder?: boolean;
  /** Alias of dropRemainder. */
  drop_remainder?: boolean;
  /** Pixel normalisation, default "scale" (to [0, 1]). */
  normalize?: Normalize;
  augment?: Augment;
  /** "onehot" (float [B, classes], default) or "index" (int32 [B]). */
  labels?: "onehot" | "index";
}

export interface Batch {
  /** Images [B, H, W, C], float32. */
  x: tf.Tensor4D;
  /** One-hot labels [B, classes] (or int32 [B] with labels: "index"). */
  y: tf.Tensor;
  /** Number of images in this batch. */
  size: number;
  /** 0-based batch number within the pass. */
  index: number;
}

export interface ImageSetInit {
  name: string;
  images: Uint8Array;
  labels: Uint8Array;
  shape: [number, number, number, number];
  classes: string[];
}

export class ImageSet {
  readonly name: string;
  /** Pixel bytes, NHWC. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  /** [N, H, W, C]. */
  readonly shape: [number, number, number, number];
  readonly classes: string[];

  constructor(init: ImageSetInit) {
    const [n, h, w, c] = init.shape;
    if (init.images.length !== n * h * w * c) fail("images", `${init.images.length} bytes`, `${n}x${h}x${w}x${c} = ${n * h * w * c} bytes`);
    if (init.labels.length !== n) fail("labels", `${init.labels.length} labels`, `${n} labels, one per image`);
    this.name = init.name;
    this.images = init.images;
    this.labels = init.labels;
    this.shape = init.shape;
    this.classes = init.classes;
  }

  get size(): number {
    return this.shape[0];
  }

  /** [H, W, C] of one image. */
  get imageShape(): [number, number, number] {
    return [this.shape[1], this.shape[2], this.shape[3]];
  }

  /** The byte at image i, row y, column x, channel c. */
  pixel(i: number, y: number, x: number, c = 0): number {
    const [, h, w, ch] = this.shape;
    return this.images[((i * h + y) * w + x) * ch + c];
  }

  /** A new set with the images at `indices`, in that order (copied). */
  select(indices: ArrayLike<number>, name = this.name): ImageSet {
    const per = this.shape[1] * this.shape[2] * this.shape[3];
    const images = new Uint8Array(indices.length * per);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!(Number.isInteger(i) && i >= 0 && i < this.size)) fail("indices", i, `integers in 0..${this.size - 1}`);
      images.set(this.images.subarray(i * per, (i + 1) * per), k * per);
      labels[k] = this.labels[i];
    }
    return new ImageSet({ name, images, labels, shape: [indices.length, this.shape[1], this.shape[2], this.shape[3]], classes: this.classes });
  }

  /** `n` images drawn without replacement with `seed`, kept in their original order. */
  subset(n: number, seed = 0): ImageSet {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.size)) fail("n", n, `an integer in 0..${this.size}`);
    const idx = Array.from(permutation(this.size, seed).subarray(0, n)).sort((a, b) => a - b);
    return this.select(idx, `${this.name}[subset ${n}, seed ${seed}]`);
  }

  /** The images in a seeded random order. */
  shuffle(seed: number): ImageSet {
    return this.select(permutation(this.size, seed), `${this.name}[shuffled ${seed}]`);
  }

  /** A seeded held-out split: `held` images (a count, or a fraction < 1) for validation, the rest for training. */
  split(held: number, seed = 0): { train: ImageSet; validation: ImageSet } {
    const k = held > 0 && held < 1 ? Math.round(held * this.size) : held;
    if (!(Number.isInteger(k) && k > 0 && k < this.size)) fail("held", held, `a count in 1..${this.size - 1} or a fraction in (0, 1)`);
    const p = permutation(this.size, seed);
    const v = Array.from(p.subarray(0, k)).sort((a, b) => a - b);
    const t = Array.from(p.subarray(k)).sort((a, b) => a - b);
    return { train: this.select(t, `${this.name}[train part]`), validation: this.select(v, `${this.name}[validation ${k}]`) };
  }

  /** Images per class. */
  classCounts(): number[] {
    const counts = new Array<number>(this.classes.length).fill(0);
    for (const l of this.labels) counts[l]++;
    return counts;
  }

  /** Number of batches one pass yields. */
  numBatches(batchSize: number, dropRemainder = false): number {
    return dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /** Mean and standard deviation in [0, 1] units per channel or per pixel, for `normalize`. */
  standardization(kind: "channel" | "pixel"): Standardization {
    const [n, h, w, c] = this.shape;
    const len = kind === "channel" ? c : h * w * c;
    const per = h * w * c;
    const s = new Float64Array(len);
    const s2 = new Float64Array(len);
    for (let i = 0; i < n; i++) {
      const o = i * per;
      for (let k = 0; k < per; k++) {
        const v = this.images[o + k];
        const j = kind === "channel" ? k % c : k;
        s[j] += v;
        s2[j] += v * v;
      }
    }
    const count = kind === "channel" ? n * h * w : n;
    const mean = new Float32Array(len);
    const std = new Float32Array(len);
    for (let j = 0; j < len; j++) {
      const m = s[j] / count;
      const varc = Math.max(0, s2[j] / count - m * m);
      mean[j] = m / 255;
      // A constant pixel (e.g. MNIST borders) would divide by zero; 1/255 keeps it finite.
      std[j] = Math.max(Math.sqrt(varc), 1) / 255;
    }
    return { kind, mean, std };
  }

  /**
   * Yields batches {x, y} as tensors made from the byte store; the caller disposes them (or use
   * forEachBatch). Shuffling and augmentation draw from one stream seeded by `seed`.
   */
  *batches(batchSize: number, opts: BatchOptions = {}): Generator<Batch> {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) fail("batchSize", batchSize, "a positive integer");
    const [n, h, w, c] = this.shape;
    const per = h * w * c;
    const plan = normPlan(opts.normalize ?? "scale", h, w, c);
    checkAugment(opts.augment, h, w);
    const r: Rng = rng(opts.seed ?? 0);
    const order = opts.shuffle ? permutation(n, r.int(0x7fffffff)) : undefined;
    const drop = opts.dropRemainder ?? opts.drop_remainder ?? false;
    const nb = this.numBatches(batchSize, drop);
    const k = this.classes.length;
    const tmp = new Float32Array(per);
    for (let b = 0; b < nb; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      const xs = new Float32Array(size * per);
      for (let j = 0; j < size; j++) {
        const i = order ? order[start + j] : start + j;
        writeImage(this.images, i * per, h, w, c, xs, j * per, plan, opts.augment, r, tmp);
      }
      let y: tf.Tensor;
      if (opts.labels === "index") {
        const ys = new Int32Array(size);
        for (let j = 0; j < size; j++) ys[j] = this.labels[order ? order[start + j] : start + j];
        y = tf.tensor1d(ys, "int32");
      } else {
        const ys = new Float32Array(size * k);
        for (let j = 0; j < size; j++) ys[j * k + this.labels[order ? order[start + j] : start + j]] = 1;
        y = tf.tensor2d(ys, [size, k]);
      }
      yield { x: tf.tensor4d(xs, [size, h, w, c]), y, size, index: b };
    }
  }

  /** Runs `fn` on every batch and disposes the batch's tensors after it (also when it throws). */
  async forEachBatch(batchSize: number, opts: BatchOptions, fn: (b: Batch) => void | Promise<void>): Promise<void> {
    for (const b of this.batches(batchSize, opts)) {
      try {
        await fn(b);
      } finally {
        tf.dispose([b.x, b.y]);
      }
    }
  }

  /** The whole set as one float tensor [N, H, W, C] (only when asked: large sets take much memory). */
  toTensor(normalize: Normalize = "scale"): tf.Tensor4D {
    const [n, h, w, c] = this.shape;
    const per = h * w * c;
    const plan = normPlan(normalize, h, w, c);
    const xs = new Float32Array(n * per);
    const tmp = new Float32Array(per);
    for (let i = 0; i < n; i++) writeImage(this.images, i * per, h, w, c, xs, i * per, plan, undefined, undefined, tmp);
    return tf.tensor4d(xs, [n, h, w, c]);
  }
}

/** Per-channel or per-pixel mean/std of a training set, for `normalize`. */
export function standardization(set: ImageSet, kind: "channel" | "pixel"): Standardization {
  return set.standardization(kind);
}
