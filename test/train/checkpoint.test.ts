// Checkpoint faults: damaged bytes, a damaged header, a failed write, and the fallback to the
// previous checkpoint when the newest cannot be used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { fit, loadCheckpoint, previousCheckpointFile, readCheckpoint, writeAtomic, writeCheckpoint } from "../../lib/train";
import { mnistSmall, smallNet } from "./mnist-small";

const root = join(__dirname, "..", "..");

function weights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

async function train(dir: string, epochs: number, resume: boolean, perEpoch?: Float32Array[][]): Promise<tf.LayersModel> {
  const { train } = mnistSmall(500, 200);
  const model = smallNet(3, 16);
  await fit(model, { train }, {
    epochs,
    batchSize: 50,
    optimizer: { name: "adam", lr: 0.002 },
    seed: 4,
    select: "last",
    checkpointDir: dir,
    resume,
    progress: false,
    onEpoch: () => {
      perEpoch?.push(weights(model));
    },
  });
  return model;
}

/** Flips `count` bytes at `at` (from the end when negative) in place, so files over 2 GiB work too. */
function flipBytes(file: string, at: number, count: number): void {
  const start = at < 0 ? statSync(file).size + at : at;
  const fd = openSync(file, "r+");
  try {
    const b = Buffer.alloc(count);
    readSync(fd, b, 0, count, start);
    for (let i = 0; i < count; i++) b[i] ^= 0xff;
    writeSync(fd, b, 0, count, start);
  } finally {
    closeSync(fd);
  }
}

function withWarnings<T>(f: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(" "));
  return f()
    .then((value) => ({ value, warnings }))
    .finally(() => (console.warn = orig));
}

test("flipped weight bytes in the newest checkpoint: resume takes the previous epoch's weights and warns naming the file", { timeout: 120000 }, async () => {
  await use("wasm");
  const dir = mkdtempSync(join(tmpdir(), "tn-ckpt-"));
  const perEpoch: Float32Array[][] = [];
  (await train(dir, 2, false, perEpoch)).dispose();
  const file = join(dir, "checkpoint.tnckpt");
  assert.ok(existsSync(previousCheckpointFile(file)), "the previous checkpoint is kept");
  // Damage the first model weight's values: the data section follows the 12-byte head and the
  // JSON header, padded to 4 bytes.
  const headerLen = readFileSync(file).readUInt32LE(8);
  flipBytes(file, 12 + headerLen + ((4 - ((12 + headerLen) % 4)) % 4) + 400, 16);
  assert.throws(() => readCheckpoint(file), (e: Error) => e.message.includes(file) && /checksum/.test(e.message));

  const { value: model, warnings } = await withWarnings(() => train(dir, 1, true));
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[1], /moved the damaged .*checkpoint\.damaged\.tnckpt/);
  assert.ok(warnings[0].includes(file), warnings[0]);
  assert.ok(warnings[0].includes(previousCheckpointFile(file)), warnings[0]);
  assert.match(warnings[0], /epoch 1/);
  const got = weights(model);
  assert.equal(got.length, perEpoch[0].length);
  got.forEach((w, i) => assert.deepEqual(w, perEpoch[0][i], `weight ${i} equals epoch 1's`));
  assert.ok(got.some((w, i) => !w.every((v, j) => v === perEpoch[1][i][j])), "and not epoch 2's");
  model.dispose();

  // Training on from the fallback writes a good epoch-2 checkpoint; the damaged one, moved aside,
  // never becomes the "previous" checkpoint.
  assert.ok(existsSync(join(dir, "checkpoint.damaged.tnckpt")));
  const { value: again, warnings: w2 } = await withWarnings(() => train(dir, 2, true));
  again.dispose();
  assert.equal(w2.length, 1, w2.join("\n"));
  assert.match(w2[0], /missing/);
  const ck = readCheckpoint(file)!;
  assert.equal(ck.header.epoch, 2);
  ck.optimizer.forEach((o) => o.tensor.dispose());
  const prev = readCheckpoint(previousCheckpointFile(file))!;
  assert.equal(prev.header.epoch, 1, "the previous checkpoint is still the good epoch-1 one");
  prev.optimizer.forEach((o) => o.tensor.dispose());
});

test("a damaged header or both checkpoints damaged: errors name the files", { timeout: 60000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tn-ckpt-"));
  const file = join(dir, "checkpoint.tnckpt");
  const snap = { names: ["w"], shapes: [[3]], dtypes: ["float32" as const], values: [Float32Array.from([1, 2, 3])] };
  const none = { names: [], shapes: [], dtypes: [], values: [] };
  const header = (epoch: number) => ({
    epoch,
    seed: 0,
    history: { epochs: [], selection: "last" as const, bestEpoch: 0, bestMetric: 0, planned: 2, stoppedEarly: false, seconds: 0 },
    optimizer: { className: "SGD", learningRate: 0.1 },
  });
  writeCheckpoint(file, header(1), snap, none, undefined);
  writeCheckpoint(file, header(2), snap, none, undefined);
  assert.equal(readCheckpoint(previousCheckpointFile(file))!.header.epoch, 1);

  // Damage the JSON header: "{" at byte 12 becomes something else.
  const b = readFileSync(file);
  b[12] = 0x00;
  writeFileSync(file, b);
  assert.throws(() => readCheckpoint(file), (e: Error) => e.message.startsWith(file) && /checksum/.test(e.message));
  // A first-format file (no checksum) with a damaged header: the JSON error names the file.
  const v1 = Buffer.from(b.subarray(0, b.length - 32));
  v1.write("TNCKPT01", 0, "latin1");
  const v1file = join(dir, "old.tnckpt");
  writeFileSync(v1file, v1);
  assert.throws(() => readCheckpoint(v1file), (e: Error) => e.message.startsWith(v1file) && /damaged checkpoint header/.test(e.message));

  flipBytes(previousCheckpointFile(file), -40, 1);
  assert.throws(
    () => loadCheckpoint(file, () => assert.fail("no warning when nothing can be used")),
    (e: Error) => e.message.includes(file) && e.message.includes(previousCheckpointFile(file)),
  );
});

