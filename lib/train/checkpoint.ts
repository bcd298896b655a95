// Checkpoints: one file holding the model's weights (trainable and BatchNorm statistics), the
// optimizer's state, the weights of the selected epoch and the run's history, written through a
// temp file and a rename. Layout: "TNCKPT02", uint32 header length, JSON header, padding, float
// data, and the SHA-256 of everything before it, so damaged bytes are found before they are
// trained on. The previous checkpoint is kept next to the newest ("checkpoint.prev.tnckpt" for
// "checkpoint.tnckpt"), and loadCheckpoint falls back to it when the newest is damaged or missing.
// Files are hashed, written and read in chunks: one hash update and one readFileSync are each
// capped at 2 GiB, and a 262,144-wide model's checkpoint is larger.
import * as tf from "@tensorflow/tfjs";
import { createHash, type Hash } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync } from "node:fs";
import { writeAtomic } from "../atomic-file";
import type { History } from "./history";

const MAGIC = "TNCKPT02";
/** The first format, without a checksum: still read, so runs checkpointed before it can resume. */
const MAGIC_V1 = "TNCKPT01";
const DIGEST_BYTES = 32;
/** Bytes per read and per hash update. */
const IO_CHUNK = 1 << 28;

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  /** Offset in elements (4 bytes each) into the data section. */
  offset: number;
}

export interface CheckpointHeader {
  format: "tnlab-checkpoint";
  version: 1;
  /** Last finished epoch (1-based). */
  epoch: number;
  seed: number;
  history: History;
  optimizer: { className: string; learningRate: number };
  groups: { model: TensorEntry[]; optimizer: TensorEntry[]; best: TensorEntry[]; callbacks?: TensorEntry[] };
  /** Callbacks' own state (callbacks.ts CallbackState) by stateKey: its numbers; its tensors are the group "callbacks", named "key/name". */
  callbacks?: Record<string, Record<string, number>>;
  /** Free-form data of the caller (e.g. run options). */
  meta?: Record<string, unknown>;
}

export interface Checkpoint {
  header: CheckpointHeader;
  model: Float32Array[] | (Float32Array | Int32Array)[];
  optimizer: { name: string; tensor: tf.Tensor }[];
  best: (Float32Array | Int32Array)[];
  /** The callbacks' tensors (absent from checkpoints written before callbacks kept state). */
  callbacks: Snapshot;
}

export interface Snapshot {
  names: string[];
  shapes: number[][];
  dtypes: ("float32" | "int32")[];
  values: (Float32Array | Int32Array)[];
}

/** Snapshots one after another, each tensor's name given its part's prefix. */
export function concatSnapshots(parts: readonly { prefix: string; snapshot: Snapshot }[]): Snapshot {
  return {
    names: parts.flatMap((p) => p.snapshot.names.map((n) => `${p.prefix}${n}`)),
    shapes: parts.flatMap((p) => p.snapshot.shapes),
    dtypes: parts.flatMap((p) => p.snapshot.dtypes),
    values: parts.flatMap((p) => p.snapshot.values),
  };
}

/** The tensors of `s` whose names start with `prefix`, named without it. */
export function snapshotUnder(s: Snapshot, prefix: string): Snapshot {
  const idx = s.names.flatMap((n, i) => (n.startsWith(prefix) ? [i] : []));
  return {
    names: idx.map((i) => s.names[i].slice(prefix.length)),
    shapes: idx.map((i) => s.shapes[i]),
    dtypes: idx.map((i) => s.dtypes[i]),
    values: idx.map((i) => s.values[i]),
  };
}

/** Copies tensors' data to the host (so the copies survive later training steps). */
export function snapshot(tensors: { name: string; tensor: tf.Tensor }[]): Snapshot {
  return {
    names: tensors.map((t) => t.name),
    shapes: tensors.map((t) => t.tensor.shape.slice()),
    dtypes: tensors.map((t) => (t.tensor.dtype === "int32" ? "int32" : "float32")),
    values: tensors.map((t) => {
      const d = t.tensor.dataSync();
      return t.tensor.dtype === "int32" ? Int32Array.from(d) : Float32Array.from(d);
    }),
  };
}

/** Model weights (all of them: trainable and BatchNorm moving statistics) in getWeights() order. */
export function modelSnapshot(model: tf.LayersModel): Snapshot {
  const w = model.weights;
  const values = model.getWeights();
  return snapshot(values.map((t, i) => ({ name: w[i].originalName, tensor: t })));
}

