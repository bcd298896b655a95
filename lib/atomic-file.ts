// The one way tnlab writes a file that others read (checkpoints, histories, results): through a
// temp file and a rename, so a reader sees the old file or the new one, never half of one. A
// failed write (disk full, file too large, permissions) removes its temp file and names the file.
// Users reach it as tn.train.writeAtomic; there is no other writer of this kind in lib/.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Bytes per write call: one call is capped at 2 GiB, and a checkpoint can be larger. */
const WRITE_SLICE = 1 << 30;

/** Writes `data` (a string, bytes, or byte chunks written in order, for files over 2 GiB) to `file` atomically. */
export function writeAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    if (typeof data === "string" || data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeChunks(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Not ours to remove (e.g. a folder of that name): the error below names the file.
    }
    const e = err as NodeJS.ErrnoException;
    const wrapped = new Error(`cannot write ${file}: ${e.message}`, { cause: err }) as NodeJS.ErrnoException;
    wrapped.code = e.code;
    throw wrapped;
  }
}

function writeChunks(file: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(file, "w");
  try {
    for (const c of chunks) {
      for (let o = 0; o < c.byteLength; ) {
        o += writeSync(fd, c, o, Math.min(WRITE_SLICE, c.byteLength - o));
      }
    }
  } finally {
    closeSync(fd);
  }
}
