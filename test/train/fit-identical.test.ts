// fit split into callbacks must give the same numbers as before for the same options: the runs of
// fit-fixture.ts (best-test with weight decay, schedule and augmentation; validation with early
// stopping; last with checkpoint and resume) against fit-fixture.json, recorded before the split,
// on the cpu backend (bit-identical: the same float32 weights, the same history numbers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CASES, runCase, type FixtureRun } from "./fit-fixture";

const recorded = JSON.parse(readFileSync(join(__dirname, "fit-fixture.json"), "utf8")) as Record<string, FixtureRun>;

for (const [name, c] of Object.entries(CASES)) {
  test(`fit gives the recorded numbers bit for bit: ${name}`, { timeout: 120000 }, async () => {
    const want = recorded[name];
    assert.ok(want, `fit-fixture.json has no run "${name}"`);
    const got = await runCase(c);
    assert.deepEqual(got.epochs, want.epochs);
    assert.deepEqual({ ...got, epochs: [] }, { ...want, epochs: [] });
  });
}