export function restoreModel(model: tf.LayersModel, values: (Float32Array | Int32Array)[], file: string): void {
  const cur = model.weights;
  if (cur.length !== values.length) {
    throw new Error(`${file}: the checkpoint holds ${values.length} weight tensors, the model has ${cur.length}; it was written for another model`);
  }
  const ts = cur.map((w, i) => {
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    if (values[i].length !== n) {
      throw new Error(`${file}: weight ${i} (${w.originalName}) has ${values[i].length} values in the checkpoint, the model's has shape [${w.shape.join(", ")}]`);
    }
    return tf.tensor(values[i], w.shape as number[], w.dtype as "float32" | "int32");
  });
  model.setWeights(ts);
  tf.dispose(ts);
}

function packGroup(s: Snapshot, entries: TensorEntry[], parts: (Float32Array | Int32Array)[], offset: { v: number }): void {
  s.values.forEach((v, i) => {
    entries.push({ name: s.names[i], shape: s.shapes[i], dtype: s.dtypes[i], offset: offset.v });
    parts.push(v);
    offset.v += v.length;
  });
}

export function writeCheckpoint(
  file: string,
  header: Omit<CheckpointHeader, "groups" | "format" | "version">,
  model: Snapshot,
  optimizer: Snapshot,
  best: Snapshot | undefined,
  callbacks?: Snapshot,
): void {
  const groups: CheckpointHeader["groups"] = { model: [], optimizer: [], best: [], callbacks: [] };
  const parts: (Float32Array | Int32Array)[] = [];
  const off = { v: 0 };
  packGroup(model, groups.model, parts, off);
  packGroup(optimizer, groups.optimizer, parts, off);
  if (best) packGroup(best, groups.best, parts, off);
  if (callbacks) packGroup(callbacks, groups.callbacks!, parts, off);
  const json = Buffer.from(JSON.stringify({ format: "tnlab-checkpoint", version: 1, ...header, groups }), "utf8");
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(json.length, 8);
  // Data starts at a multiple of 4 bytes so it can be viewed as 32-bit arrays.
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const body: Uint8Array[] = [head, json, Buffer.alloc(pad), ...parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength))];
  const hash = createHash("sha256");
  for (const b of body) hashBytes(hash, b);
  const digest = hash.digest();
  // The newest good checkpoint becomes the previous one only once the new one is to be written;
  // if the write fails or the process dies before the rename, loadCheckpoint finds the previous.
  if (existsSync(file)) renameSync(file, previousCheckpointFile(file));
  writeAtomic(file, [...body, digest]);
}

function hashBytes(hash: Hash, b: Uint8Array): void {
  for (let o = 0; o < b.byteLength; o += IO_CHUNK) hash.update(b.subarray(o, o + IO_CHUNK));
}

/** A file's bytes as chunks of IO_CHUNK, so files over 2 GiB can be read. */
class FileBytes {
  private constructor(
    private readonly chunks: Buffer[],
    readonly length: number,
  ) {}

  static read(file: string): FileBytes {
    const fd = openSync(file, "r");
    try {
      const length = fstatSync(fd).size;
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < length; ) {
        const c = Buffer.allocUnsafe(Math.min(IO_CHUNK, length - pos));
        for (let o = 0; o < c.length; ) {
          const n = readSync(fd, c, o, c.length - o, pos + o);
          if (n === 0) throw new Error(`the file ended at byte ${pos + o} of ${length} while it was read`);
          o += n;
        }
        chunks.push(c);
        pos += c.length;
      }
      return new FileBytes(chunks, length);
    } finally {
      closeSync(fd);
    }
  }

  /** A copy of bytes [start, end), in a buffer of its own (so it can be viewed as 32-bit arrays). */
  copy(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    this.each(start, end, (part, at) => out.set(part, at - start));
    return out;
  }

  sha256(start: number, end: number): Buffer {
    const hash = createHash("sha256");
    this.each(start, end, (part) => hash.update(part));
    return hash.digest();
  }

  private each(start: number, end: number, f: (part: Uint8Array, at: number) => void): void {
    for (let i = Math.floor(start / IO_CHUNK); i < this.chunks.length && i * IO_CHUNK < end; i++) {
      const base = i * IO_CHUNK;
      const from = Math.max(start, base);
      f(this.chunks[i].subarray(from - base, Math.min(end, base + this.chunks[i].length) - base), from);
    }
  }
}

/** Where the checkpoint before `file` is kept: "checkpoint.prev.tnckpt" for "checkpoint.tnckpt". */
export function previousCheckpointFile(file: string): string {
  return /\.tnckpt$/.test(file) ? file.replace(/\.tnckpt$/, ".prev.tnckpt") : `${file}.prev`;
}

