// musco.md §2.10 / §8 (thesis chapter 3, LETI) as a CPU analogue (`musco.a.leti_cpu`): latency
// predictors fitted on NAS-Bench-101-style cells measured on this machine's active backend. The
// measured dataset is kept as JSON (notebooks/results/leti/<profile>.json) so a notebook re-fits
// without re-measuring; the predictors are scored on a seeded train / test split by accuracy
// within ±10 % and R² (Table 15's metrics). The pieces are tn.latency.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateCells } from "../latency/cells";
import { environment, measureBlocks, measureCell, type CellRecord } from "../latency/measure";
import { loadDataset, saveDataset, DATASET_FORMAT, type LatencyDataset } from "../latency/dataset";
import { accuracyWithin, rSquared } from "../latency/metrics";
import { BoostedTrees, GraphConvNet, LookupTable, RansacFlops, RansacMemoryClusters, type LatencyPredictor } from "../latency/predictors";
import { permutation } from "../random";
import { fail } from "../errors";
import { loadavg } from "node:os";
import { byProfile, type Profile } from "./profile";

export interface Budget {
  /** Distinct cells generated and measured. */
  cells: number;
  /** Of which the first `train` of a seeded permutation train the predictors; the rest test them. */
  train: number;
  warmup: number;
  repeats: number;
  seed: number;
  /** Memory clusters of predictor (b). */
  clusters: number;
  trees: number;
  gcnEpochs: number;
}

/** smoke: seconds of measurement; quick: minutes; paper: the card's 1000 train / rest test split. */
export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: { cells: 60, train: 40, warmup: 2, repeats: 9, seed: 0, clusters: 2, trees: 200, gcnEpochs: 200 },
    quick: { cells: 400, train: 250, warmup: 3, repeats: 15, seed: 0, clusters: 2, trees: 300, gcnEpochs: 300 },
    paper: { cells: 1600, train: 1000, warmup: 5, repeats: 25, seed: 0, clusters: 2, trees: 300, gcnEpochs: 400 },
  });
}

/** The committed datasets: notebooks/results/leti in the tnlab folder. */
export function committedDir(): string {
  for (const up of ["../..", "../../.."]) {
    const d = resolve(__dirname, up);
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "notebooks"))) return join(d, "notebooks", "results", "leti");
  }
  return resolve("notebooks", "results", "leti");
}

/** Where a new measurement goes: <TNLAB_RESULTS_DIR>/leti under `tnlab reproduce` (never the checkout), else the committed folder. */
export function measureDir(): string {
  return process.env.TNLAB_RESULTS_DIR ? resolve(process.env.TNLAB_RESULTS_DIR, "leti") : committedDir();
}

export function datasetFile(profile: Profile, dir = committedDir()): string {
  return join(dir, `${profile}.json`);
}

/** The command that (re-)measures a profile's dataset, for error messages. */
export function howToMeasure(profile: Profile): string {
  return `measure it with \`npx tnlab run notebooks/52-leti.ipynb --profile ${profile} --param measure=true\` (or tn.experiments.leti.measureDataset("${profile}"))`;
}

/** Generates the budget's cells, measures each (and every block they use) on the active backend. */
export async function measureDataset(profile: Profile, o: { budget?: Budget; onCell?: (done: number, total: number) => void } = {}): Promise<LatencyDataset> {
  const b = o.budget ?? budget(profile);
  const t0 = Date.now();
  const env = await environment();
  const timing = { warmup: b.warmup, repeats: b.repeats };
  const cells: CellRecord[] = [];
  for (const c of generateCells(b.cells, { seed: b.seed })) {
    cells.push(await measureCell(c, timing));
    o.onCell?.(cells.length, b.cells);
    // Lets the kernel show progress and take an interrupt between cells.
    await new Promise((r) => setImmediate(r));
  }
  const blocks = await measureBlocks(cells.flatMap((c) => c.blocks), timing);
  return { format: DATASET_FORMAT, profile, seed: b.seed, timing, environment: env, loadAfter: loadavg().map((v) => Number(v.toFixed(2))), seconds: (Date.now() - t0) / 1000, blocks, cells };
}

/**
 * The profile's dataset: measured (and saved to measureDir()) when `measure` is true, when the
 * profile is paper and `measure` is not false, or when no file exists yet; else read from `dir`
 * (default: the committed folder). A damaged file is an error naming it and how to re-measure.
 */
export async function dataset(profile: Profile, o: { measure?: boolean; dir?: string; budget?: Budget; onCell?: (done: number, total: number) => void } = {}): Promise<{ data: LatencyDataset; file: string; measured: boolean }> {
  const readFile = datasetFile(profile, o.dir);
  const measure = o.measure ?? (profile === "paper" || !existsSync(readFile));
  if (!measure) return { data: loadDataset(readFile, howToMeasure(profile)), file: readFile, measured: false };
  const data = await measureDataset(profile, o);
  const file = datasetFile(profile, o.dir ?? measureDir());
  saveDataset(file, data);
  return { data, file, measured: true };
}

/** A seeded split: the first `train` cells of a permutation train, the rest test. */
export function split(cells: readonly CellRecord[], train: number, seed = 0): { train: CellRecord[]; test: CellRecord[] } {
  if (!Number.isInteger(train) || train < 4 || train > cells.length - 1) fail("train", train, `a number of training cells in 4..${cells.length - 1} (the dataset has ${cells.length})`);
  const p = Array.from(permutation(cells.length, seed));
  return { train: p.slice(0, train).map((i) => cells[i]), test: p.slice(train).map((i) => cells[i]) };
}

/** The five predictors of thesis §3.3 for a dataset (the lookup table uses its block table). */
export function predictorsFor(d: LatencyDataset, b: Budget): LatencyPredictor[] {
  return [
    new RansacFlops({ seed: b.seed }),
    new RansacMemoryClusters({ clusters: b.clusters, seed: b.seed }),
    new LookupTable(d.blocks),
    new BoostedTrees({ trees: b.trees, seed: b.seed }),
    new GraphConvNet({ epochs: b.gcnEpochs, seed: b.seed }),
  ];
}

export interface Score {
  predictor: string;
  /** Share of test cells within ±10 %, in %. */
  acc10: number;
  r2: number;
  fitSeconds: number;
}

export interface Evaluation {
  train: CellRecord[];
  test: CellRecord[];
  scores: Score[];
  /** Test predictions (ms) per predictor name, in the order of `test`. */
  predictions: Record<string, number[]>;
  /** The fitted predictors (dispose them when done: the GCN holds tensors). */
  predictors: LatencyPredictor[];
}

/** Fits every predictor on the training cells and scores it on the test cells (Table 15 analogue). */
export async function evaluate(d: LatencyDataset, b: Budget, predictors: LatencyPredictor[] = predictorsFor(d, b)): Promise<Evaluation> {
  const { train, test } = split(d.cells, Math.min(b.train, d.cells.length - 1), b.seed);
  const y = test.map((c) => c.latencyMs);
  const scores: Score[] = [];
  const predictions: Record<string, number[]> = {};
  for (const p of predictors) {
    const t0 = Date.now();
    await p.fit(train);
    const fitSeconds = (Date.now() - t0) / 1000;
    const yhat = p.predict(test);
    predictions[p.name] = yhat;
    scores.push({ predictor: p.name, acc10: 100 * accuracyWithin(yhat, y, 0.1), r2: rSquared(yhat, y), fitSeconds });
  }
  return { train, test, scores, predictions, predictors };
}

export { cellRows, opCounts, byChannels, predictedVsMeasured, diagonal, scoreRows, provenance, shortPath } from "./leti-views";
