// A TT-matrix layer's whole product y = x·W on wasm with the native addon: one kernel forward
// (native/src/tt.cc) and one backward that returns dx and every core's gradient, where the
// TensorFlow.js chain (lib/layers/tt-chain.ts) runs a matmul, a 5-D transpose and reshapes per core
// and three times as many kernels backward. Measured before: per-kernel work on whole-batch
// intermediates kept tt-tt-tt at ~2x fc-fc-fc's images per second despite ~400x fewer multiply-adds.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active } from "./addon";
import { heap, offset as off } from "./wasm-heap";

export const TT_CHAIN_KERNEL = "TnTTChain";
export const TT_CHAIN_GRAD_KERNEL = "TnTTChainGrad";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
interface ChainAttrs {
  inModes: number[];
  outModes: number[];
  ranks: number[];
  /** Forward: also return the intermediates z_2..z_d packed into one float32 tensor. */
  keep?: boolean;
}

/**
 * Floats in the intermediates z_2..z_d (the inputs of cores 2..d) for a batch: Σ_{k=2..d} of
 * B·∏_{l<k} n_l · r_{k-1} m_k · ∏_{l>k} m_l. The forward kernel keeps them for the backward one,
 * which otherwise recomputes them (about a third of the backward kernel's time on MNIST's TT net).
 */
export function ttChainKeptSize(batch: number, inModes: number[], outModes: number[], ranks: number[]): number {
  let total = 0;
  let p = batch;
  for (let k = 1; k < inModes.length; k++) {
    p *= outModes[k - 1];
    total += p * ranks[k] * inModes.slice(k).reduce((a, v) => a * v, 1);
  }
  return total;
}

// Above this many bytes of intermediates per call the backward pass recomputes them instead, so
// memory held between forward and backward stays bounded.
let keepLimitBytes = 64 * 2 ** 20;
/** Sets the bytes of intermediates the forward kernel may keep for the backward one (0: never keep); returns the old limit. */
export function setTTChainKeepLimit(bytes: number): number {
  const old = keepLimitBytes;
  keepLimitBytes = bytes;
  return old;
}

let ranNatively = 0;
let usedKept = 0;
/** How often the fused TT chain ran natively, forward and backward (tests check it did). */
export function nativeTTChainCalls(): number {
  return ranNatively;
}
/** How many native backward passes used the forward pass's kept intermediates (tests check which path ran). */
export function nativeTTChainKeptCalls(): number {
  return usedKept;
}

const shapeBlock = (batch: number, a: ChainAttrs) => [batch, a.inModes.length, ...a.inModes, ...a.outModes, ...a.ranks];
const coresOf = (inputs: tf.NamedTensorInfoMap, d: number) => Array.from({ length: d }, (_, k) => inputs[`core${k}`] as tf.TensorInfo);

function forwardKernel({ inputs, backend, attrs }: Args): tf.TensorInfo | tf.TensorInfo[] {
  const b = backend as BackendWasm;
  const a = attrs as unknown as ChainAttrs;
  const x = inputs.x as tf.TensorInfo;
  const cores = coresOf(inputs, a.inModes.length);
  const y = b.makeOutput([x.shape[0], a.outModes.reduce((p, v) => p * v, 1)], "float32");
  const kept = a.keep ? b.makeOutput([ttChainKeptSize(x.shape[0], a.inModes, a.outModes, a.ranks)], "float32") : undefined;
  // The heap view is taken after both outputs exist: making one may grow the wasm memory.
  const params = [off(b, x), off(b, y), off(b, kept), ...cores.map((c) => off(b, c))];
  active()!.ttChainForward(heap(b), new Float64Array([...params, ...shapeBlock(x.shape[0], a)]));
  return kept ? [y, kept] : y;
}

function backwardKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as BackendWasm;
  const a = attrs as unknown as ChainAttrs;
  const x = inputs.x as tf.TensorInfo;
  const cores = coresOf(inputs, a.inModes.length);
  const dx = b.makeOutput([...x.shape], "float32");
  const dcores = cores.map((c) => b.makeOutput([...c.shape], "float32"));
  const kept = inputs.kept as tf.TensorInfo | undefined;
  const params = [off(b, x), off(b, inputs.dy as tf.TensorInfo), off(b, dx), off(b, kept), ...cores.map((c) => off(b, c)), ...dcores.map((c) => off(b, c))];
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
  // Keep the intermediates only when a gradient may follow (the tape records: customGrad saves
  // nothing otherwise, and they would be made for nothing) and they fit under the limit.
  const keptBytes = 4 * ttChainKeptSize(x.shape[0], inModes, outModes, ranks);
  const keep = cores.length > 1 && tf.engine().isTapeOn() && keptBytes <= keepLimitBytes;
  const named = (xs: tf.Tensor[]) => Object.fromEntries(xs.map((c, k) => [`core${k}`, c]));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xin, ...cs] = args as tf.Tensor[];
    ranNatively++;
    let value: tf.Tensor2D;
    if (keep) {
      // The saved clone holds the intermediates until the backward pass; customGrad's tidy
      // disposes this handle.
      const [y, kept] = tf.engine().runKernel(TT_CHAIN_KERNEL, { x: xin, ...named(cs) }, { ...attrs, keep }) as unknown as tf.Tensor[];
      save([xin, ...cs, kept]);
      value = y as tf.Tensor2D;
    } else {
      save([xin, ...cs]);
      value = tf.engine().runKernel(TT_CHAIN_KERNEL, { x: xin, ...named(cs) }, attrs) as tf.Tensor2D;
    }
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      ranNatively++;
      const [xs, ...rest] = saved;
      const css = rest.slice(0, cs.length);
      const kept = rest[cs.length];
      if (kept) usedKept++;
      return tf.engine().runKernel(TT_CHAIN_GRAD_KERNEL, { x: xs, dy, ...named(css), ...(kept ? { kept } : {}) }, attrs) as unknown as tf.Tensor[];
    };
    return { value, gradFunc };
  });
  return f(x, ...cores) as tf.Tensor2D;
}
