// The thesis's two scores for a latency predictor (Table 15, after BRP-NAS): the share of test
// networks predicted within ±10 % of the measured latency, and the coefficient of determination.
import { fail } from "../errors";

function check(pred: readonly number[], truth: readonly number[]): void {
  if (pred.length !== truth.length) fail("predictions.length", pred.length, `${truth.length}, one per measured value`);
  if (truth.length === 0) fail("measured", "an empty list", "at least one value");
}

/** Share (0..1) of |ŷ − y| / y ≤ tolerance. */
export function accuracyWithin(pred: readonly number[], truth: readonly number[], tolerance = 0.1): number {
  check(pred, truth);
  if (!(tolerance > 0)) fail("tolerance", tolerance, "a positive fraction (0.1 = ±10 %)");
  let ok = 0;
  truth.forEach((y, i) => {
    if (Math.abs(pred[i] - y) <= tolerance * Math.abs(y)) ok++;
  });
  return ok / truth.length;
}

/** R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (can be negative: worse than predicting the mean). */
export function rSquared(pred: readonly number[], truth: readonly number[]): number {
  check(pred, truth);
  const mean = truth.reduce((a, b) => a + b, 0) / truth.length;
  let res = 0;
  let tot = 0;
  truth.forEach((y, i) => {
    res += (y - pred[i]) ** 2;
    tot += (y - mean) ** 2;
  });
  return tot === 0 ? (res === 0 ? 1 : -Infinity) : 1 - res / tot;
}
