// All papers' reported numbers, by id.
import { targets as ttFc } from "./data/tt-fc";
import { targets as ttConv } from "./data/tt-conv";
import { targets as cpConv } from "./data/cp-conv-mnist";
import { targets as r18 } from "./data/resnet18-cp-tucker";
import { targets as musco } from "./data/musco";
import { fail } from "../errors";
import { PAPER_PREFIX, type ModelId, type ModelOf, type PaperId, type PaperInfo, type QuantityOf, type Target, type TargetId } from "./types";

export const papers: readonly PaperInfo[] = [
  { id: "tt-fc", title: "TT-format fully-connected layers on MNIST and CIFAR-10", card: "tt-fc.md" },
  { id: "tt-conv", title: "Garipov: Tensorized neural networks (TT-conv), CIFAR-10", card: "tt-conv.md" },
  { id: "cp-conv-mnist", title: "Ganzha & Shaposhnikova: CP decomposition of conv kernels, MNIST", card: "cp-conv-mnist.md" },
  { id: "resnet18-cp-tucker", title: "ResNet-18 with CP and Tucker-2 decomposed convolutions, CIFAR-10", card: "resnet18-cp-tucker.md" },
  { id: "musco", title: "Ponomarev: MUSCO, RON and LETI", card: "musco.md" },
];

export const allTargets: readonly Target[] = [...ttFc, ...ttConv, ...cpConv, ...r18, ...musco];

const byId = new Map(allTargets.map((t) => [t.id, t]));

/** The paper's number for `id`, or undefined. */
export function target(id: string): Target | undefined {
  return byId.get(id);
}

/** The targets of one paper (all papers when omitted). */
export function targets(paper?: PaperId): Target[] {
  if (paper !== undefined && !papers.some((p) => p.id === paper)) {
    throw new Error(`paper = ${JSON.stringify(paper)}: expected one of ${papers.map((p) => p.id).join(", ")}`);
  }
  return allTargets.filter((t) => paper === undefined || t.paper === paper);
}

/** The paper an id belongs to, from its prefix (ttfc., ttconv., cpconv., r18., musco.). */
export function paperOf(id: string): PaperId | undefined {
  const t = byId.get(id);
  if (t) return t.paper;
  const first = id.split(".")[0];
  return (Object.keys(PAPER_PREFIX) as PaperId[]).find((p) => PAPER_PREFIX[p] === first);
}

/**
 * The target id of `quantity` for the model or table row `model`:
 * targetId("ttfc.mnist.tt_tt", "acc") = "ttfc.mnist.tt_tt.acc". A model or quantity without a
 * registered target is a compile error for literal arguments and an error at run time otherwise.
 */
export function targetId<M extends ModelId, Q extends QuantityOf<M>>(model: M, quantity: Q): `${M}.${Q}` & TargetId {
  const id = `${model}.${quantity}`;
  if (!byId.has(id)) fail("quantity", quantity, `a quantity with a target for ${model} (no target ${JSON.stringify(id)}; see tn.papers.targets())`);
  return id as `${M}.${Q}` & TargetId;
}

/** The model or row id of a target id: modelOf("ttfc.mnist.tt_tt.acc") = "ttfc.mnist.tt_tt". */
export function modelOf<T extends string>(id: T): ModelOf<T> {
  const i = id.lastIndexOf(".");
  if (i <= 0) fail("id", id, 'a target id such as "ttfc.mnist.tt_tt.acc" (model id, a dot, the quantity)');
  return id.slice(0, i) as ModelOf<T>;
}

/**
 * A model or row id without its paper and table segments, as the papers' tables print it:
 * rowLabel("ttfc.mnist.tt_tt") = "tt_tt", rowLabel("ttfc.cifar.t2.p146814") = "t2.p146814",
 * rowLabel("ttconv.t2.convfc") = "convfc".
 */
export function rowLabel(model: string): string {
  const parts = model.split(".");
  if (parts.length < 3 || parts.some((p) => p === "")) fail("model", model, 'a model or row id of at least three segments, such as "ttfc.mnist.tt_tt"');
  return parts.slice(2).join(".");
}

/** The source of target-ids.ts for the registry as it is (scripts/target-ids.ts writes it). */
export function targetIdsSource(): string {
  const lines = [
    "// Generated from the registry by `node --import tsx scripts/target-ids.ts`; do not edit by hand",
    "// (test/papers/target-ids.test.ts fails while this list and lib/papers/data differ).",
    "// Every target id as a literal type, so that a misspelt id is a compile error.",
    "export const TARGET_IDS = [",
  ];
  for (const p of papers) {
    lines.push(`  // ${p.id}`);
    for (const t of allTargets) if (t.paper === p.id) lines.push(`  ${JSON.stringify(t.id)},`);
  }
  lines.push("] as const;", "", "export type TargetId = (typeof TARGET_IDS)[number];", "");
  return lines.join("\n");
}
