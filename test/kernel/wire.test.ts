// The wire format shared by kernel and client, and the JavaScript→TypeScript line matching
// behind cell tracebacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { ROOT } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const wire = require(join(ROOT, "kernel", "wire.js"));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const cellErrors = require(join(ROOT, "kernel", "cell-errors.js"));

test("messages round-trip with an HMAC-SHA256 signature over the four JSON parts", () => {
  const msg = { header: wire.header("execute_request", "s1"), parent_header: {}, metadata: {}, content: { code: "1" } };
  const frames = wire.encode("secret", msg, [Buffer.from("id")]);
  assert.equal(frames[0].toString(), "id");
  assert.equal(frames[1].toString(), "<IDS|MSG>");
  const h = createHmac("sha256", "secret");
  for (const f of frames.slice(3, 7)) h.update(f);
  assert.equal(frames[2].toString(), h.digest("hex"));
  const back = wire.decode("secret", frames);
  assert.deepEqual(back.content, { code: "1" });
  assert.equal(back.header.msg_type, "execute_request");
  assert.equal(back.header.version, "5.3");
  assert.equal(back.identities[0].toString(), "id");
  const tampered = [...frames];
  tampered[6] = Buffer.from('{"code":"2"}');
  assert.throws(() => wire.decode("secret", tampered), /invalid HMAC/);
  assert.equal(wire.sign("", [Buffer.from("x")]), "", "an empty key means unsigned messages");
});

test("a JavaScript line maps to the cell line sharing its identifiers and literals", () => {
  const ts = ["const a: number = 1;", "interface P { x: number }", "function boom(p: P): never {", '  throw new Error("bad " + p.x);', "}", "boom({ x: a });"];
  const js = ["(function(exports, require) { exports.a = 1;", "function boom(p) {", '    throw new Error("bad " + p.x);', "}", "boom({ x: exports.a });", "})"];
  assert.equal(cellErrors.mapJsLine(js, ts, 2), 3);
  assert.equal(cellErrors.mapJsLine(js, ts, 4), 5);
  assert.equal(cellErrors.mapJsLine(js, ts, 5), -1, "no shared tokens: no mapping");
});
