// A minimal in-memory reader for (gzipped) ustar archives, enough to load cifar-10-binary.tar.gz
// without unpacking it to disk.
import { gunzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function field(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + off, end - off).toString("utf8");
}

/** Regular files of a tar archive (gzip detected by its magic bytes). Throws on a damaged archive. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const buf = archive[0] === 0x1f && archive[1] === 0x8b ? new Uint8Array(gunzipSync(archive)) : archive;
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= buf.length) {
    if (buf[off] === 0) break; // end-of-archive blocks
    let name = field(buf, off, 100);
    const prefix = field(buf, off + 345, 155);
    if (prefix && field(buf, off + 257, 6).startsWith("ustar")) name = `${prefix}/${name}`;
    const size = parseInt(field(buf, off + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(buf[off + 156] || 0x30);
    if (!Number.isFinite(size) || size < 0) throw new Error(`damaged tar header at byte ${off}`);
    const start = off + 512;
    if (start + size > buf.length) throw new Error(`tar archive truncated inside "${name}"`);
    const data = buf.subarray(start, start + size);
    if (type === "L") longName = field(data, 0, data.length);
    else if (type === "0" || type === "\0") {
      out.push({ name: longName ?? name, data });
      longName = undefined;
    } else longName = undefined;
    off = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
