import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { learningRateAt, makeOptimizer, setLearningRate, getLearningRate, type OptimizerSpec } from "../../lib/train";
import { backendUnderTest } from "../backends";

test("step and multi-step schedules change the rate at the right epochs", () => {
  // tt-conv: 0.1 for epochs 1-30, 0.01 for 31-60, 0.001 for 61-90, 1e-4 for 91-100.
  const step = { kind: "step" as const, every: 30, gamma: 0.1 };
  const at = (e: number) => learningRateAt(step, e, 0.1);
  assert.equal(at(1), 0.1);
  assert.equal(at(30), 0.1);
  assert.ok(Math.abs(at(31) - 0.01) < 1e-15);
  assert.ok(Math.abs(at(60) - 0.01) < 1e-15);
  assert.ok(Math.abs(at(61) - 0.001) < 1e-15);
  assert.ok(Math.abs(at(100) - 1e-4) < 1e-15);
  const ms = { kind: "multistep" as const, milestones: [2, 5], gamma: 0.5 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((e) => learningRateAt(ms, e, 1)), [1, 1, 0.5, 0.5, 0.5, 0.25]);
  assert.equal(learningRateAt((e, lr) => lr / e, 4, 1), 0.25);
  assert.equal(learningRateAt(undefined, 9, 0.3), 0.3);
});

test("every optimizer honours a learning rate changed between steps", async () => {
  await use(backendUnderTest("cpu"));
  const specs: OptimizerSpec[] = [
    { name: "sgd", lr: 0.3 },
    { name: "sgd", lr: 0.3, momentum: 0.9 },
    { name: "sgd", lr: 0.3, momentum: 0.9, nesterov: true },
    { name: "adam", lr: 0.3 },
    { name: "adadelta", lr: 0.3 },
    { name: "rmsprop", lr: 0.3, momentum: 0.5 },
  ];
  for (const spec of specs) {
    // Two steps at lr 0.3 then 0.05, against an optimizer built with 0.05 after one step at 0.3.
    const run = (switchTo: number) => {
      const x = tf.variable(tf.tensor1d([1, -2, 3]));
      const opt = makeOptimizer(spec);
      const f = () => tf.sum(tf.square(x)) as tf.Scalar;
      opt.minimize(f, false, [x]);
      setLearningRate(opt, switchTo);
      assert.equal(getLearningRate(opt), switchTo);
      opt.minimize(f, false, [x]);
      const v = Array.from(x.dataSync());
      x.dispose();
      opt.dispose();
      return v;
    };
    const changed = run(0.05);
    const kept = run(0.3);
    assert.notDeepEqual(changed, kept, `${spec.name}: the second step differs when the rate changes`);
    // With plain SGD the step is exactly lr · grad.
    if (spec.name === "sgd" && !spec.momentum) {
      // x1 = x0(1 - 2·0.3) = 0.4 x0; x2 = x1(1 - 2·0.05) = 0.9 x1
      assert.ok(changed.every((v, i) => Math.abs(v - [1, -2, 3][i] * 0.4 * 0.9) < 1e-6), `sgd: ${changed}`);
    }
  }
  assert.throws(() => makeOptimizer({ name: "sgd", lr: -1 }), /optimizer.lr = -1: expected a positive number/);
  assert.throws(() => makeOptimizer({ name: "nadam" } as never), /optimizer.name = "nadam"/);
});
