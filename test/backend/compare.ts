// What the kernel tests share: seeded inputs, running one computation on a backend, and the
// relative comparison of its values against the cpu backend's.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { rng } from "../../lib/random";

export function randn(shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** Largest |actual - expected| relative to the largest |expected|; `label` names the side under test in the message. */
export function assertClose(actual: Float32Array | number[], expected: Float32Array | number[], what: string, tol = 1e-4, label = "wasm"): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assert.ok(diff / scale <= tol, `${what}: max |${label} - cpu| = ${diff} against a scale of ${scale}`);
}

/** Runs `fn` on a backend and returns plain copies of its outputs. */
export async function on(backend: "cpu" | "wasm", fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await use(backend);
  const outs = tf.tidy(fn);
  const vals = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return vals;
}
