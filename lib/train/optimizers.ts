// Optimizers by name (tf.train.*) and setting the learning rate between epochs.
// tfjs's SGD and Momentum optimizers read the rate from a cached scalar that only
// setLearningRate() refreshes; Adam, Adadelta and RMSprop read the `learningRate` field.
// Momentum and Adam come as lib/native's fused subclasses: the same results, one native pass
// per variable on wasm with the addon, tfjs's own update everywhere else.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";
import { FusedAdamOptimizer, FusedMomentumOptimizer } from "../native/optimizers";

export type OptimizerSpec =
  | { name: "sgd"; lr: number; momentum?: number; nesterov?: boolean }
  | { name: "adam"; lr?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: "adadelta"; lr?: number; rho?: number; epsilon?: number }
  | { name: "rmsprop"; lr: number; decay?: number; momentum?: number; epsilon?: number; centered?: boolean };

/**
 * Builds a tf.train optimizer. Defaults follow PyTorch where the papers used it: Adam lr 1e-3
 * (0.9, 0.999, 1e-8); Adadelta lr 1, rho 0.9, eps 1e-6; RMSprop decay (alpha) 0.99, eps 1e-8.
 */
export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) fail(name, v, "a positive number");
  };
  switch (spec.name) {
    case "sgd":
      positive("optimizer.lr", spec.lr);
      if (spec.momentum !== undefined && !(spec.momentum >= 0 && spec.momentum < 1)) fail("optimizer.momentum", spec.momentum, "a number in [0, 1)");
      if (spec.nesterov && !spec.momentum) fail("optimizer.nesterov", true, "a positive momentum with it");
      return spec.momentum ? new FusedMomentumOptimizer(spec.lr, spec.momentum, spec.nesterov ?? false) : tf.train.sgd(spec.lr);
    case "adam":
      positive("optimizer.lr", spec.lr);
      return new FusedAdamOptimizer(spec.lr ?? 1e-3, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-8);
    case "adadelta":
      positive("optimizer.lr", spec.lr);
      return tf.train.adadelta(spec.lr ?? 1, spec.rho ?? 0.9, spec.epsilon ?? 1e-6);
    case "rmsprop":
      positive("optimizer.lr", spec.lr);
      return tf.train.rmsprop(spec.lr, spec.decay ?? 0.99, spec.momentum ?? 0, spec.epsilon ?? 1e-8, spec.centered ?? false);
    default:
      return fail("optimizer.name", (spec as { name: unknown }).name, '"sgd", "adam", "adadelta" or "rmsprop"');
  }
}

/** The optimizer's current learning rate. */
export function getLearningRate(opt: tf.Optimizer): number {
  const lr = (opt as unknown as { learningRate?: number }).learningRate;
  if (typeof lr !== "number") fail("optimizer", opt.getClassName(), "a tf.train optimizer with a learningRate");
  return lr;
}

/** Sets the learning rate so the next step uses it, whatever the optimizer class. */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) fail("learningRate", lr, "a positive number");
  const o = opt as unknown as { learningRate: number; setLearningRate?: (v: number) => void };
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * Frees an optimizer's state. tfjs's MomentumOptimizer.dispose skips the learning-rate scalar it
 * inherits from SGDOptimizer, so that one is freed here too.
 */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  const c = (opt as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}
