"use strict";
// What the kernel needs to know about a cell's text without running it: where the call around
// the cursor starts (Shift+Tab inside `f(` shows f), whether the code is complete, incomplete or
// invalid (is_complete_request), and whether it ends with `;` (which hides the value, as in IPython).
// The TypeScript parser tslab ships decides; no hand-written grammar.

/**
 * The offset of the name of the innermost call whose parenthesis is open at `pos`, or -1.
 * `tn.decomp.ttSvd(x, {` with the cursor at the end gives the offset of the last `d` of ttSvd.
 */
function calleeAt(ts, code, pos) {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let best = null;
  const visit = (node) => {
    if (pos < node.getStart(sf)) return;
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
      const open = node.arguments.pos - 1; // the "("
      // An unclosed call (the parser ends it wherever the text ends) holds every later position.
      const last = node.getChildren(sf).slice(-1)[0];
      const closed = !!last && last.kind === ts.SyntaxKind.CloseParenToken && last.end > last.pos;
      if (open >= 0 && code[open] === "(" && pos > open && (!closed || pos < node.end)) best = node;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!best) return -1;
  let callee = best.expression;
  if (ts.isPropertyAccessExpression(callee)) callee = callee.name;
  return callee.end - 1;
}

/** "complete" | "incomplete" | "invalid" for code that tslab's check calls complete or not. */
function completeness(ts, code, tslabComplete) {
  if (!tslabComplete) return "incomplete";
  if (/^\s*%/.test(code)) return "complete"; // tslab's %magics are not TypeScript
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return sf.parseDiagnostics && sf.parseDiagnostics.length > 0 ? "invalid" : "complete";
}

/** True when the cell's last statement is an expression statement written with a final `;`. */
function endsWithSemicolon(ts, code) {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const last = sf.statements[sf.statements.length - 1];
  return !!last && ts.isExpressionStatement(last) && code.slice(last.pos, last.end).trimEnd().endsWith(";");
}

module.exports = { calleeAt, completeness, endsWithSemicolon };
