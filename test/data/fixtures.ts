// Tiny generated dataset files in a temp folder, for loader and error tests.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../../lib/data/idx";

export function tempDir(prefix = "tn-data-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Pixel value of fixture image i at (y, x): a pattern that tests can recompute. */
export const idxPixel = (i: number, y: number, x: number) => (i * 31 + y * 7 + x * 3) % 256;

/** Writes the four IDX files with `nTrain`/`nTest` images of h x w (gzipped when `gz`). */
export function writeIdxSet(dir: string, nTrain = 6, nTest = 4, gz = false, h = 5, w = 4): string {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, buf: Buffer) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(buf) : buf);
  for (const [prefix, n] of [["train", nTrain], ["t10k", nTest]] as const) {
    const img = new Uint8Array(n * h * w);
    for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[(i * h + y) * w + x] = idxPixel(i, y, x);
    const lbl = Uint8Array.from({ length: n }, (_, i) => i % 10);
    put(`${prefix}-images-idx3-ubyte`, encodeIdx([n, h, w], img));
    put(`${prefix}-labels-idx1-ubyte`, encodeIdx([n], lbl));
  }
  return dir;
}

/** CIFAR record i of a file: label i % 10, channel c plane value (i + 5c + p) % 256 at pixel p. */
export function cifarRecord(i: number, label = i % 10): Buffer {
  const r = Buffer.alloc(3073);
  r[0] = label;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) r[1 + c * 1024 + p] = (i + 5 * c + p) % 256;
  return r;
}

/** Writes cifar-10-batches-bin/ with `per` records in each of the six batch files; returns that folder. */
export function writeCifarSet(root: string, per = 2): string {
  const dir = join(root, "cifar-10-batches-bin");
  mkdirSync(dir, { recursive: true });
  const files = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
  files.forEach((f, k) => writeFileSync(join(dir, f), Buffer.concat(Array.from({ length: per }, (_, i) => cifarRecord(k * per + i)))));
  writeFileSync(join(dir, "batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
  return dir;
}
