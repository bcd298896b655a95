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
  /** Draws the final state. */
  done(): void;
  /**
   * Replaces the data with a training history ({epochs: [{epoch, trainLoss, testAcc, ...}]}, as
   * lib/train's fit keeps it) and redraws at once: every numeric field except epoch, lr and
   * seconds becomes a series.
   */
  update(history: { epochs: readonly object[] }): void;
  /** The current figure spec. */
  figure(): Figure;
}

const NOT_SERIES = new Set(["epoch", "lr", "seconds"]);

/** The series of a live chart: names in order of appearance, points per name. */
class Series {
  readonly names: string[];
  readonly xs: Record<string, number[]> = {};
  readonly ys: Record<string, number[]> = {};
  constructor(names: string[]) {
    this.names = [...names];
    for (const n of names) this.clear(n);
  }
  clear(n: string): void {
    this.xs[n] = [];
    this.ys[n] = [];
  }
  add(n: string, x: number, y: unknown): void {
    if (!(n in this.ys)) {
      this.names.push(n);
      this.clear(n);
    }
    if (typeof y === "number" && Number.isFinite(y)) {
      this.xs[n].push(x);
      this.ys[n].push(y);
    }
  }
}

// Accuracies go on a second axis at the right: they live on another scale than losses.
const isAcc = (n: string) => /acc/i.test(n);

function liveFigure(opts: LiveChartOptions, s: Series, revision: number): Figure {
  const right = s.names.some(isAcc) && s.names.some((n) => !isAcc(n));
  return build(
    s.names.map((n) => ({ type: "scatter", mode: "lines+markers", name: n, x: s.xs[n], y: s.ys[n], yaxis: right && isAcc(n) ? "y2" : "y" })),
    {
      title: opts.title ? { text: opts.title } : undefined,
      xaxis: { title: { text: opts.xLabel ?? "epoch" } },
      yaxis: { title: { text: opts.yLabel ?? "" }, type: opts.logY ? "log" : "linear" },
      ...(right ? { yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right" } } : {}),
      margin: { t: opts.title ? 50 : 20, r: right ? 60 : 20, b: 50, l: 60 },
      height: 360,
      // Renderers that keep their plot between updates (JupyterLab's plotly extension calls
      // Plotly.react) redraw the data when the revision changes.
      datarevision: revision,
    },
  );
}

export function liveChart(opts: LiveChartOptions): LiveChart {
  if (!opts || typeof opts !== "object" || (opts.series !== undefined && !Array.isArray(opts.series))) {
    throw new TypeError(`liveChart: series = ${JSON.stringify(opts?.series)}: expected an array of series names`);
  }
  const s = new Series(opts.series ?? []);
  const k = kernel();
  const id = newDisplayId("tnlive");
  const check = interruptWatch();
  const throttle = opts.throttleMs ?? 250;
  let last = 0;
  let shown = false;
  let revision = 0;
  const current = () => liveFigure(opts, s, revision);

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
      const entries: [string, number][] = Array.isArray(values) ? values.map((v, i) => [s.names[i] ?? `series ${i}`, v]) : Object.entries(values);
      for (const [n, v] of entries) s.add(n, epoch, v);
      if (Date.now() - last >= throttle) draw();
    },
    done() {
      draw(true);
    },
    update(history) {
      check();
      const epochs = (Array.isArray(history?.epochs) ? history.epochs : []) as Record<string, unknown>[];
      for (const n of s.names) s.clear(n);
      for (const rec of epochs) {
        const epoch = typeof rec.epoch === "number" ? rec.epoch : s.xs[s.names[0]]?.length ?? 0;
        for (const [n, v] of Object.entries(rec)) if (!NOT_SERIES.has(n) && typeof v === "number" && Number.isFinite(v)) s.add(n, epoch, v);
      }
      draw();
    },
    figure: current,
  };
}
