// Validating a dataset on disk and describing what was found (for `tnlab data check`).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { cifar10, locateCifar10 } from "./cifar";
import { fail } from "../errors";
import { DATASET_NAMES, type DatasetName } from "./errors";
import type { ImageSet } from "./image-set";
import { fashionMnist, locateIdx, mnist } from "./mnist";

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

/** Loads the dataset (which checks magic numbers, sizes, counts and labels) and reports it. */
export function checkDataset(name: DatasetName, opts: { dir?: string } = {}): CheckReport {
  if (!DATASET_NAMES.includes(name)) fail("dataset", name, DATASET_NAMES.map((n) => `"${n}"`).join(", "));
  const source = name === "cifar10" ? locateCifar10(opts.dir) : locateIdx(name, opts.dir);
  const ds = name === "cifar10" ? cifar10({ dir: source }) : name === "mnist" ? mnist({ dir: source }) : fashionMnist({ dir: source });
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
