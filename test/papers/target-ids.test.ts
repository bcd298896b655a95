// Typed target ids: the generated list matches the registry, ids are put together and taken apart
// in one place, and a misspelt literal id does not compile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import * as papers from "../../lib/papers";
import { targetIdsSource } from "../../lib/papers/registry";

const root = join(__dirname, "..", "..");

test("lib/papers/target-ids.ts is the registry's list (else run scripts/target-ids.ts)", () => {
  assert.deepEqual([...papers.TARGET_IDS], papers.allTargets.map((t) => t.id));
  assert.equal(readFileSync(join(root, "lib", "papers", "target-ids.ts"), "utf8"), targetIdsSource());
});

test("targetId, modelOf and rowLabel convert between model ids and target ids", () => {
  assert.equal(papers.targetId("ttfc.mnist.tt_tt", "acc"), "ttfc.mnist.tt_tt.acc");
  assert.equal(papers.targetId("ttconv.t2.convfc", "params"), "ttconv.t2.convfc.params");
  assert.equal(papers.modelOf("ttfc.cifar.t2.p146814.acc"), "ttfc.cifar.t2.p146814");
  assert.equal(papers.rowLabel("ttfc.mnist.tt_tt"), "tt_tt");
  assert.equal(papers.rowLabel("ttfc.cifar.t2.p146814"), "t2.p146814");
  assert.equal(papers.rowLabel("ttconv.t2.convfc"), "convfc");
  for (const t of papers.allTargets) {
    const m = papers.modelOf(t.id);
    assert.equal(`${m}.${t.id.slice(m.length + 1)}`, t.id);
  }
  // Ids computed at run time are checked at run time, with the argument named.
  const computed = (s: string) => s as "ttfc.mnist.tt_tt";
  assert.throws(() => papers.targetId(computed("ttfc.mnist.tt_tx"), "acc"), /quantity = "acc".*ttfc\.mnist\.tt_tx\.acc/);
  assert.throws(() => papers.modelOf("acc"), /id = "acc"/);
  assert.throws(() => papers.rowLabel("ttfc.mnist"), /model = "ttfc\.mnist"/);
  assert.equal(papers.paperOf("musco.a.baseline.acc"), "musco");
  assert.equal(papers.paperOf("nope.x"), undefined);
});

test("a misspelt literal target id is a compile error; registered and computed ids compile", { timeout: 120_000 }, () => {
  const fixture = join(__dirname, "fixtures", "typed-ids.ts");
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([fixture], { ...parsed.options, noEmit: true });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  // Unused @ts-expect-error lines (a misspelling that compiled) are errors too.
  assert.deepEqual(errors, []);
  const expected = readFileSync(fixture, "utf8").split("\n").filter((l) => l.trim().startsWith("// @ts-expect-error")).length;
  assert.equal(expected, 7);
});
