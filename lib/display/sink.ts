// The connection between lib/display and the Jupyter kernel running this process, if any.
// kernel/server.js installs a hook at globalThis[Symbol.for("tnlab.kernel")]; under a plain
// tslab kernel we fall back to tslab's own display writer. Outside a kernel there is none,
// and every display function becomes a no-op that still returns its value.

export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Identifies an output that later calls replace in place (update_display_data). */
  displayId?: string;
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** A Jupyter comm (messaging spec), as the tnlab kernel provides them. */
export interface Comm {
  readonly id: string;
  send(data: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  close(data?: Record<string, unknown>): void;
  onMsg(fn: (data: Record<string, unknown>) => void): void;
  onClose(fn: (data: Record<string, unknown>) => void): void;
}

export interface CommsHook {
  open(target: string, data: Record<string, unknown>, metadata?: Record<string, unknown>): Comm;
  registerTarget(name: string, fn: (comm: Comm, data: Record<string, unknown>) => void): void;
}

export interface KernelHook {
  display(bundle: MimeBundle, opts?: DisplayOptions): void;
  clear(wait?: boolean): void;
  /** Incremented on every interrupt (SIGINT or interrupt_request). */
  readonly interrupts: number;
  /** Differs between kernel processes (restarts). */
  readonly session: string;
  /** Identifies the cell running now (our kernel only). */
  readonly cell?: number;
  /** Jupyter comms (our kernel only). */
  readonly comms?: CommsHook;
}

const KERNEL_KEY = Symbol.for("tnlab.kernel");
/** Objects carrying this symbol were displayed already: the kernel shows no execute_result for them. */
export const DISPLAYED = Symbol.for("tnlab.displayed");

interface TslabJupyterModule {
  lastWriteDisplayData: ((data: unknown, update: boolean) => void) | null;
}

let tslabFallback: KernelHook | null = null;

export function kernel(): KernelHook | null {
  const hook = (globalThis as Record<symbol, unknown>)[KERNEL_KEY] as KernelHook | undefined;
  if (hook && typeof hook.display === "function") return hook;
  return tslabKernel();
}

function tslabKernel(): KernelHook | null {
  if (tslabFallback) return tslabFallback;
  if (typeof require === "undefined" || !require.cache) return null;
  const key = Object.keys(require.cache).find((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  const mod = key ? (require.cache[key]?.exports as TslabJupyterModule | undefined) : undefined;
  if (!mod || typeof mod.lastWriteDisplayData !== "function") return null;
  tslabFallback = {
    display(bundle, opts = {}) {
      mod.lastWriteDisplayData?.(
        { data: bundle, metadata: opts.metadata ?? {}, transient: opts.displayId ? { display_id: opts.displayId } : {} },
        !!opts.update,
      );
    },
    clear() {},
    interrupts: 0,
    session: "tslab",
  };
  return tslabFallback;
}

export function inKernel(): boolean {
  return kernel() !== null;
}

let counter = 0;
export function newDisplayId(prefix = "tn"): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter}`;
}

/**
 * Marks a returned object as displayed by the running cell, so that the kernel does not show it
 * again as that cell's result (a later cell that evaluates it shows it normally).
 */
export function markDisplayed<T extends object>(obj: T): T {
  if (Object.isExtensible(obj)) {
    Object.defineProperty(obj, DISPLAYED, { value: kernel()?.cell ?? true, enumerable: false, configurable: true, writable: true });
  }
  return obj;
}

/** Thrown by progress bars and live charts when the kernel was interrupted during the cell. */
export class KernelInterruptedError extends Error {
  constructor() {
    super("interrupted by the user (kernel interrupt)");
    this.name = "KernelInterruptedError";
  }
}

/** A function that throws KernelInterruptedError once the kernel has been interrupted since now. */
export function interruptWatch(): () => void {
  const k = kernel();
  const start = k ? k.interrupts : 0;
  return () => {
    if (k && k.interrupts !== start) throw new KernelInterruptedError();
  };
}

/** True when the kernel has been interrupted since `since` (a value of interruptCount()). */
export function interruptCount(): number {
  return kernel()?.interrupts ?? 0;
}

export function quiet(): boolean {
  const q = process.env.TN_QUIET;
  return q !== undefined && q !== "" && q !== "0";
}
