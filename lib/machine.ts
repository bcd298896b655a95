// The machine a computation ran on, as a reader of its record needs it: the CPU model and the core
// count. Speeds from two machines are not comparable (one has AVX-512 and oneDNN, another not), so
// stored runs and every training epoch carry it.
import { cpus } from "node:os";

export function machineName(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? "unknown CPU"} · ${c.length} cores`;
}
