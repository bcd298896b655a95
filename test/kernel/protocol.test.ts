// The kernel over the Jupyter protocol, driven by our own Node client (kernel/client.js): rich
// results, errors mapped to the cell's lines, interrupts, and the kernel surviving both.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail, KERNEL_TEST_TIMEOUT, KernelClient, NOTEBOOKS, stderrMarkers } from "./helpers";

interface Output {
  output_type: string;
  data?: Record<string, string>;
  text?: string;
  name?: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Result {
  reply: { status: string; ename?: string; evalue?: string; traceback?: string[]; execution_count?: number };
  outputs: Output[];
  timedOut: boolean;
}
interface Client {
  proc: import("node:child_process").ChildProcess;
  execute(code: string, opts?: { timeoutMs?: number }): Promise<Result>;
  interrupt(): void;
  request(msgType: string, content: Record<string, unknown>): Promise<Record<string, any>>;
  shutdown(): Promise<void>;
  kernelInfo: { status: string; language_info: { name: string; version: string } };
}

let k: Client;
let work: string;
let marker: (text: string) => Promise<void>;
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
const T = { timeout: KERNEL_TEST_TIMEOUT };

before(async () => {
  builtOrFail();
  work = mkdtempSync(join(tmpdir(), "tnlab-protocol-"));
  k = (await KernelClient.start({ cwd: NOTEBOOKS, env: { TN_QUIET: "1", TNLAB_TEST_COMPILE_GATE: join(work, "compile-gate") }, stderr: "pipe" })) as Client;
  marker = stderrMarkers(k.proc);
  // Load tnlab once up front: on a busy machine its first import can outlast the delay after
  // which an interrupt test interrupts, and an import cut in the middle leaves a broken module.
  const imp = await k.execute('import * as tn from "tnlab";');
  assert.equal(imp.reply.status, "ok", JSON.stringify(imp.reply));
}, T);
after(async () => {
  await k?.shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
}, T);

/**
 * A statement that says on the kernel's stderr (not through Jupyter: that waits for the loop)
 * that the cell got there; needs `import * as fs from "node:fs"` in the cell. An interrupt sent
 * earlier could stop the cell anywhere, even half-way through loading a module.
 */
const FS = 'import * as fs from "node:fs";\n';
const say = (what: string) => `fs.writeSync(2, "tnlab-test: ${what}\\n");`;

test("kernel_info reports status ok and the TypeScript version that runs", T, () => {
  assert.equal(k.kernelInfo.status, "ok");
  assert.equal(k.kernelInfo.language_info.name, "typescript");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [require.resolve("tslab/package.json")] }));
  assert.equal(k.kernelInfo.language_info.version, ts.version);
  assert.notEqual(k.kernelInfo.language_info.version, "3.7.2");
});

test("the last expression arrives as an execute_result, not as stdout", T, async () => {
  const r = await k.execute("6 * 7");
  assert.equal(r.reply.status, "ok");
  const res = r.outputs.filter((o) => o.output_type === "execute_result");
  assert.equal(res.length, 1);
  assert.equal(res[0].data!["text/plain"], "42");
  assert.equal(r.outputs.filter((o) => o.output_type === "stream").length, 0);
});

test("a runtime error gives ename/evalue/traceback, an iopub error and the cell's line; the kernel lives on", T, async () => {
  const code = 'const ok = 1;\nfunction f(v: number): number {\n  if (v > 1) throw new RangeError("too big: " + v);\n  return v;\n}\nf(ok + 2);';
  const r = await k.execute(code);
  assert.equal(r.reply.status, "error");
  assert.equal(r.reply.ename, "RangeError");
  assert.equal(r.reply.evalue, "too big: 3");
  const tb = strip(r.reply.traceback!.join("\n"));
  assert.match(tb, /line 3/, tb);
  assert.match(tb, /throw new RangeError/);
  assert.match(tb, /line 6/);
  const errs = r.outputs.filter((o) => o.output_type === "error");
  assert.equal(errs.length, 1);
  assert.equal(errs[0].ename, "RangeError");
  const again = await k.execute("1 + 1");
  assert.equal(again.reply.status, "ok");
  assert.equal(again.outputs[0].data!["text/plain"], "2");
});

