// Seeded random numbers (mulberry32), so every run with the same seed draws the same values.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** The seed this stream started from. */
  readonly seed: number;
}

export function rng(seed = 0): Rng {
  let a = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number) {
      return Math.floor(next() * n);
    },
  };
}

/** Fisher-Yates shuffle of 0..n-1 with a seeded stream. */
export function permutation(n: number, seed: number): Int32Array {
  const r = rng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * A seed for tfjs's Gaussian generators (randomNormal, truncatedNormal, and the initializers on
 * them: heNormal, glorotNormal, varianceScaling "normal", ...). tfjs 4.22 treats a seed of 0 as no
 * seed there (rand_util.ts: `seed ? seed : Math.random()`), so the first layer of every model built
 * with seed 0 got fresh weights on each run. 0 goes to 0.5 instead: tfjs seeds its generator with
 * the seed's string, and no integer seed can collide with "0.5". undefined stays unseeded.
 */
export function gaussSeed(seed: number | undefined): number | undefined {
  return seed === 0 ? 0.5 : seed;
}
