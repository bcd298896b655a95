// AvgPoolGrad against finite differences of AvgPool itself, on every backend present: tfjs 4.22's
// cpu and wasm kernels divide by the window area where the forward pass divides by the cells
// inside the input; tn corrects them (lib/backend/avg-pool-grad).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { avgPoolWindowScale } from "../../lib/backend/avg-pool-grad";
import { ttConvBaseline } from "../../lib/models/tt-conv";
import { resnet18Cifar } from "../../lib/models/resnet18";
import { cpConvMnistBase } from "../../lib/models/cp-conv-mnist";
import { rng } from "../../lib/random";
import { onEachBackend } from "../backends";

type Pad = "same" | "valid" | number;
interface Case { x: [number, number, number, number]; f: number | [number, number]; s: number | [number, number]; pad: Pad }

const CASES: Case[] = [
  { x: [1, 5, 5, 1], f: 3, s: 2, pad: "same" }, // windows overlap both borders
  { x: [2, 6, 7, 3], f: 2, s: 1, pad: "same" }, // the last row / column of windows is cut
  { x: [1, 6, 6, 2], f: [2, 3], s: [2, 1], pad: "same" },
  { x: [1, 4, 5, 1], f: 3, s: 1, pad: 1 }, // numeric padding
  { x: [2, 6, 6, 2], f: 2, s: 2, pad: "valid" }, // no border: was right before, stays right
];

function values(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => r.normal());
}

/**
 * The gradient of sum(avgPool(x) ⊙ g) by the backend, and by central differences of the same
 * backend's forward pass. AvgPool is linear in x, so the difference quotient is exact up to float32
 * rounding.
 */
function gradAndFd(c: Case): { grad: Float32Array; fd: Float64Array } {
  const n = c.x.reduce((a, b) => a * b, 1);
  const xv = values(n, 1);
  const outShape = tf.tidy(() => tf.avgPool(tf.zeros(c.x) as tf.Tensor4D, c.f, c.s, c.pad).shape);
  const g = tf.tensor(values(outShape.reduce((a, b) => a * b, 1), 2), outShape);
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, c.f, c.s, c.pad), g));
  const grad = tf.tidy(() => tf.grad(f)(tf.tensor4d(xv, c.x)).dataSync() as Float32Array);
  const fd = new Float64Array(n);
  const h = 0.5;
  for (let i = 0; i < n; i++) {
    const p = xv.slice();
    const m = xv.slice();
    p[i] += h;
    m[i] -= h;
    fd[i] = tf.tidy(() => (f(tf.tensor4d(p, c.x)).dataSync()[0] - f(tf.tensor4d(m, c.x)).dataSync()[0]) / (2 * h));
  }
  g.dispose();
  return { grad, fd };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test("AvgPoolGrad equals finite differences of AvgPool: 'same', numeric and 'valid' padding, on each backend", async (t) => {
  await onEachBackend(t, ["cpu", "wasm", "tensorflow"], async (backend) => {
    await use(backend);
    const before = tf.memory().numTensors;
    for (const c of CASES) {
      if (backend === "tensorflow" && typeof c.pad === "number") {
        // tfjs-node's pooling takes only 'same' and 'valid': a difference between backends,
        // checked here so it is known (no model here pools with numeric padding).
        assert.throws(() => tf.tidy(() => tf.avgPool(tf.zeros(c.x) as tf.Tensor4D, c.f, c.s, c.pad)), /supports only 'valid' and 'same' padding/);
        continue;
      }
      const { grad, fd } = gradAndFd(c);
      const d = maxDiff(grad, fd);
      assert.ok(d < 1e-4, `${backend} ${JSON.stringify(c)}: max |grad - finite difference| = ${d}`);
    }
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  });
});

test("tfjs's own cpu AvgPoolGrad (uniform 1/area) disagrees with finite differences where windows are cut: the bug tn corrects", async () => {
  await use("cpu");
  // Apply the uncorrected formula by undoing the correction: scale the input gradient g back by
  // count/area. If tfjs ever fixes its kernel, the corrected gradient would then be wrong and the
  // test above fails: that is the signal to drop lib/backend/avg-pool-grad.
  const c = CASES[0];
  const { grad, fd } = gradAndFd(c);
  const s = avgPoolWindowScale(c.x, c.f, c.s, c.pad)!;
  assert.ok(s, "the 5x5 / 3x3 / stride 2 / same case has cut windows");
  assert.deepEqual([s.outH, s.outW], [3, 3]);
  // Corner window: rows -1..1 and cols -1..1 hold 4 cells: scale 9/4. Centre: 9 cells, scale 1.
  assert.equal(s.scale[0], 9 / 4);
  assert.equal(s.scale[4], 1);
  assert.ok(maxDiff(grad, fd) < 1e-4);
  const uniform = tf.tidy(() => {
    const outShape = [1, s.outH, s.outW, 1];
    const g = tf.tensor(values(9, 2), outShape);
    const gUnscaled = tf.div(g, tf.tensor(s.scale, outShape));
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, c.f, c.s, c.pad), gUnscaled));
    return tf.grad(f)(tf.tensor4d(values(25, 1), c.x)).dataSync();
  });
  // The uniform kernel's gradient for g is the corrected gradient for g / scale.
  assert.ok(maxDiff(uniform, fd) > 0.05, `the uniform 1/area gradient should miss finite differences; max diff ${maxDiff(uniform, fd)}`);
});

test("no model in lib/models average-pools over cut windows (so trained results did not depend on the bug)", async () => {
  await use("cpu");
  const models: [string, tf.LayersModel][] = [
    ["tt-conv conv", ttConvBaseline("conv")],
    ["tt-conv conv-fc", ttConvBaseline("conv-fc")],
    ["resnet18", resnet18Cifar()],
    ["cp-conv-mnist", cpConvMnistBase()],
  ];
  let pools = 0;
  for (const [name, m] of models) {
    for (const l of m.layers) {
      const cls = l.getClassName();
      if (cls !== "AveragePooling2D") continue;
      pools++;
      const cfg = l.getConfig() as { poolSize: [number, number]; strides: [number, number]; padding: Pad };
      const inShape = l.inputSpec?.[0]?.shape ?? (l.input as tf.SymbolicTensor).shape;
      const shape = [1, inShape[1]!, inShape[2]!, inShape[3]!] as [number, number, number, number];
      assert.equal(avgPoolWindowScale(shape, cfg.poolSize, cfg.strides, cfg.padding), undefined, `${name} ${l.name}: ${JSON.stringify(cfg)} on ${JSON.stringify(shape)}`);
    }
    m.dispose();
  }
  assert.ok(pools >= 1, "tt-conv's average pool was checked");
});
