// Child process of resume.test.ts: trains the small MNIST net with checkpoints.
// argv: mode (full | interrupt | resume), checkpoint dir, output file for the final weights.
import { writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { fit } from "../../lib/train";
import { mnistSmall, smallNet } from "./mnist-small";

async function main(): Promise<void> {
  const [mode, dir, out] = process.argv.slice(2);
  await use((process.env.TN_TEST_BACKEND as "wasm" | "cpu") ?? "wasm");
  const { train, test } = mnistSmall(1000, 500);
  const model = smallNet(5);
  const r = await fit(model, { train, test }, {
    epochs: 3,
    batchSize: 50,
    optimizer: { name: process.env.TN_TEST_OPT === "sgd" ? "sgd" : "adam", lr: process.env.TN_TEST_OPT === "sgd" ? 0.05 : 0.002, momentum: 0.9 } as never,
    schedule: { kind: "step", every: 2, gamma: 0.5 },
    augment: { padCrop: 2 },
    select: "last",
    seed: 9,
    checkpointDir: dir,
    resume: mode === "resume",
    progress: false,
    onBatch: async (b) => {
      if (mode === "interrupt" && b.epoch === 2 && b.batch === 5) {
        process.stdout.write("MID-EPOCH-2\n");
        await new Promise((r) => setTimeout(r, 60000));
      }
    },
  });
  const ws = model.getWeights();
  const parts = ws.map((w) => Buffer.from(Float32Array.from(w.dataSync()).buffer));
  writeFileSync(out, Buffer.concat(parts));
  writeFileSync(out + ".json", JSON.stringify(r.history));
  tf.disposeVariables();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
