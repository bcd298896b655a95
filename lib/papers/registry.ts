// All papers' reported numbers, by id.
import { targets as ttFc } from "./data/tt-fc";
import { targets as ttConv } from "./data/tt-conv";
import { targets as cpConv } from "./data/cp-conv-mnist";
import { targets as r18 } from "./data/resnet18-cp-tucker";
import { targets as musco } from "./data/musco";
import type { PaperId, PaperInfo, Target } from "./types";

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
  const prefix: Record<string, PaperId> = { ttfc: "tt-fc", ttconv: "tt-conv", cpconv: "cp-conv-mnist", r18: "resnet18-cp-tucker", musco: "musco" };
  return prefix[id.split(".")[0]];
}
