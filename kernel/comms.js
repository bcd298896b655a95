"use strict";
// Jupyter comms (the messaging spec's comm_open / comm_msg / comm_close / comm_info): the channel
// @jupyter-widgets models talk over. Kernel code opens comms through the kernel hook
// (globalThis[Symbol.for("tnlab.kernel")].comms, used by lib/display/widgets); the frontend's
// messages reach the comm's handlers, with the comm message as the parent of whatever the handler
// displays, so that display updates land where the frontend expects them.
const wire = require("./wire");

class Comms {
  /** `kernel` provides publish(type, content, parentHeader, metadata) and the parent slot. */
  constructor(kernel) {
    this.k = kernel;
    this.comms = new Map(); // comm_id → {target, onMsg, onClose}
    this.targets = new Map(); // target_name → (comm, data) => void, for comms the frontend opens
  }

  /** What user code sees. */
  api() {
    return {
      open: (target, data = {}, metadata = {}, handlers = {}) => this.open(target, data, metadata, handlers),
      registerTarget: (name, fn) => this.targets.set(name, fn),
    };
  }

  parentHeader() {
    return this.k.parent ? this.k.parent.header : {};
  }

  comm(id, target) {
    const entry = { target, onMsg: null, onClose: null };
    const self = this;
    const handle = {
      id,
      target,
      send(data = {}, metadata = {}) {
        if (!self.comms.has(id)) throw new Error(`comm ${id} is closed`);
        self.k.publish("comm_msg", { comm_id: id, data }, self.parentHeader(), metadata);
      },
      close(data = {}) {
        if (!self.comms.delete(id)) return;
        self.k.publish("comm_close", { comm_id: id, data }, self.parentHeader());
      },
      onMsg(fn) {
        entry.onMsg = fn;
      },
      onClose(fn) {
        entry.onClose = fn;
      },
    };
    this.comms.set(id, entry);
    return handle;
  }

  open(target, data, metadata, handlers) {
    const id = wire.newId();
    const handle = this.comm(id, target);
    if (handlers.onMsg) handle.onMsg(handlers.onMsg);
    if (handlers.onClose) handle.onClose(handlers.onClose);
    this.k.publish("comm_open", { comm_id: id, target_name: target, data, target_module: null }, this.parentHeader(), metadata);
    return handle;
  }

  /** comm_info_request: the open comms, optionally of one target. */
  info(targetName) {
    const comms = {};
    for (const [id, c] of this.comms) if (!targetName || c.target === targetName) comms[id] = { target_name: c.target };
    return { status: "ok", comms };
  }

  /** comm_open / comm_msg / comm_close from the frontend. Runs the handler with `req` as parent. */
  handle(type, req) {
    const c = req.content || {};
    const run = (fn) => {
      const before = this.k.parent;
      this.k.parent = req;
      try {
        fn();
      } catch (e) {
        console.error(`tnlab kernel: a comm handler (${type}) failed:`, e);
      } finally {
        this.k.parent = before;
      }
    };
    if (type === "comm_open") {
      const fn = this.targets.get(c.target_name);
      if (!fn) {
        // Nobody listens: tell the frontend the comm is gone, as ipykernel does.
        this.k.publish("comm_close", { comm_id: c.comm_id, data: {} }, req.header);
        return;
      }
      const handle = this.comm(c.comm_id, c.target_name);
      run(() => fn(handle, c.data || {}));
    } else if (type === "comm_msg") {
      const entry = this.comms.get(c.comm_id);
      if (entry && entry.onMsg) run(() => entry.onMsg(c.data || {}, req.buffers || []));
    } else if (type === "comm_close") {
      const entry = this.comms.get(c.comm_id);
      this.comms.delete(c.comm_id);
      if (entry && entry.onClose) run(() => entry.onClose(c.data || {}));
    }
  }
}

module.exports = { Comms };
