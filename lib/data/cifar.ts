// CIFAR-10, binary version: records of 1 label byte + 3072 pixel bytes (R, G, B planes, 32x32 each),
// in data_batch_1..5.bin and test_batch.bin, from a folder or from cifar-10-binary.tar.gz.
// Images are stored here as HWC bytes.
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { DataError } from "./errors";
import { ImageSet } from "./image-set";
import { candidates, isDir } from "./locate";
import { readTar } from "./tar-reader";

export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
export const CIFAR10_TRAIN_FILES = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
export const CIFAR10_TEST_FILES = ["test_batch.bin"];
export const CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";
const RECORD = 3073;

export interface Cifar10 {
  name: "cifar10";
  train: ImageSet;
  test: ImageSet;
  classes: string[];
  /** The folder or archive the data came from. */
  source: string;
}

/** Checks one batch file's bytes and appends its records (HWC) to the output arrays. */
function decodeBatch(file: string, buf: Uint8Array): { images: Uint8Array; labels: Uint8Array } {
  if (buf.length === 0 || buf.length % RECORD !== 0) {
    throw new DataError(
      "cifar10",
      file,
      `has ${buf.length} bytes, not a whole number of ${RECORD}-byte records (1 label + 3072 pixels); ` +
        `the file is truncated or not the CIFAR-10 binary version (the official batch files hold 10000 records = 30730000 bytes)`,
    );
  }
  const n = buf.length / RECORD;
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD;
    const label = buf[r];
    if (label > 9) throw new DataError("cifar10", file, `record ${i} has label ${label}, expected 0..9; this is not a CIFAR-10 batch file`);
    labels[i] = label;
    const o = i * 3072;
    for (let p = 0; p < 1024; p++) {
      images[o + 3 * p] = buf[r + 1 + p];
      images[o + 3 * p + 1] = buf[r + 1 + 1024 + p];
      images[o + 3 * p + 2] = buf[r + 1 + 2048 + p];
    }
  }
  return { images, labels };
}

function concat(parts: { images: Uint8Array; labels: Uint8Array }[]): { images: Uint8Array; labels: Uint8Array } {
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  let k = 0;
  for (const p of parts) {
    images.set(p.images, k * 3072);
    labels.set(p.labels, k);
    k += p.labels.length;
  }
  return { images, labels };
}

function classNames(text: string | undefined): string[] {
  const names = (text ?? "").split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  return names.length === 10 ? names : CIFAR10_CLASSES;
}

/** Reads one file of the folder; a folder in its place or an unreadable file is named with what was expected. */
function readFile(p: string, expected: string): Buffer {
  if (isDir(p)) throw new DataError("cifar10", p, `is a folder; expected ${expected}`);
  try {
    return readFileSync(p);
  } catch (err) {
    throw new DataError("cifar10", p, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected ${expected}`);
  }
}

function fromFolder(dir: string): Cifar10 {
  const read = (f: string): Uint8Array => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new DataError("cifar10", p, "is missing (the CIFAR-10 binary folder needs data_batch_1..5.bin and test_batch.bin)");
    return readFile(p, `a CIFAR-10 batch file of ${RECORD}-byte records`);
  };
  const train = concat(CIFAR10_TRAIN_FILES.map((f) => decodeBatch(join(dir, f), read(f))));
  const test = decodeBatch(join(dir, "test_batch.bin"), read("test_batch.bin"));
  const meta = join(dir, "batches.meta.txt");
  const classes = classNames(existsSync(meta) ? readFile(meta, "a text file of class names").toString("utf8") : undefined);
  return build(train, test, classes, dir);
}

function fromArchive(file: string): Cifar10 {
  let entries;
  try {
    entries = readTar(readFileSync(file));
  } catch (err) {
    throw new DataError("cifar10", file, `is not a readable .tar.gz archive (${(err as Error).message})`);
  }
  const byName = new Map(entries.map((e) => [basename(e.name), e]));
  const get = (f: string) => {
    const e = byName.get(f);
    if (!e) throw new DataError("cifar10", `${file}:${f}`, "is missing from the archive (expected cifar-10-batches-bin/ inside)");
    return decodeBatch(`${file}:${e.name}`, e.data);
  };
  const train = concat(CIFAR10_TRAIN_FILES.map(get));
  const test = get("test_batch.bin");
  const meta = byName.get("batches.meta.txt");
  return build(train, test, classNames(meta ? Buffer.from(meta.data).toString("utf8") : undefined), file);
}

function build(train: { images: Uint8Array; labels: Uint8Array }, test: { images: Uint8Array; labels: Uint8Array }, classes: string[], source: string): Cifar10 {
  return {
    name: "cifar10",
    train: new ImageSet({ name: "cifar10/train", images: train.images, labels: train.labels, shape: [train.labels.length, 32, 32, 3], classes }),
    test: new ImageSet({ name: "cifar10/test", images: test.images, labels: test.labels, shape: [test.labels.length, 32, 32, 3], classes }),
    classes,
    source,
  };
}

/** Resolves where CIFAR-10 is: a folder with the batch files, or the official archive. */
export function locateCifar10(dir?: string): string {
  const look = (d: string): string | undefined => {
    if (d.endsWith(".tar.gz") && existsSync(d) && !isDir(d)) return d;
    if (!isDir(d)) return undefined;
    if (existsSync(join(d, "test_batch.bin")) || existsSync(join(d, "data_batch_1.bin"))) return d;
    if (isDir(join(d, "cifar-10-batches-bin"))) return look(join(d, "cifar-10-batches-bin"));
    if (existsSync(join(d, CIFAR10_ARCHIVE))) return join(d, CIFAR10_ARCHIVE);
    return undefined;
  };
  if (dir !== undefined) {
    if (!existsSync(dir)) throw new DataError("cifar10", dir, "does not exist");
    const hit = look(dir);
    if (!hit) throw new DataError("cifar10", dir, "holds neither the CIFAR-10 batch files, nor cifar-10-batches-bin/, nor cifar-10-binary.tar.gz");
    return hit;
  }
  const tried = candidates("cifar10");
  for (const d of tried) {
    const hit = look(d);
    if (hit) return hit;
  }
  throw new DataError("cifar10", tried[0] ?? "data/cifar-10-batches-bin", `CIFAR-10 was not found (looked in ${tried.join(", ")})`);
}

/** Loads CIFAR-10 (50,000 training and 10,000 test images, 32x32x3, HWC bytes). */
export function cifar10(opts: { dir?: string } = {}): Cifar10 {
  const where = locateCifar10(opts.dir);
  return where.endsWith(".tar.gz") ? fromArchive(where) : fromFolder(where);
}
