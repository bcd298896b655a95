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
 * The declarations to type-check later cells against after a cell stopped part-way: the cell's
 * `declOutput` (its own declarations plus the earlier ones it did not shadow) without the
 * names it declares but never assigned. `locals` holds the values (tslab's exports object).
 */
function keptDeclarations(ts, declOutput, js, locals) {
  const declared = declaredNames(js);
  const unassigned = (name) => declared.has(name) && locals[name] === undefined;
  const sf = ts.createSourceFile("__prev__.d.ts", declOutput, ts.ScriptTarget.Latest, true);
  const out = [];
  for (const st of sf.statements) {
    const text = declOutput.slice(st.getStart(sf), st.end);
    if (ts.isVariableStatement(st)) {
      const decls = st.declarationList.declarations;
      const kept = decls.filter((d) => !(ts.isIdentifier(d.name) && unassigned(d.name.text)));
      if (kept.length === decls.length) out.push(text);
      else if (kept.length > 0) {
        const head = declOutput.slice(st.getStart(sf), decls[0].getStart(sf));
        out.push(head + kept.map((d) => d.getText(sf)).join(", ") + ";");
      }
      continue;
    }
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name && unassigned(st.name.text)) continue;
    out.push(text);
  }
  return out.join("\n") + "\n";
}

module.exports = { declaredNames, keptDeclarations };
