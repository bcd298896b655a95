import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tar from "tar";
import { cifar10, DataError } from "../../lib/data";
import { cifarRecord, tempDir, writeCifarSet } from "./fixtures";

test("CIFAR-10 fixture folder: counts, CHW records become HWC, class names from batches.meta.txt", () => {
  const dir = writeCifarSet(tempDir(), 2);
  const d = cifar10({ dir });
  assert.deepEqual(d.train.shape, [10, 32, 32, 3]);
  assert.equal(d.test.size, 2);
  // train image 3 = record 1 of data_batch_2 = global record 3; channel c at pixel p is (3 + 5c + p) % 256.
  for (const [y, x, c] of [[0, 0, 0], [1, 2, 1], [31, 31, 2]]) {
    assert.equal(d.train.pixel(3, y, x, c), (3 + 5 * c + y * 32 + x) % 256);
  }
  assert.deepEqual(Array.from(d.test.labels), [10 % 10, 11 % 10]);
  assert.equal(d.classes[1], "car");
  // The data root is searched for cifar-10-batches-bin/ too.
  assert.equal(cifar10({ dir: join(dir, "..") }).train.size, 10);
});

test("the official .tar.gz archive loads the same data without unpacking", async () => {
  const root = tempDir();
  const dir = writeCifarSet(root, 2);
  const archive = join(root, "cifar-10-binary.tar.gz");
  await tar.c({ gzip: true, file: archive, cwd: root }, ["cifar-10-batches-bin"]);
  const a = cifar10({ dir: archive });
  const f = cifar10({ dir });
  assert.deepEqual(a.train.images, f.train.images);
  assert.deepEqual(a.test.labels, f.test.labels);
});

function throwsData(fn: () => unknown, file: string, words: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(err.message.includes(file));
    assert.match(err.message, words);
    assert.match(err.message, /npx tnlab data fetch cifar10/);
    assert.match(err.message, /TN_DATA_DIR/);
    assert.match(err.message, /cs\.toronto\.edu/);
    return true;
  });
}

test("CIFAR errors name the file: missing folder, missing batch, wrong record size, bad label, damaged archive", () => {
  const nope = join(tempDir(), "missing");
  throwsData(() => cifar10({ dir: nope }), nope, /does not exist/);

  const dir = writeCifarSet(tempDir(), 2);
  const b3 = join(dir, "data_batch_3.bin");
  const good = readFileSync(b3);
  writeFileSync(b3, good.subarray(0, good.length - 1));
  throwsData(() => cifar10({ dir }), b3, /not a whole number of 3073-byte records/);
  writeFileSync(b3, Buffer.alloc(3072 * 2)); // records without label bytes
  throwsData(() => cifar10({ dir }), b3, /3073-byte records/);
  writeFileSync(b3, cifarRecord(0, 12));
  throwsData(() => cifar10({ dir }), b3, /label 12/);

  const dir2 = writeCifarSet(tempDir(), 1);
  const test = join(dir2, "test_batch.bin");
  require("node:fs").rmSync(test);
  throwsData(() => cifar10({ dir: dir2 }), test, /is missing/);

  const arch = join(tempDir(), "cifar-10-binary.tar.gz");
  writeFileSync(arch, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  throwsData(() => cifar10({ dir: arch }), arch, /not a readable .tar.gz/);
});

test("real CIFAR-10 under TN_DATA_DIR: 50,000 / 10,000 images, 1,000 test images per class", (t) => {
  const root = process.env.TN_DATA_DIR;
  if (!root || !existsSync(join(root, "cifar-10-batches-bin"))) {
    t.skip("CIFAR-10 not present: set TN_DATA_DIR to a folder holding cifar-10-batches-bin/ to run this test");
    return;
  }
  const d = cifar10({ dir: root });
  assert.deepEqual(d.train.shape, [50000, 32, 32, 3]);
  assert.equal(d.test.size, 10000);
  assert.deepEqual(d.test.classCounts(), new Array(10).fill(1000));
  assert.deepEqual(d.train.classCounts(), new Array(10).fill(5000));
  assert.deepEqual(d.classes, ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < 3072 * 100; i++) {
    const v = d.test.images[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  assert.ok(lo <= 10 && hi >= 245, `pixel range of 100 test images ${lo}..${hi}`);
});