test("a type error names the line and column of the cell", T, async () => {
  const r = await k.execute('const a = 1;\nconst b: number = "x";');
  assert.equal(r.reply.status, "error");
  assert.equal(r.reply.ename, "TypeScriptError");
  assert.match(r.reply.evalue!, /not assignable to type 'number'.*line 2, column 7/);
});

test("tensors display shape, dtype and values (an HTML table for 2-D)", T, async () => {
  const r = await k.execute('import * as tf from "@tensorflow/tfjs";\ntf.tensor2d([[1, 2.5], [3, -4]])');
  assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
  const d = r.outputs.find((o) => o.output_type === "execute_result")!.data!;
  assert.match(d["text/plain"], /Tensor float32 \[2, 2\]/);
  assert.match(d["text/plain"], /2\.5/);
  assert.match(d["text/html"], /<table/);
  assert.match(d["text/html"], /<td[^>]*>-4<\/td>/);
});

test('objects with [Symbol.for("Jupyter.display")]() are shown with their MIME bundle', T, async () => {
  const r = await k.execute('({ [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**hi**" }; } })');
  const d = r.outputs.find((o) => o.output_type === "execute_result")!.data!;
  assert.equal(d["text/markdown"], "**hi**");
  assert.ok(typeof d["text/plain"] === "string");
});

test("an interrupt stops a synchronous endless loop and the kernel answers the next cell", T, async () => {
  const spinning = marker("spinning");
  const pending = k.execute(FS + "let spins = 0;\n" + say("spinning") + "\nwhile (true) { spins++; }");
  await spinning;
  k.interrupt();
  const r = await pending;
  assert.equal(r.reply.status, "error");
  assert.equal(r.reply.ename, "Interrupted");
  const next = await k.execute('"alive"');
  assert.equal(next.outputs[0].data!["text/plain"], "'alive'");
});

test("an interrupt that arrives while the cell is still compiling cancels the cell", T, async () => {
  const compiling = marker("compiling");
  const pending = k.execute("// tnlab-test: hold compile\n(globalThis as any).compiledCellRan = true;\nwhile (true) {}");
  await compiling;
  // The kernel is blocked compiling (as in a long type-check): the signal waits for it.
  k.interrupt();
  writeFileSync(join(work, "compile-gate"), "");
  const r = await pending;
  assert.equal(r.reply.status, "error");
  assert.equal(r.reply.ename, "Interrupted");
  assert.match(r.reply.evalue!, /before it started running/);
  const ran = await k.execute("(globalThis as any).compiledCellRan === true");
  assert.equal(ran.outputs[0].data!["text/plain"], "false", "the cell did not run");
});

test("an interrupt stops an async loop that reports progress, and the loop really ends", T, async () => {
  const code =
    FS +
    'import * as tn from "tnlab";\n(globalThis as any).steps = 0;\nconst bar = tn.display.progress(1e9, "forever");\n' +
    "for (;;) {\n  await new Promise((r) => setTimeout(r, 5));\n  (globalThis as any).steps++;\n  bar.tick();\n" +
    `  if ((globalThis as any).steps === 3) ${say("looping")}\n}`;
  const looping = marker("looping");
  const pending = k.execute(code);
  await looping;
  k.interrupt();
  const r = await pending;
  assert.equal(r.reply.status, "error");
  // Timers fire in the order they expire: the loop's 5 ms timer, pending at the interrupt, runs
  // before the first 50 ms one here, and a live loop would tick again within the next 100 ms.
  const c = await k.execute(
    "const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));\nawait sleep(50);\nconst before = (globalThis as any).steps;\nawait sleep(100);\n[before, (globalThis as any).steps - before]",
  );
  const [before, more] = JSON.parse(c.outputs[0].data!["text/plain"]);
  assert.ok(before >= 3, "the loop ran");
  assert.equal(more, 0, "the loop stopped after the interrupt");
});

