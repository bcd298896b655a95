"use strict";
// What a later cell may use after a cell stopped part-way (interrupted, or an exception): as in
// IPython, the assignments it made before it stopped. tslab type-checks each cell against the
// declarations of the cells that completed, so without this, names a stopped cell did assign are
// "Cannot find name" afterwards. A cell's compiled JavaScript sets every name it declares to
// undefined first (`exports.a = exports.b = void 0;`) and assigns each as its statement runs, so
// a name it declares still holds undefined exactly when the cell stopped before assigning it.

/** The names a compiled cell declares (the ones its prologue resets to undefined). */
function declaredNames(js) {
  const names = new Set();
  for (const m of (js || "").matchAll(/^exports\.[\w$]+ = (?:exports\.[\w$]+ = )*void 0;$/gm)) {
    for (const n of m[0].matchAll(/exports\.([\w$]+) =/g)) names.add(n[1]);
  }
  return names;
}

/**
 * The top-level declarations in `text` (declarations of earlier cells, as tslab emits them) of
 * values (variables, functions, classes, enums) for which `keep(name)` holds, a variable
 * statement cut down to the declarators kept; the others (interfaces, type aliases, imports)
 * too when `others` is true.
 */
function filterDeclarations(ts, text, keep, others = true) {
  const sf = ts.createSourceFile("__prev__.d.ts", text, ts.ScriptTarget.Latest, true);
  const out = [];
  for (const st of sf.statements) {
    const whole = text.slice(st.getStart(sf), st.end);
    if (ts.isVariableStatement(st)) {
      const decls = st.declarationList.declarations;
      const kept = decls.filter((d) => !ts.isIdentifier(d.name) || keep(d.name.text));
      if (kept.length === decls.length) out.push(whole);
      else if (kept.length > 0) out.push(text.slice(st.getStart(sf), decls[0].getStart(sf)) + kept.map((d) => d.getText(sf)).join(", ") + ";");
      continue;
    }
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) {
      if (!st.name || keep(st.name.text)) out.push(whole);
      continue;
    }
    if (others) out.push(whole);
  }
  return out;
}

/** The values that the names a compiled cell declares have before it runs (earlier cells' ones). */
function valuesBefore(js, locals) {
  const before = new Map();
  for (const name of declaredNames(js)) if (locals[name] !== undefined) before.set(name, locals[name]);
  return before;
}

/**
 * The declarations to type-check later cells against after a cell stopped part-way, and the
 * values to put back. The cell's `declOutput` holds its own declarations plus the earlier ones
 * it did not shadow; from it go the names the cell declares but never assigned. Such a name
 * that an earlier cell had defined (`before`, from valuesBefore) gets that cell's value and
 * declaration (from `prevDecl`) back, as in IPython, where an assignment not reached changes
 * nothing. `locals` holds the values (tslab's exports object); it is updated here.
 */
function keptDeclarations(ts, { declOutput, js, locals, prevDecl = "", before = new Map() }) {
  const declared = declaredNames(js);
  const unassigned = new Set([...declared].filter((n) => locals[n] === undefined));
  const restored = new Set([...unassigned].filter((n) => before.has(n)));
  for (const n of restored) locals[n] = before.get(n);
  const out = filterDeclarations(ts, declOutput, (n) => !unassigned.has(n));
  if (restored.size > 0) out.push(...filterDeclarations(ts, prevDecl, (n) => restored.has(n), false));
  return out.join("\n") + "\n";
}

module.exports = { declaredNames, valuesBefore, keptDeclarations };
