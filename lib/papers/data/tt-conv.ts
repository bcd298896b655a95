// tt-conv.md §5: Garipov, "Tensorized neural networks" (2017), CIFAR-10 Tables 1–2.
import type { Target } from "../types";

const P = "tt-conv" as const;

// [row id, model, accuracy %, compression ×]
const table1: [string, string, number, number][] = [
  ["conv", "conv (baseline)", 90.7, 1],
  ["tt_2_02", "TT-conv", 89.9, 2.02],
  ["tt_2_53", "TT-conv", 89.2, 2.53],
  ["tt_3_23", "TT-conv", 89.3, 3.23],
  ["tt_4_02", "TT-conv", 88.7, 4.02],
  ["naive_2_02", "TT-conv (naive)", 88.3, 2.02],
  ["naive_2_90", "TT-conv (naive)", 87.6, 2.9],
];
const table2: [string, string, number, number][] = [
  ["convfc", "conv-fc (baseline)", 90.5, 1],
  ["convttfc_10_72", "conv-TT-fc", 90.3, 10.72],
  ["convttfc_19_38", "conv-TT-fc", 89.8, 19.38],
  ["convttfc_21_01", "conv-TT-fc", 89.8, 21.01],
  ["ttconvttfc_9_69", "TT-conv-TT-fc", 90.1, 9.69],
  ["ttconvttfc_41_65", "TT-conv-TT-fc", 89.7, 41.65],
  ["ttconvttfc_82_87", "TT-conv-TT-fc", 89.4, 82.87],
];

function rows(table: string, prefix: string, list: [string, string, number, number][]): Target[] {
  return list.flatMap(([row, model, acc, comp]): Target[] => [
    { id: `${prefix}.${row}.acc`, paper: P, value: acc, unit: "%", meaning: `${table} ${model} at ${comp}×: CIFAR-10 test accuracy` },
    { id: `${prefix}.${row}.compression`, paper: P, value: comp, unit: "x", meaning: `${table} ${model}: network compression (baseline params / params)` },
  ]);
}

export const targets: Target[] = [
  ...rows("Table 1", "ttconv.t1", table1),
  ...rows("Table 2", "ttconv.t2", table2),
  { id: "ttconv.t1.conv.params", paper: P, value: 557248, unit: "params", meaning: "Table 1 baseline \"conv\": parameters" },
  { id: "ttconv.t2.convfc.params", paper: P, value: 13934538, unit: "params", meaning: "Table 2 baseline \"conv-fc\": parameters" },
  { id: "ttconv.t1.tt_3_23.params", paper: P, value: 172518, unit: "params", meaning: "Table 1 TT-conv 3.23×: parameters of the published config A", derived: true },
  { id: "ttconv.t2.ttconvttfc_41_65.params", paper: P, value: 334554, unit: "params", meaning: "Table 2 TT-conv-TT-fc 41.65×: parameters of the published config B", derived: true },
  { id: "ttconv.claim.bottleneck.ceiling", paper: P, value: 24.65, unit: "x", meaning: "Ceiling of FC-only compression of conv-fc (zero-cost TT-FC layers)", derived: true },
];
