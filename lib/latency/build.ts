// A cell as a TensorFlow.js model: input 32×32×3 → stem (conv3×3 → BatchNorm → ReLU, C channels)
// → the cell → global average pooling → 10-way dense. Inside the cell, as in NAS-Bench-101, a node
// with several predecessors sums them, every operation keeps C channels (convolutions are
// conv → BatchNorm → ReLU, the max-pool is 3×3, stride 1, "same"), and the output node
// concatenates its predecessors along the channels. (NAS-Bench-101 also splits C among the
// output's predecessors and projects the input by 1×1 convolutions; here every operation keeps
// C channels, so no projection is needed and the head's width is C × the output's fan-in.)
import * as tf from "@tensorflow/tfjs";
import { INPUT_SHAPE, checkCell, inputsOf, type Cell, type Op } from "./cells";

export const CLASSES = 10;

/** Builds layers with seeded initialisers, so the same cell gives the same weights. */
export class LayerMaker {
  private k = 0;
  constructor(private readonly seed = 0) {}
  private init(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.seed * 1000 + ++this.k });
  }
  convBnRelu(x: tf.SymbolicTensor, channels: number, kernel: number): tf.SymbolicTensor {
    const c = tf.layers.conv2d({ filters: channels, kernelSize: kernel, padding: "same", useBias: false, kernelInitializer: this.init() }).apply(x);
    const b = tf.layers.batchNormalization().apply(c);
    return tf.layers.reLU().apply(b) as tf.SymbolicTensor;
  }
  op(op: Op, x: tf.SymbolicTensor, channels: number): tf.SymbolicTensor {
    if (op === "conv3x3") return this.convBnRelu(x, channels, 3);
    if (op === "conv1x1") return this.convBnRelu(x, channels, 1);
    return tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: "same" }).apply(x) as tf.SymbolicTensor;
  }
  /** Sum of several inputs (one input passes through). */
  sum(xs: tf.SymbolicTensor[]): tf.SymbolicTensor {
    return xs.length === 1 ? xs[0] : (tf.layers.add().apply(xs) as tf.SymbolicTensor);
  }
  /** Concatenation along channels (one input passes through). */
  concat(xs: tf.SymbolicTensor[]): tf.SymbolicTensor {
    return xs.length === 1 ? xs[0] : (tf.layers.concatenate({ axis: -1 }).apply(xs) as tf.SymbolicTensor);
  }
  head(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const g = tf.layers.globalAveragePooling2d({}).apply(x);
    return tf.layers.dense({ units: CLASSES, kernelInitializer: this.init() }).apply(g) as tf.SymbolicTensor;
  }
}

/** The whole network of a cell (batch dimension free; latency is measured at batch 1). */
export function buildCellModel(cell: Cell, seed = 0): tf.LayersModel {
  checkCell(cell);
  const m = new LayerMaker(seed);
  const input = tf.input({ shape: [...INPUT_SHAPE] });
  const outs: tf.SymbolicTensor[] = [m.convBnRelu(input, cell.channels, 3)];
  const n = cell.nodes.length;
  for (let j = 1; j < n - 1; j++) {
    const preds = inputsOf(cell, j).map((i) => outs[i]);
    outs[j] = m.op(cell.nodes[j] as Op, m.sum(preds), cell.channels);
  }
  const last = m.concat(inputsOf(cell, n - 1).map((i) => outs[i]));
  return tf.model({ inputs: input, outputs: m.head(last) });
}
