// A small seeded musco.pretrain whose trained weights are hashed: imported by musco.test.ts, and
// run as a child process (`node --import tsx musco-repeat.ts`) to compare a fresh process with
// another wasm thread count against the test's own run.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { use } from "../../lib/backend";
import { ImageSet } from "../../lib/data/image-set";
import * as musco from "../../lib/experiments/musco";
import { rng } from "../../lib/random";

function randomSet(n: number, seed: number): ImageSet {
  const r = rng(seed);
  const images = Uint8Array.from({ length: n * 32 * 32 * 3 }, () => Math.floor(256 * r.next()));
  return new ImageSet({ name: "random", images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), shape: [n, 32, 32, 3], classes: Array.from({ length: 10 }, (_, i) => String(i)) });
}

const bytes = (ws: { dataSync(): ArrayLike<number> }[]) => ws.map((t) => Buffer.from((t.dataSync() as Float32Array).slice().buffer));

/** SHA-256 of VGG-S/2's weights after 2 epochs of seed-0 pre-training on 96 random images. */
export async function pretrainDigest(): Promise<string> {
  await use("wasm");
  const b: musco.Budget = { ...musco.budget("smoke"), train: 96, test: 32, pretrainEpochs: 2 };
  const data = { train: randomSet(96, 21), test: randomSet(32, 22) };
  const init = musco.vggS({ width: b.width, seed: 0 });
  const before = bytes(init.getWeights());
  init.dispose();
  const { model } = await musco.pretrain(data, b, 0);
  const after = bytes(model.getWeights());
  model.dispose();
  assert.ok(after.some((x, i) => !x.equals(before[i])), "training changed the weights");
  return createHash("sha256").update(Buffer.concat(after)).digest("hex");
}

if (require.main === module) {
  pretrainDigest().then((d) => console.log(`DIGEST ${d}`));
}
