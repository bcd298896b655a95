// Learning-rate schedules, as a function of the 1-based epoch number (PyTorch's StepLR and
// MultiStepLR stepped once per epoch give the same rates).
import { fail } from "../errors";

export type Schedule =
  | { kind: "constant" }
  /** lr · gamma^floor((epoch-1)/every): tt-conv uses every 30, gamma 0.1. */
  | { kind: "step"; every: number; gamma: number }
  /** lr · gamma^(number of milestones m with epoch > m): the rate drops after each listed epoch. */
  | { kind: "multistep"; milestones: number[]; gamma: number }
  | ((epoch: number, baseLr: number) => number);

export function checkSchedule(s: Schedule | undefined): void {
  if (s === undefined || typeof s === "function") return;
  if (s.kind === "constant") return;
  if (s.kind === "step") {
    if (!(Number.isInteger(s.every) && s.every > 0)) fail("schedule.every", s.every, "a positive whole number of epochs");
    if (!(s.gamma > 0)) fail("schedule.gamma", s.gamma, "a positive factor");
    return;
  }
  if (s.kind === "multistep") {
    const m = s.milestones;
    if (!Array.isArray(m) || !m.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v > m[i - 1]))) {
      fail("schedule.milestones", m, "increasing positive epoch numbers");
    }
    if (!(s.gamma > 0)) fail("schedule.gamma", s.gamma, "a positive factor");
    return;
  }
  fail("schedule", s, '{kind: "constant" | "step" | "multistep", ...} or a function (epoch, baseLr) => lr');
}

/** The learning rate of 1-based `epoch`. */
export function learningRateAt(s: Schedule | undefined, epoch: number, baseLr: number): number {
  if (s === undefined) return baseLr;
  if (typeof s === "function") return s(epoch, baseLr);
  switch (s.kind) {
    case "constant":
      return baseLr;
    case "step":
      return baseLr * Math.pow(s.gamma, Math.floor((epoch - 1) / s.every));
    case "multistep":
      return baseLr * Math.pow(s.gamma, s.milestones.filter((m) => epoch > m).length);
  }
}
