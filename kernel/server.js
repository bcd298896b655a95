"use strict";
// The tnlab kernel: tslab's TypeScript converter and executor behind our own Jupyter protocol
// layer. Ours fixes what tslab 1.0.22 gets wrong against Jupyter's kernel tests: execute_reply
// errors carry ename/evalue/traceback and an `error` goes to iopub; kernel_info_reply has
// status "ok" and the real TypeScript version; a last expression arrives as an execute_result
// (rich: tensors, objects with [Symbol.for("Jupyter.display")]). It also answers
// interrupt_request, history_request and comm_info_request, and aborts queued cells after an error.
const fs = require("node:fs");
const path = require("node:path");
const util = require("node:util");
const vm = require("node:vm");
const wire = require("./wire");
const { compileError, runtimeError } = require("./cell-errors");
const { keptDeclarations, valuesBefore } = require("./declarations");
const assist = require("./code-assist");
const { Comms } = require("./comms");

const ROOT = path.join(__dirname, "..");
const KERNEL_KEY = Symbol.for("tnlab.kernel");
const DISPLAYED = Symbol.for("tnlab.displayed");
const QUIET = Symbol.for("tnlab.quietPackageWatches");

function loadTslab() {
  const req = (m) => require(require.resolve(m, { paths: [ROOT, __dirname] }));
  return {
    ts: req("@tslab/typescript-for-tslab"),
    converter: req("tslab/dist/converter"),
    executor: req("tslab/dist/executor"),
    jupyter: req("tslab/dist/jupyter"),
    inspect: req("tslab/dist/inspect"),
    metadata: req("tslab/dist/metadata"),
    version: req("tslab/package.json").version,
  };
}

/** Rich MIME bundle for a cell's value: lib/display's mimeBundleFor when the package is built. */
function loadMimeBundleFor() {
  try {
    return require(path.join(ROOT, "dist", "lib", "display", "mime.js")).mimeBundleFor;
  } catch {
    return (v) => ({ "text/plain": util.inspect(v) });
  }
}

/** A send queue: zeromq 6 allows one pending send per socket. */
function sender(sock) {
  let chain = Promise.resolve();
  return (frames) => {
    chain = chain.then(() => sock.send(frames)).catch(() => {});
    return chain;
  };
}

/**
 * Packages a notebook may import wherever it lives: tnlab itself and the libraries its API is
 * written against (TensorFlow.js, danfojs, tslab's display API). A notebook outside this checkout
 * has none of them in its node_modules; it gets tnlab's own copies, so that its tensors and tn's
 * share one TensorFlow.js engine. `@scope/` entries forward the whole scope.
 */
const FORWARDED = ["tnlab", "@tensorflow/", "danfojs-node", "tslab"];

function packageName(request) {
  if (request.startsWith(".") || path.isAbsolute(request)) return null;
  const parts = request.split("/");
  return request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function forwarded(name) {
  return !!name && FORWARDED.some((f) => (f.endsWith("/") ? name.startsWith(f) : name === f));
}

/**
 * Makes `import ... from "tnlab"` (and the FORWARDED packages) work in notebooks outside this
 * checkout: when the notebook's directory has no node_modules/<package>, the TypeScript checker
 * sees ours there (as tslab does for itself), and Node's resolver falls back to ours at run time.
 */
function forwardPackages(ts, cwd) {
  const Module = require("node:module");
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolve.call(this, request, parent, isMain, options);
    } catch (e) {
      const name = packageName(request);
      if (name === "tnlab") return resolve.call(this, ROOT + request.slice("tnlab".length), parent, isMain, options);
      if (forwarded(name)) return resolve.call(this, request, parent, isMain, { paths: [ROOT] });
      throw e;
    }
  };
  // [folder the checker looks in, the folder it gets instead]
  const maps = [];
  const nm = path.join(cwd, "node_modules");
  if (!fs.existsSync(path.join(nm, "tnlab"))) maps.push([path.join(nm, "tnlab"), ROOT]);
  for (const f of FORWARDED.filter((n) => n !== "tnlab")) {
    const rel = f.replace(/\/$/, "");
    let target;
    try {
      target = f.endsWith("/")
        ? path.join(ROOT, "node_modules", rel)
        : path.dirname(require.resolve(`${rel}/package.json`, { paths: [ROOT] }));
    } catch {
      continue;
    }
    if (fs.existsSync(target) && !fs.existsSync(path.join(nm, rel))) maps.push([path.join(nm, rel), target]);
  }
  if (maps.length === 0) return;
  const map = (p) => {
    if (typeof p !== "string") return p;
    for (const [base, target] of maps) {
      const rel = path.relative(base, p);
      if (rel === "") return target;
      if (!rel.startsWith("..") && !path.isAbsolute(rel)) return path.join(target, rel);
    }
    return p;
  };
  for (const name of ["fileExists", "readFile", "directoryExists", "getDirectories", "readDirectory", "getModifiedTime", "realpath"]) {
    const f = ts.sys[name];
    if (typeof f === "function") ts.sys[name] = (p, ...rest) => f.call(ts.sys, map(p), ...rest);
  }
}

