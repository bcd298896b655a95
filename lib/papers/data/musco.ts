// musco.md §5.1: Ponomarev (2023), MUSCO / RON / LETI. Only caption numbers survive; the
// analogue targets of §5.2 are qualitative and carry no number. `setting: true` marks the method's
// settings (a run types them in: the report lists them apart). t3's stage count is not one here:
// the analogue runs until the EVBMF ranks stabilise, so its stage count is an outcome.
import type { Target } from "../types";

const P = "musco" as const;

export const targets: Target[] = [
  { id: "musco.w.range.min", paper: P, value: 0.5, unit: "ratio", meaning: "Optimal weakening factor w: lower end" },
  { id: "musco.w.range.max", paper: P, value: 0.9, unit: "ratio", meaning: "Optimal weakening factor w: upper end" },
  { id: "musco.min_rank.rank", paper: P, value: 21, unit: "count", meaning: "Kernels with initial rank below this are not compressed", setting: true },
  { id: "musco.t1.setting.ratio", paper: P, value: 3.16, unit: "x", meaning: "Table 1 MUSCO(nx, 3.16, 2): parameter reduction per step", setting: true },
  { id: "musco.t1.setting.steps", paper: P, value: 2, unit: "count", meaning: "Table 1 MUSCO(nx, 3.16, 2): compression steps", setting: true },
  { id: "musco.t3.setting.w", paper: P, value: 0.7, unit: "ratio", meaning: "Table 3 MUSCO(vbmf, 0.7, 2): weakening factor", setting: true },
  { id: "musco.t3.setting.stages", paper: P, value: 2, unit: "count", meaning: "Table 3 MUSCO(vbmf, 0.7, 2): stages" },
  { id: "musco.t4.baseline_top1.acc", paper: P, value: 69.76, unit: "%", meaning: "Table 4 ResNet-18 (torchvision) ILSVRC-12 top-1 before compression" },
  { id: "musco.t4.baseline_top5.acc", paper: P, value: 89.08, unit: "%", meaning: "Table 4 ResNet-18 (torchvision) ILSVRC-12 top-5 before compression" },
  { id: "musco.t12.vgg19_baseline.acc", paper: P, value: 93.7, unit: "%", meaning: "Table 12 VGG-19 CIFAR-10 baseline accuracy" },
  { id: "musco.t15.setting.tolerance", paper: P, value: 10, unit: "%", meaning: "Table 15 latency-predictor accuracy tolerance (±10 %)", setting: true },
  { id: "musco.t15.setting.train_size", paper: P, value: 1000, unit: "count", meaning: "Table 15 latency dataset: training size", setting: true },
  { id: "musco.t15.setting.test_size", paper: P, value: 10055, unit: "count", meaning: "Table 15 latency dataset: test size", setting: true },
];
