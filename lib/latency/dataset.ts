// A measured latency dataset as one JSON file (notebooks/results/leti/<profile>.json), so a
// notebook re-fits the predictors without re-measuring. It holds what produced the timings
// (engine, threads, machine, date, load before and after), how they were taken, the block table
// of the lookup predictor and one row per cell.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeAtomic } from "../atomic-file";
import { checkCell } from "./cells";
import type { BlockKey } from "./blocks";
import type { CellRecord, MeasureEnvironment, TimingOptions } from "./measure";

export const DATASET_FORMAT = "tnlab-leti/1";

export interface LatencyDataset {
  format: typeof DATASET_FORMAT;
  /** The profile whose budget made it. */
  profile: string;
  seed: number;
  timing: TimingOptions;
  environment: MeasureEnvironment;
  /** os.loadavg() after the last measurement. */
  loadAfter: number[];
  /** Seconds the measurement took. */
  seconds: number;
  /** Median latency (ms) of each block measured alone. */
  blocks: Record<BlockKey, number>;
  cells: CellRecord[];
}

export function saveDataset(file: string, d: LatencyDataset): void {
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(d, null, 1) + "\n");
}

function bad(file: string, what: string, howToMake: string): never {
  throw new Error(`latency dataset ${file}: ${what}; ${howToMake}`);
}

/**
 * Reads and checks a dataset. A missing or damaged file is an error naming the file and saying how
 * to make it (`howToMake`, e.g. the command that measures it).
 */
export function loadDataset(file: string, howToMake: string): LatencyDataset {
  if (!existsSync(file)) bad(file, "not found", howToMake);
  let d: LatencyDataset;
  try {
    d = JSON.parse(readFileSync(file, "utf8")) as LatencyDataset;
  } catch (e) {
    return bad(file, `not valid JSON (${(e as Error).message})`, howToMake);
  }
  if (d?.format !== DATASET_FORMAT) bad(file, `format = ${JSON.stringify(d?.format)}, expected "${DATASET_FORMAT}"`, howToMake);
  if (!Array.isArray(d.cells) || d.cells.length === 0) bad(file, "no cells", howToMake);
  if (!d.blocks || typeof d.blocks !== "object" || !d.environment) bad(file, "no block table or environment", howToMake);
  d.cells.forEach((c, i) => {
    try {
      checkCell(c, `cells[${i}]`);
    } catch (e) {
      bad(file, (e as Error).message, howToMake);
    }
    for (const k of ["macs", "params", "peakBytes", "latencyMs"] as const) {
      if (!(typeof c[k] === "number" && c[k] > 0)) bad(file, `cells[${i}].${k} = ${JSON.stringify(c[k])}, expected a positive number`, howToMake);
    }
    if (!Array.isArray(c.blocks) || c.blocks.some((k) => !(k in d.blocks))) bad(file, `cells[${i}].blocks name a block missing from the block table`, howToMake);
  });
  return d;
}
