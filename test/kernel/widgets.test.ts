// Comms and widgets over the Jupyter protocol, with our Node client playing the frontend's
// widget manager: the kernel opens @jupyter-widgets models, answers request_state, runs the
// slider's callback on an update (its display update arrives under the comm message), lists
// open comms, and closes a comm the frontend opens to a target nobody registered.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { builtOrFail, KernelClient, NOTEBOOKS } from "./helpers";

interface Msg {
  header: { msg_type: string; msg_id: string };
  parent_header: { msg_id?: string };
  metadata: Record<string, any>;
  content: Record<string, any>;
}

let k: any;
const seen: Msg[] = [];

before(async () => {
  builtOrFail();
  k = await KernelClient.start({ cwd: NOTEBOOKS, env: { TN_QUIET: "1" } });
  // Record every iopub message the client routes (comm messages included).
  const set = k.pending.set.bind(k.pending);
  k.pending.set = (id: string, p: { onIopub?: (m: Msg) => void }) =>
    set(id, { ...p, onIopub: (m: Msg) => (seen.push(m), p.onIopub?.(m)) });
});
after(async () => {
  await k?.shutdown();
});

/** Sends a shell message that has no reply; resolves to its iopub messages once it is idle. */
function sendComm(msgType: string, content: Record<string, unknown>): Promise<Msg[]> {
  const msg = k.message(msgType, content);
  const got: Msg[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no idle after ${msgType}: ${JSON.stringify(got)}`)), 30_000);
    k.pending.set(msg.header.msg_id, {
      onIopub: (m: Msg) => {
        got.push(m);
        if (m.header.msg_type === "status" && m.content.execution_state === "idle") {
          clearTimeout(t);
          k.pending.delete(msg.header.msg_id);
          resolve(got);
        }
      },
    });
    k.send(k.shell, msg);
  });
}

let sliderId = "";

test("a slider opens its layout, style and IntSlider models and displays the widget view", async () => {
  const r = await k.execute(
    'import * as tn from "tnlab";\nconst calls: number[] = [];\ntn.display.html("rank 2", { displayId: "rank-view" });\n' +
      'const s = tn.display.slider({ min: 1, max: 8, value: 2, description: "rank", onChange: (r) => { calls.push(r); tn.display.html(`rank ${r}`, { displayId: "rank-view", update: true }); } });\ns.modelId',
  );
  assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
  const opens = seen.filter((m) => m.header.msg_type === "comm_open");
  assert.equal(opens.length, 3);
  for (const o of opens) {
    assert.equal(o.content.target_name, "jupyter.widget");
    assert.equal(o.metadata.version, "2.1.0");
  }
  const [layout, style, model] = opens.map((o) => o.content);
  assert.equal(layout.data.state._model_name, "LayoutModel");
  assert.equal(style.data.state._model_name, "SliderStyleModel");
  const st = model.data.state;
  assert.deepEqual([st._model_name, st._model_module, st._model_module_version, st.value, st.min, st.max, st.description], ["IntSliderModel", "@jupyter-widgets/controls", "2.0.0", 2, 1, 8, "rank"]);
  assert.equal(st.layout, `IP_MODEL_ID:${layout.comm_id}`);
  assert.equal(st.style, `IP_MODEL_ID:${style.comm_id}`);
  sliderId = model.comm_id;
  const view = r.outputs.find((o: { data?: Record<string, any> }) => o.data?.["application/vnd.jupyter.widget-view+json"]);
  assert.deepEqual(view.data["application/vnd.jupyter.widget-view+json"], { version_major: 2, version_minor: 0, model_id: sliderId });
  assert.match(view.data["text/plain"], /IntSlider\(value=2, min=1, max=8/);
  assert.equal(r.outputs.find((o: { output_type: string }) => o.output_type === "execute_result").data["text/plain"], `'${sliderId}'`);
  const info = await k.request("comm_info_request", { target_name: "jupyter.widget" });
  assert.deepEqual(Object.keys(info.comms).sort(), opens.map((o) => o.content.comm_id).sort());
});

test("moving the slider runs its callback in the kernel; the display it updates arrives under the comm message", async () => {
  const msgs = await sendComm("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 5 }, buffer_paths: [] } });
  const types = msgs.map((m) => m.header.msg_type);
  assert.equal(types[0], "status");
  const echo = msgs.find((m) => m.header.msg_type === "comm_msg")!;
  assert.deepEqual(echo.content.data, { method: "echo_update", state: { value: 5 }, buffer_paths: [] });
  const upd = msgs.find((m) => m.header.msg_type === "update_display_data")!;
  assert.equal(upd.content.transient.display_id, "rank-view");
  assert.equal(upd.content.data["text/html"], "rank 5");
  const r = await k.execute("[calls, s.value]");
  assert.equal(r.outputs[0].data["text/plain"].replace(/\s+/g, " "), "[ [ 5 ], 5 ]");
  // Out of range: ignored.
  await sendComm("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 99 }, buffer_paths: [] } });
  assert.equal((await k.execute("s.value")).outputs[0].data["text/plain"], "5");
});

test("request_state gets the whole state; an unknown target's comm is closed; comm_close forgets the comm", async () => {
  const msgs = await sendComm("comm_msg", { comm_id: sliderId, data: { method: "request_state" } });
  const state = msgs.find((m) => m.header.msg_type === "comm_msg")!.content.data;
  assert.equal(state.method, "update");
  assert.equal(state.state.value, 5);
  assert.equal(state.state._model_name, "IntSliderModel");
  const closed = await sendComm("comm_open", { comm_id: "frontend-comm-1", target_name: "no.such.target", data: {} });
  assert.deepEqual(closed.filter((m) => m.header.msg_type === "comm_close").map((m) => m.content.comm_id), ["frontend-comm-1"]);
  await sendComm("comm_close", { comm_id: sliderId, data: {} });
  const info = await k.request("comm_info_request", {});
  assert.ok(!(sliderId in info.comms));
  assert.equal(Object.keys(info.comms).length, 2, "layout and style stay open");
});

test("bad slider arguments name the argument, the value and what was expected", async () => {
  const r = await k.execute("tn.display.slider({ min: 3, max: 1 })");
  assert.equal(r.reply.status, "error");
  assert.match(r.reply.evalue, /slider: max = 1: expected at least min \(3\)/);
});