test("names a cell assigned before it was interrupted stay usable; names it never reached do not, or keep their earlier value", T, async () => {
  assert.equal((await k.execute("let earlier = 5;")).reply.status, "ok");
  const spinning = marker("spinning");
  const pending = k.execute(FS + 'const kept = 21;\nlet alsoKept = "x";\n' + say("spinning") + '\nwhile (true) {}\nconst notReached = 1;\nlet earlier = "not reached";');
  await spinning;
  k.interrupt();
  assert.equal((await pending).reply.ename, "Interrupted");
  const r = await k.execute("kept * 2 + alsoKept.length");
  assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
  assert.equal(r.outputs[0].data!["text/plain"], "43");
  const missing = await k.execute("notReached");
  assert.equal(missing.reply.status, "error");
  assert.match(missing.reply.evalue!, /Cannot find name 'notReached'/);
  const earlier = await k.execute("earlier * 2");
  assert.equal(earlier.reply.status, "ok", JSON.stringify(earlier.reply));
  assert.equal(earlier.outputs[0].data!["text/plain"], "10", "the earlier value and type (number) are back");
  const thrown = await k.execute('const beforeThrow = [1, 2];\nthrow new Error("stop");');
  assert.equal(thrown.reply.status, "error");
  const after = await k.execute("beforeThrow.length");
  assert.equal(after.outputs[0].data!["text/plain"], "2");
});

test("an unhandled promise rejection in a cell is that cell's error", T, async () => {
  const r = await k.execute('Promise.reject(new RangeError("nobody awaited this"));\n"value"');
  assert.equal(r.reply.status, "error");
  assert.equal(r.reply.ename, "RangeError");
  assert.match(r.reply.evalue!, /nobody awaited this \(unhandled promise rejection\)/);
  const errs = r.outputs.filter((o) => o.output_type === "error");
  assert.equal(errs.length, 1);
  assert.match(strip(errs[0].traceback!.join("\n")), /Unhandled promise rejection/);
  const t = await k.execute("setTimeout(() => { throw new TypeError(\"in a timer\"); }, 1);\nawait new Promise((r) => setTimeout(r, 20));");
  assert.equal(t.reply.ename, "TypeError");
  assert.match(t.reply.evalue!, /in a timer \(uncaught exception\)/);
  const next = await k.execute("1 + 1");
  assert.equal(next.reply.status, "ok");
});

test("a cell that outputs 20,000 times in a burst delivers every output and its end (iopub drops nothing)", T, async () => {
  // Past ZeroMQ's default high-water mark (1,000) the kernel's PUB socket dropped messages, the
  // idle status among them, and the client waited for ever.
  const r = await k.execute('import { display } from "tslab";\nfor (let i = 0; i < 20000; i++) display.text("line " + i);', { timeoutMs: 120_000 });
  assert.equal(r.timedOut, false, "the cell's idle status arrived");
  assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
  const texts = r.outputs.filter((o) => o.output_type === "display_data").map((o) => o.data!["text/plain"]);
  assert.equal(texts.length, 20000);
  assert.equal(texts[0], "line 0");
  assert.equal(texts[19999], "line 19999");
});

test("a live chart is one display updated in place", T, async () => {
  const r = await k.execute(
    'import * as tn from "tnlab";\nconst c = tn.display.liveChart({ title: "t", series: ["loss"], throttleMs: 0 });\nfor (let e = 1; e <= 5; e++) c.push(e, { loss: 1 / e });\nc.done();',
  );
  assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
  const charts = r.outputs.filter((o) => o.output_type === "display_data" && o.data!["application/vnd.plotly.v1+json"]);
  assert.equal(charts.length, 1, "one chart output, not one per epoch");
  const fig = charts[0].data!["application/vnd.plotly.v1+json"] as unknown as { data: { y: number[] }[] };
  assert.deepEqual(fig.data[0].y, [1, 0.5, 1 / 3, 0.25, 0.2]);
});

