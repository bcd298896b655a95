// One number a paper reports (or that its card derives), identified by the card's stable row id
// plus the measured quantity, e.g. "ttfc.mnist.tt_tt.acc".

export type PaperId = "tt-fc" | "tt-conv" | "cp-conv-mnist" | "resnet18-cp-tucker" | "musco";

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
