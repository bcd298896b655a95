// tn.display: inline output in the kernel (plotly figures, live training charts, HTML tables,
// progress bars, rich values). Every function works outside a kernel too: it returns its value
// and writes nothing (progress bars write to stderr). Loading it makes lib/train's fit show its
// progress and live chart here (train-display.ts).
import { kernel, markDisplayed, type DisplayOptions, type MimeBundle } from "./sink";
import { mimeBundleFor } from "./mime";

export { mimeBundleFor, tensorHtml, tensorText, isTensorLike, JUPYTER_DISPLAY } from "./mime";
export { table, tableHtml, tableText, type TableInput, type TableOptions, type DataFrameLike } from "./table";
export { liveChart, type LiveChart, type LiveChartOptions } from "./live";
export { progress, progressText, progressHtml, ProgressBar, formatSeconds, formatBytes, type Progress, type ProgressBarOptions } from "./progress";
export { trainDisplay } from "./train-display";
export { escapeHtml } from "./html";
export { inKernel, newDisplayId, interruptCount, KernelInterruptedError, type MimeBundle, type DisplayOptions } from "./sink";
export * as plot from "./plot";
export { slider, type Slider, type SliderOptions } from "./widgets";
export type { Figure } from "./plot";

/** Displays a MIME bundle ({"text/html": ..., "text/plain": ...}) as an output (kernel only). */
export function bundle(data: MimeBundle, opts: DisplayOptions = {}): void {
  kernel()?.display(data, opts);
}

/** Displays any value the way the kernel shows a cell's result (tensors, DataFrames, Jupyter.display). */
export function show<T>(value: T, opts: DisplayOptions = {}): T {
  kernel()?.display(mimeBundleFor(value), opts);
  return value !== null && typeof value === "object" ? markDisplayed(value as unknown as object) as unknown as T : value;
}

export function html(s: string, opts: DisplayOptions = {}): void {
  kernel()?.display({ "text/html": s, "text/plain": s.replace(/<[^>]*>/g, "") }, opts);
}

export function markdown(s: string, opts: DisplayOptions = {}): void {
  kernel()?.display({ "text/markdown": s, "text/plain": s }, opts);
}

/** Clears the cell's output (wait = clear when the next output arrives, avoiding flicker). */
export function clear(wait = false): void {
  kernel()?.clear(wait);
}
