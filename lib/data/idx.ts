// IDX files (MNIST, Fashion-MNIST): big-endian header, magic 0x0000 08 <ndims>, then uint8 data.
// Gzipped files (.gz, or starting with 1f 8b) are inflated first.
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError, type DatasetName } from "./errors";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads a file, inflating gzip; errors name the file. */
export function readMaybeGz(dataset: DatasetName, file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(dataset, file, code === "EISDIR" ? "is a folder; expected an IDX file" : `cannot read the file (${code ?? String(err)})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new DataError(dataset, file, `is a damaged or truncated gzip file (${(err as Error).message})`);
    }
  }
  return buf;
}

/** Parses an IDX buffer, checking magic number, rank and size. */
export function parseIdx(dataset: DatasetName, file: string, buf: Uint8Array, ndims: number): IdxArray {
  const short = () => new DataError(dataset, file, `is truncated: ${buf.length} bytes, shorter than an IDX header with ${ndims} dimensions`);
  if (buf.length < 4) throw short();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const expected = 0x00000800 | ndims;
  if (magic !== expected) {
    throw new DataError(
      dataset,
      file,
      `has the wrong magic number 0x${magic.toString(16).padStart(8, "0")} (expected 0x${expected.toString(16).padStart(8, "0")}: ` +
        `unsigned bytes, ${ndims} dimension${ndims > 1 ? "s" : ""}); it is not an IDX ${ndims === 1 ? "label" : "image"} file`,
    );
  }
  if (buf.length < 4 + 4 * ndims) throw short();
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const header = 4 + 4 * ndims;
  const need = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - header;
  if (have < need) {
    throw new DataError(dataset, file, `is truncated: the header promises ${dims.join("x")} = ${need} bytes of data, the file holds ${have}`);
  }
  if (have > need) {
    throw new DataError(dataset, file, `has ${have - need} bytes more than its header ${dims.join("x")} promises`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, need) };
}

export function readIdx(dataset: DatasetName, file: string, ndims: number): IdxArray {
  return parseIdx(dataset, file, readMaybeGz(dataset, file), ndims);
}

/** The IDX file for `base` in `dir`: plain or .gz (the first that exists), else undefined. */
export function findIdx(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`, base.replace(/-idx(\d)-/, ".idx$1-")]) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Builds an IDX file (used by tests and fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
