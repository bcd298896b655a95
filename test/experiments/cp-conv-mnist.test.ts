// cp-conv-mnist: the exact counts behind Table 1's compression column, and the smoke run of the
// notebook through `tnlab reproduce`, which must record every Table 1 number.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import * as ex from "../../lib/experiments/cp-conv-mnist";
import { targets } from "../../lib/papers";
import { reproduceSmoke } from "./helpers";
import { backendUnderTest } from "../backends";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tnlab-cpconv-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("compression counts on the built models: 990 kernel weights against 43R factor weights, for R = 1..12", async () => {
  await use(backendUnderTest("cpu"));
  for (let rank = 1; rank <= 12; rank++) {
    const c = ex.compressionRatio(rank);
    assert.equal(c.base, 990);
    assert.equal(c.cp, 43 * rank, `rank ${rank}`);
  }
  const rounded = ex.TABLE_RANKS.map((r) => Number(ex.compressionRatio(r).ratio.toFixed(1)));
  assert.deepEqual(rounded, [7.7, 3.8, 2.6]);
});

test("NetTens differs from NetBase only in its two convolutions", async () => {
  await use(backendUnderTest("cpu"));
  const before = tf.memory().numTensors;
  const base = ex.cpNet(3);
  const names = base.layers.map((l) => `${l.name}:${l.getClassName()}`);
  assert.deepEqual(names, ["conv1:CPConv2D", "conv2:CPConv2D", "pool:MaxPooling2D", "flatten:Flatten", "fc1:Dense", "fc2:Dense"]);
  assert.deepEqual(base.outputs[0].shape, [null, 10]);
  base.dispose();
  assert.equal(tf.memory().numTensors, before, "building and disposing leaves no tensors");
  assert.throws(() => ex.cpNet(0), /rank.*0.*positive integer/);
});

/** Smoke accuracy floor (%): 2.5 times chance, with margin below the seeded smoke run. */
const SMOKE_FLOOR = 25;

test("tnlab reproduce --profile smoke --only cp-conv-mnist records every Table 1 number, and the smoke training learned", { timeout: 240_000 }, () => {
  const out = join(dir, "results");
  const byId = reproduceSmoke("cp-conv-mnist", out, 230_000);
  for (const t of targets("cp-conv-mnist")) {
    const rec = byId.get(t.id);
    assert.ok(rec, `${t.id} recorded`);
    assert.equal(rec.profile, "smoke");
    if (t.unit === "%") assert.ok(rec.value >= 0 && rec.value <= 100, `${t.id} = ${rec.value} is a percentage`);
    else assert.equal(rec.value, t.value, `${t.id}: the counts are exact`);
  }
  // One epoch on 1,000 MNIST images: the seeded smoke run on wasm gives the base CNN 39.9 % and the
  // best CP net (rank 6) 41.0 %, against 10 % for chance. A floor of 25 % fails a run that learned nothing.
  const base = byId.get("cpconv.base.acc")!.value;
  const bestCp = Math.max(...["cpconv.cp_r3.acc", "cpconv.cp_r6.acc", "cpconv.cp_r9.acc"].map((id) => byId.get(id)!.value));
  assert.ok(base >= SMOKE_FLOOR, `base CNN ${base} % should clear ${SMOKE_FLOOR} %`);
  assert.ok(bestCp >= SMOKE_FLOOR, `best CP net ${bestCp} % should clear ${SMOKE_FLOOR} %`);
  assert.ok(existsSync(join(out, "30-cp-conv-mnist.ipynb")), "the executed notebook is written");
});
