// The transpose-free TT chain (ttApplyRows, TTDense's factored path on tensorflow and cpu) against
// the transposing chain (ttApply, its path on plain wasm): values and gradients of x and every
// core, on each backend this machine runs among cpu, wasm and tensorflow.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { available, use } from "../../lib/backend";
import { ttApply, ttApplyRows } from "../../lib/layers/tt-chain";
import { assertClose, randn } from "../backend/compare";

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
const CASES = [
  { m: [6], n: [5], r: [1, 1], batch: 3 },
  { m: [3, 5], n: [4, 2], r: [1, 3, 1], batch: 7 },
  { m: [2, 3, 4], n: [3, 2, 5], r: [1, 3, 2, 1], batch: 2 },
  { m: [2, 2, 8, 2, 16], n: [2, 2, 2, 8, 8], r: [1, 4, 4, 4, 4, 1], batch: 5 },
];

function both(c: (typeof CASES)[number], seed: number): Float32Array[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(randn([c.batch, prod(c.m)], seed), [c.batch, prod(c.m)]);
    const cores = c.m.map((mk, k) => tf.tensor(randn([c.r[k], mk, c.n[k], c.r[k + 1]], seed + 1 + k), [c.r[k], mk, c.n[k], c.r[k + 1]]));
    const g = tf.tensor2d(randn([c.batch, prod(c.n)], seed + 9), [c.batch, prod(c.n)]);
    const viaTranspose = (xx: tf.Tensor, ...cs: tf.Tensor[]) => ttApply(tf.transpose(tf.reshape(xx, [-1, c.m[0], prod(c.m.slice(1))]), [0, 2, 1]), cs, c.m, c.n, c.r);
    const viaRows = (xx: tf.Tensor, ...cs: tf.Tensor[]) => ttApplyRows(xx as tf.Tensor2D, cs, c.m, c.n, c.r);
    return [viaTranspose, viaRows].map((f) => {
      const y = f(x, ...cores);
      const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(f(ts[0], ...ts.slice(1)), g)))([x, ...cores]);
      return [y, ...grads].map((t) => t.dataSync() as Float32Array);
    });
  });
}

test("ttApplyRows equals ttApply: values and gradients of x and every core", { timeout: 120_000 }, async () => {
  const backends = (await available()).filter((b) => ["cpu", "wasm", "tensorflow"].includes(b));
  assert.ok(backends.includes("cpu"), "cpu is always available");
  for (const b of backends) {
    await use(b);
    let seed = 1;
    for (const c of CASES) {
      const [ref, got] = both(c, seed);
      assert.equal(got.length, c.m.length + 2);
      got.forEach((v, i) => assertClose(v, ref[i], `${b} ${JSON.stringify(c)} ${i === 0 ? "y" : i === 1 ? "dx" : `dcore_${i - 1}`}`, 1e-4, "rows"));
      seed += 20;
    }
  }
});
