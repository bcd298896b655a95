// Child of checkpoint.test.ts: writes a checkpoint-sized file through writeAtomic under a file
// size limit (ulimit -f), the way a full disk fails a write, and prints the error it got.
import { writeAtomic } from "../../lib/atomic-file";

const [file] = process.argv.slice(2);
try {
  writeAtomic(file, new Uint8Array(1 << 20));
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, message: (err as Error).message, code: (err as NodeJS.ErrnoException).code }));
}
