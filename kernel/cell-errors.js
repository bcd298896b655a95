"use strict";
// Turns what tslab's executor reports (TypeScript diagnostics, thrown values) into the
// ename / evalue / traceback of a Jupyter error, with lines pointing into the cell's TypeScript.
// tslab emits no source maps (it transpiles twice), so a JavaScript line is matched to the cell
// line that shares most of its identifiers and literals, preferring lines near the same number.
const util = require("node:util");

const RED = "\x1b[31m";
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";
const IGNORED = new Set(["exports", "require", "const", "let", "var", "function", "return", "await", "async", "new", "this", "void", "Object", "defineProperty", "__esModule", "value", "true", "false", "tsLastExpr"]);

function tokens(line) {
  const out = new Set();
  for (const m of line.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|[A-Za-z_$][\w$]*|\d+(?:\.\d+)?/g)) {
    let t = m[0];
    if (/^["'`]/.test(t)) t = "str:" + t.slice(1, -1);
    if (!IGNORED.has(t)) out.add(t);
  }
  return out;
}

/** Index (0-based) of the cell line that the JavaScript line `jsIndex` most likely came from, or -1. */
function mapJsLine(jsLines, tsLines, jsIndex) {
  const js = tokens(jsLines[jsIndex] || "");
  if (js.size === 0) return -1;
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < tsLines.length; i++) {
    const ts = tokens(tsLines[i]);
    let common = 0;
    for (const t of js) if (ts.has(t)) common++;
    const score = common / js.size - Math.abs(i - jsIndex) * 1e-3;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return bestScore >= 0.5 ? best : -1;
}

function caretLines(tsLines, line, col, width) {
  const src = tsLines[line];
  if (src === undefined) return [];
  const n = String(line + 1).padStart(4);
  return [`${n} | ${src}`, `${" ".repeat(n.length)} | ${" ".repeat(Math.max(0, col))}${RED}${"^".repeat(Math.max(1, width))}${RESET}`];
}

/** Diagnostics as tslab prints them: ("%s%d:%d - %s", file, line, col, message). */
function compileError(diags, code) {
  const tsLines = code.split("\n");
  const tb = [];
  for (const d of diags) {
    const where = `${d.file ? d.file + " " : ""}line ${d.line}, column ${d.col}`;
    tb.push(`${RED}${BOLD}TypeScript error${RESET} (${where}): ${d.message}`);
    if (!d.file) tb.push(...caretLines(tsLines, d.line - 1, d.col - 1, 1));
  }
  const first = diags[0];
  return {
    ename: "TypeScriptError",
    evalue: first ? `${first.message} (line ${first.line}, column ${first.col})` : "compilation failed",
    traceback: tb,
  };
}

/** A value thrown by the cell's code; `cells` maps vm filenames to {js, ts} sources. */
function runtimeError(err, cells) {
  const isErr = err instanceof Error || (err && typeof err === "object" && "stack" in err && "message" in err);
  const ename = isErr ? String(err.name || (err.constructor && err.constructor.name) || "Error") : "Uncaught";
  const evalue = isErr ? String(err.message) : util.inspect(err);
  const tb = [`${RED}${BOLD}${ename}${RESET}: ${evalue}`];
  if (isErr && typeof err.stack === "string") {
    for (const raw of err.stack.split("\n").slice(1)) {
      const frame = raw.trim();
      if (!frame.startsWith("at ")) continue;
      if (/node:(internal|vm)\b|[\\/]tslab[\\/]dist[\\/]|[\\/]kernel[\\/](server|launch)\.js/.test(frame)) continue;
      const m = frame.match(/<cell (\d+)>:(\d+):(\d+)/);
      if (m && cells.has(Number(m[1]))) {
        const cell = cells.get(Number(m[1]));
        const jsLines = cell.js.split("\n");
        const tsLines = cell.ts.split("\n");
        const line = mapJsLine(jsLines, tsLines, Number(m[2]) - 1);
        if (line >= 0) {
          const fn = frame.match(/^at (\S+) \(/);
          const inFn = fn && !fn[1].startsWith("<cell") && fn[1] !== "Object.<anonymous>" ? ` in ${fn[1]}` : "";
          tb.push(`  ${BOLD}cell [${cell.count ?? m[1]}], line ${line + 1}${RESET}${inFn}:`);
          tb.push(`  ${String(line + 1).padStart(4)} | ${tsLines[line]}`);
          continue;
        }
      }
      tb.push("    " + frame);
    }
  }
  return { ename, evalue, traceback: tb };
}

module.exports = { compileError, runtimeError, mapJsLine, tokens };
