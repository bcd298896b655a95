// One number a paper reports (or that its card derives), identified by the card's stable row id
// plus the measured quantity, e.g. "ttfc.mnist.tt_tt.acc": the model (or table row) id
// "ttfc.mnist.tt_tt" and the quantity "acc". The ids are types (target-ids.ts, generated from the
// registry), so a misspelt literal id is a compile error; registry.ts's targetId / modelOf /
// rowLabel are the one place that puts ids together or takes them apart.
import type { TargetId } from "./target-ids";

export type { TargetId } from "./target-ids";

export type PaperId = "tt-fc" | "tt-conv" | "cp-conv-mnist" | "resnet18-cp-tucker" | "musco";

/** The first segment of every id of a paper. */
export const PAPER_PREFIX = { "tt-fc": "ttfc", "tt-conv": "ttconv", "cp-conv-mnist": "cpconv", "resnet18-cp-tucker": "r18", musco: "musco" } as const satisfies Record<PaperId, string>;

/** The target ids of one paper, e.g. TargetIdOf<"tt-fc">. */
export type TargetIdOf<P extends PaperId> = Extract<TargetId, `${(typeof PAPER_PREFIX)[P]}.${string}`>;

/** The model or row id of a target id: all but its last segment ("ttfc.mnist.tt_tt.acc" -> "ttfc.mnist.tt_tt"). */
export type ModelOf<T extends string> = T extends `${infer Head}.${infer Rest}` ? (Rest extends `${string}.${string}` ? `${Head}.${ModelOf<Rest>}` : Head) : never;

/** Every model or row id that has a target. */
export type ModelId = ModelOf<TargetId>;

/** The quantities recorded for model `M` ("acc", "params", ...). */
export type QuantityOf<M extends string, T extends string = TargetId> = T extends `${M}.${infer Q}` ? (Q extends `${string}.${string}` ? never : Q) : never;

/**
 * What record() accepts as an id: a registered target id, or an id computed at run time (a
 * template with a non-literal part, checked when the cell runs). A literal id that is not
 * registered is a compile error.
 */
export type CheckedId<I extends string> = I extends TargetId ? I : {} extends Record<I, 1> ? I : TargetId;

export type Unit =
  | "%" // accuracy in percent
  | "pp" // percentage points
  | "params" // number of trainable parameters
  | "M params" // millions of parameters
  | "MMac" // millions of multiply-accumulates
  | "MACs"
  | "x" // compression or reduction ratio (old / new)
  | "s" // wall-clock seconds
  | "loss" // a loss value as the paper prints it (see meaning)
  | "count"
  | "ratio"; // a dimensionless factor

export interface Target {
  /** Card row id + "." + quantity, unique across all papers. */
  id: string;
  paper: PaperId;
  value: number;
  unit: Unit;
  /** What the number is, in a few words (table, model, column). */
  meaning: string;
  /** Computed by the card from reported numbers, not printed in the paper. */
  derived?: boolean;
  /** Set when the card marks the value OCR-uncertain (text = the card's reading note). */
  uncertain?: string;
  /** Accepted interval when the card gives one. */
  tolerance?: [number, number];
  /**
   * A setting of the paper's method (a step count, a factor), not an outcome: a run that uses it
   * types it in, so the report lists it under settings, never as a reproduced result.
   */
  setting?: boolean;
}

export interface PaperInfo {
  id: PaperId;
  title: string;
  card: string;
}
