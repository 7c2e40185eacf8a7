// The soak's seeded pseudo-random numbers: sfc32 over a state hashed from a seed and labels,
// so that every decision stream (the schedule, one connection's writer or reader) is its own
// and replays from the seed alone, whatever order the processes draw in.
import { createHash } from 'node:crypto';

/** A deterministic stream of numbers named by `labels` (the run's seed first). */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...labels: (string | number)[]) {
    const state = createHash('sha256').update(labels.join('/')).digest();
    this.#a = state.readUInt32LE(0);
    this.#b = state.readUInt32LE(4);
    this.#c = state.readUInt32LE(8);
    this.#d = state.readUInt32LE(12) | 1;
  }

  /** A number in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of `choices`, each as likely as its weight. */
  pick<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let at = this.next() * total;
    for (const [value, weight] of choices) {
      at -= weight;
      if (at < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /**
   * A size from 0 to `max` bytes, skewed toward small ones: log-uniform under a power (median
   * a few hundred bytes), with exact 0 and exact `max` now and then so both edges are hit.
   */
  size(max: number): number {
    const roll = this.next();
    if (roll < 0.03) return 0;
    if (roll < 0.05) return max;
    const bits = Math.log2(max) * Math.pow(this.next(), 1.5);
    return Math.min(max, Math.max(1, Math.floor(Math.pow(2, bits))));
  }
}
