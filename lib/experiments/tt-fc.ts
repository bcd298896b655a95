// tt-fc.md: fully-connected networks whose layers are TT-matrices (TTDense, ranks 4, BatchNorm
// after every layer), trained from scratch. Table 1 (MNIST, six models), Fig. 10 (curves, dense vs
// TT), CIFAR-10: the dense baseline, Figs. 12-15 (learning rates, optimisers, TT ranks, TT modes)
// and Table 2. The thesis's conventions: pixels scaled to [0, 1] only, batch 100, best test
// accuracy over the epochs, loss printed as 100 x the mean cross-entropy. The specs and the
// builder are in lib/models/tt-fc.ts; model ids are typed against the card's targets (lib/papers).
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/image-set";
import { trainableParams } from "../models/count";
import { buildTtFcNet as build, specParams, ttFcSpec, type FcLayerSpec, type FcNetSpec } from "../models/tt-fc";
import type { OptimizerSpec } from "../train/optimizers";
import type { Schedule } from "../train/schedules";
import { fit } from "../train/fit";
import { evaluate } from "../train/evaluate";
import { batchNormSignal, reestimateBatchNorm, type BatchNormSignal } from "../train/batchnorm-stats";
import { fail } from "../errors";
import { rowLabel } from "../papers/registry";
import type { ModelId } from "../papers/types";
import { byProfile, type Profile } from "./profile";
import { cifarSplit, mnistSplit, secondsSince, type RunResult, type Split } from "./shared";
import { runStore, type RunStore } from "../papers/run-store";

/** Model ids of Table 1 (MNIST); each is checked against the card's targets at compile time. */
export const MNIST_IDS = ["ttfc.mnist.fc_fc", "ttfc.mnist.tt_tt", "ttfc.mnist.tt_fc", "ttfc.mnist.fc_fc_fc", "ttfc.mnist.tt_tt_tt", "ttfc.mnist.tt_tt_fc"] as const satisfies readonly ModelId[];
export type MnistId = (typeof MNIST_IDS)[number];
/** Model ids of Table 2 (CIFAR-10), and the dense baseline it is compared with. */
export const TABLE2_IDS = ["ttfc.cifar.t2.p146814", "ttfc.cifar.t2.p225278"] as const satisfies readonly ModelId[];
export const CIFAR_BASELINE = "ttfc.cifar.fc_baseline" satisfies ModelId;

/** The networks (tn.models): TTDense factory with the thesis's init, and a spec or row id built for images. */
export { ttDense, buildTtFcNet as build } from "../models/tt-fc";

export interface CountRow {
  id: string;
  provenance: string;
  /** By the card's formula (weights + biases + BatchNorm γ/β). */
  specParams: number;
  /** Counted on the built TensorFlow.js model (null when the model was not built). */
  builtParams: number | null;
}

/** Parameter counts of every model; `buildAbove` skips building models larger than that (memory). */
export function counts(ids: readonly string[], buildAbove = 20_000_000): CountRow[] {
  return ids.map((id) => {
    const s = ttFcSpec(id);
    const n = specParams(s);
    let built: number | null = null;
    if (n <= buildAbove) {
      const m = build(s);
      built = trainableParams(m);
      m.dispose();
    }
    return { id, provenance: s.provenance, specParams: n, builtParams: built };
  });
}

export interface Budget {
  mnist: { train: number | "all"; test: number | "all"; epochs: number; models: MnistId[] };
  cifar: { train: number | "all"; test: number | "all"; sweepEpochs: number; stepEvery: number; table2Epochs: number; lrs: number[]; ranks: number[]; modes: number[] };
}

