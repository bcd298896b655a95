import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { ImageSet } from "../../lib/data";
import { rng } from "../../lib/random";
import { backendUnderTest } from "../backends";

function makeSet(n = 23, h = 6, w = 5, c = 3, seed = 1): ImageSet {
  const r = rng(seed);
  const images = Uint8Array.from({ length: n * h * w * c }, () => r.int(256));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return new ImageSet({ name: "t", images, labels, shape: [n, h, w, c], classes: "0123456789".split("") });
}

test("batches: shapes, remainder, one-hot labels, tensors released by forEachBatch", async () => {
  await use(backendUnderTest("cpu"));
  const s = makeSet();
  const sizes: number[] = [];
  for (const b of s.batches(10)) {
    sizes.push(b.size);
    assert.deepEqual(b.x.shape, [b.size, 6, 5, 3]);
    assert.deepEqual(b.y.shape, [b.size, 10]);
    assert.deepEqual(Array.from(b.y.argMax(-1).dataSync()), Array.from(s.labels.subarray(b.index * 10, b.index * 10 + b.size)));
    tf.dispose([b.x, b.y]);
  }
  assert.deepEqual(sizes, [10, 10, 3]);
  assert.equal(Array.from(s.batches(10, { drop_remainder: true })).map((b) => (tf.dispose([b.x, b.y]), b.size)).length, 2);
  const before = tf.memory().numTensors;
  let count = 0;
  await s.forEachBatch(4, { shuffle: true, seed: 3, labels: "index" }, (b) => {
    assert.equal(b.y.dtype, "int32");
    count += b.size;
  });
  assert.equal(count, 23);
  assert.equal(tf.memory().numTensors, before);
});

test("seeded shuffling: the same seed gives the same order, another seed another, every image once", async () => {
  await use(backendUnderTest("cpu"));
  const s = makeSet(50);
  const order = (seed: number) => {
    const out: number[] = [];
    for (const b of s.batches(50, { shuffle: true, seed, normalize: "none" })) {
      const x = b.x.dataSync();
      const per = 6 * 5 * 3;
      for (let j = 0; j < b.size; j++) {
        // identify each image by its first 8 values
        const key = Array.from(x.subarray(j * per, j * per + 8)).join(",");
        out.push([...Array(50).keys()].find((i) => Array.from(s.images.subarray(i * per, i * per + 8)).join(",") === key)!);
      }
      tf.dispose([b.x, b.y]);
    }
    return out;
  };
  const a = order(7);
  assert.deepEqual(order(7), a);
  assert.notDeepEqual(order(8), a);
  assert.deepEqual([...a].sort((p, q) => p - q), [...Array(50).keys()]);
});

test("normalisation: scale to [0, 1]; per-channel and per-pixel standardisation give mean 0, std 1 on the training set", async () => {
  await use(backendUnderTest("cpu"));
  const s = makeSet(40);
  const x = s.toTensor("scale");
  assert.ok(x.min().dataSync()[0] >= 0 && x.max().dataSync()[0] <= 1);
  assert.ok(Math.abs(x.dataSync()[5] - s.images[5] / 255) < 1e-7);
  x.dispose();
  for (const kind of ["channel", "pixel"] as const) {
    const st = s.standardization(kind);
    assert.equal(st.mean.length, kind === "channel" ? 3 : 90);
    const z = s.toTensor(st);
    const axes = kind === "channel" ? [0, 1, 2] : [0];
    const { mean, variance } = tf.moments(z, axes);
    for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-4, `${kind} mean ${m}`);
    for (const v of variance.dataSync()) assert.ok(Math.abs(v - 1) < 1e-3, `${kind} variance ${v}`);
    tf.dispose([z, mean, variance]);
  }
  assert.throws(() => Array.from(s.batches(5, { normalize: { kind: "channel", mean: new Float32Array(2), std: new Float32Array(2) } })), /normalize = .*expected 3 means/);
});

test("augmentation: pad-and-crop shifts with zero fill, flip mirrors, contrast keeps each channel's mean; all seeded", async () => {
  await use(backendUnderTest("cpu"));
  const h = 8;
  const w = 8;
  const images = Uint8Array.from({ length: h * w }, (_, k) => 1 + k); // one grey image, all pixels non-zero
  const s = new ImageSet({ name: "one", images, labels: new Uint8Array([3]), shape: [1, h, w, 1], classes: "0123456789".split("") });
  const get = (augment: object, seed: number) => {
    const b = s.batches(1, { normalize: "none", augment, seed }).next().value!;
    const v = Float32Array.from(b.x.dataSync());
    tf.dispose([b.x, b.y]);
    return v;
  };
  let sawShift = false;
  for (let seed = 0; seed < 20; seed++) {
    const v = get({ padCrop: 2 }, seed);
    // Find the shift (dy, dx) in [-2, 2]^2 that explains the output exactly.
    let found = false;
    for (let dy = -2; dy <= 2 && !found; dy++) {
      for (let dx = -2; dx <= 2 && !found; dx++) {
        let ok = true;
        for (let y = 0; y < h && ok; y++) {
          for (let x = 0; x < w && ok; x++) {
            const sy = y + dy;
            const sx = x + dx;
            const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? images[sy * w + sx] : 0;
            ok = v[y * w + x] === want;
          }
        }
        if (ok) {
          found = true;
          if (dy !== 0 || dx !== 0) sawShift = true;
        }
      }
    }
    assert.ok(found, `seed ${seed}: output is a shifted, zero-filled crop`);
    assert.deepEqual(get({ padCrop: 2 }, seed), v, "same seed, same crop");
  }
  assert.ok(sawShift);
  const flips = new Set<string>();
  for (let seed = 0; seed < 10; seed++) {
    const v = get({ flip: true }, seed);
    const mirrored = Array.from(v).every((val, k) => val === images[Math.floor(k / w) * w + (w - 1 - (k % w))]);
    const same = Array.from(v).every((val, k) => val === images[k]);
    assert.ok(mirrored || same);
    flips.add(mirrored ? "m" : "s");
  }
  assert.equal(flips.size, 2, "both flipped and unflipped images occur");
  const v = get({ contrast: [0.5, 0.5] }, 0);
  const mean = images.reduce((a, b) => a + b, 0) / images.length;
  assert.ok(Math.abs(v.reduce((a, b) => a + b, 0) / v.length - mean) < 1e-4);
  assert.ok(Math.abs(v[0] - ((images[0] - mean) * 0.5 + mean)) < 1e-4);
  assert.throws(() => get({ padCrop: 9 }, 0), /augment.padCrop = 9/);
});

test("subset and split: sizes, seeded, disjoint, every image kept", () => {
  const s = makeSet(30);
  const a = s.subset(10, 4);
  assert.equal(a.size, 10);
  assert.deepEqual(s.subset(10, 4).images, a.images);
  assert.notDeepEqual(s.subset(10, 5).images, a.images);
  const { train, validation } = s.split(0.2, 1);
  assert.equal(validation.size, 6);
  assert.equal(train.size, 24);
  const per = 90;
  const keys = (x: ImageSet) => Array.from({ length: x.size }, (_, i) => Array.from(x.images.subarray(i * per, i * per + 12)).join(","));
  const all = new Set([...keys(train), ...keys(validation)]);
  assert.equal(all.size, 30);
  assert.throws(() => s.subset(31), /n = 31: expected an integer in 0..30/);
});
