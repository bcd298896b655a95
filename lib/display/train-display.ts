// lib/display as fit's display (lib/train/display-hooks.ts): the run's progress bar (one output
// updated in place in a notebook) and the live chart. Loading lib/display makes it fit's default.
import { setDefaultTrainDisplay, type TrainDisplay } from "../train/display-hooks";
import { liveChart } from "./live";
import { ProgressBar } from "./progress";

export const trainDisplay: TrainDisplay = {
  progress: (opts) => new ProgressBar(opts),
  liveChart: (title) => liveChart({ title }),
};

setDefaultTrainDisplay(trainDisplay);
