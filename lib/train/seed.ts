// Seeding what tfjs draws from Math.random. tf.randomUniform/randomNormal without a seed (used by
// the layers' initializers and by Dropout) seed their generator from Math.random(), so swapping
// Math.random for a seeded stream makes model building and dropout repeatable.
import { rng } from "../random";

/** A 32-bit mix of several integers (for per-epoch seeds). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/**
 * A stream seeded by `seed` that enter() puts in Math.random's place and exit() takes out again;
 * draws continue one stream across exits (fit leaves it while its callbacks run).
 */
export function randomStream(seed: number): { enter(): void; exit(): void } {
  const r = rng(seed);
  let saved: (() => number) | undefined;
  return {
    enter() {
      saved = Math.random;
      Math.random = r.next;
    },
    exit() {
      if (saved) Math.random = saved;
      saved = undefined;
    },
  };
}

/** Replaces Math.random with a stream seeded by `seed`; returns the function that restores it. */
export function seedMathRandom(seed: number): () => void {
  const s = randomStream(seed);
  s.enter();
  return () => s.exit();
}

/**
 * Runs `fn` with Math.random seeded, e.g. `withSeed(1, () => buildModel())` for repeatable
 * initial weights. Math.random is restored afterwards, also when fn throws.
 */
export function withSeed<T>(seed: number, fn: () => T): T {
  const restore = seedMathRandom(seed);
  try {
    return fn();
  } finally {
    restore();
  }
}
