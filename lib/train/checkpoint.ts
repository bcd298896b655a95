// Checkpoints: one file holding the model's weights (trainable and BatchNorm statistics), the
// optimizer's state, the weights of the selected epoch and the run's history, written through a
// temp file and a rename. Layout: "TNCKPT01", uint32 header length, JSON header, float data.
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { writeAtomic } from "./history";
import type { History } from "./history";

const MAGIC = "TNCKPT01";

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
  groups: { model: TensorEntry[]; optimizer: TensorEntry[]; best: TensorEntry[] };
  /** Free-form data of the caller (e.g. run options). */
  meta?: Record<string, unknown>;
}

export interface Checkpoint {
  header: CheckpointHeader;
  model: Float32Array[] | (Float32Array | Int32Array)[];
  optimizer: { name: string; tensor: tf.Tensor }[];
  best: (Float32Array | Int32Array)[];
}

export interface Snapshot {
  names: string[];
  shapes: number[][];
  dtypes: ("float32" | "int32")[];
  values: (Float32Array | Int32Array)[];
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
): void {
  const groups: CheckpointHeader["groups"] = { model: [], optimizer: [], best: [] };
  const parts: (Float32Array | Int32Array)[] = [];
  const off = { v: 0 };
  packGroup(model, groups.model, parts, off);
  packGroup(optimizer, groups.optimizer, parts, off);
  if (best) packGroup(best, groups.best, parts, off);
  const json = Buffer.from(JSON.stringify({ format: "tnlab-checkpoint", version: 1, ...header, groups }), "utf8");
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(json.length, 8);
  // Data starts at a multiple of 4 bytes so it can be viewed as 32-bit arrays.
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const data = Buffer.alloc(off.v * 4);
  let o = 0;
  for (const p of parts) {
    Buffer.from(p.buffer, p.byteOffset, p.byteLength).copy(data, o);
    o += p.byteLength;
  }
  writeAtomic(file, Buffer.concat([head, json, Buffer.alloc(pad), data]));
}

export function readCheckpoint(file: string): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file);
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) throw new Error(`${file}: not a tnlab checkpoint (bad magic)`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new Error(`${file}: truncated checkpoint header`);
  const header = JSON.parse(buf.toString("utf8", 12, 12 + len)) as CheckpointHeader;
  const start = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  const data = new Uint8Array(buf.buffer, buf.byteOffset + start, buf.length - start);
  const take = (e: TensorEntry) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if ((e.offset + n) * 4 > data.length) throw new Error(`${file}: truncated checkpoint data (tensor ${e.name})`);
    const bytes = data.slice(e.offset * 4, (e.offset + n) * 4);
    return e.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  };
  return {
    header,
    model: header.groups.model.map(take),
    optimizer: header.groups.optimizer.map((e) => ({ name: e.name, tensor: tf.tensor(take(e), e.shape, e.dtype) })),
    best: header.groups.best.map(take),
  };
}
