// tnlab's one progress bar (downloads, training, user loops). In a notebook it is ONE HTML output
// replaced in place (update_display_data), so a long loop adds a few hundred bytes to the
// notebook, not a line per step. In a terminal it is a line on stderr redrawn with \r; when stderr
// is not a terminal (logs, CI) only the lines a caller logs and the final line are written.
// TN_QUIET silences the terminal forms. An interruptible bar throws KernelInterruptedError from
// update() after a kernel interrupt, so a loop that reports progress also stops when the user
// presses "interrupt".
import { escapeHtml } from "./html";
import { interruptWatch, kernel, newDisplayId, quiet as quietEnv, type KernelHook } from "./sink";

export interface ProgressBarOptions {
  /** Text before the bar. */
  label: string;
  /** Total units (bytes, batches); unknown → a counter without a bar. */
  total?: number;
  /** Force silence (also in a kernel). */
  quiet?: boolean;
  /** Formats a count of units, e.g. bytes as MB. */
  format?: (n: number) => string;
  /** Where the terminal form goes (default stderr); a given stream is treated as a terminal. */
  stream?: NodeJS.WritableStream;
  /** update() throws KernelInterruptedError after a kernel interrupt (ends the loop that reports). */
  interruptible?: boolean;
}

/** Seconds as "42s", "3m05s", "2h07m". */
export function formatSeconds(s: number): string {
  if (s < 59.5) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.min(59, Math.round(s - 60 * m))).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`;
}

/** "label [#####.....] 5/10 50% 2s eta 2s": bar, count, percent, elapsed time and time left. */
export function progressText(label: string, count: number, total: number | undefined, elapsedMs: number, width = 24, format: (n: number) => string = String): string {
  const elapsed = formatSeconds(elapsedMs / 1000);
  if (!(total !== undefined && total > 0)) return `${label} ${format(count)} ${elapsed}`;
  const frac = Math.min(1, count / total);
  const filled = Math.round(frac * width);
  const eta = count > 0 && count < total ? ` eta ${formatSeconds(((elapsedMs / count) * (total - count)) / 1000)}` : "";
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${format(count)}/${format(total)} ${(frac * 100).toFixed(0)}% ${elapsed}${eta}`;
}

export function progressHtml(label: string, count: number, total: number | undefined, elapsedMs: number, note = "", format: (n: number) => string = String): string {
  const text = progressText(label, count, total, elapsedMs, 24, format).replace(/^.*\] /, "");
  const bar = total !== undefined && total > 0 ? `<progress value="${count}" max="${total}" style="width:40%;vertical-align:middle"></progress> ` : "";
  const extra = note ? `<br>${escapeHtml(note)}` : "";
  return `<div class="tnlab-progress" style="font-family:monospace">${escapeHtml(label)} ${bar}${escapeHtml(text)}${extra}</div>`;
}

export class ProgressBar {
  private readonly t0 = Date.now();
  private readonly k: KernelHook | null;
  private readonly id = newDisplayId("tnprogress");
  private readonly check = interruptWatch();
  private readonly silent: boolean;
  private readonly stream: NodeJS.WritableStream;
  private readonly tty: boolean;
  private count = 0;
  private suffix = "";
  private note = "";
  private last = 0;
  private shown = false;
  private width = 0;

  constructor(private readonly opts: ProgressBarOptions) {
    if (!opts || typeof opts.label !== "string") throw new TypeError(`ProgressBar: label = ${JSON.stringify(opts?.label)}: expected a string`);
    if (opts.total !== undefined && !(Number.isFinite(opts.total) && opts.total >= 0)) {
      throw new TypeError(`progress: total = ${opts.total}: expected a non-negative number`);
    }
    this.k = opts.quiet ? null : kernel();
    this.silent = opts.quiet === true || (!this.k && quietEnv());
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.stream !== undefined || !!process.stderr.isTTY;
  }

  /** Sets `done` units finished and a note after the count; redraws at most every 200 ms unless `force`. */
  update(done: number, suffix = "", force = false): void {
    if (this.opts.interruptible) this.check();
    this.count = done;
    this.suffix = suffix;
    const total = this.opts.total;
    if (force || Date.now() - this.last >= 200 || (total !== undefined && done >= total)) this.render(false);
  }

  /** A line that stays: a line of its own in a terminal, the line under the bar in a notebook. */
  log(line: string): void {
    this.note = line;
    if (this.silent) return;
    if (this.k) return this.render(false);
    this.stream.write(`${this.tty ? this.clearLine() : ""}${line}\n`);
    this.width = 0;
  }

  /** Draws the final state; `message` replaces the bar's line (terminal) or becomes the note (notebook). */
  done(message?: string): void {
    if (message !== undefined) (this.note = message), (this.suffix = "");
    if (this.silent) return;
    if (this.k) return this.render(true);
    if (message !== undefined) this.stream.write(`${this.tty ? this.clearLine() : ""}${message}\n`);
    else if (this.tty && this.width > 0) this.stream.write("\n");
    else if (!this.tty) this.stream.write(this.text() + "\n");
    this.width = 0;
  }

  private text(): string {
    const line = progressText(this.opts.label, this.count, this.opts.total, Date.now() - this.t0, 24, this.opts.format);
    return this.suffix ? `${line} ${this.suffix}` : line;
  }

  private clearLine(): string {
    return this.width > 0 ? `\r${" ".repeat(this.width)}\r` : "";
  }

  private render(final: boolean): void {
    this.last = Date.now();
    if (this.silent) return;
    if (this.k) {
      const elapsed = Date.now() - this.t0;
      const note = [this.suffix, this.note].filter(Boolean).join(" · ");
      const html = progressHtml(this.opts.label, this.count, this.opts.total, elapsed, note, this.opts.format);
      const plain = [this.text(), this.note].filter(Boolean).join("\n");
      this.k.display({ "text/html": html, "text/plain": plain }, { displayId: this.id, update: this.shown });
      this.shown = true;
      return;
    }
    if (!this.tty || final) return;
    const t = this.text();
    const pad = Math.max(0, this.width - t.length);
    this.width = t.length;
    this.stream.write(`\r${t}${" ".repeat(pad)}`);
  }
}

export interface Progress {
  tick(n?: number): void;
  done(): void;
  readonly count: number;
}

/** A counter-style progress bar over `total` steps: `const p = progress(n, "label"); p.tick(); p.done()`. */
export function progress(total: number, label = ""): Progress {
  if (!Number.isFinite(total) || total < 0) throw new TypeError(`progress: total = ${total}: expected a non-negative number`);
  const bar = new ProgressBar({ label, total, interruptible: true });
  bar.update(0, "", true);
  let count = 0;
  return {
    tick(n = 1) {
      count += n;
      bar.update(count);
    },
    done() {
      bar.done();
    },
    get count() {
      return count;
    },
  };
}
