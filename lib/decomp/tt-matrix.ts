// TT-matrix (Novikov et al. 2015, "Tensorizing neural networks"): a weight matrix W of shape
// [∏ m_k, ∏ n_k] (the tf.layers Dense kernel layout [in, out]) with
// W[(i_1..i_d), (j_1..j_d)] = G_1[:, i_1, j_1, :] ··· G_d[:, i_d, j_d, :], both indices in C order.
import { fail } from "../errors";
import { asNDArray, size, type NDArray, type TensorLike } from "../linalg/ndarray";
import { permute } from "../linalg/tensor-ops";
import { FactorizedTensor } from "./factorized";
import { TTTensor, checkCoreChain, coreValues, ttSvd, type TTOptions } from "./tt";
import { factorizedBundle, JUPYTER_DISPLAY } from "./display";

export class TTMatrix extends FactorizedTensor {
  /** Core k has shape [r_{k-1}, m_k, n_k, r_k]. */
  readonly cores: NDArray[];
  readonly inModes: number[];
  readonly outModes: number[];
  /** [∏ inModes, ∏ outModes]. */
  readonly shape: number[];
  readonly ranks: number[];
  /** Relative error against the matrix it was computed from (NaN when built from cores). */
  error: number;

  constructor(cores: NDArray[], error = NaN) {
    checkCoreChain(cores, "[r_{k-1}, m_k, n_k, r_k]");
    super();
    this.cores = cores;
    this.inModes = cores.map((c) => c.shape[1]);
    this.outModes = cores.map((c) => c.shape[2]);
    this.shape = [size(this.inModes), size(this.outModes)];
    this.ranks = [1, ...cores.map((c) => c.shape[3])];
    this.error = error;
  }

  get params(): number {
    return coreValues(this.cores);
  }

  /** Shown by the kernel as the value of a cell: a summary and the factors' shapes. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return factorizedBundle("TT matrix", this, this.cores.map((c, k) => ({ name: `core ${k}`, shape: c.shape })));
  }

  /** The cores with merged (m_k n_k) modes, as a TT tensor of order d. */
  asTT(): TTTensor {
    return new TTTensor(this.cores.map((c) => ({ shape: [c.shape[0], c.shape[1] * c.shape[2], c.shape[3]], data: c.data })));
  }

  toDense(): NDArray {
    const d = this.cores.length;
    const t = this.asTT().toDense();
    const inter = { shape: this.cores.flatMap((c) => [c.shape[1], c.shape[2]]), data: t.data };
    // [m_1, n_1, ..., m_d, n_d] → [m_1..m_d, n_1..n_d]
    const perm = [...Array.from({ length: d }, (_, k) => 2 * k), ...Array.from({ length: d }, (_, k) => 2 * k + 1)];
    return { shape: [...this.shape], data: permute(inter, perm).data };
  }

  protected override inputName(): string {
    return "W";
  }
}

function checkModes(modes: unknown, argument: string): number[] {
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !Number.isInteger(m) || m < 1)) {
    fail(argument, modes, "a non-empty list of positive integers");
  }
  return [...(modes as number[])];
}

/**
 * TT-SVD of W reshaped to [m_1, n_1, m_2, n_2, ...] with merged (m_k n_k) modes. `ranks` as a list
 * has d+1 entries [1, r_1, ..., 1].
 */
export function ttMatrix(W: TensorLike, inModes: number[], outModes: number[], opts: TTOptions): TTMatrix {
  const w = asNDArray(W, "W");
  const ins = checkModes(inModes, "inModes");
  const outs = checkModes(outModes, "outModes");
  if (ins.length !== outs.length) {
    fail("outModes", outModes, `${ins.length} modes, as many as inModes [${ins.join(", ")}]`);
  }
  if (w.shape.length !== 2) fail("W.shape", w.shape, "a matrix [in, out]");
  const M = size(ins);
  const N = size(outs);
  if (M !== w.shape[0]) fail("inModes", ins, `modes whose product is ${w.shape[0]}: [${ins.join(",")}] multiply to ${M}, but W has ${w.shape[0]} rows`);
  if (N !== w.shape[1]) fail("outModes", outs, `modes whose product is ${w.shape[1]}: [${outs.join(",")}] multiply to ${N}, but W has ${w.shape[1]} columns`);
  const d = ins.length;
  const split = { shape: [...ins, ...outs], data: w.data };
  const perm = Array.from({ length: d }, (_, k) => [k, d + k]).flat();
  const inter = permute(split, perm);
  const merged = { shape: ins.map((m, k) => m * outs[k]), data: inter.data };
  const tt = ttSvd(merged, opts);
  const cores = tt.cores.map((c, k) => ({ shape: [c.shape[0], ins[k], outs[k], c.shape[2]], data: c.data }));
  return new TTMatrix(cores, tt.error);
}
