// Table 1 of tt-fc.md at the paper's settings (full MNIST, 25 epochs, SGD 0.001 momentum 0.9,
// batch 100, best-test selection), one model per call, too long for a notebook cell:
//   node --import tsx scripts/ttfc-mnist-paper.ts tt_tt_tt [tt_tt_fc ...]
// Each model checkpoints every epoch under results/ttfc-mnist-paper/<model>/ (re-running resumes)
// and, when done, its run is merged into notebooks/results/tt-fc-mnist-paper.json, which the
// tt-fc notebook shows beside the paper's numbers.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../lib/atomic-file";
import { use, describe } from "../lib/backend";
import { MNIST_IDS, mnistData, mnistRun, budget, runnable } from "../lib/experiments/tt-fc";

const OUT = join(__dirname, "..", "notebooks", "results", "tt-fc-mnist-paper.json");
const CKPT = join(__dirname, "..", "results", "ttfc-mnist-paper");

async function main(names: string[]): Promise<void> {
  if (names.length === 0) throw new Error(`models: expected one or more of ${MNIST_IDS.map((i) => i.replace("ttfc.mnist.", "")).join(", ")}`);
  const ids = names.map((n) => {
    const id = n.startsWith("ttfc.mnist.") ? n : `ttfc.mnist.${n}`;
    if (!(MNIST_IDS as readonly string[]).includes(id)) throw new Error(`model = ${JSON.stringify(n)}: expected one of ${MNIST_IDS.join(", ")}`);
    return id;
  });
  const info = await use(process.env.TN_BACKEND ?? "auto");
  const b = budget("paper");
  const data = mnistData(b);
  for (const id of ids) {
    if (!runnable(id)) {
      console.log(`${id}: needs the native backend (tfjs-node); skipped on ${info.backend}`);
      continue;
    }
    const started = new Date().toISOString();
    const run = await mnistRun(id, b.mnist.epochs, data, 0, join(CKPT, id.replace("ttfc.mnist.", "")));
    const all = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, "utf8")) as Record<string, unknown>) : {};
    all[id] = { ...run, started, finished: new Date().toISOString(), backend: describe(info), train: data.train.size, test: data.test.size };
    writeAtomic(OUT, JSON.stringify(all, null, 1) + "\n");
    console.log(`${id}: best ${run.bestAcc.toFixed(2)} %, last ${run.lastAcc.toFixed(2)} %, ${(run.seconds / 60).toFixed(1)} min`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
