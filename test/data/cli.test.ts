import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../lib/cli/commands/data";
import { tempDir, writeCifarSet, writeIdxSet } from "./fixtures";
import { capture as captureConsole } from "../cli/capture";

const capture = (args: string[]) => captureConsole(() => run(args));

test("tnlab data check: reports counts and class counts of good data; refuses a set of the wrong size", async () => {
  const dir = writeCifarSet(tempDir(), 2);
  const r = await capture(["check", "cifar10", "--dir", dir]);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.err.includes(join(dir, "data_batch_1.bin")), r.err);
  assert.match(r.err, /2 records; expected 10000 records/);
  const m = await capture(["check", "mnist"]);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /train: 60000 images of 28x28x1, pixel values 0\.\.255, per class 5923 6742/);
});

test("tnlab data check: a bad file gives a non-zero exit naming it; bad usage exits 2", async () => {
  const dir = writeIdxSet(tempDir());
  const bad = join(dir, "t10k-images-idx3-ubyte");
  writeFileSync(bad, Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  const r = await capture(["check", "fashion-mnist", "--dir", dir]);
  assert.equal(r.code, 1);
  assert.ok(r.err.includes(bad), r.err);
  assert.match(r.err, /wrong magic number/);
  assert.equal((await capture(["check", "imagenet"])).code, 2);
  assert.equal((await capture(["fetch", "mnist"])).code, 2);
  assert.equal((await capture(["check", "cifar10", "--bogus"])).code, 2);
});
