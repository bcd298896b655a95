// tn.data: MNIST / Fashion-MNIST (IDX) and CIFAR-10 (binary) readers, normalisation,
// augmentation, seeded batching, download with checksum and progress.
export { ImageSet, standardization, type Batch, type BatchOptions, type ImageSetInit } from "./image-set";
export { type Normalize, type Standardization, type Augment } from "./transform";
export { mnist, fashionMnist, MNIST_CLASSES, FASHION_MNIST_CLASSES, IDX_FILES, type IdxDataset } from "./mnist";
export { cifar10, CIFAR10_CLASSES, type Cifar10 } from "./cifar";
export { DataError, howToGet, DATASET_NAMES, type DatasetName } from "./errors";
export { dataRoots, defaultFetchDir, projectRoot } from "./locate";
export { fetchDataset, download, REMOTE, type FetchOptions, type FetchResult, type FetchableName } from "./fetch";
export { checkDataset, type CheckReport } from "./check";
export { encodeIdx, parseIdx } from "./idx";
export { ProgressBar } from "../display/progress"; // tnlab's one progress bar (also tn.display.ProgressBar)

import type { Cifar10 } from "./cifar";
import type { IdxDataset } from "./mnist";
/** Any loaded dataset: train and test splits of one kind of image. */
export type Dataset = Cifar10 | IdxDataset;
