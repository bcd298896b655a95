// Momentum and Adam whose update runs as one native pass per variable on wasm with the addon
// (native/src/optim.cc), where tfjs-core's optimizers run 4 (Momentum; 6 with Nesterov) to 14 (Adam) elementwise
// kernels per variable, each a pass over the whole variable: on an 11.6 M-parameter net the update
// measured 25-30 % of a training step. The results are tfjs's bit for bit, so a run does not
// depend on whether the addon is built. The slot variables stay the base classes' own
// (accumulations, accumulatedFirstMoment, ...), so getWeights/setWeights, checkpoints and
// getClassName ("Momentum", "Adam": a saved config loads as tfjs's optimizer, whose update is the
// same) are unchanged; the classes are not registered for deserialization, as registering under
// the base names would replace tfjs's own classes.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { active } from "./addon";

export const APPLY_MOMENTUM_KERNEL = "TnApplyMomentum";
export const APPLY_ADAM_KERNEL = "TnApplyAdam";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
type Slot = { originalName: string; variable: tf.Variable };
type Grads = Parameters<tf.MomentumOptimizer["applyGradients"]>[0];

let ranNatively = 0;
/** How many variable updates ran natively (tests check the fused path, not the fallback, ran). */
export function nativeOptimizerCalls(): number {
  return ranNatively;
}

const off = (b: BackendWasm, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset;
const heap = (b: BackendWasm) => (b.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
const sizeOf = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);

// Inputs x, g, acc and the optimizer's scalars m and c (= -lr); outputs [x', acc'].
function momentumKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as BackendWasm;
  const { x, g, acc, m, c } = inputs as Record<string, tf.TensorInfo>;
  const outs = [b.makeOutput([...x.shape], "float32"), b.makeOutput([...x.shape], "float32")];
  const p = [off(b, x), off(b, g), off(b, acc), off(b, m), off(b, c), ...outs.map((o) => off(b, o)), sizeOf(x), attrs.nesterov ? 1 : 0];
  active()!.applyMomentum(heap(b), new Float64Array(p));
  return outs;
}

// Inputs x, g, m, v and the scalars accBeta1, accBeta2; outputs [x', m', v']. The attributes are
// the numbers tfjs turns into float32 scalars: β1, 1-β1, β2, 1-β2 (differences taken in double,
// as tfjs's `1 - this.beta1`), ε and -lr.
function adamKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as BackendWasm;
  const { x, g, m, v, accBeta1, accBeta2 } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as { beta1: number; beta2: number; epsilon: number; learningRate: number };
  const outs = [0, 1, 2].map(() => b.makeOutput([...x.shape], "float32"));
  const p = [off(b, x), off(b, g), off(b, m), off(b, v), off(b, accBeta1), off(b, accBeta2), ...outs.map((o) => off(b, o)), sizeOf(x)];
  p.push(a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.epsilon, -a.learningRate);
  active()!.applyAdam(heap(b), new Float64Array(p));
  return outs;
}

function register(): void {
  if (tf.getKernel(APPLY_MOMENTUM_KERNEL, "wasm")) return;
  tf.registerKernel({ kernelName: APPLY_MOMENTUM_KERNEL, backendName: "wasm", kernelFunc: momentumKernel as never });
  tf.registerKernel({ kernelName: APPLY_ADAM_KERNEL, backendName: "wasm", kernelFunc: adamKernel as never });
}

const namesOf = (grads: Grads) => (Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads));
const gradOf = (grads: Grads, name: string, i: number) => (Array.isArray(grads) ? grads[i].tensor : grads[name]);
const f32 = (t: tf.Tensor | undefined) => t === undefined || t === null || t.dtype === "float32";

/** The fused path can run: wasm, the addon on, every variable, gradient and slot float32 and the gradient shaped as its variable. */
function fusable(grads: Grads, slots: (Slot | undefined)[][]): boolean {
  if (tf.getBackend() !== "wasm" || !active()) return false;
  return namesOf(grads).every((name, i) => {
    const value = tf.engine().registeredVariables[name];
    const g = gradOf(grads, name, i);
    if (!value || !f32(value) || !f32(g) || (g && !tf.util.arraysEqual(g.shape, value.shape))) return false;
    return slots.every((s) => f32(s[i]?.variable));
  });
}

// tfjs's own slot variable for a variable seen the first time: zeros, not trainable.
const newSlot = (name: string, value: tf.Variable): Slot => ({ originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });

/** tf.train.momentum with a fused native update on wasm (same arguments, same results). */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override applyGradients(variableGradients: Grads): void {
    const self = this as unknown as { accumulations: Slot[]; m: tf.Scalar; c: tf.Scalar; useNesterov: boolean };
    if (!fusable(variableGradients, [self.accumulations])) return super.applyGradients(variableGradients);
    register();
    namesOf(variableGradients).forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulations[i] ??= newSlot(`${name}/momentum`, value);
      const g = gradOf(variableGradients, name, i);
      if (g == null) return;
      const acc = self.accumulations[i].variable;
      tf.tidy(() => {
        // this.m and this.c are the scalars tfjs's update reads (setLearningRate renews c).
        const inputs = { x: value, g, acc, m: self.m, c: self.c };
        const [x1, acc1] = tf.engine().runKernel(APPLY_MOMENTUM_KERNEL, inputs, { nesterov: self.useNesterov }) as tf.Tensor[];
        ranNatively++;
        acc.assign(acc1);
        value.assign(x1);
      });
    });
    this.incrementIterations();
  }

  // tfjs's MomentumOptimizer.dispose frees its momentum scalar and slots but not the learning-rate
  // scalar it inherits from SGDOptimizer: one tensor lost per optimizer (each fine-tuning run).
  override dispose(): void {
    super.dispose();
    (this as unknown as { c: tf.Scalar }).c.dispose();
  }
}

/** tf.train.adam with a fused native update on wasm (same arguments, same results). */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Grads): void {
    const self = this as unknown as { accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[]; accBeta1: tf.Variable; accBeta2: tf.Variable };
    const first = self.accumulatedFirstMoment;
    const second = self.accumulatedSecondMoment;
    if (!fusable(variableGradients, [first, second])) return super.applyGradients(variableGradients);
    register();
    // Read each step, as tfjs does: a learning rate set between steps takes effect.
    const attrs = { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate };
    tf.tidy(() => {
      namesOf(variableGradients).forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        first[i] ??= newSlot(`${name}/m`, value);
        second[i] ??= newSlot(`${name}/v`, value);
        const g = gradOf(variableGradients, name, i);
        if (g == null) return;
        const inputs = { x: value, g, m: first[i].variable, v: second[i].variable, accBeta1: self.accBeta1, accBeta2: self.accBeta2 };
        const [x1, m1, v1] = tf.engine().runKernel(APPLY_ADAM_KERNEL, inputs, attrs) as tf.Tensor[];
        ranNatively++;
        first[i].variable.assign(m1);
        second[i].variable.assign(v1);
        value.assign(x1);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
