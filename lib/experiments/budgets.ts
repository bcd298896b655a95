// One line per paper saying what a profile trains, for the report's tables: a reader weighs a gap
// to the paper against the budget that produced it.
import type { PaperId } from "../papers/types";
import * as cpConv from "./cp-conv-mnist";
import * as musco from "./musco";
import type { Profile } from "./profile";
import * as r18 from "./resnet18-cp-tucker";
import * as ttConv from "./tt-conv-runs";
import * as ttFc from "./tt-fc";

const n = (v: number | "all", all: number) => (v === "all" ? all : v).toLocaleString("en-US");

const LINES: Record<PaperId, (p: Profile) => string> = {
  "tt-fc": (p) => {
    const { mnist: m, cifar: c } = ttFc.budget(p);
    return `MNIST ${n(m.train, 60000)} images × ${m.epochs} epoch(s), ${n(m.test, 10000)} test; CIFAR-10 ${n(c.train, 50000)} images, sweeps ${c.sweepEpochs} epochs, Table 2 ${c.table2Epochs} epochs, ${n(c.test, 10000)} test; seed 0`;
  },
  "tt-conv": (p) => {
    const b = ttConv.budget(p);
    return `CIFAR-10 ${n(b.train, 50000)} images × ${b.epochs} epochs (LR ÷ 10 every ${b.stepEvery}), ${n(b.test, 10000)} test; seed ${ttConv.SETTINGS.seed}`;
  },
  "cp-conv-mnist": (p) => {
    const b = cpConv.budget(p);
    return `MNIST ${n(b.train, 60000)} images × ${b.epochs} epochs, ${n(b.test, 10000)} test; seed 0 (the seed study: seeds 0-${b.seeds - 1})`;
  },
  "resnet18-cp-tucker": (p) => {
    const b = r18.budget(p);
    return `CIFAR-10 ${n(b.train, 50000)} images: Pure ${b.pureEpochs} epochs from scratch, ${b.postEpochs} epoch(s) after decomposition, ${n(b.test, 10000)} test; seed 0`;
  },
  musco: (p) => {
    const b = musco.budget(p);
    return `VGG-S${b.width === 1 ? "" : "/2"} on ${n(b.train, 50000)} CIFAR-10 images: ${b.pretrainEpochs} pre-training epochs, ${b.ftImages.toLocaleString("en-US")} fine-tuning images per method, ${n(b.test, 10000)} test; seed 0`;
  },
};

/** What `profile` trains for `paper`, in one line. */
export function budgetLine(paper: PaperId, profile: Profile): string {
  return LINES[paper](profile);
}
