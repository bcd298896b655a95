// Stopping a checkpointed run cleanly between epochs, to resume it later (the end of a working
// session, Ctrl-C): a process-wide request that fit's checkpointer honours right after it has
// written an epoch, so nothing trained is lost. A run without a checkpoint folder never pauses.

/** Thrown out of fit when a pause was due after an epoch was checkpointed; the same call with resume continues. */
export class TrainingPaused extends Error {
  constructor(
    readonly epoch: number,
    readonly planned: number,
    readonly dir: string,
  ) {
    super(`training paused after epoch ${epoch} of ${planned}; its checkpoint is in ${dir}, and the same call with resume: true continues it`);
    this.name = "TrainingPaused";
  }
}

let deadline: number | undefined;

/** Pause checkpointed runs after the first epoch that ends at or after `when` (undefined: never). */
export function pauseAfter(when: Date | undefined): void {
  deadline = when?.getTime();
}

/** Pause checkpointed runs after the epoch in progress. */
export function requestPause(): void {
  deadline = -Infinity;
}

export function pauseDue(): boolean {
  return deadline !== undefined && Date.now() >= deadline;
}