export function budget(profile: Profile): Budget {
  return byProfile<Budget>(profile, {
    smoke: {
      // 1,000 x 2 is the least at which the dense model clears chance by far (about 75 %) in seconds,
      // so the smoke test can check that training learned; the TT models' thesis init needs more.
      mnist: { train: 1000, test: 500, epochs: 2, models: ["ttfc.mnist.tt_tt_tt", "ttfc.mnist.tt_tt_fc", "ttfc.mnist.fc_fc_fc"] },
      cifar: { train: 200, test: 200, sweepEpochs: 1, stepEvery: 1, table2Epochs: 1, lrs: [0.005], ranks: [2, 4], modes: [4, 5] },
    },
    quick: {
      // The card's quick run (§8): MNIST 1 epoch on 6,000 images, 2,000 test images; CIFAR-10 5 epochs
      // on 10,000 images, the full test set, StepLR every 2 epochs (10 of 30, scaled).
      mnist: { train: 6000, test: 2000, epochs: 1, models: [...MNIST_IDS] },
      cifar: { train: 10000, test: "all", sweepEpochs: 5, stepEvery: 2, table2Epochs: 5, lrs: [0.001, 0.01, 0.05], ranks: [2, 4, 8], modes: [3, 4, 5] },
    },
    paper: {
      mnist: { train: "all", test: "all", epochs: 25, models: [...MNIST_IDS] },
      cifar: { train: "all", test: "all", sweepEpochs: 30, stepEvery: 10, table2Epochs: 100, lrs: [0.001, 0.005, 0.01, 0.05], ranks: [2, 4, 8, 16], modes: [3, 4, 5, 6] },
    },
  });
}

export function mnistData(b: Budget): Split {
  return mnistSplit(b.mnist);
}

export function cifarData(b: Budget): Split {
  return cifarSplit(b.cifar);
}

export interface Run extends RunResult {
  id: string;
  label: string;
  /** Best test accuracy over the epochs (%), the thesis's rule, and the last epoch's. */
  bestAcc: number;
  lastAcc: number;
  /** The thesis's printed loss (100 x mean cross-entropy) at the best epoch and at the last. */
  lossAtBest: number;
  lossLast: number;
  /**
   * Not the thesis's rule: the reported weights' test accuracy (%) once BatchNorm's moving
   * statistics are re-estimated on training batches (reestimateBatchNorm). Far above `bestAcc`
   * means the moving statistics still held their start values, not that the weights did not learn.
   */
  bnReestimatedAcc?: number;
}

/** Trains one model with the thesis's pipeline: [0, 1] pixels, batch 100, best-test selection. */
export async function run(model: tf.LayersModel, data: { train: ImageSet; test: ImageSet }, o: { id: string; label: string; epochs: number; optimizer: OptimizerSpec; schedule?: Schedule; seed?: number; checkpointDir?: string }): Promise<Run> {
  const t0 = Date.now();
  const r = await fit(model, data, {
    epochs: o.epochs, batchSize: 100, optimizer: o.optimizer, schedule: o.schedule, normalize: "scale", select: "best-test", seed: o.seed ?? 0,
    // A checkpoint folder makes a long run resumable: re-running with the same folder continues it.
    ...(o.checkpointDir ? { checkpointDir: o.checkpointDir, resume: true } : {}),
  });
  const eps = r.history.epochs;
  const best = eps[r.history.bestEpoch - 1] ?? eps[eps.length - 1];
  const last = eps[eps.length - 1];
  return {
    id: o.id,
    label: o.label,
    params: trainableParams(model),
    epochs: eps,
    bestAcc: 100 * (best.testAcc ?? NaN),
    lastAcc: 100 * (last.testAcc ?? NaN),
    lossAtBest: 100 * (best.testLoss ?? NaN),
    lossLast: 100 * (last.testLoss ?? NaN),
    seconds: secondsSince(t0),
  };
}

/**
 * The 262,144-wide MNIST models need several GB of activations and weights at batch 100: the wasm
 * backend aborts on them (its heap is capped at 4 GB), so they run only on the native backend.
 */
export const NATIVE_ONLY = ["ttfc.mnist.fc_fc", "ttfc.mnist.tt_tt", "ttfc.mnist.tt_fc"] as const satisfies readonly MnistId[];

export function runnable(id: string, backend = tf.getBackend()): boolean {
  return backend === "tensorflow" || !(NATIVE_ONLY as readonly string[]).includes(id);
}

/** The text's MNIST optimizer: SGD lr 0.001, momentum 0.9, no decay. */
export const MNIST_OPTIMIZER: OptimizerSpec = { name: "sgd", lr: 0.001, momentum: 0.9 };

