// fetchDataset against a local HTTP server: nothing here reaches outside 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tar from "tar";
import { cifar10, fetchDataset } from "../../lib/data";
import { tempDir, writeCifarSet } from "./fixtures";

type Mode = "good" | "corrupt" | "drop";

async function withServer(body: Buffer, mode: Mode, fn: (base: string) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    if (req.url !== "/data/cifar-10-binary.tar.gz") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": body.length });
    if (mode === "good") res.end(body);
    else if (mode === "corrupt") {
      const bad = Buffer.from(body);
      bad[bad.length >> 1] ^= 0xff;
      res.end(bad);
    } else {
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => req.socket.destroy(), 20));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    await fn(`http://127.0.0.1:${port}/data/`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function archive(): Promise<{ body: Buffer; md5: string }> {
  const src = tempDir();
  writeCifarSet(src, 3);
  const file = join(src, "a.tar.gz");
  await tar.c({ gzip: true, file, cwd: src }, ["cifar-10-batches-bin"]);
  const body = readFileSync(file);
  return { body, md5: createHash("md5").update(body).digest("hex") };
}

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith(".tnlab-fetch"));

test("fetch cifar10: downloads, verifies the md5, unpacks into place; a second fetch finds it", async () => {
  const { body, md5 } = await archive();
  const dir = tempDir();
  await withServer(body, "good", async (base) => {
    const r = await fetchDataset("cifar10", { dir, baseUrl: base, checksums: { "cifar-10-binary.tar.gz": md5 }, quiet: true });
    assert.equal(r.downloaded, true);
    assert.equal(r.folder, join(dir, "cifar-10-batches-bin"));
    assert.equal(r.files[0].md5, md5);
    assert.equal(cifar10({ dir }).train.size, 15);
    assert.deepEqual(leftovers(dir), []);
    const again = await fetchDataset("cifar10", { dir, baseUrl: base, quiet: true });
    assert.equal(again.downloaded, false);
  });
});

test("fetch cifar10: a checksum mismatch is an error and leaves nothing in place", async () => {
  const { body, md5 } = await archive();
  const dir = tempDir();
  await withServer(body, "corrupt", async (base) => {
    await assert.rejects(
      fetchDataset("cifar10", { dir, baseUrl: base, checksums: { "cifar-10-binary.tar.gz": md5 }, quiet: true }),
      (err: Error) => {
        assert.match(err.message, /cifar-10-binary\.tar\.gz: failed its checksum: md5 [0-9a-f]{32}, expected [0-9a-f]{32}/);
        assert.match(err.message, /nothing was installed/);
        return true;
      },
    );
    // The official checksum is used when none is given: the generated archive does not match it.
    await assert.rejects(fetchDataset("cifar10", { dir, baseUrl: base, quiet: true }), /expected c32a1d4ab5d03f1284b67883e8d87530/);
  });
  assert.equal(existsSync(join(dir, "cifar-10-batches-bin")), false);
  assert.deepEqual(leftovers(dir), []);
});

test("fetch cifar10: a dropped connection is a clear error and leaves no partial folder", async () => {
  const { body, md5 } = await archive();
  const dir = tempDir();
  await withServer(body, "drop", async (base) => {
    await assert.rejects(
      fetchDataset("cifar10", { dir, baseUrl: base, checksums: { "cifar-10-binary.tar.gz": md5 }, quiet: true }),
      /cifar-10-binary\.tar\.gz: (the connection broke after \d+ bytes of \d+|received \d+ bytes, the server announced \d+)/,
    );
  });
  assert.equal(existsSync(join(dir, "cifar-10-batches-bin")), false);
  assert.deepEqual(leftovers(dir), []);
});

test("fetch: HTTP errors name the address", async () => {
  const { body } = await archive();
  await withServer(body, "good", async (base) => {
    await assert.rejects(fetchDataset("fashion-mnist", { dir: tempDir(), baseUrl: base, quiet: true }), /GET http:\/\/127\.0\.0\.1:\d+\/data\/train-images-idx3-ubyte\.gz: HTTP 404/);
  });
});