test("a checkpoint missing after a crash between its two renames: the previous one is used", { timeout: 60000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tn-ckpt-"));
  const file = join(dir, "checkpoint.tnckpt");
  const snap = { names: ["w"], shapes: [[2]], dtypes: ["float32" as const], values: [Float32Array.from([5, 6])] };
  const none = { names: [], shapes: [], dtypes: [], values: [] };
  const h = { epochs: [], selection: "last" as const, bestEpoch: 0, bestMetric: 0, planned: 2, stoppedEarly: false, seconds: 0 };
  writeCheckpoint(previousCheckpointFile(file), { epoch: 1, seed: 0, history: h, optimizer: { className: "SGD", learningRate: 0.1 } }, snap, none, undefined);
  const warnings: string[] = [];
  const r = loadCheckpoint(file, (m) => warnings.push(m))!;
  assert.equal(r.file, previousCheckpointFile(file));
  assert.deepEqual(Array.from(r.checkpoint.model[0]), [5, 6]);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].includes(file));
  assert.equal(loadCheckpoint(join(dir, "other.tnckpt")), undefined, "no checkpoint at all: a fresh start");
});

test("a write that fails (file size limit, as on a full disk) names the file and leaves no temp file", { timeout: 60000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tn-write-"));
  const file = join(dir, "checkpoint.tnckpt");
  // ulimit -f counts 1024-byte blocks; node ignores SIGXFSZ, so the write fails with EFBIG.
  const r = spawnSync("bash", ["-c", `ulimit -f 64 && exec "$0" --import tsx test/train/write-child.ts "$1"`, process.execPath, file], {
    cwd: root,
    encoding: "utf8",
    timeout: 50000,
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(got.ok, false);
  assert.equal(got.code, "EFBIG");
  assert.ok(got.message.includes(file), got.message);
  assert.deepEqual(readdirSync(dir), [], "no temp file and no partial file left");

  // A rename that fails (the target is a non-empty folder): same cleanup.
  const target = join(dir, "taken");
  mkdirSync(join(target, "inside"), { recursive: true });
  assert.throws(() => writeAtomic(target, "x"), (e: Error) => e.message.includes(target));
  assert.deepEqual(readdirSync(dir), ["taken"]);
});

test("a checkpoint over 2 GiB (one hash update and one readFileSync are capped there) is written, verified and read back", { timeout: 600000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tn-big-"));
  try {
    const file = join(dir, "checkpoint.tnckpt");
    // 2.2e9 bytes in all; tensor sizes not multiples of the read chunk, so tensors straddle chunks.
    const a = Int32Array.from([7, -8, 9]);
    const b = new Float32Array(300_000_001);
    for (let i = 0; i < b.length; i++) b[i] = i;
    const c = new Float32Array(250_000_000);
    for (let i = 0; i < c.length; i++) c[i] = -0.5 * i;
    const model = { names: ["a", "b"], shapes: [[3], [b.length]], dtypes: ["int32", "float32"] as ("int32" | "float32")[], values: [a, b] };
    const opt = { names: ["c"], shapes: [[c.length]], dtypes: ["float32"] as ("int32" | "float32")[], values: [c] };
    const history = { epochs: [], selection: "last" as const, bestEpoch: 0, bestMetric: 0, planned: 1, stoppedEarly: false, seconds: 0 };
    writeCheckpoint(file, { epoch: 1, seed: 3, history, optimizer: { className: "SGD", learningRate: 0.1 } }, model, opt, undefined);
    assert.ok(statSync(file).size > 2 ** 31, `the file has ${statSync(file).size} bytes`);

    const ck = readCheckpoint(file)!;
    const same = (x: Float32Array | Int32Array, y: Float32Array | Int32Array) =>
      x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    assert.deepEqual(Array.from(ck.model[0]), [7, -8, 9]);
    assert.ok(ck.model[0] instanceof Int32Array);
    assert.ok(same(ck.model[1], b), "the 1.2 GB tensor reads back bit for bit");
    const cBack = ck.optimizer[0].tensor.dataSync() as Float32Array;
    assert.ok(same(cBack, c), "the 1.0 GB tensor past 2 GiB reads back bit for bit");
    tf.dispose(ck.optimizer.map((o) => o.tensor));

    // One flipped byte past 2 GiB is found by the checksum.
    flipBytes(file, 2 ** 31 + 12345, 1);
    assert.throws(() => readCheckpoint(file), (e: Error) => e.message.startsWith(file) && /checksum/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
