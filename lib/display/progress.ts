// A progress bar: an HTML bar updated in place in a notebook, a line on stderr in a terminal
// (silent when TN_QUIET is set). tick() throws KernelInterruptedError after a kernel interrupt,
// so a loop that reports progress also stops when the user presses "interrupt".
import { escapeHtml } from "./html";
import { interruptWatch, kernel, newDisplayId, quiet } from "./sink";

export interface Progress {
  tick(n?: number): void;
  done(): void;
  readonly count: number;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function progressText(label: string, count: number, total: number, elapsedMs: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, count / total) : 0;
  const filled = Math.round(frac * width);
  const eta = count > 0 && count < total ? ` eta ${duration((elapsedMs / count) * (total - count))}` : "";
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${count}/${total} ${(frac * 100).toFixed(0)}% ${duration(elapsedMs)}${eta}`;
}

export function progressHtml(label: string, count: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? Math.min(100, (100 * count) / total) : 0;
  const text = progressText(label, count, total, elapsedMs).replace(/^.*\] /, "");
  return (
    `<div class="tnlab-progress" style="font-family:monospace">${escapeHtml(label)} ` +
    `<progress value="${count}" max="${total}" style="width:40%;vertical-align:middle"></progress> ` +
    `${escapeHtml(text)} <span style="display:none">${pct.toFixed(1)}</span></div>`
  );
}

export function progress(total: number, label = ""): Progress {
  if (!Number.isFinite(total) || total < 0) throw new TypeError(`progress: total = ${total}: expected a non-negative number`);
  const k = kernel();
  const check = interruptWatch();
  const id = newDisplayId("tnprogress");
  const start = Date.now();
  const tty = !!process.stderr.isTTY;
  const silent = !k && quiet();
  let count = 0;
  let last = 0;
  let shown = false;
  let lastDecile = -1;

  const render = (final: boolean) => {
    const elapsed = Date.now() - start;
    if (k) {
      const bundle = { "text/html": progressHtml(label, count, total, elapsed), "text/plain": progressText(label, count, total, elapsed) };
      k.display(bundle, { displayId: id, update: shown });
      shown = true;
    } else if (!silent) {
      const line = progressText(label, count, total, elapsed);
      if (tty) process.stderr.write(`\r${line}${final ? "\n" : ""}`);
      else {
        const decile = total > 0 ? Math.floor((10 * count) / total) : 10;
        if (final || decile > lastDecile) process.stderr.write(line + "\n");
        lastDecile = decile;
      }
    }
    last = Date.now();
  };

  render(false);
  return {
    tick(n = 1) {
      check();
      count += n;
      if (Date.now() - last >= (k ? 200 : 100) || count >= total) render(false);
    },
    done() {
      render(true);
    },
    get count() {
      return count;
    },
  };
}
