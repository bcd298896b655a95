// tt-fc.md §5: TT-format fully-connected layers on MNIST and CIFAR-10 (Russian bachelor's thesis).
import type { Target } from "../types";

const P = "tt-fc" as const;

// Table 1 (MNIST): params, loss (= 100 × mean CE, see card §4.4), accuracy, time.
const table1: [string, string, number, number, number, number][] = [
  ["fc_fc", "FC-FC", 208928798, 7.5404, 98.38, 18 * 60 + 45],
  ["tt_tt", "TT_FC-TT_FC", 791294, 6.572, 98.59, 17 * 60 + 16],
  ["tt_fc", "TT_FC-FC", 3411518, 6.5004, 98.71, 12 * 60 + 58],
  ["fc_fc_fc", "FC-FC-FC", 11638814, 7.5564, 98.34, 4 * 60 + 29],
  ["tt_tt_tt", "TT_FC-TT_FC-TT_FC", 30574, 8.3797, 98.21, 5 * 60 + 56],
  ["tt_tt_fc", "TT_FC-TT_FC-FC", 50622, 6.7396, 98.53, 5 * 60 + 20],
];

// Derived parameter ratios vs the dense model of the same depth.
const ratios: [string, number][] = [
  ["tt_tt", 264.03],
  ["tt_fc", 61.24],
  ["tt_tt_tt", 380.68],
  ["tt_tt_fc", 229.92],
];

export const targets: Target[] = [
  ...table1.flatMap(([row, model, params, loss, acc, time]): Target[] => [
    { id: `ttfc.mnist.${row}.params`, paper: P, value: params, unit: "params", meaning: `Table 1 MNIST ${model}: trainable parameters` },
    { id: `ttfc.mnist.${row}.loss`, paper: P, value: loss, unit: "loss", meaning: `Table 1 MNIST ${model}: loss value (100 × mean cross-entropy)` },
    { id: `ttfc.mnist.${row}.acc`, paper: P, value: acc, unit: "%", meaning: `Table 1 MNIST ${model}: best test accuracy over 25 epochs` },
    { id: `ttfc.mnist.${row}.time`, paper: P, value: time, unit: "s", meaning: `Table 1 MNIST ${model}: total training time (hardware unknown)` },
  ]),
  ...ratios.map(([row, r]): Target => ({
    id: `ttfc.mnist.${row}.ratio`,
    paper: P,
    value: r,
    unit: "x",
    meaning: `Table 1 MNIST ${row}: parameter ratio vs the dense model of the same depth`,
    derived: true,
  })),
  { id: "ttfc.cifar.fc_baseline.acc", paper: P, value: 59.2, unit: "%", meaning: "CIFAR-10 dense FC network, best accuracy (configuration not stated)" },
  { id: "ttfc.cifar.tt_params.params", paper: P, value: 146814, unit: "params", meaning: "CIFAR-10 TT model: trainable parameters" },
  { id: "ttfc.cifar.sgd_best.acc", paper: P, value: 63.95, unit: "%", meaning: "CIFAR-10 TT model with SGD (Fig. 12, 30 epochs): best accuracy" },
  { id: "ttfc.cifar.t2.p146814.params", paper: P, value: 146814, unit: "params", meaning: "Table 2 CIFAR-10 4×TT_FC–FC: trainable parameters" },
  { id: "ttfc.cifar.t2.p146814.time", paper: P, value: 30 * 60 + 18, unit: "s", meaning: "Table 2 CIFAR-10 4×TT_FC–FC (146,814): time, 100 epochs" },
  { id: "ttfc.cifar.t2.p146814.acc", paper: P, value: 71.67, unit: "%", meaning: "Table 2 CIFAR-10 4×TT_FC–FC (146,814): accuracy, Adadelta 100 epochs" },
  { id: "ttfc.cifar.t2.p225278.params", paper: P, value: 225278, unit: "params", meaning: "Table 2 CIFAR-10 4×TT_FC–FC: trainable parameters (configuration reconstructed)" },
  { id: "ttfc.cifar.t2.p225278.time", paper: P, value: 31 * 60 + 34, unit: "s", meaning: "Table 2 CIFAR-10 4×TT_FC–FC (225,278): time, 100 epochs" },
  { id: "ttfc.cifar.t2.p225278.acc", paper: P, value: 72.92, unit: "%", meaning: "Table 2 CIFAR-10 4×TT_FC–FC (225,278): accuracy, Adadelta 100 epochs" },
  { id: "ttfc.cifar.claim.gain.pp", paper: P, value: 13.72, unit: "pp", meaning: "CIFAR-10 gain of the best TT model over the dense FC network (72.92 − 59.2)", derived: true },
];
