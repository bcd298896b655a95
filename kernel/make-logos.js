#!/usr/bin/env node
"use strict";
// Writes kernel/logo-32x32.png and kernel/logo-64x64.png (no image tools needed): a 3x3x3
// "tensor" of cubes drawn as an isometric-ish grid of tiles on a dark blue rounded square.
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x / size, y / size), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
function pixel(u, v) {
  const r = 0.18; // corner radius of the background square
  const cx = Math.min(Math.max(u, r), 1 - r);
  const cy = Math.min(Math.max(v, r), 1 - r);
  if (Math.hypot(u - cx, v - cy) > r) return [0, 0, 0, 0];
  // Three stacked 3x3 slices, offset diagonally like the frontal slices of a tensor.
  for (let s = 2; s >= 0; s--) {
    const x0 = 0.16 + s * 0.09;
    const y0 = 0.34 - s * 0.09;
    const gx = (u - x0) / 0.42;
    const gy = (v - y0) / 0.42;
    if (gx >= 0 && gx < 1 && gy >= 0 && gy < 1) {
      const fx = (gx * 3) % 1;
      const fy = (gy * 3) % 1;
      const edge = fx < 0.12 || fy < 0.12;
      const shade = [255 - s * 45, 170 - s * 30, 40 + s * 10];
      return edge ? [20, 40, 80, 255] : [...shade, 255];
    }
  }
  return [25, 55, 110, 255];
}
for (const size of [32, 64]) fs.writeFileSync(path.join(__dirname, `logo-${size}x${size}.png`), png(size, pixel));