/** One MNIST model of Table 1 with the text's settings, plus its accuracy with re-estimated BatchNorm statistics (bnReestimatedAcc); `checkpointDir` makes it resumable. */
export async function mnistRun(id: string, epochs: number, data: { train: ImageSet; test: ImageSet }, seed = 0, checkpointDir?: string): Promise<Run> {
  const m = build(id, seed);
  try {
    const r = await run(m, data, { id, label: rowLabel(id), epochs, optimizer: MNIST_OPTIMIZER, seed, checkpointDir });
    reestimateBatchNorm(m, data.train, { seed });
    return { ...r, bnReestimatedAcc: 100 * (await evaluate(m, data.test, { batchSize: 100, normalize: "scale" })).acc };
  } finally {
    m.dispose();
  }
}

export interface InitRun {
  init: "paper" | "glorot";
  optimizer: string;
  run: Run;
}

/**
 * Beyond the paper: the thesis's per-core TT init (whose implied weights are hundreds of times
 * smaller than a dense layer's, card §2.5) against the variance-preserving one, each with the
 * text's SGD and with Adam (lr 0.004), on one MNIST model.
 */
export async function initStudy(id: string, epochs: number, data: { train: ImageSet; test: ImageSet }, seed = 0): Promise<InitRun[]> {
  const out: InitRun[] = [];
  const optimizers: [string, OptimizerSpec][] = [["SGD 0.001, momentum 0.9", MNIST_OPTIMIZER], ["Adam 0.004", { name: "adam", lr: 0.004 }]];
  for (const init of ["paper", "glorot"] as const) {
    for (const [label, optimizer] of optimizers) {
      const m = build(id, seed, init);
      try {
        out.push({ init, optimizer: label, run: await run(m, data, { id, label: `${init} init, ${label}`, epochs, optimizer, seed }) });
      } finally {
        m.dispose();
      }
    }
  }
  return out;
}

/** The store `npx tnlab train tt-fc-mnist` trains Table 1's models into, one record per model and seed. */
export function mnistStore(profile: Profile, engine = "", root?: string): RunStore<Run> {
  return runStore<Run>("tt-fc-mnist", profile, budget(profile).mnist, engine, root);
}

/** A finished Table 1 run of the store, with where and when it ran (from its record's meta). */
export interface PaperRun extends Run {
  started: string;
  finished: string;
  /** The backend's description (engine, threads, versions). */
  backend: string;
  machine: string;
  seed: number;
}

/**
 * The finished runs of `npx tnlab train tt-fc-mnist ID|all` at `profile` (the 25-epoch runs at
 * paper), by card id in Table 1's order: each model's default-seed run (seed 0; other seeds are records of their own).
 * `root` as for runStore (default: TNLAB_RUNS_DIR, or runs/ in TNLAB_RESULTS_DIR, when set; else
 * the committed notebooks/results/runs).
 */
export function paperRuns(profile: Profile = "paper", root?: string): Record<string, PaperRun> {
  const store = mnistStore(profile, "", root);
  const out: Record<string, PaperRun> = {};
  for (const id of MNIST_IDS) {
    const rec = store.record(id);
    if (rec) out[id] = { ...rec.run, started: rec.meta.started, finished: rec.meta.finished, backend: rec.meta.engine, machine: rec.meta.machine, seed: rec.meta.seed };
  }
  if (Object.keys(out).length === 0) fail("tt-fc-mnist runs", store.dir, `finished Table 1 runs at the ${profile} profile (none under its budget stored there; train them with: npx tnlab train tt-fc-mnist ID|all --profile ${profile})`);
  return out;
}

/**
 * Table 1 and Fig. 10. With `store` (mnistStore at the budget's profile), a model already stored
 * there is taken from it, whatever engine trained it (`npx tnlab train tt-fc-mnist all --profile P`
 * on the native backend trains the 262,144-wide ones), and one trained here is stored; models
 * neither stored nor runnable on this backend are left out. Seed 0 only reads and writes the
 * store, as the plain id there is the default seed's run.
 */
export async function table1(b: Budget, data: { train: ImageSet; test: ImageSet }, seed = 0, store?: RunStore<Run>): Promise<Run[]> {
  const out: Run[] = [];
  const st = seed === 0 ? store : undefined;
  for (const id of b.mnist.models) {
    const stored = st?.get(id);
    if (stored) out.push(stored);
    else if (runnable(id)) {
      const started = new Date();
      const r = await mnistRun(id, b.mnist.epochs, data, seed);
      st?.set(id, r, { seed, started });
      out.push(r);
    }
  }
  return out;
}

/**
 * Each BatchNorm layer's signal in the freshly built model (seed `seed`) on the first 100 training
 * images, in training mode: whether the network starts with a signal that reaches its head.
 */
