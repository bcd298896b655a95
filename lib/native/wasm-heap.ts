// What every kernel the addon runs on the wasm heap needs: the heap itself and a tensor's byte
// offset in it, and the rows × channels split of a reduction over leading axes (channels last).
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The wasm memory as bytes. Take it after every output is allocated: an allocation may grow (and replace) the memory. */
export function heap(b: BackendWasm): Uint8Array {
  return (b.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** The byte offset of `t` on the heap; -1 for an absent optional input (the addon's convention). */
export function offset(b: BackendWasm, t: tf.TensorInfo | undefined): number {
  return t ? b.dataIdMap.get(t.dataId)!.memoryOffset : -1;
}

/** A reduction over the first `k` axes of a tensor, as `rows` × `cols` of its row-major data. */
export type LeadingSplit = { k: number; rows: number; cols: number };

/**
 * The split of `shape` for a reduction over `axis` when `axis` names exactly its first k axes
 * (1 ≤ k ≤ rank, or k < rank with `properPrefix`), else undefined.
 */
export function leadingSplit(shape: number[], axis: number | number[] | null | undefined, properPrefix = false): LeadingSplit | undefined {
  if (axis == null || shape.length === 0) return undefined;
  const axes = tf.util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  const k = axes.length;
  if (k === 0 || axes.some((ax, i) => ax !== i) || (properPrefix && k >= shape.length)) return undefined;
  return splitAt(shape, k);
}

/** `shape` as rows (its first k axes) × cols (the rest). */
export function splitAt(shape: number[], k: number): LeadingSplit {
  return { k, rows: tf.util.sizeFromShape(shape.slice(0, k)), cols: tf.util.sizeFromShape(shape.slice(k)) };
}
