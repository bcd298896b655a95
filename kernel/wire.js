"use strict";
// The Jupyter wire protocol (messaging spec 5.3): frames, HMAC-SHA256 signatures and headers.
// Shared by the kernel (server.js) and the headless notebook client (client.js).
const { createHmac, randomBytes } = require("node:crypto");

const DELIM = Buffer.from("<IDS|MSG>");
const PROTOCOL_VERSION = "5.3";

function sign(key, parts) {
  // An empty key means "no authentication": the signature is the empty string.
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

function newId() {
  return randomBytes(16).toString("hex");
}

function header(msgType, session, username = "tnlab") {
  return {
    msg_id: newId(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/** Parse raw frames into {identities, header, parent_header, metadata, content, buffers}. */
function decode(key, frames) {
  const i = frames.findIndex((f) => Buffer.from(f).equals(DELIM));
  if (i < 0) throw new Error("message without the <IDS|MSG> delimiter");
  const identities = frames.slice(0, i).map((f) => Buffer.from(f));
  const signature = Buffer.from(frames[i + 1]).toString();
  const parts = frames.slice(i + 2, i + 6).map((f) => Buffer.from(f));
  const expected = sign(key, parts);
  if (expected !== signature) throw new Error("message with an invalid HMAC signature");
  const [h, p, m, c] = parts.map((b) => JSON.parse(b.toString() || "{}"));
  return {
    identities,
    header: h,
    parent_header: p,
    metadata: m,
    content: c,
    buffers: frames.slice(i + 6).map((f) => Buffer.from(f)),
  };
}

/** Frames for a message; `identities` route replies on ROUTER sockets (empty for PUB topics). */
function encode(key, msg, identities = []) {
  const parts = [msg.header, msg.parent_header || {}, msg.metadata || {}, msg.content || {}].map((o) =>
    Buffer.from(JSON.stringify(o)),
  );
  return [...identities, DELIM, Buffer.from(sign(key, parts)), ...parts, ...(msg.buffers || [])];
}

module.exports = { DELIM, PROTOCOL_VERSION, sign, newId, header, decode, encode };
