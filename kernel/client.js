"use strict";
// A minimal Jupyter client over ZeroMQ (no Python needed): starts kernel/launch.js with a fresh
// connection file, sends execute requests and turns iopub messages into nbformat outputs.
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const wire = require("./wire");

const ROOT = path.join(__dirname, "..");

function zmq() {
  return require(require.resolve("zeromq", { paths: [ROOT, path.dirname(require.resolve("tslab/package.json", { paths: [ROOT] }))] }));
}

async function freePorts(n) {
  const servers = [];
  const ports = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise((res, rej) => s.listen(0, "127.0.0.1", res).on("error", rej));
    servers.push(s);
    ports.push(s.address().port);
  }
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

/**
 * Kernels started by this process. If it exits without shutting one down (a test that timed
 * out, an error), the kernel is killed and its connection folder removed on the way out; a
 * kernel whose client is killed outright ends by itself (kernel/parent-watch.js).
 */
const live = new Set();
let exitHook = false;
function track(client) {
  live.add(client);
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const c of live) c.killNow();
  });
}

class KernelClient {
  /** Starts a kernel in `cwd`; resolves once it answers kernel_info and iopub is connected. */
  static async start({ cwd = process.cwd(), env = {}, startTimeoutMs = 60000, stderr = "inherit" } = {}) {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const conn = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: randomBytes(16).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: "tnlab",
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tnlab-kernel-"));
    const file = path.join(dir, "connection.json");
    fs.writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
    const proc = spawn(process.execPath, [path.join(__dirname, "launch.js"), "--connection-file", file], {
      cwd,
      env: { ...process.env, ...env, TNLAB_KERNEL_OWNED_DIR: dir },
      stdio: ["ignore", "inherit", stderr],
    });
    const client = new KernelClient(conn, proc, dir);
    track(client);
    try {
      await client.connect(startTimeoutMs);
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return client;
  }

  constructor(conn, proc, dir) {
    this.conn = conn;
    this.proc = proc;
    this.dir = dir;
    this.session = wire.newId();
    this.pending = new Map(); // msg_id → {onIopub, onReply}
    this.exited = null;
    proc.on("exit", (code, signal) => {
      this.exited = { code, signal };
      for (const p of this.pending.values()) p.onExit?.(this.exited);
    });
  }

  async connect(timeoutMs) {
    const z = zmq();
    const addr = (p) => `tcp://127.0.0.1:${p}`;
    this.shell = new z.Dealer();
    this.control = new z.Dealer();
    this.iopub = new z.Subscriber({ receiveHighWaterMark: 0 }); // never drop a message (see kernel/server.js)
    this.shell.connect(addr(this.conn.shell_port));
    this.control.connect(addr(this.conn.control_port));
    this.iopub.connect(addr(this.conn.iopub_port));
    this.iopub.subscribe();
    this.sendChain = Promise.resolve();
    this.readLoop(this.shell, "reply");
    this.readLoop(this.control, "reply");
    this.readLoop(this.iopub, "iopub");
    const deadline = Date.now() + timeoutMs;
    // Retry kernel_info until a reply AND an iopub message for it arrive (iopub joins late).
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`the kernel exited while starting (code ${this.exited.code})`);
      const ok = await new Promise((resolve) => {
        let reply = false;
        let iop = false;
        const msg = this.message("kernel_info_request", {});
        const t = setTimeout(() => done(false), 1000);
        const done = (v) => {
          clearTimeout(t);
          this.pending.delete(msg.header.msg_id);
          resolve(v);
        };
        this.pending.set(msg.header.msg_id, {
          onReply: (m) => {
            this.kernelInfo = m.content;
            reply = true;
            if (iop) done(true);
          },
          onIopub: () => {
            iop = true;
            if (reply) done(true);
          },
          onExit: () => done(false),
        });
        this.send(this.shell, msg);
      });
      if (ok) return;
    }
    throw new Error(`the kernel did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }

  message(msgType, content) {
    return { header: wire.header(msgType, this.session), parent_header: {}, metadata: {}, content };
  }

  send(sock, msg) {
    const frames = wire.encode(this.conn.key, msg);
    this.sendChain = this.sendChain.then(() => sock.send(frames)).catch(() => {});
    return this.sendChain;
  }

  async readLoop(sock, kind) {
    try {
      for await (const frames of sock) {
        let msg;
        try {
          msg = wire.decode(this.conn.key, kind === "iopub" ? frames.slice(1) : frames);
        } catch {
          continue;
        }
        const p = this.pending.get(msg.parent_header && msg.parent_header.msg_id);
        if (!p) continue;
        if (kind === "iopub") p.onIopub?.(msg);
        else p.onReply?.(msg);
      }
    } catch {
      // socket closed
    }
  }

  /**
   * Executes `code`; resolves to {reply, outputs, timedOut}. `outputs` are nbformat outputs, with
   * update_display_data applied in place and clear_output honoured. `onOutput(outputs)` is called
   * as they change. After `timeoutMs` the kernel is interrupted.
   */
  execute(code, { timeoutMs = 0, onOutput, silent = false } = {}) {
    const msg = this.message("execute_request", { code, silent, store_history: !silent, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const outputs = [];
    const displays = new Map(); // display_id → outputs showing it
    let clearPending = false;
    let reply = null;
    let idle = false;
    let timedOut = false;
    return new Promise((resolve, reject) => {
      let timer = null;
      const finish = () => {
        if (!reply || !idle) return;
        clearTimeout(timer);
        this.pending.delete(msg.header.msg_id);
        resolve({ reply: reply.content, outputs, timedOut });
      };
      const add = (out, displayId) => {
        if (clearPending) {
          outputs.length = 0;
          clearPending = false;
        }
        const last = outputs[outputs.length - 1];
        if (out.output_type === "stream" && last && last.output_type === "stream" && last.name === out.name) last.text += out.text;
        else outputs.push(out);
        if (displayId) {
          if (!displays.has(displayId)) displays.set(displayId, []);
          displays.get(displayId).push(out);
        }
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          this.interrupt();
          // A kernel that ignores the interrupt is killed after a grace period.
          timer = setTimeout(() => {
            this.pending.delete(msg.header.msg_id);
            this.kill();
            resolve({ reply: { status: "error", ename: "Timeout", evalue: "the kernel did not stop after an interrupt", traceback: [] }, outputs, timedOut: true });
          }, 10000);
        }, timeoutMs);
      }
      this.pending.set(msg.header.msg_id, {
        onReply: (m) => {
          reply = m;
          finish();
        },
        onIopub: (m) => {
          const c = m.content;
          switch (m.header.msg_type) {
            case "status":
              if (c.execution_state === "idle") {
                idle = true;
                finish();
              }
              return;
            case "stream":
              add({ output_type: "stream", name: c.name, text: c.text });
              break;
            case "display_data":
              add({ output_type: "display_data", data: c.data, metadata: c.metadata || {} }, c.transient && c.transient.display_id);
              break;
            case "update_display_data": {
              const id = c.transient && c.transient.display_id;
              for (const o of displays.get(id) || []) {
                o.data = c.data;
                o.metadata = c.metadata || {};
              }
              break;
            }
            case "execute_result":
              add({ output_type: "execute_result", execution_count: c.execution_count, data: c.data, metadata: c.metadata || {} });
              break;
            case "error":
              add({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback });
              break;
            case "clear_output":
              if (c.wait) clearPending = true;
              else outputs.length = 0;
              break;
            default:
              return;
          }
          onOutput?.(outputs);
        },
        onExit: (ex) => {
          clearTimeout(timer);
          this.pending.delete(msg.header.msg_id);
          reject(new Error(`the kernel died while running the cell (exit code ${ex.code}${ex.signal ? ", signal " + ex.signal : ""})`));
        },
      });
      this.send(this.shell, msg);
    });
  }

  /** Sends a shell request (complete_request, inspect_request, ...) and resolves to the reply content. */
  request(msgType, content, timeoutMs = 30000) {
    const msg = this.message(msgType, content);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(msg.header.msg_id);
        reject(new Error(`no reply to ${msgType} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(msg.header.msg_id, {
        onReply: (m) => {
          clearTimeout(t);
          this.pending.delete(msg.header.msg_id);
          resolve(m.content);
        },
        onExit: (ex) => {
          clearTimeout(t);
          reject(new Error(`the kernel exited (code ${ex.code})`));
        },
      });
      this.send(this.shell, msg);
    });
  }

  interrupt() {
    if (!this.exited) this.proc.kill("SIGINT");
  }

  kill() {
    if (!this.exited) this.proc.kill("SIGKILL");
  }

  /** Synchronous: for process exit. */
  killNow() {
    this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  get pid() {
    return this.proc.pid;
  }

  /** Resolves when the kernel process has exited (and been reaped), or after `ms`. */
  waitExit(ms) {
    return new Promise((resolve) => {
      if (this.exited) return resolve(true);
      const t = setTimeout(() => resolve(false), ms);
      this.proc.once("exit", () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  async shutdown() {
    if (!this.exited && this.control) {
      this.send(this.control, this.message("shutdown_request", { restart: false }));
      await this.waitExit(3000);
    }
    this.kill();
    await this.waitExit(5000);
    for (const s of [this.shell, this.control, this.iopub]) {
      try {
        s && s.close();
      } catch {}
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

module.exports = { KernelClient, freePorts };
