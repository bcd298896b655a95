// The fused optimizer updates (native/src/optim.cc through lib/native/optimizers.ts): over 20
// steps on variables of 1, 7, 4099 and 300003 elements (the last two above one SIMD block with a
// ragged tail, the last above the threading threshold), the variables and slot variables equal,
// bit for bit, what tfjs's own optimizers give on wasm with the addon switched off, for Momentum
// (with and without Nesterov) and Adam, with the learning rate changed mid-run. Also: resuming
// from getWeights/setWeights, a flat tensor count, the native kernel really running, and the
// fallback on cpu. Skipped when the addon is not built (TN_NATIVE=0 or no OpenBLAS).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { addon, FusedAdamOptimizer, FusedMomentumOptimizer, nativeOptimizerCalls, setNativeEnabled } from "../../lib/native";
import { rng } from "../../lib/random";
import { setLearningRate } from "../../lib/train/optimizers";

const skip = addon() ? false : "the native addon is not built or TN_NATIVE=0";
const SHAPES = [[1], [7, 1], [4099], [3, 100001]];
const STEPS = 20;
const LR_CHANGE_AT = 10;

type Kind = "momentum" | "nesterov" | "adam";
const KINDS: Kind[] = ["momentum", "nesterov", "adam"];

function makeOpt(kind: Kind, fused: boolean): tf.Optimizer {
  if (kind === "adam") return fused ? new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-8) : tf.train.adam(0.01, 0.9, 0.999, 1e-8);
  const nesterov = kind === "nesterov";
  return fused ? new FusedMomentumOptimizer(0.05, 0.9, nesterov) : tf.train.momentum(0.05, 0.9, nesterov);
}

// Gradients over ten orders of magnitude, so products and quotients round in many ways.
function gradient(shape: number[], seed: number): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r.normal() * 10 ** (r.next() * 10 - 7)), shape);
}

let runId = 0;
/** Variables with seeded values, trained `steps` steps from `from` with seeded gradients by `opt`. */
function makeVars(seed: number): tf.Variable[] {
  const id = runId++;
  return SHAPES.map((s, k) => {
    const r = rng(seed + k);
    const n = s.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(Float32Array.from({ length: n }, () => r.normal()), s), true, `optim_test_${id}_${k}`);
  });
}

function train(opt: tf.Optimizer, vars: tf.Variable[], from: number, to: number, lrChange = true): void {
  for (let step = from; step < to; step++) {
    if (lrChange && step === LR_CHANGE_AT) setLearningRate(opt, 0.3 * (opt as unknown as { learningRate: number }).learningRate);
    const grads = tf.tidy(() => Object.fromEntries(vars.map((v, k) => [v.name, gradient(v.shape, 1000 * step + k)])));
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
}

/** Plain copies of the variables and every slot variable (getWeights order), then frees them all. */
async function snapshot(opt: tf.Optimizer, vars: tf.Variable[]): Promise<Float32Array[]> {
  const slots = (await opt.getWeights()).slice(1).map((w) => w.tensor);
  const out = [...vars, ...slots].map((t) => t.dataSync() as Float32Array);
  tf.dispose(vars);
  opt.dispose();
  return out;
}

async function run(kind: Kind, fused: boolean, native: boolean, seed: number, lrChange = true): Promise<Float32Array[]> {
  setNativeEnabled(native);
  try {
    const opt = makeOpt(kind, fused);
    const vars = makeVars(seed);
    train(opt, vars, 0, STEPS, lrChange);
    return await snapshot(opt, vars);
  } finally {
    setNativeEnabled(true);
  }
}

function assertBitEqual(got: Float32Array[], want: Float32Array[], what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} tensors, expected ${want.length}`);
  got.forEach((g, t) => {
    assert.equal(g.length, want[t].length, `${what}, tensor ${t}: length`);
    const a = new Uint32Array(g.buffer, g.byteOffset, g.length);
    const b = new Uint32Array(want[t].buffer, want[t].byteOffset, want[t].length);
    const i = a.findIndex((x, j) => x !== b[j]);
    assert.equal(i, -1, `${what}, tensor ${t} (of ${g.length}) element ${i}: ${g[i]} against ${want[t][i]}`);
  });
}

for (const kind of KINDS) {
  test(`fused ${kind}: bit-identical to tfjs's own on wasm without the addon, the learning rate changed at step ${LR_CHANGE_AT}`, { skip, timeout: 300_000 }, async () => {
    await use("wasm");
    const before = nativeOptimizerCalls();
    const got = await run(kind, true, true, 7);
    assert.equal(nativeOptimizerCalls() - before, STEPS * SHAPES.length, "every variable update ran natively");
    const want = await run(kind, false, false, 7);
    // variables, then one (momentum) or two (Adam) slots per variable
    assert.equal(got.length, SHAPES.length * (kind === "adam" ? 3 : 2));
    assertBitEqual(got, want, kind);
    // The change must show: without it the run ends elsewhere.
    const unchanged = await run(kind, true, true, 7, false);
    assert.notDeepEqual(unchanged[3], got[3], "the learning-rate change made no difference");
  });
}

