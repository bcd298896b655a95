// The committed notebooks stay light: no output carries plotly.js (figures load it from the
// Jupyter server or the exported page), every plot has its static picture, and all of them
// together weigh under 10 MB. `npx tnlab notebook slim FILE...` brings an old notebook there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const DIR = join(__dirname, "..", "..", "notebooks");
const files = readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort();

test("committed notebooks: no plotly.js inside, a static picture in every plot, under 10 MB in all", () => {
  assert.ok(files.length >= 10, files.join(", "));
  let total = 0;
  const heavy: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(DIR, f), "utf8");
    total += statSync(join(DIR, f)).size;
    if (text.includes("plotly.js, embedded by tnlab")) heavy.push(f);
    const nb = JSON.parse(text) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
    for (const o of nb.cells.flatMap((c) => c.outputs ?? [])) {
      if (!o.data || !("application/vnd.plotly.v1+json" in o.data)) continue;
      const html = [o.data["text/html"]].flat().join("");
      assert.match(html, /<img class="tnlab-static" src="data:image\/svg\+xml;base64,/, `${f}: a plot without its static picture`);
    }
  }
  assert.deepEqual(heavy, [], `notebooks carrying plotly.js (run npx tnlab notebook slim on them): ${heavy.join(", ")}`);
  assert.ok(total < 10e6, `committed notebooks weigh ${(total / 1e6).toFixed(1)} MB`);
});
