// `checkDataset` holds each dataset to its exact counts and shapes, with errors naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkDataset } from "../../lib/data/check";
import { cifar10 } from "../../lib/data";
import { encodeIdx } from "../../lib/data/idx";
import * as tar from "tar";
import { tempDir, writeCifarSet, writeIdxSet } from "./fixtures";

const BATCH_BYTES = 10000 * 3073;

/** A full-size CIFAR-10 folder (six files of 10000 records; labels i % 10, zero pixels). */
function writeFullCifar(root: string): string {
  const dir = join(root, "cifar-10-batches-bin");
  mkdirSync(dir, { recursive: true });
  const batch = Buffer.alloc(BATCH_BYTES);
  for (let i = 0; i < 10000; i++) batch[i * 3073] = i % 10;
  for (const f of ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"]) {
    writeFileSync(join(dir, f), batch);
  }
  return dir;
}

test("CIFAR-10 check: the full size passes; a batch cut at a record boundary fails naming the file and the counts", { timeout: 120000 }, (t) => {
  const root = tempDir();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = writeFullCifar(root);
  const r = checkDataset("cifar10", { dir });
  assert.equal(r.train.images, 50000);
  assert.equal(r.test.images, 10000);
  assert.deepEqual(r.train.shape, [32, 32, 3]);

  // 40,010 training images: the fifth batch holds 10 whole records.
  const cut = join(dir, "data_batch_5.bin");
  truncateSync(cut, 10 * 3073);
  assert.throws(
    () => checkDataset("cifar10", { dir }),
    (e: Error) => e.message.startsWith(cut) && /10 records; expected 10000 records of 3073 bytes/.test(e.message),
  );
});

test("CIFAR-10: a batch file that is a folder is named, with what was expected, by both the check and the loader", () => {
  const dir = writeCifarSet(tempDir(), 2);
  const f = join(dir, "data_batch_2.bin");
  rmSync(f);
  mkdirSync(f);
  assert.throws(() => checkDataset("cifar10", { dir }), (e: Error) => e.message.startsWith(f) && /is a folder; expected the CIFAR-10 batch file/.test(e.message));
  assert.throws(() => cifar10({ dir }), (e: Error) => e.message.startsWith(f) && /is a folder; expected a CIFAR-10 batch file/.test(e.message));
});

test("CIFAR-10 check: tiny batch files are refused (the loader accepts them, the check does not)", () => {
  const dir = writeCifarSet(tempDir(), 2);
  assert.equal(cifar10({ dir }).train.size, 10);
  assert.throws(() => checkDataset("cifar10", { dir }), (e: Error) => e.message.startsWith(join(dir, "data_batch_1.bin")) && /2 records; expected 10000/.test(e.message));
});

test("CIFAR-10 check of the official archive: a short batch inside it is named as archive:entry", async () => {
  const root = tempDir();
  writeCifarSet(root, 3);
  const archive = join(root, "cifar-10-binary.tar.gz");
  await tar.c({ gzip: true, file: archive, cwd: root }, ["cifar-10-batches-bin"]);
  assert.throws(
    () => checkDataset("cifar10", { dir: archive }),
    (e: Error) => e.message.startsWith(`${archive}:cifar-10-batches-bin/data_batch_1.bin`) && /3 records; expected 10000/.test(e.message),
  );
});

test("MNIST check: test images of 0x0 pixels, an empty test split and a short training split are refused naming the images file", { timeout: 120000 }, (t) => {
  const dir = writeIdxSet(tempDir(), 60000, 10000, false, 28, 28);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(checkDataset("mnist", { dir }).test.images, 10000, "the full-size fixture passes");
  const testImages = join(dir, "t10k-images-idx3-ubyte");
  const testLabels = join(dir, "t10k-labels-idx1-ubyte");
  const labels = encodeIdx([10000], Uint8Array.from({ length: 10000 }, (_, i) => i % 10));

  writeFileSync(testImages, encodeIdx([10000, 0, 0], new Uint8Array(0)));
  assert.throws(() => checkDataset("mnist", { dir }), (e: Error) => e.message.startsWith(testImages) && /0x0x1 pixels; expected 28x28x1/.test(e.message));

  writeFileSync(testImages, encodeIdx([0, 28, 28], new Uint8Array(0)));
  writeFileSync(testLabels, encodeIdx([0], new Uint8Array(0)));
  assert.throws(() => checkDataset("mnist", { dir }), (e: Error) => e.message.startsWith(testImages) && /holds 0 test images; expected 10000/.test(e.message));

  writeFileSync(testImages, encodeIdx([10000, 28, 28], new Uint8Array(10000 * 784)));
  writeFileSync(testLabels, labels);
  const trainImages = join(dir, "train-images-idx3-ubyte");
  writeFileSync(trainImages, encodeIdx([59999, 28, 28], new Uint8Array(59999 * 784)));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx([59999], new Uint8Array(59999)));
  assert.throws(() => checkDataset("fashion-mnist", { dir }), (e: Error) => e.message.startsWith(trainImages) && /holds 59999 train images; expected 60000/.test(e.message));
});

test("an IDX path that is a folder is named as such", () => {
  const dir = writeIdxSet(tempDir());
  const f = join(dir, "t10k-images-idx3-ubyte");
  rmSync(f);
  mkdirSync(f);
  assert.throws(() => checkDataset("mnist", { dir }), (e: Error) => e.message.startsWith(f) && /is a folder; expected an IDX file/.test(e.message));
});
