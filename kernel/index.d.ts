// Types for the kernel's JavaScript modules used from lib/cli (loaded at run time from <root>/kernel).
export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}
export interface CellFailure {
  index: number;
  firstLine: string;
  ename: string;
  evalue: string;
  traceback: string[];
}
export interface RunOptions {
  cwd?: string;
  params?: Record<string, unknown>;
  timeoutSec?: number;
  env?: Record<string, string>;
  log?: (line: string) => void;
  onCell?: (done: number, total: number) => void;
  kernelStderr?: "inherit" | "ignore" | "pipe";
  /** Stop cleanly on SIGINT/SIGTERM/SIGHUP: interrupt the cell, shut the kernel down, keep the cells done. */
  handleSignals?: boolean;
  /** Seconds a cell may ignore the interrupt after a signal before its kernel is killed (default 5). */
  stopGraceSec?: number;
}
export interface NotebookModule {
  runNotebook(nb: Notebook, opts?: RunOptions): Promise<{ ok: boolean; failure: CellFailure | null; seconds: number; signal?: string }>;
  SIGNAL_NUMBERS: Record<string, number>;
  readNotebook(file: string): Notebook;
  writeNotebook(file: string, nb: Notebook): void;
  parseValue(v: string): unknown;
  source(cell: NotebookCell): string;
}
export interface InstallModule {
  NAME: string;
  DISPLAY_NAME: string;
  kernelsDir(opts?: { user?: boolean; prefix?: string; sysPrefix?: boolean }, env?: NodeJS.ProcessEnv): string;
  scope(opts?: { user?: boolean; prefix?: string; sysPrefix?: boolean }, env?: NodeJS.ProcessEnv): string;
  install(opts?: { user?: boolean; prefix?: string; sysPrefix?: boolean; root?: string }): string;
  uninstall(opts?: { user?: boolean; prefix?: string; sysPrefix?: boolean }): string | null;
  ensureSelfLink(root?: string): string | null;
  which(cmd: string): string | null;
  kernelJson(root?: string, node?: string): Record<string, unknown>;
}
