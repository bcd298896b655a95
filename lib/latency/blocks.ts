// The blocks a cell's network is made of, for the lookup-table predictor (thesis §3.3.1, Table 14:
// latency as the sum of per-block inference times). A block is one distinct operation at one
// input shape: the stem, each operation node, the sum of a node's k inputs, the output's
// concatenation of k inputs, and the head (global pooling + dense). Its key names all that
// determines its cost, so one measurement per key serves every cell that contains it.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { INPUT_SHAPE, OPS, checkCell, inputsOf, type Cell, type Op } from "./cells";
import { LayerMaker } from "./build";

/** "stem/C", "conv3x3/C", "conv1x1/C", "maxpool3x3/C", "add/k/C", "concat/k/C", "head/C_out". */
export type BlockKey = string;

/** The blocks of a cell's network, one key per occurrence (a key repeats when a block does). */
export function cellBlocks(cell: Cell): BlockKey[] {
  checkCell(cell);
  const C = cell.channels;
  const keys: BlockKey[] = [`stem/${C}`];
  const n = cell.nodes.length;
  for (let j = 1; j < n - 1; j++) {
    const k = inputsOf(cell, j).length;
    if (k > 1) keys.push(`add/${k}/${C}`);
    keys.push(`${cell.nodes[j]}/${C}`);
  }
  const k = inputsOf(cell, n - 1).length;
  if (k > 1) keys.push(`concat/${k}/${C}`);
  keys.push(`head/${k * C}`);
  return keys;
}

function parseKey(key: BlockKey): { kind: string; k: number; c: number } {
  const parts = key.split("/");
  const nums = parts.slice(1).map(Number);
  const ok = nums.every((v) => Number.isInteger(v) && v > 0);
  const kind = parts[0];
  if (ok && (kind === "add" || kind === "concat") && nums.length === 2) return { kind, k: nums[0], c: nums[1] };
  if (ok && (kind === "stem" || kind === "head" || (OPS as readonly string[]).includes(kind)) && nums.length === 1) return { kind, k: 1, c: nums[0] };
  return fail("block key", key, `one of stem/C, ${OPS.join("/C, ")}/C, add/k/C, concat/k/C, head/C`);
}

/** One block alone as a model, on inputs of the shape it gets inside a cell. */
export function blockModel(key: BlockKey, seed = 0): tf.LayersModel {
  const { kind, k, c } = parseKey(key);
  const m = new LayerMaker(seed);
  const [h, w] = INPUT_SHAPE;
  if (kind === "stem") {
    const x = tf.input({ shape: [...INPUT_SHAPE] });
    return tf.model({ inputs: x, outputs: m.convBnRelu(x, c, 3) });
  }
  const xs = Array.from({ length: k }, () => tf.input({ shape: [h, w, c] }));
  let y: tf.SymbolicTensor;
  if (kind === "add") y = m.sum(xs);
  else if (kind === "concat") y = m.concat(xs);
  else if (kind === "head") y = m.head(xs[0]);
  else y = m.op(kind as Op, xs[0], c);
  return tf.model({ inputs: xs.length === 1 ? xs[0] : xs, outputs: y });
}
