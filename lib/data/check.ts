// Validating a dataset on disk and describing what was found (for `tnlab data check`).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { cifar10, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, locateCifar10 } from "./cifar";
import { fail } from "../errors";
import { DataError, DATASET_NAMES, type DatasetName } from "./errors";
import { findIdx } from "./idx";
import type { ImageSet } from "./image-set";
import { fashionMnist, IDX_FILES, locateIdx, mnist } from "./mnist";
import { readTar } from "./tar-reader";

/** What each dataset must hold: the loaders accept any consistent size (tests use tiny files), the check does not. */
export const DATASET_SPECS: Record<DatasetName, { train: number; test: number; shape: [number, number, number] }> = {
  mnist: { train: 60000, test: 10000, shape: [28, 28, 1] },
  "fashion-mnist": { train: 60000, test: 10000, shape: [28, 28, 1] },
  cifar10: { train: 50000, test: 10000, shape: [32, 32, 3] },
};
const CIFAR_RECORD = 3073;
const CIFAR_BATCH_RECORDS = 10000;

/** Each CIFAR-10 batch file (in a folder or the archive) must be a file of exactly 10000 records. */
function checkCifarFiles(source: string): void {
  const sizes = new Map<string, { file: string; bytes: number }>();
  if (source.endsWith(".tar.gz")) {
    let entries;
    try {
      entries = readTar(readFileSync(source));
    } catch (err) {
      throw new DataError("cifar10", source, `is not a readable .tar.gz archive (${(err as Error).message})`);
    }
    for (const e of entries) sizes.set(basename(e.name), { file: `${source}:${e.name}`, bytes: e.data.length });
  } else {
    for (const f of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES]) {
      const p = join(source, f);
      if (existsSync(p)) sizes.set(f, { file: p, bytes: statSync(p).isFile() ? statSync(p).size : -1 });
    }
  }
  const want = CIFAR_BATCH_RECORDS * CIFAR_RECORD;
  const files = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];
  // Missing files and folders first: they say more about what is wrong than a size does.
  for (const f of files) {
    const got = sizes.get(f);
    const where = source.endsWith(".tar.gz") ? `${source}:${f}` : join(source, f);
    if (!got) throw new DataError("cifar10", where, "is missing (CIFAR-10 needs data_batch_1..5.bin and test_batch.bin)");
    if (got.bytes < 0) throw new DataError("cifar10", got.file, `is a folder; expected the CIFAR-10 batch file of ${CIFAR_BATCH_RECORDS} records of ${CIFAR_RECORD} bytes`);
  }
  for (const f of files) {
    const got = sizes.get(f)!;
    if (got.bytes !== want) {
      const records = got.bytes % CIFAR_RECORD === 0 ? `${got.bytes / CIFAR_RECORD} records` : `${(got.bytes / CIFAR_RECORD).toFixed(2)} records`;
      throw new DataError("cifar10", got.file, `has ${got.bytes} bytes = ${records}; expected ${CIFAR_BATCH_RECORDS} records of ${CIFAR_RECORD} bytes (${want} bytes)`);
    }
  }
}

/** A loaded split must have the dataset's exact image count and shape; the error names the images file. */
function checkSplit(name: DatasetName, s: ImageSet, split: "train" | "test", file: string): void {
  const spec = DATASET_SPECS[name];
  const shape = s.imageShape.join("x");
  if (shape !== spec.shape.join("x")) {
    throw new DataError(name, file, `holds ${split} images of ${shape} pixels; expected ${spec.shape.join("x")}`);
  }
  if (s.size !== spec[split]) {
    throw new DataError(name, file, `holds ${s.size} ${split} images; expected ${spec[split]}`);
  }
}

export interface SplitReport {
  images: number;
  shape: [number, number, number];
  classCounts: number[];
  pixelRange: [number, number];
}

export interface CheckReport {
  dataset: DatasetName;
  source: string;
  files: { file: string; bytes: number }[];
  classes: string[];
  train: SplitReport;
  test: SplitReport;
}

function splitReport(s: ImageSet): SplitReport {
  let lo = 255;
  let hi = 0;
  for (const v of s.images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { images: s.size, shape: s.imageShape, classCounts: s.classCounts(), pixelRange: [lo, hi] };
}

/**
 * Loads the dataset (which checks magic numbers, sizes, counts and labels), checks that it has
 * exactly the counts and image shape of DATASET_SPECS, and reports it.
 */
export function checkDataset(name: DatasetName, opts: { dir?: string } = {}): CheckReport {
  if (!DATASET_NAMES.includes(name)) fail("dataset", name, DATASET_NAMES.map((n) => `"${n}"`).join(", "));
  const source = name === "cifar10" ? locateCifar10(opts.dir) : locateIdx(name, opts.dir);
  if (name === "cifar10") checkCifarFiles(source);
  const ds = name === "cifar10" ? cifar10({ dir: source }) : name === "mnist" ? mnist({ dir: source }) : fashionMnist({ dir: source });
  const imagesFile = (split: "train" | "test") =>
    name === "cifar10" ? source : findIdx(source, split === "train" ? IDX_FILES.trainImages : IDX_FILES.testImages) ?? source;
  checkSplit(name, ds.train, "train", imagesFile("train"));
  checkSplit(name, ds.test, "test", imagesFile("test"));
  let files: CheckReport["files"];
  try {
    files = statSync(source).isDirectory()
      ? readdirSync(source).sort().map((f) => ({ file: join(source, f), bytes: statSync(join(source, f)).size }))
      : [{ file: source, bytes: statSync(source).size }];
  } catch {
    files = [];
  }
  return { dataset: name, source, files, classes: ds.classes, train: splitReport(ds.train), test: splitReport(ds.test) };
}