export function initSignal(id: string, data: { train: ImageSet }, seed = 0): BatchNormSignal[] {
  const m = build(id, seed);
  const b = data.train.batches(100, { normalize: "scale" }).next().value;
  try {
    if (!b) fail("data.train", data.train.name, "a set with at least one image");
    return batchNormSignal(m, b.x);
  } finally {
    if (b) tf.dispose([b.x, b.y]);
    m.dispose();
  }
}

/** The CIFAR-10 TT net with other TT ranks in its four TT layers (Fig. 14). */
export function withRanks(spec: FcNetSpec, rank: number): FcNetSpec {
  if (spec.layers.every((l) => l.kind !== "tt" || l.ranks === rank)) return spec;
  return { ...spec, id: `${spec.id}.r${rank}`, layers: spec.layers.map((l): FcLayerSpec => (l.kind === "tt" ? { ...l, ranks: rank } : l)), provenance: "derived" };
}

/** The card's §7 item 9 factorisations of the CIFAR-10 TT net into d = 3, 4, 5, 6 cores (Fig. 15). */
export function withModes(d: number): FcNetSpec {
  const base = ttFcSpec("ttfc.cifar.t2.p146814");
  const chains: Record<number, number[][]> = {
    3: [[16, 16, 12], [32, 32, 32], [16, 32, 16], [8, 16, 8], [8, 16, 8]],
    4: [[8, 8, 8, 6], [16, 16, 16, 8], [8, 16, 8, 8], [4, 8, 8, 4], [4, 8, 8, 4]],
    6: [[4, 4, 4, 4, 4, 3], [4, 8, 4, 8, 4, 8], [4, 4, 8, 4, 4, 4], [4, 4, 4, 4, 2, 2], [4, 4, 4, 4, 2, 2]],
  };
  if (d === 5) return base;
  const c = chains[d];
  if (!c) fail("d", d, "3, 4, 5 or 6 cores");
  const layers: FcLayerSpec[] = [0, 1, 2, 3].map((k) => ({ kind: "tt", inModes: c[k], outModes: c[k + 1], ranks: 4 }));
  return { ...base, id: `${base.id}.d${d}`, layers: [...layers, { kind: "dense", units: 10 }], provenance: "derived" };
}

export type Sweep = "lr" | "optimizer" | "rank" | "modes";

/**
 * Figs. 12-15 on the CIFAR-10 TT net (ranks 4, dense head): one run per setting, each over the
 * budget's epochs. lr: SGD momentum 0.9 with StepLR gamma 0.6 every `stepEvery` epochs;
 * optimizer: the listing's Adam(0.004), RMSprop(0.01), Adadelta(defaults), SGD(0.005, 0.9);
 * rank / modes: Adadelta, the final recipe.
 */
/**
 * Runs already done in this session, keyed by model, recipe, epochs and seed: the rank-4 curve of
 * Fig. 14, the 5-core curve of Fig. 15 and Adadelta in Fig. 13 are one and the same run.
 */
export interface RunCache {
  get(key: string): Run | undefined;
  set(key: string, run: Run): unknown;
}

/**
 * Figs. 12-15 and Table 2 at one profile, one record per curve, so a notebook executed again (in
 * another session) trains only the curves not yet stored. Records are reused while the training
 * and test set sizes stay; each key names everything else a curve depends on (see curveKey).
 */
export function curveStore(profile: Profile, engine = "", root?: string): RunStore<Run> {
  const sizes = (c: unknown) => ({ train: (c as Budget["cifar"]).train, test: (c as Budget["cifar"]).test });
  return runStore<Run>("tt-fc-cifar-curves", profile, budget(profile).cifar, engine, root, sizes);
}