test("tn is type-checked, completed and inspected from its declarations", T, async () => {
  const imp = await k.execute('import * as tn from "tnlab";');
  assert.equal(imp.reply.status, "ok");
  const code = "tn.display.pro";
  const c = await k.request("complete_request", { code, cursor_pos: code.length });
  assert.ok(c.matches.includes("progress"), JSON.stringify(c.matches));
  const c2 = await k.request("complete_request", { code: "tn.", cursor_pos: 3 });
  for (const m of ["decomp", "display", "papers"]) assert.ok(c2.matches.includes(m), JSON.stringify(c2.matches));
  const h = "tn.decomp.ttSvd";
  const i = await k.request("inspect_request", { code: h, cursor_pos: h.length - 1, detail_level: 0 });
  assert.equal(i.found, true);
  assert.match(i.data["text/plain"], /function ttSvd\(input: [\w.]*TensorLike, opts: [\w.]*TTOptions\): [\w.]*TTTensor/);
  const bad = await k.execute('tn.display.progress("ten");');
  assert.equal(bad.reply.status, "error");
  assert.match(bad.reply.evalue!, /Argument of type 'string' is not assignable to parameter of type 'number'/);
});

test("a value displayed by its cell is not shown again as that cell's result, but is in a later cell", T, async () => {
  const r = await k.execute('import * as tn from "tnlab";\nconst fig = tn.display.plot.line([1, 2]);\nfig');
  assert.equal(r.outputs.filter((o) => o.output_type === "display_data").length, 1);
  assert.equal(r.outputs.filter((o) => o.output_type === "execute_result").length, 0);
  const later = await k.execute("fig");
  const res = later.outputs.filter((o) => o.output_type === "execute_result");
  assert.equal(res.length, 1);
  assert.ok(res[0].data!["application/vnd.plotly.v1+json"], "a figure draws itself as a cell result");
});

test("Shift+Tab inside an open call shows the callee's signature, also after arguments", async () => {
  await k.execute('import * as tn from "tnlab";');
  for (const code of ["tn.decomp.ttSvd(", "const t = tn.decomp.ttSvd(x, { eps: 1e-3, "]) {
    const i = await k.request("inspect_request", { code, cursor_pos: code.length, detail_level: 0 });
    assert.equal(i.found, true, code);
    // The callee's signature; tn.decomp lists its names (export { ttSvd } from ...), which TypeScript
    // shows inside a call as "(alias) ttSvd(input: ...)", as it does for tn.layers' names.
    assert.match(i.data["text/plain"], /(function|\(alias\)) ttSvd\(input: [\w.]*TensorLike, opts: [\w.]*TTOptions\): [\w.]*TTTensor/, code);
  }
  const none = await k.request("inspect_request", { code: "1 + ", cursor_pos: 4, detail_level: 0 });
  assert.equal(none.found, false);
});

test("is_complete answers complete, incomplete (with an indent) and invalid", async () => {
  const ask = (code: string) => k.request("is_complete_request", { code });
  assert.equal((await ask("const a = 1")).status, "complete");
  const inc = await ask("function f() {");
  assert.equal(inc.status, "incomplete");
  assert.equal(typeof inc.indent, "string");
  assert.equal((await ask("x = [1, 2")).status, "incomplete");
  for (const bad of [")", "let x = ;", "a b"]) assert.equal((await ask(bad)).status, "invalid", bad);
});

test("a trailing semicolon hides the cell's value; without it the value shows", async () => {
  const hidden = await k.execute("6 * 7;");
  assert.equal(hidden.reply.status, "ok");
  assert.equal(hidden.outputs.filter((o) => o.output_type === "execute_result").length, 0);
  const withComment = await k.execute("6 * 7; // the answer");
  assert.equal(withComment.outputs.filter((o) => o.output_type === "execute_result").length, 0);
  const shown = await k.execute("6 * 7");
  assert.equal(shown.outputs.find((o) => o.output_type === "execute_result")!.data!["text/plain"], "42");
  const str = await k.execute('"a;"');
  assert.equal(str.outputs.find((o) => o.output_type === "execute_result")!.data!["text/plain"], "'a;'");
});

test("the Help menu links point at tnlab's README and the TensorFlow.js API, not tslab", () => {
  const links = (k.kernelInfo as unknown as { help_links: { text: string; url: string }[] }).help_links;
  assert.ok(links.some((l) => /README/.test(l.text) && /README/.test(l.url)), JSON.stringify(links));
  assert.ok(links.some((l) => l.url.startsWith("https://js.tensorflow.org/api/")), JSON.stringify(links));
  assert.ok(links.every((l) => !/tslab/.test(l.url)), JSON.stringify(links));
});
