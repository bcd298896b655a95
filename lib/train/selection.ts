// Which epoch a run reports (best test accuracy, best validation accuracy, or the last), and
// early stopping on that metric: two callbacks of fit.
import { modelSnapshot, restoreModel } from "./checkpoint";
import type { Callback } from "./callbacks";
import type { EpochRecord, Selection } from "./history";

function metric(selection: Selection, e: EpochRecord): number | undefined {
  return selection === "validation" ? e.valAcc : e.testAcc;
}

/**
 * Keeps history.bestEpoch / bestMetric and the selected epoch's weights; at the end restores those
 * weights into the model (`source` names them in errors, e.g. the checkpoint file).
 */
export function bestEpoch(source: string): Callback {
  return {
    onEpochEnd(rec, s) {
      const h = s.history;
      const m = metric(s.selection, rec);
      if (s.selection === "last") {
        h.bestEpoch = rec.epoch;
        h.bestMetric = m ?? NaN;
      } else if (m !== undefined && m > h.bestMetric) {
        h.bestEpoch = rec.epoch;
        h.bestMetric = m;
        s.bestWeights = modelSnapshot(s.model);
      }
    },
    onTrainEnd(s) {
      const h = s.history;
      if (s.selection !== "last" && s.bestWeights && h.bestEpoch !== h.epochs.length) restoreModel(s.model, s.bestWeights.values, source);
    },
  };
}

/** Ends the run when the selection metric has not improved for `patience` epochs (not with "last"). */
export function earlyStopping(patience: number, epochs: number): Callback {
  return {
    onEpochEnd(rec, s) {
      if (s.selection === "last" || rec.epoch - s.history.bestEpoch < patience || rec.epoch >= epochs) return;
      s.history.stoppedEarly = true;
      s.stopTraining = true;
    },
  };
}