/** A curve's record name: model, optimizer, schedule, epochs, seed and training images. */
export function curveKey(specId: string, o: OptimizerSpec, schedule: Schedule | undefined, epochs: number, seed: number, images: number): string {
  const opt = [o.name, ...Object.entries(o).filter(([k]) => k !== "name").sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}${String(v)}`)].join("-");
  const sched = schedule ? Object.entries(schedule).map(([k, v]) => `${k}${String(v)}`).join("-") : "constant";
  return `${specId}.${opt}.${sched}.e${epochs}.s${seed}.n${images}`.replace(/[^A-Za-z0-9._-]/g, "_");
}

async function cached(cache: RunCache | undefined, key: string, make: () => Promise<Run>): Promise<Run> {
  const hit = cache?.get(key);
  if (hit) return hit;
  const r = await make();
  cache?.set(key, r);
  return r;
}

export async function cifarSweep(kind: Sweep, b: Budget, data: { train: ImageSet; test: ImageSet }, seed = 0, cache?: RunCache): Promise<Run[]> {
  const base = ttFcSpec("ttfc.cifar.t2.p146814");
  const step: Schedule = { kind: "step", every: b.cifar.stepEvery, gamma: 0.6 };
  const settings: { label: string; spec: FcNetSpec; optimizer: OptimizerSpec; schedule?: Schedule }[] =
    kind === "lr"
      ? b.cifar.lrs.map((lr) => ({ label: `SGD lr ${lr}`, spec: base, optimizer: { name: "sgd", lr, momentum: 0.9 }, schedule: step }))
      : kind === "optimizer"
        ? [
            { label: "SGD (0.005, momentum 0.9)", spec: base, optimizer: { name: "sgd", lr: 0.005, momentum: 0.9 }, schedule: step },
            { label: "Adam (0.004)", spec: base, optimizer: { name: "adam", lr: 0.004 } },
            { label: "RMSprop (0.01)", spec: base, optimizer: { name: "rmsprop", lr: 0.01 } },
            { label: "Adadelta (defaults)", spec: base, optimizer: { name: "adadelta" } },
          ]
        : kind === "rank"
          ? b.cifar.ranks.map((r) => ({ label: `ranks ${r}`, spec: withRanks(base, r), optimizer: { name: "adadelta" } }))
          : b.cifar.modes.map((d) => ({ label: `d = ${d} cores`, spec: withModes(d), optimizer: { name: "adadelta" } }));
  const out: Run[] = [];
  for (const s of settings) {
    const key = curveKey(s.spec.id, s.optimizer, s.schedule, b.cifar.sweepEpochs, seed, data.train.size);
    const r = await cached(cache, key, async () => {
      const m = build(s.spec, seed);
      try {
        return await run(m, data, { id: s.spec.id, label: s.label, epochs: b.cifar.sweepEpochs, optimizer: s.optimizer, schedule: s.schedule, seed });
      } finally {
        m.dispose();
      }
    });
    out.push({ ...r, label: s.label });
  }
  return out;
}

/**
 * The store of `npx tnlab train tt-fc-cifar ID --profile P`: Table 2's models trained with a
 * checkpoint every epoch, for those too long for one notebook cell or one session.
 */
export function cifarRunStore(profile: Profile, engine = "", root?: string): RunStore<Run> {
  const { train, test, table2Epochs } = budget(profile).cifar;
  return runStore<Run>("tt-fc-cifar", profile, { train, test, table2Epochs }, engine, root);
}

/**
 * Table 2 and the dense baseline: Adadelta, BatchNorm + Dropout 0.2, the budget's epochs. With
 * `runs` (cifarRunStore at the budget's profile), a model finished there is taken from it and one
 * in progress there is left out rather than trained again in the cell (longRunRows shows it with
 * its curve so far); seed 0 only, the plain id there being the default seed's run.
 */
export async function table2(b: Budget, data: { train: ImageSet; test: ImageSet }, seed = 0, cache?: RunCache, runs?: RunStore<Run>): Promise<Run[]> {
  const out: Run[] = [];
  const st = seed === 0 ? runs : undefined;
  const going = new Set(st?.inProgress().map((g) => g.id) ?? []);
  for (const id of [...TABLE2_IDS, CIFAR_BASELINE]) {
    const stored = st?.get(id);
    if (stored) {
      out.push({ ...stored, label: rowLabel(id) });
      continue;
    }
    if (going.has(id)) continue;
    const optimizer: OptimizerSpec = { name: "adadelta" };
    const key = curveKey(id, optimizer, undefined, b.cifar.table2Epochs, seed, data.train.size);
    const r = await cached(cache, key, async () => {
      const m = build(id, seed);
      try {
        return await run(m, data, { id, label: id, epochs: b.cifar.table2Epochs, optimizer, seed });
      } finally {
        m.dispose();
      }
    });
    out.push({ ...r, label: rowLabel(id) });
  }
  return out;
}
