// resnet18-cp-tucker.md §5: ResNet-18 on CIFAR-10, CP and Tucker-2 decomposition of block convs.
import type { Target } from "../types";

const P = "resnet18-cp-tucker" as const;

const columns: [string, string][] = [
  ["pure", "Pure"],
  ["cpd", "CPD"],
  ["tkd", "TKD"],
];
// Slide table 5.1: [row id, unit, meaning, pure, cpd, tkd]
const table: [string, "MMac" | "M params" | "%", string, number, number, number][] = [
  ["r18.macs", "MMac", "computational complexity", 37.25, 20.55, 21.81],
  ["r18.params", "M params", "number of parameters", 11.18, 5.62, 6.4],
  ["r18.acc", "%", "accuracy (Pure: after fine-tuning epoch 1; CPD/TKD: right after decomposition)", 71.07, 17.84, 22.13],
  ["r18.finetune", "%", "accuracy after fine-tuning (Pure: 20 epochs; CPD/TKD: 5 epochs)", 84, 68.13, 65.79],
];

// Reference curves from the authors' notebook (§5.2): [train loss, train acc, test loss, test acc] per epoch.
const curves: Record<string, number[][]> = {
  pure: [
    [1.168, 58.846, 0.844, 71.07], [0.823, 71.412, 0.747, 74.06], [0.712, 75.354, 0.658, 77.3],
    [0.643, 77.478, 0.642, 77.84], [0.598, 79.074, 0.65, 77.89], [0.559, 80.408, 0.567, 80.52],
    [0.527, 81.544, 0.572, 80.81], [0.5, 82.514, 0.577, 80.82], [0.47, 83.588, 0.628, 79.42],
    [0.456, 84.06, 0.526, 82.19], [0.438, 84.732, 0.511, 82.91], [0.411, 85.492, 0.52, 82.85],
    [0.406, 85.896, 0.53, 82.91], [0.382, 86.398, 0.485, 84.09], [0.367, 86.972, 0.498, 83.63],
    [0.354, 87.442, 0.54, 82.95], [0.345, 87.748, 0.504, 84.22], [0.332, 88.224, 0.503, 83.87],
    [0.323, 88.418, 0.51, 83.94], [0.307, 89.212, 0.513, 84.03],
  ],
  cpd: [
    [0.859, 69.714, 0.954, 67.06], [0.853, 70.082, 0.919, 68.39], [0.86, 69.678, 0.935, 68.17],
    [0.861, 69.698, 0.923, 68.4], [0.858, 69.638, 0.928, 68.13],
  ],
  tkd: [
    [1.162, 65.614, 1.188, 65.91], [1.163, 65.766, 1.212, 66.15], [1.167, 65.64, 1.179, 66.27],
    [1.17, 65.718, 1.217, 65.84], [1.158, 65.778, 1.197, 65.79],
  ],
};
const curveColumns: [string, "loss" | "%", string][] = [
  ["train_loss", "loss", "train loss (mean of batch losses)"],
  ["train_acc", "%", "train accuracy"],
  ["test_loss", "loss", "test loss (mean of batch losses)"],
  ["test_acc", "%", "test accuracy"],
];

export const targets: Target[] = [
  ...table.flatMap(([row, unit, meaning, ...values]) =>
    columns.map(([col, name], i): Target => ({ id: `${row}.${col}`, paper: P, value: values[i], unit, meaning: `Slides: ${name} ${meaning}` })),
  ),
  { id: "r18.macs.cpd.reduction", paper: P, value: 45, unit: "%", meaning: "Slides: CPD complexity reduction (−45 %)" },
  { id: "r18.macs.tkd.reduction", paper: P, value: 41, unit: "%", meaning: "Slides: TKD complexity reduction (−41 %)" },
  { id: "r18.params.cpd.reduction", paper: P, value: 50, unit: "%", meaning: "Slides: CPD parameter reduction (−50 %)" },
  { id: "r18.params.tkd.reduction", paper: P, value: 42, unit: "%", meaning: "Slides table: TKD parameter reduction (−42 %; the bullets say −41 %)" },
  { id: "r18.params.pure.exact", paper: P, value: 11181642, unit: "params", meaning: "Pure ResNet-18 (10 classes): exact parameters", derived: true },
  { id: "r18.params.cpd.exact", paper: P, value: 5621642, unit: "params", meaning: "CPD ResNet-18: exact parameters", derived: true },
  { id: "r18.macs.pure.exact", paper: P, value: 37245962, unit: "MACs", meaning: "Pure ResNet-18 at 32×32: exact MACs", derived: true },
  { id: "r18.macs.cpd.exact", paper: P, value: 20553226, unit: "MACs", meaning: "CPD ResNet-18 at 32×32: exact MACs", derived: true },
  { id: "r18.acc.cpd.before_loss", paper: P, value: 2.576, unit: "loss", meaning: "Notebook: CPD test loss right after decomposition" },
  { id: "r18.acc.tkd.before_loss", paper: P, value: 2.512, unit: "loss", meaning: "Notebook: TKD test loss right after decomposition" },
  ...Object.entries(curves).flatMap(([stage, epochs]) =>
    epochs.flatMap((vals, e) =>
      curveColumns.map(([col, unit, meaning], j): Target => ({
        id: `r18.curve.${stage}.e${String(e + 1).padStart(2, "0")}.${col}`,
        paper: P,
        value: vals[j],
        unit,
        meaning: `Notebook curve ${stage}, epoch ${e + 1}: ${meaning}`,
      })),
    ),
  ),
];