for (const kind of KINDS) {
  test(`fused ${kind}: getWeights, setWeights into a fresh optimizer and going on equals tfjs's own doing the same`, { skip, timeout: 300_000 }, async () => {
    await use("wasm");
    const resumed = async (fused: boolean, native: boolean) => {
      setNativeEnabled(native);
      try {
        const vars = makeVars(11);
        const first = makeOpt(kind, fused);
        train(first, vars, 0, STEPS / 2);
        const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
        first.dispose();
        const second = makeOpt(kind, fused);
        await second.setWeights(saved);
        tf.dispose(saved.map((w) => w.tensor));
        train(second, vars, STEPS / 2, STEPS);
        return await snapshot(second, vars);
      } finally {
        setNativeEnabled(true);
      }
    };
    const got = await resumed(true, true);
    assertBitEqual(got, await resumed(false, false), `${kind} resumed`);
    const straight = await run(kind, true, true, 11);
    if (kind === "adam") {
      // tfjs's AdamOptimizer.setWeights recomputes β^t as pow(β, t + 1), which may differ in the
      // last bit from the running product an uninterrupted run keeps: close, not identical.
      got.forEach((g, t) => g.forEach((x, i) => assert.ok(Math.abs(x - straight[t][i]) <= 1e-5 * Math.max(1, Math.abs(straight[t][i])), `adam resumed, tensor ${t} element ${i}: ${x} against ${straight[t][i]}`)));
    } else {
      assertBitEqual(got, straight, `${kind} resumed against uninterrupted`);
    }
  });
}

test("fused optimizers: the tensor count stays flat over 50 steps", { skip, timeout: 300_000 }, async () => {
  await use("wasm");
  setNativeEnabled(true);
  for (const kind of KINDS) {
    const opt = makeOpt(kind, true);
    const vars = makeVars(3);
    train(opt, vars, 0, 1, false);
    const after1 = tf.memory().numTensors;
    const calls = nativeOptimizerCalls();
    train(opt, vars, 1, 50, false);
    assert.equal(nativeOptimizerCalls() - calls, 49 * SHAPES.length, `${kind}: the native path ran`);
    assert.equal(tf.memory().numTensors, after1, `${kind}: tensors after 50 steps against after 1`);
    tf.dispose(vars);
    opt.dispose();
  }
});

test("fused optimizers fall back to tfjs's own on cpu and match it", { timeout: 300_000 }, async () => {
  await use("cpu");
  for (const kind of KINDS) {
    const before = nativeOptimizerCalls();
    const got = await run(kind, true, true, 5);
    assert.equal(nativeOptimizerCalls(), before, `${kind}: no native call on cpu`);
    assertBitEqual(got, await run(kind, false, true, 5), `${kind} on cpu`);
  }
  await use("wasm");
});

test("fused optimizers: dispose frees every tensor they made, the learning rate's too", { timeout: 300_000 }, async () => {
  await use("cpu");
  for (const kind of KINDS) {
    const vars = makeVars(3);
    const before = tf.memory().numTensors;
    const opt = makeOpt(kind, true);
    train(opt, vars, 0, 3, false);
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, `${kind}: tensors after dispose against before the optimizer`);
    tf.dispose(vars);
  }
});
