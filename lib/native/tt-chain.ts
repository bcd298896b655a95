// A TT-matrix layer's whole product y = x·W on wasm with the native addon: one kernel forward
// (native/src/tt.cc) and one backward that returns dx and every core's gradient, where the
// TensorFlow.js chain (lib/layers/tt-chain.ts) runs a matmul, a 5-D transpose and reshapes per core
// and three times as many kernels backward. Measured before: per-kernel work on whole-batch
// intermediates kept tt-tt-tt at ~2x fc-fc-fc's images per second despite ~400x fewer multiply-adds.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active } from "./addon";

export const TT_CHAIN_KERNEL = "TnTTChain";
export const TT_CHAIN_GRAD_KERNEL = "TnTTChainGrad";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
interface ChainAttrs {
  inModes: number[];
  outModes: number[];
  ranks: number[];
}

let ranNatively = 0;
/** How often the fused TT chain ran natively, forward and backward (tests check it did). */
export function nativeTTChainCalls(): number {
  return ranNatively;
}

const off = (b: BackendWasm, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset;
const heap = (b: BackendWasm) => (b.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
const shapeBlock = (batch: number, a: ChainAttrs) => [batch, a.inModes.length, ...a.inModes, ...a.outModes, ...a.ranks];
const coresOf = (inputs: tf.NamedTensorInfoMap, d: number) => Array.from({ length: d }, (_, k) => inputs[`core${k}`] as tf.TensorInfo);

function forwardKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const b = backend as BackendWasm;
  const a = attrs as unknown as ChainAttrs;
  const x = inputs.x as tf.TensorInfo;
  const cores = coresOf(inputs, a.inModes.length);
  const y = b.makeOutput([x.shape[0], a.outModes.reduce((p, v) => p * v, 1)], "float32");
  active()!.ttChainForward(heap(b), new Float64Array([off(b, x), off(b, y), ...cores.map((c) => off(b, c)), ...shapeBlock(x.shape[0], a)]));
  return y;
}

function backwardKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as BackendWasm;
  const a = attrs as unknown as ChainAttrs;
  const x = inputs.x as tf.TensorInfo;
  const cores = coresOf(inputs, a.inModes.length);
  const dx = b.makeOutput([...x.shape], "float32");
  const dcores = cores.map((c) => b.makeOutput([...c.shape], "float32"));
  const params = [off(b, x), off(b, inputs.dy as tf.TensorInfo), off(b, dx), ...cores.map((c) => off(b, c)), ...dcores.map((c) => off(b, c))];
  active()!.ttChainBackward(heap(b), new Float64Array([...params, ...shapeBlock(x.shape[0], a)]));
  return [dx, ...dcores];
}

function register(): void {
  if (tf.getKernel(TT_CHAIN_KERNEL, "wasm")) return;
  tf.registerKernel({ kernelName: TT_CHAIN_KERNEL, backendName: "wasm", kernelFunc: forwardKernel as never });
  tf.registerKernel({ kernelName: TT_CHAIN_GRAD_KERNEL, backendName: "wasm", kernelFunc: backwardKernel as never });
}

/**
 * x [B, ∏inModes] (float32) times the TT-matrix with cores [r_{k-1}, m_k, n_k, r_k] → [B, ∏outModes],
 * with gradients for x and every core; undefined when the native path cannot run here (another
 * backend, the addon off or missing, outer ranks not 1, an empty batch), so the caller keeps its own.
 */
export function nativeTTChain(x: tf.Tensor, cores: tf.Tensor[], inModes: number[], outModes: number[], ranks: number[]): tf.Tensor2D | undefined {
  if (tf.getBackend() !== "wasm" || !active() || x.rank !== 2 || x.shape[0] === 0 || ranks[0] !== 1 || ranks[ranks.length - 1] !== 1) return undefined;
  if (x.dtype !== "float32" || cores.some((c) => c.dtype !== "float32")) return undefined;
  register();
  const attrs = { inModes, outModes, ranks } as unknown as tf.NamedAttrMap;
  const named = (xs: tf.Tensor[]) => Object.fromEntries(xs.map((c, k) => [`core${k}`, c]));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xin, ...cs] = args as tf.Tensor[];
    save([xin, ...cs]);
    ranNatively++;
    const value = tf.engine().runKernel(TT_CHAIN_KERNEL, { x: xin, ...named(cs) }, attrs) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      ranNatively++;
      const [xs, ...css] = saved;
      return tf.engine().runKernel(TT_CHAIN_GRAD_KERNEL, { x: xs, dy, ...named(css) }, attrs) as unknown as tf.Tensor[];
    };
    return { value, gradFunc };
  });
  return f(x, ...cores) as tf.Tensor2D;
}
