// The teaching notebooks run headless through the kernel (`tnlab run`), without an error, and
// every cell that draws with tn.plot produces a plotly figure.
import { after, before, test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtOrFail } from "../kernel/helpers";
import { runSmoke, SMOKE_TEST_TIMEOUT } from "./helpers";

const TEACHING = [
  "01-tensors-and-unfoldings",
  "02-tt-svd",
  "03-cp-als",
  "04-tucker",
  "05-evbmf-rank-selection",
  "06-compressing-a-layer",
];

let dir: string;
before(() => {
  builtOrFail();
  dir = mkdtempSync(join(tmpdir(), "tnlab-teaching-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of TEACHING) {
  test(`${name} runs headless and every plot cell renders a plotly figure`, { timeout: SMOKE_TEST_TIMEOUT }, () => {
    runSmoke(name, dir);
  });
}
