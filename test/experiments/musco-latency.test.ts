// musco.latencyTarget end to end on an untrained VGG-S/2 and random images (no dataset needed, no
// fine-tuning): every reached target's prediction is at or below it, the ranks stay within the
// layers' sizes, a target below the grid's fastest is reported and not run, bad targets are
// named, and no tensor is left. No timing assertions (the measured column is only reported).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { ImageSet } from "../../lib/data/image-set";
import * as musco from "../../lib/experiments/musco";
import { latencyTarget } from "../../lib/experiments/musco-latency";
import { rng } from "../../lib/random";
import { backendUnderTest } from "../backends";

function randomSet(n: number, seed: number): ImageSet {
  const r = rng(seed);
  const images = Uint8Array.from({ length: n * 32 * 32 * 3 }, () => Math.floor(256 * r.next()));
  return new ImageSet({ name: "random", images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), shape: [n, 32, 32, 3], classes: Array.from({ length: 10 }, (_, i) => String(i)) });
}

test("latencyTarget: predictions ≤ targets, ranks within the layers, unreachable targets reported, bad targets named, no tensor left", { timeout: 600_000 }, async () => {
  await use(backendUnderTest("cpu"));
  const b = musco.budget("smoke");
  const data = { train: randomSet(32, 1), test: randomSet(32, 2) };
  const base = musco.vggS({ width: 0.5, seed: 0 });
  const before = tf.memory().numTensors;
  const grid = { fractions: [0.25, 0.5, 1] };
  const r = await latencyTarget(base, data, b, { grid, ftImages: 0, baseAcc: 10 });
  assert.equal(r.rows.length, 3);
  assert.ok(r.fastestMs <= r.dense.predictedMs + 1e-9);
  for (const row of r.rows) {
    assert.equal(row.unreachable, undefined, row.target);
    assert.ok(row.predictedMs <= row.targetMs + 1e-9, `${row.target}: predicted ${row.predictedMs}`);
    assert.ok(row.targetMs >= r.fastestMs - 1e-9);
    for (const s of row.stages) assert.ok(s.predictedMs <= s.targetMs + 1e-9);
    const convs: Record<string, [number, number]> = { conv1_2: [16, 16], conv2_1: [16, 32], conv2_2: [32, 32], conv3_1: [32, 64], conv3_2: [64, 64] };
    for (const [l, [cin, cout]] of Object.entries(convs)) {
      const rk = row.ranks[l];
      assert.ok(rk.length === 0 || (rk.length === 2 && rk[0] >= 1 && rk[0] <= cin && rk[1] >= 1 && rk[1] <= cout), `${l}: ${rk}`);
    }
    assert.ok(row.ranks.fc1.length === 0 || (row.ranks.fc1[0] >= 1 && row.ranks.fc1[0] <= 128));
  }
  const low = await latencyTarget(base, data, b, { grid, ftImages: 0, baseAcc: 10, targets: [{ ms: 1e-6 }] });
  assert.match(low.rows[0].unreachable ?? "", /below the fastest the grid allows/);
  await assert.rejects(latencyTarget(base, data, b, { grid, ftImages: 0, baseAcc: 10, targets: [{ fraction: 2 }] }), /target.fraction = 2: expected a fraction of the reference latency in \(0, 1\]/);
  assert.equal(tf.memory().numTensors, before);
  base.dispose();
});