/** Where fit moves a newest checkpoint that failed its check: "checkpoint.damaged.tnckpt". */
export function damagedCheckpointFile(file: string): string {
  return /\.tnckpt$/.test(file) ? file.replace(/\.tnckpt$/, ".damaged.tnckpt") : `${file}.damaged`;
}

/** A checkpoint file that cannot be used: its message starts with the file. */
export class CheckpointError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "CheckpointError";
    this.file = file;
  }
}

/**
 * Reads and verifies one checkpoint file (undefined when it does not exist). A damaged file
 * (checksum mismatch, bad header, truncated data) throws a CheckpointError naming it.
 */
export function readCheckpoint(file: string): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  let bytes: FileBytes;
  try {
    bytes = FileBytes.read(file);
  } catch (err) {
    throw new CheckpointError(file, `cannot read the checkpoint: ${(err as Error).message}`);
  }
  const magic = bytes.length >= 12 ? Buffer.from(bytes.copy(0, 8)).toString("latin1") : "";
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new CheckpointError(file, "not a tnlab checkpoint (bad magic)");
  let end = bytes.length;
  if (magic === MAGIC) {
    if (end < 12 + DIGEST_BYTES) throw new CheckpointError(file, "truncated checkpoint (no checksum)");
    end -= DIGEST_BYTES;
    if (!bytes.sha256(0, end).equals(bytes.copy(end, end + DIGEST_BYTES))) {
      throw new CheckpointError(file, "damaged checkpoint (SHA-256 checksum mismatch)");
    }
  }
  const len = Buffer.from(bytes.copy(8, 12)).readUInt32LE(0);
  if (12 + len > end) throw new CheckpointError(file, "truncated checkpoint header");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.copy(12, 12 + len)).toString("utf8")) as CheckpointHeader;
  } catch (err) {
    throw new CheckpointError(file, `damaged checkpoint header (${(err as Error).message})`);
  }
  const g = header?.groups;
  if (header?.format !== "tnlab-checkpoint" || !g || ![g.model, g.optimizer, g.best, g.callbacks ?? []].every(Array.isArray) || !(header.epoch >= 1)) {
    throw new CheckpointError(file, "damaged checkpoint header (not the fields of a tnlab checkpoint)");
  }
  const start = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  const dataLength = Math.max(0, end - start);
  const take = (e: TensorEntry) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(n) || !Number.isInteger(e.offset) || e.offset < 0 || (e.offset + n) * 4 > dataLength) {
      throw new CheckpointError(file, `truncated checkpoint data (tensor ${e.name})`);
    }
    const b = bytes.copy(start + e.offset * 4, start + (e.offset + n) * 4);
    return e.dtype === "int32" ? new Int32Array(b.buffer) : new Float32Array(b.buffer);
  };
  const model = g.model.map(take);
  const best = g.best.map(take);
  const optValues = g.optimizer.map(take);
  const cb = g.callbacks ?? [];
  return {
    header,
    model,
    optimizer: g.optimizer.map((e, i) => ({ name: e.name, tensor: tf.tensor(optValues[i], e.shape, e.dtype) })),
    best,
    callbacks: { names: cb.map((e) => e.name), shapes: cb.map((e) => e.shape), dtypes: cb.map((e) => e.dtype), values: cb.map(take) },
  };
}

/** True when a run has left a checkpoint (the newest or the previous one) for `file`. */
export function checkpointExists(file: string): boolean {
  return existsSync(file) || existsSync(previousCheckpointFile(file));
}

/**
 * The newest usable checkpoint: `file`, or, when that is damaged or missing, the previous one,
 * saying so through `warn` (naming the file and why). Undefined when neither exists; a
 * CheckpointError naming both files when neither can be used.
 */
export function loadCheckpoint(
  file: string,
  warn: (message: string) => void = (m) => console.warn(m),
): { checkpoint: Checkpoint; file: string } | undefined {
  const prev = previousCheckpointFile(file);
  let problem: string;
  try {
    const ck = readCheckpoint(file);
    if (ck) return { checkpoint: ck, file };
    if (!existsSync(prev)) return undefined;
    problem = `${file}: missing (the process stopped while replacing it)`;
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    problem = err.message;
  }
  let older: Checkpoint | undefined;
  try {
    older = readCheckpoint(prev);
  } catch (err) {
    throw new CheckpointError(file, `cannot resume: ${problem}; and the previous checkpoint ${(err as Error).message}`);
  }
  if (!older) throw new CheckpointError(file, `cannot resume: ${problem}; and there is no previous checkpoint ${prev}`);
  warn(`tnlab: ${problem}; resuming from the previous checkpoint ${prev} (epoch ${older.header.epoch})`);
  return { checkpoint: older, file: prev };
}
