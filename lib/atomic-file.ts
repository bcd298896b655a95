// The one way tnlab writes a file that others read (checkpoints, histories, results): through a
// temp file and a rename, so a reader sees the old file or the new one, never half of one. A
// failed write (disk full, file too large, permissions) removes its temp file and names the file.
// Users reach it as tn.train.writeAtomic; there is no other writer of this kind in lib/.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data);
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
