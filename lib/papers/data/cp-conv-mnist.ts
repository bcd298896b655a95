// cp-conv-mnist.md §5: Ganzha & Shaposhnikova (2021), CP-decomposed 3×3 convolutions on MNIST.
import type { Target } from "../types";

const P = "cp-conv-mnist" as const;

export const targets: Target[] = [
  { id: "cpconv.base.acc", paper: P, value: 98.34, unit: "%", meaning: "Table 1 base CNN: MNIST test accuracy" },
  { id: "cpconv.base.compression", paper: P, value: 1, unit: "x", meaning: "Table 1 base CNN: compression" },
  {
    id: "cpconv.cp_r3.acc",
    paper: P,
    value: 97.12,
    unit: "%",
    meaning: "Table 1 CP rank 3: MNIST test accuracy",
    uncertain: 'OCR "9l,i2" = 97.?2; best reading 97.12; accept 96.8–97.8',
    tolerance: [96.8, 97.8],
  },
  { id: "cpconv.cp_r3.compression", paper: P, value: 7.7, unit: "x", meaning: "Table 1 CP rank 3: compression of both conv kernels (990 / 43R)" },
  { id: "cpconv.cp_r6.acc", paper: P, value: 97.95, unit: "%", meaning: "Table 1 CP rank 6: MNIST test accuracy" },
  { id: "cpconv.cp_r6.compression", paper: P, value: 3.8, unit: "x", meaning: "Table 1 CP rank 6: compression (990 / 43R)" },
  {
    id: "cpconv.cp_r9.acc",
    paper: P,
    value: 97.67,
    unit: "%",
    meaning: "Table 1 CP rank 9: MNIST test accuracy",
    uncertain: 'OCR "9l,6l" = 97.6?; best reading 97.67, alternative 97.61',
  },
  { id: "cpconv.cp_r9.compression", paper: P, value: 2.6, unit: "x", meaning: "Table 1 CP rank 9: compression (990 / 43R)" },
  { id: "cpconv.base.params", paper: P, value: 990, unit: "params", meaning: "Kernel weights of both conv layers (90 + 900)", derived: true },
  { id: "cpconv.cp_r3.params", paper: P, value: 129, unit: "params", meaning: "CP factor parameters at rank 3 (43R)", derived: true },
  { id: "cpconv.cp_r6.params", paper: P, value: 258, unit: "params", meaning: "CP factor parameters at rank 6 (43R)", derived: true },
  { id: "cpconv.cp_r9.params", paper: P, value: 387, unit: "params", meaning: "CP factor parameters at rank 9 (43R)", derived: true },
];
