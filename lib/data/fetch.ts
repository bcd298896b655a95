// Downloading datasets from their official addresses: temp file → checksum → unpack into a temp
// folder → validate → rename into place, so an interrupted or corrupt download never leaves a
// folder that looks like data. The base URL can be overridden (option or TN_DATA_BASE_URL), e.g.
// for a mirror or a local test server.
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { cifar10, CIFAR10_ARCHIVE } from "./cifar";
import { fail } from "../errors";
import { DataError } from "./errors";
import { defaultFetchDir } from "./locate";
import { fashionMnist, IDX_FILES } from "./mnist";
import { formatBytes, ProgressBar } from "../display/progress";

export type FetchableName = "cifar10" | "fashion-mnist";

export interface RemoteDataset {
  /** Where the files are, ending with "/". */
  baseUrl: string;
  /** File name → md5 of the file as served. */
  files: Record<string, string>;
  /** Folder name the data ends up in, inside the data root. */
  folder: string;
}

export const REMOTE: Record<FetchableName, RemoteDataset> = {
  cifar10: {
    baseUrl: "https://www.cs.toronto.edu/~kriz/",
    files: { [CIFAR10_ARCHIVE]: "c32a1d4ab5d03f1284b67883e8d87530" },
    folder: "cifar-10-batches-bin",
  },
  // md5s as published in the Fashion-MNIST README (github.com/zalandoresearch/fashion-mnist).
  "fashion-mnist": {
    baseUrl: "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    files: {
      [`${IDX_FILES.trainImages}.gz`]: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
      [`${IDX_FILES.trainLabels}.gz`]: "25c81989df183df01b3e8a0aad5dffbe",
      [`${IDX_FILES.testImages}.gz`]: "bef4ecab320f06d8554ea6380940ec79",
      [`${IDX_FILES.testLabels}.gz`]: "bb300cfdad3c16e7a12a480ee83cd310",
    },
    folder: "fashion-mnist",
  },
};

export interface FetchOptions {
  /** Data root to put the dataset in; default $TN_DATA_DIR, else the project's data/. */
  dir?: string;
  /** Overrides the official address (also TN_DATA_BASE_URL). */
  baseUrl?: string;
  /** Overrides the expected md5 per file (for mirrors and tests). */
  checksums?: Record<string, string>;
  /** Replace a dataset that is already in place. */
  force?: boolean;
  quiet?: boolean;
  /** Milliseconds without data before giving up (default 60 s). */
  timeoutMs?: number;
}

export interface FetchResult {
  folder: string;
  downloaded: boolean;
  files: { url: string; bytes: number; md5: string }[];
}

/** GETs `url` into `file`, following redirects; returns the byte count and md5. */
export async function download(url: string, file: string, opts: { label?: string; quiet?: boolean; timeoutMs?: number } = {}, redirects = 5): Promise<{ bytes: number; md5: string }> {
  const mod = url.startsWith("https:") ? https : url.startsWith("http:") ? http : undefined;
  if (!mod) fail("url", url, "an http:// or https:// address");
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.get(url, resolve);
    req.on("error", (e) => reject(new Error(`GET ${url} failed: ${e.message}`)));
    req.setTimeout(opts.timeoutMs ?? 60000, () => req.destroy(new Error(`no data for ${(opts.timeoutMs ?? 60000) / 1000} s`)));
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
    res.resume();
    return download(new URL(res.headers.location, url).toString(), file, opts, redirects - 1);
  }
  if (status !== 200) {
    res.resume();
    throw new Error(`GET ${url}: HTTP ${status}`);
  }
  const total = Number(res.headers["content-length"]) || undefined;
  const bar = new ProgressBar({ label: opts.label ?? url, total, quiet: opts.quiet, format: formatBytes });
  const hash = createHash("md5");
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      hash.update(chunk);
      bar.update(bytes);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, counter, createWriteStream(file));
  } catch (err) {
    bar.done();
    throw new Error(`GET ${url}: the connection broke after ${bytes} bytes${total ? ` of ${total}` : ""} (${(err as Error).message})`);
  }
  if (total !== undefined && bytes !== total) {
    bar.done();
    throw new Error(`GET ${url}: received ${bytes} bytes, the server announced ${total}; the download is incomplete`);
  }
  bar.update(bytes, "", true);
  bar.done();
  return { bytes, md5: hash.digest("hex") };
}

/** Downloads a dataset into `<dir>/<folder>` atomically. */
export async function fetchDataset(name: FetchableName, opts: FetchOptions = {}): Promise<FetchResult> {
  const remote = REMOTE[name];
  if (!remote) fail("name", name, `one of ${Object.keys(REMOTE).join(", ")}`);
  const root = opts.dir ?? defaultFetchDir();
  const target = join(root, remote.folder);
  if (existsSync(target) && !opts.force) {
    validate(name, target);
    return { folder: target, downloaded: false, files: [] };
  }
  let base = opts.baseUrl ?? process.env.TN_DATA_BASE_URL ?? remote.baseUrl;
  if (!base.endsWith("/")) base += "/";
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, `.tnlab-fetch-${name}-`));
  const files: FetchResult["files"] = [];
  try {
    const dl = join(tmp, "download");
    mkdirSync(dl);
    for (const [f, md5] of Object.entries(remote.files)) {
      const url = base + f;
      const got = await download(url, join(dl, f), { label: f, quiet: opts.quiet, timeoutMs: opts.timeoutMs });
      const want = opts.checksums?.[f] ?? md5;
      if (got.md5 !== want) {
        throw new DataError(name, url, `failed its checksum: md5 ${got.md5}, expected ${want} (a corrupt or different file; nothing was installed)`);
      }
      files.push({ url, ...got });
    }
    let ready: string;
    if (name === "cifar10") {
      const out = join(tmp, "unpacked");
      mkdirSync(out);
      const tar = (await import("tar")) as typeof import("tar");
      await tar.x({ file: join(dl, CIFAR10_ARCHIVE), cwd: out, strict: true });
      ready = join(out, remote.folder);
      if (!existsSync(ready)) throw new DataError(name, base + CIFAR10_ARCHIVE, `does not contain ${remote.folder}/`);
    } else {
      ready = dl;
    }
    validate(name, ready);
    if (existsSync(target)) {
      const old = join(tmp, "previous");
      renameSync(target, old);
    }
    renameSync(ready, target);
    return { folder: target, downloaded: true, files };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Loads the dataset from `folder` to prove it is complete (throws a DataError naming the bad file). */
function validate(name: FetchableName, folder: string): void {
  if (name === "cifar10") cifar10({ dir: folder });
  else fashionMnist({ dir: folder });
}
