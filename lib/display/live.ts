// A chart that grows during training: ONE notebook output, replaced in place on every push
// (update_display_data), never a new output per epoch. Outside a kernel it only records.
import { figureBundle, build, type Figure } from "./plot";
import { PLOTLY_MIME } from "./plotly-html";
import { interruptWatch, kernel, newDisplayId } from "./sink";

export interface LiveChartOptions {
  title?: string;
  /** Names of the series, e.g. ["loss", "val_loss"]; values for other names add series. */
  series?: string[];
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
  /** Minimum milliseconds between redraws (default 250); done() always redraws. */
  throttleMs?: number;
}

export interface LiveChart {
  /** Adds a point for each series; values by name or in the order of `series`. */
  push(epoch: number, values: Record<string, number> | number[]): void;
  /** Draws the final state, with the figure's plotly JSON (see draw). */
  done(): void;
  /**
   * Replaces the data with a training history ({epochs: [{epoch, trainLoss, testAcc, ...}]}, as
   * lib/train's fit keeps it) and redraws at once: every numeric field except epoch, lr and
   * seconds becomes a series.
   */
  update(history: { epochs: Record<string, unknown>[] }): void;
  /** The current figure spec. */
  figure(): Figure;
}

const NOT_SERIES = new Set(["epoch", "lr", "seconds"]);

export function liveChart(opts: LiveChartOptions): LiveChart {
  if (!opts || typeof opts !== "object" || (opts.series !== undefined && !Array.isArray(opts.series))) {
    throw new TypeError(`liveChart: series = ${JSON.stringify(opts?.series)}: expected an array of series names`);
  }
  const names = [...(opts.series ?? [])];
  const xs: Record<string, number[]> = {};
  const ys: Record<string, number[]> = {};
  for (const n of names) (xs[n] = []), (ys[n] = []);
  const k = kernel();
  const id = newDisplayId("tnlive");
  const check = interruptWatch();
  const throttle = opts.throttleMs ?? 250;
  let last = 0;
  let shown = false;

  // Accuracies go on a second axis at the right: they live on another scale than losses.
  const isAcc = (n: string) => /acc/i.test(n);
  let revision = 0;
  const current = (): Figure => {
    const right = names.some(isAcc) && names.some((n) => !isAcc(n));
    return build(
      names.map((n) => ({ type: "scatter", mode: "lines+markers", name: n, x: xs[n], y: ys[n], yaxis: right && isAcc(n) ? "y2" : "y" })),
      {
        title: opts.title ? { text: opts.title } : undefined,
        xaxis: { title: { text: opts.xLabel ?? "epoch" } },
        yaxis: { title: { text: opts.yLabel ?? "" }, type: opts.logY ? "log" : "linear" },
        ...(right ? { yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right" } } : {}),
        margin: { t: opts.title ? 50 : 20, r: right ? 60 : 20, b: 50, l: 60 },
        height: 360,
        // A renderer that keeps its plot and calls Plotly.react with each update redraws the data
        // only when the revision changes.
        datarevision: revision,
      },
    );
  };

  // While the chart grows, its output is the HTML figure (picture + plotly.js upgrade) and text
  // only: JupyterLab reuses an output's renderer for update_display_data when the preferred MIME
  // type stays the same, and the plotly extension's renderer ignores every model after its first
  // (its renderModel returns at once once a graph exists), so the chart would keep the empty axes
  // it started with. Our HTML renderer redraws on every update. done() sends the whole bundle
  // with the plotly JSON: the MIME type changes, so Lab builds a fresh renderer for the final
  // figure, and the stored output keeps the figure's data (for `tnlab notebook slim`, VS Code).
  const draw = (final = false) => {
    if (!k) return;
    revision++;
    const bundle = figureBundle(current());
    if (!final) delete bundle[PLOTLY_MIME];
    k.display(bundle, { displayId: id, update: shown });
    shown = true;
    last = Date.now();
  };

  draw();
  return {
    push(epoch, values) {
      check();
      const entries: [string, number][] = Array.isArray(values)
        ? values.map((v, i) => [names[i] ?? `series ${i}`, v])
        : Object.entries(values);
      for (const [n, v] of entries) {
        if (!(n in ys)) {
          names.push(n);
          xs[n] = [];
          ys[n] = [];
        }
        if (typeof v === "number" && Number.isFinite(v)) {
          xs[n].push(epoch);
          ys[n].push(v);
        }
      }
      if (Date.now() - last >= throttle) draw();
    },
    done() {
      draw(true);
    },
    update(history) {
      check();
      const epochs = Array.isArray(history?.epochs) ? history.epochs : [];
      for (const n of names) (xs[n] = []), (ys[n] = []);
      for (const rec of epochs) {
        const epoch = typeof rec.epoch === "number" ? rec.epoch : xs[names[0]]?.length ?? 0;
        for (const [n, v] of Object.entries(rec)) {
          if (NOT_SERIES.has(n) || typeof v !== "number" || !Number.isFinite(v)) continue;
          if (!(n in ys)) {
            names.push(n);
            xs[n] = [];
            ys[n] = [];
          }
          xs[n].push(epoch);
          ys[n].push(v);
        }
      }
      draw();
    },
    figure: current,
  };
}
