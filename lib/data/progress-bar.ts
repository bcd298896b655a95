// A one-line progress bar on stderr, redrawn with \r and throttled; silent when TN_QUIET=1.

export interface ProgressBarOptions {
  /** Text before the bar. */
  label: string;
  /** Total units (bytes, batches); unknown → a counter without a bar. */
  total?: number;
  /** Force silence (also when TN_QUIET=1). */
  quiet?: boolean;
  /** Formats a count of units, e.g. bytes as MB. */
  format?: (n: number) => string;
  stream?: NodeJS.WritableStream;
}

export class ProgressBar {
  private last = 0;
  private readonly t0 = Date.now();
  private readonly quiet: boolean;
  private readonly stream: NodeJS.WritableStream;
  private width = 0;
  constructor(private readonly opts: ProgressBarOptions) {
    this.quiet = opts.quiet === true || process.env.TN_QUIET === "1";
    this.stream = opts.stream ?? process.stderr;
  }

  /** Redraws with `done` units finished and an optional suffix (at most every 100 ms unless `force`). */
  update(done: number, suffix = "", force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const f = this.opts.format ?? String;
    const total = this.opts.total;
    let text = this.opts.label + " ";
    if (total && total > 0) {
      const frac = Math.min(1, done / total);
      const cells = 24;
      const full = Math.round(frac * cells);
      text += `[${"#".repeat(full)}${".".repeat(cells - full)}] ${f(done)}/${f(total)} ${(frac * 100).toFixed(0).padStart(3)}%`;
      const el = (now - this.t0) / 1000;
      if (frac > 0 && frac < 1 && el > 1) text += ` eta ${formatSeconds((el / frac) * (1 - frac))}`;
    } else text += f(done);
    if (suffix) text += ` ${suffix}`;
    const pad = Math.max(0, this.width - text.length);
    this.width = text.length;
    this.stream.write(`\r${text}${" ".repeat(pad)}`);
  }

  /** Ends the line, optionally replacing it with a final message. */
  done(message?: string): void {
    if (this.quiet) return;
    if (message !== undefined) {
      const pad = Math.max(0, this.width - message.length);
      this.stream.write(`\r${message}${" ".repeat(pad)}\n`);
    } else if (this.width > 0) this.stream.write("\n");
    this.width = 0;
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`;
}