/**
 * tslab's converter throws "Unexpected pending rebuildTimer" from a file watcher, and the kernel
 * dies, when a watched file changes under a running kernel: TypeScript then schedules a rebuild on
 * a timer tslab allows only one of. Installed packages and built output (node_modules, dist) are
 * what changes that way (a rebuild or reinstall of the project while a notebook trains), and a
 * notebook's user does not edit them; their watches are dropped, so a kernel restart is what sees
 * their new declarations. Watches of a user's own .ts modules stay, as in tslab.
 */
function quietPackageWatches(ts) {
  if (ts.sys[QUIET]) return;
  ts.sys[QUIET] = true;
  const skip = (p) => typeof p === "string" && /[\\/](node_modules|dist)([\\/]|$)/.test(p);
  for (const name of ["watchFile", "watchDirectory"]) {
    const f = ts.sys[name];
    if (typeof f === "function") ts.sys[name] = (p, ...rest) => (skip(p) ? { close() {} } : f.call(ts.sys, p, ...rest));
  }
}

/** Two turns of the event loop: a signal or socket message that came in meanwhile is handled. */
function settle() {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

function interrupted(evalue) {
  return { ename: "Interrupted", evalue, traceback: [`\x1b[31mInterrupted\x1b[0m: ${evalue}`] };
}

/** The Jupyter error for an unhandled rejection or uncaught exception, saying which it was. */
function faultError(err, kind, cells) {
  const e = runtimeError(err, cells);
  return { ename: e.ename, evalue: `${e.evalue} (${kind})`, traceback: [`\x1b[31m${kind[0].toUpperCase()}${kind.slice(1)}\x1b[0m:`, ...e.traceback] };
}

/** The kernel's own stderr (process.stderr.write goes to the running cell's output). */
function logToStderr(line) {
  try {
    fs.writeSync(2, line + "\n");
  } catch {}
}

/**
 * For the tests of interrupts during compilation: with TNLAB_TEST_COMPILE_GATE=FILE in the
 * environment, a cell containing the comment `tnlab-test: hold compile` announces on stderr that
 * its compilation started, then blocks (as a long type-check does) until FILE exists.
 */
function testHoldCompile(code) {
  const gate = process.env.TNLAB_TEST_COMPILE_GATE;
  if (!gate || !code.includes("tnlab-test: hold compile")) return;
  logToStderr("tnlab-test: compiling");
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 120000;
  while (!fs.existsSync(gate) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 10);
}

/**
 * Jupyter's Help menu entries: tnlab's README (the package's homepage when package.json names
 * one, else the copy the installer puts in the kernelspec folder, which the Jupyter server serves
 * under /kernelspecs/tnlab/) and the TensorFlow.js API.
 */
function helpLinks() {
  let home = null;
  try {
    const pkg = require(path.join(ROOT, "package.json"));
    home = typeof pkg.homepage === "string" ? pkg.homepage : null;
  } catch {}
  return [
    { text: "tnlab README", url: home || "/kernelspecs/tnlab/README.md" },
    { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
  ];
}

class Kernel {
  constructor(connection, opts = {}) {
    this.conn = connection;
    this.key = connection.key || "";
    this.session = wire.newId();
    this.tslab = loadTslab();
    this.mimeBundleFor = loadMimeBundleFor();
    this.execCount = 0;
    this.history = [];
    this.queue = Promise.resolve();
    this.received = 0;
    this.abortThrough = 0;
    this.interrupts = 0;
    this.parent = null; // the execute_request whose cell owns stdout/stderr/display right now
    this.cells = new Map();
    this.cellSeq = 0;
    this.version = opts.version || "0.0.0";
    this.comms = new Comms(this);
    this.createExecutor();
  }

  createExecutor() {
    const { converter, executor } = this.tslab;
    quietPackageWatches(this.tslab.ts);
    forwardPackages(this.tslab.ts, process.cwd());
    let node = null;
    const self = this;
    const convs = {
      get node() {
        return (node ??= self.wrapConverter(converter.createConverter({ isJS: false, isBrowser: false })));
      },
      get browser() {
        throw new Error("tnlab runs cells in Node.js only (no %browser mode)");
      },
      close() {
        if (node) node.close();
      },
    };
    convs.node; // warm the TypeScript program before the first cell
    this.captured = { diags: [], errors: [], values: [] };
    const sink = {
      log: (...args) => this.captured.values.push(args[0]),
      error: (...args) => {
        if (args[0] === "%s%d:%d - %s") {
          this.captured.diags.push({ file: String(args[1]).trim(), line: args[2], col: args[3], message: String(args[4]) });
        } else this.captured.errors.push(args[0]);
      },
    };
    this.convs = convs;
    this.executor = executor.createExecutor(process.cwd(), convs, sink);
    // Name each cell's script so stack frames say which cell they are in (see cell-errors.js).
    const run = vm.runInThisContext;
    vm.runInThisContext = function (code, options) {
      if (typeof code === "string" && code.startsWith("(") && code.includes("__tslab__.exports")) {
        const id = ++self.cellSeq;
        self.cells.set(id, { js: code, ts: self.currentCode || "", count: self.execCount });
        if (self.cells.size > 50) self.cells.delete(self.cells.keys().next().value);
        options = { ...(typeof options === "object" ? options : {}), filename: `<cell ${id}>` };
      }
      return run.call(vm, code, options);
    };
  }

  /**
   * The kernel owns the declarations of earlier cells (`prevDecl`) that tslab's converter
   * type-checks a cell against, and compiles a cell before handing it to tslab's executor
   * (which then gets the same conversion back instead of compiling twice). Compiling is
   * synchronous, so an interrupt that arrives meanwhile is only seen afterwards: run() checks
   * for one between compiling and running (see precompile).
   */
  wrapConverter(conv) {
    const convert = conv.convert;
    const inspect = conv.inspect;
    const complete = conv.complete;
    this.prevDecl = "";
    this.precompiled = null;
    this.lastConversion = null;
    conv.convert = (_prevDecl, src) => {
      const pre = this.precompiled;
      this.precompiled = null;
      const result = pre && pre.src === src ? pre.result : convert(this.prevDecl, src);
      this.lastConversion = { src, result };
      return result;
    };
    conv.inspect = (_prevDecl, src, position) => inspect(this.prevDecl, src, position);
    conv.complete = (_prevDecl, src, position) => complete(this.prevDecl, src, position);
    return conv;
  }

  /** Compiles `code` now, unless tslab would not (a %module or %browser cell); true if it did. */
  precompile(code) {
    const meta = this.tslab.metadata.getCodeMetadata(code);
    if (meta.module || meta.mode === "browser") return false;
    const conv = this.convs.node;
    testHoldCompile(code);
    this.precompiled = { src: code, result: conv.convert(this.prevDecl, code) };
    return true;
  }

  /** After a cell stopped part-way, later cells see the names it had assigned (declarations.js). */
  keepAssigned(result, before) {
    try {
      const locals = this.executor.locals;
      this.prevDecl = keptDeclarations(this.tslab.ts, { declOutput: result.declOutput || "", js: result.output, locals, prevDecl: this.prevDecl, before });
    } catch (e) {
      logToStderr(`tnlab kernel: could not keep the declarations of a stopped cell: ${e.stack || e}`);
    }
  }

  /**
   * A rejection nobody handled or an exception thrown outside any cell's call stack (a timer, an
   * event handler). During a cell it becomes that cell's error; between cells it is shown under
   * the last cell and written to the kernel's log.
   */
  backgroundError(err, kind) {
    if (this.faults) {
      this.faults.push({ err, kind });
      return;
    }
    const e = faultError(err, kind, this.cells);
    if (this.parent && this.send) this.publish("error", e, this.parent.header);
    logToStderr(`tnlab kernel: ${kind}: ${err && err.stack ? err.stack : util.inspect(err)}`);
  }

  // ---- sockets -------------------------------------------------------------------------------
  async start() {
    const zmq = require(require.resolve("zeromq", { paths: [ROOT, path.dirname(require.resolve("tslab/package.json", { paths: [ROOT] }))] }));
    const c = this.conn;
    const addr = (port) => `${c.transport}://${c.ip}:${port}`;
    // No high-water mark: a PUB socket drops messages silently past it (1,000 by default), and a
    // cell that outputs faster than a client reads lost its trailing outputs and the idle status
    // that ends it, leaving the client waiting for ever.
    this.iopub = new zmq.Publisher({ sendHighWaterMark: 0 });
    this.shell = new zmq.Router();
    this.control = new zmq.Router();
    this.stdin = new zmq.Router();
    this.hb = new zmq.Reply();
    await Promise.all([
      this.iopub.bind(addr(c.iopub_port)),
      this.shell.bind(addr(c.shell_port)),
      this.control.bind(addr(c.control_port)),
      this.stdin.bind(addr(c.stdin_port)),
      this.hb.bind(addr(c.hb_port)),
    ]);
    this.send = {
      iopub: sender(this.iopub),
      shell: sender(this.shell),
      control: sender(this.control),
      hb: sender(this.hb),
    };
    this.installHooks();
    this.loop(this.hb, (frames) => this.send.hb(frames));
    this.loop(this.shell, (frames) => this.dispatch("shell", frames));
    this.loop(this.control, (frames) => this.dispatch("control", frames));
    this.publish("status", { execution_state: "starting" }, {});
  }

  async loop(sock, fn) {
    try {
      for await (const frames of sock) fn(frames);
    } catch (e) {
      if (!this.closing) console.error("tnlab kernel: socket loop ended:", e);
    }
  }

  publish(msgType, content, parent, metadata = {}) {
    const msg = { header: wire.header(msgType, this.session), parent_header: parent || {}, metadata, content };
    return this.send.iopub(wire.encode(this.key, msg, [Buffer.from(msgType)]));
  }

  reply(channel, req, msgType, content) {
    const msg = { header: wire.header(msgType, req.header.session || this.session), parent_header: req.header, metadata: {}, content };
    return this.send[channel](wire.encode(this.key, msg, req.identities));
  }

  // ---- the hooks user code and lib/display talk to ------------------------------------------
  installHooks() {
    const writeStream = (name) => (chunk, encoding, cb) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8");
      if (this.parent) this.publish("stream", { name, text }, this.parent.header);
      if (typeof encoding === "function") encoding();
      else if (typeof cb === "function") cb();
      return true;
    };
    process.stdout.write = writeStream("stdout");
    process.stderr.write = writeStream("stderr");
    const display = (bundle, opts = {}) => {
      if (!this.parent) return;
      const content = { data: bundle, metadata: opts.metadata || {}, transient: opts.displayId ? { display_id: opts.displayId } : {} };
      this.publish(opts.update ? "update_display_data" : "display_data", content, this.parent.header);
    };
    // tslab's own `display` API (import * as tslab from "tslab") writes through this.
    this.tslab.jupyter.lastWriteDisplayData = (data, update) => {
      if (!this.parent) return;
      this.publish(update ? "update_display_data" : "display_data", data, this.parent.header);
    };
    const kernel = this;
    globalThis[KERNEL_KEY] = {
      name: "tnlab",
      display,
      clear: (wait = false) => this.parent && this.publish("clear_output", { wait }, this.parent.header),
      get interrupts() {
        return kernel.interrupts;
      },
      get cell() {
        return kernel.runSeq;
      },
      session: this.session,
      comms: this.comms.api(),
    };
  }

  // ---- dispatch ------------------------------------------------------------------------------
  dispatch(channel, frames) {
    let req;
    try {
      req = wire.decode(this.key, frames);
    } catch (e) {
      console.error("tnlab kernel: dropped a message:", e.message);
      return;
    }
    const type = req.header.msg_type;
    if (type === "execute_request") {
      const seq = ++this.received;
      this.queue = this.queue.then(() => this.execute(channel, req, seq)).catch((e) => console.error("tnlab kernel:", e));
      return;
    }
    const handler = {
      kernel_info_request: () => this.kernelInfo(),
      is_complete_request: () => this.isComplete(req.content),
      inspect_request: () => this.inspect(req.content),
      complete_request: () => this.complete(req.content),
      history_request: () => this.historyReply(req.content),
      comm_info_request: () => this.comms.info(req.content.target_name),
      interrupt_request: () => {
        this.interrupt();
        return { status: "ok" };
      },
      shutdown_request: () => ({ status: "ok", restart: !!req.content.restart }),
    }[type];
    if (type === "comm_open" || type === "comm_msg" || type === "comm_close") {
      // No reply, but busy/idle around it: widget frontends count idle messages to throttle updates.
      this.publish("status", { execution_state: "busy" }, req.header);
      this.comms.handle(type, req);
      this.publish("status", { execution_state: "idle" }, req.header);
      return;
    }
    if (!handler) return; // unknown types need no reply
    this.publish("status", { execution_state: "busy" }, req.header);
    let content;
    try {
      content = handler();
    } catch (e) {
      content = { status: "error", ename: e.name || "Error", evalue: String(e.message || e), traceback: [] };
    }
    this.reply(channel, req, type.replace(/_request$/, "_reply"), content);
    this.publish("status", { execution_state: "idle" }, req.header);
    if (type === "shutdown_request") this.shutdown();
  }

  kernelInfo() {
    return {
      status: "ok",
      protocol_version: wire.PROTOCOL_VERSION,
      implementation: "tnlab",
      implementation_version: this.version,
      language_info: {
        name: "typescript",
        version: this.tslab.ts.version,
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        // As tslab: enables TypeScript highlighting in both JupyterLab and the classic Notebook.
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `tnlab ${this.version}: TypeScript ${this.tslab.ts.version} on Node.js ${process.version} (tslab ${this.tslab.version}). import * as tn from "tnlab"`,
      help_links: helpLinks(),
      debugger: false,
    };
  }

  isComplete({ code }) {
    const r = this.tslab.converter.isCompleteCode(code);
    const status = assist.completeness(this.tslab.ts, code, r.completed);
    return status === "incomplete" ? { status, indent: r.indent || "" } : { status };
  }

  inspect({ code, cursor_pos }) {
    // On a name: that name. Elsewhere inside an open call (Shift+Tab after `f(`): the callee.
    let info = this.executor.inspect(code, cursor_pos);
    if (!info) {
      const at = assist.calleeAt(this.tslab.ts, code, cursor_pos);
      if (at >= 0) info = this.executor.inspect(code, at);
    }
    if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
    return { status: "ok", found: true, data: { "text/plain": this.tslab.inspect.printQuickInfo(info) }, metadata: {} };
  }

  complete({ code, cursor_pos }) {
    const info = this.executor.complete(code, cursor_pos);
    return { status: "ok", matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
  }

  historyReply(c) {
    const rows = (entries) =>
      entries.map((h) => (c.output ? [1, h.line, [h.code, h.output ?? null]] : [1, h.line, h.code]));
    let out = this.history;
    if (c.hist_access_type === "range") {
      const stop = c.stop || Infinity;
      out = out.filter((h) => h.line >= (c.start || 0) && h.line < stop);
    } else if (c.hist_access_type === "search") {
      const re = new RegExp("^" + String(c.pattern || "*").replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "s");
      out = out.filter((h) => re.test(h.code));
      if (c.unique) {
        const seen = new Set();
        out = out.slice().reverse().filter((h) => !seen.has(h.code) && seen.add(h.code)).reverse();
      }
      if (c.n) out = out.slice(-c.n);
    } else if (c.n) out = out.slice(-c.n);
    return { status: "ok", history: rows(out) };
  }

  interrupt() {
    this.interrupts++;
    this.executor.interrupt();
  }

  shutdown() {
    this.closing = true;
    setTimeout(() => {
      try {
        this.executor.close();
        for (const s of [this.iopub, this.shell, this.control, this.stdin, this.hb]) s.close();
      } finally {
        process.exit(0);
      }
    }, 50);
  }

  // ---- execution -----------------------------------------------------------------------------
  async execute(channel, req, seq) {
    const { code = "", silent = false, store_history = true, stop_on_error = true } = req.content;
    this.publish("status", { execution_state: "busy" }, req.header);
    if (seq <= this.abortThrough) {
      this.reply(channel, req, "execute_reply", { status: "aborted", execution_count: this.execCount });
      this.publish("status", { execution_state: "idle" }, req.header);
      return;
    }
    if (!silent && store_history) this.execCount++;
    const count = this.execCount;
    this.parent = req;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, req.header);
    const result = await this.run(code);
    // A final `;` hides the cell's value, as in IPython.
    if (result.bundle && assist.endsWithSemicolon(this.tslab.ts, code)) delete result.bundle;
    let reply;
    if (result.error) {
      if (!silent) this.publish("error", result.error, req.header);
      reply = { status: "error", execution_count: count, ...result.error };
      if (stop_on_error) this.abortThrough = this.received;
    } else {
      if (result.bundle && !silent) {
        this.publish("execute_result", { execution_count: count, data: result.bundle, metadata: {} }, req.header);
      }
      reply = { status: "ok", execution_count: count, payload: [], user_expressions: {} };
    }
    if (!silent && store_history) {
      this.history.push({ line: count, code, output: result.bundle ? result.bundle["text/plain"] : null });
    }
    this.reply(channel, req, "execute_reply", reply);
    this.publish("status", { execution_state: "idle" }, req.header);
  }

  /** Runs one cell; resolves to {bundle?} or {error: {ename, evalue, traceback}}. */
  async run(code) {
    this.faults = [];
    try {
      const result = await this.runCell(code);
      await settle(); // a rejection left unhandled by the cell's last step is reported after it
      const faults = this.faults;
      this.faults = null;
      if (faults.length > 0 && !result.error) return { error: faultError(faults[0].err, faults[0].kind, this.cells) };
      for (const f of faults) process.stderr.write(`${f.kind}: ${f.err && f.err.stack ? f.err.stack : util.inspect(f.err)}\n`);
      return result;
    } finally {
      this.faults = null;
    }
  }

  async runCell(code) {
    this.captured = { diags: [], errors: [], values: [] };
    const sink = this.captured;
    this.runSeq = (this.runSeq || 0) + 1;
    this.currentCode = code;
    const interruptsBefore = this.interrupts;
    let ok;
    let before = new Map();
    try {
      this.lastConversion = null;
      if (this.precompile(code)) {
        const out = this.precompiled.result.output;
        if (out) before = valuesBefore(out, this.executor.locals);
        // Let a SIGINT or interrupt_request that arrived while compiling be handled now.
        await settle();
        if (this.interrupts !== interruptsBefore) {
          this.precompiled = null;
          return { error: interrupted("the cell was interrupted before it started running") };
        }
      }
      ok = await this.executor.execute(code);
    } catch (e) {
      sink.errors.push(e);
      ok = false;
    }
    const conv = this.lastConversion;
    if (conv && conv.src === code && !(conv.result.diagnostics || []).length) {
      if (ok) this.prevDecl = conv.result.declOutput || "";
      else if (conv.result.output) this.keepAssigned(conv.result, before);
    }
    if (!ok) {
      if (sink.diags.length > 0) return { error: compileError(sink.diags, code) };
      const err = sink.errors[0];
      // vm's breakOnSigint takes the SIGINT itself (our handler does not see it) and throws this.
      const sigint = err instanceof Error && /^Script execution was interrupted/.test(err.message);
      if (sigint || (this.interrupts !== interruptsBefore && (!err || /interrupt/i.test(String(err && err.message))))) {
        return { error: interrupted("the cell was interrupted") };
      }
      return { error: runtimeError(err, this.cells) };
    }
    // A %module cell compiles with errors and still "succeeds" in tslab: show them.
    if (sink.diags.length > 0) process.stderr.write(compileError(sink.diags, code).traceback.join("\n") + "\n");
    if (sink.values.length === 0) return {};
    const value = sink.values[sink.values.length - 1];
    if (value && typeof value === "object" && value[DISPLAYED] === this.runSeq) return {};
    try {
      return { bundle: this.mimeBundleFor(value) };
    } catch (e) {
      return { bundle: { "text/plain": util.inspect(value) } };
    }
  }
}

module.exports = { Kernel };
