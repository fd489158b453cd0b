/**
 * Picking flows by rate: Walker/Vose alias tables give O(1) weighted draws
 * (one random 32-bit value per draw), which the generator needs at millions
 * of draws per second over hundreds of thousands of flows.
 */
import type { Xoshiro128 } from './prng.js';

/** Relative rates of `n` flows: all equal, or Zipf (rank k has weight 1/k^s). */
export function flowWeights(n: number, dist: 'uniform' | 'zipf', exponent: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = dist === 'uniform' || exponent === 0 ? 1 : (i + 1) ** -exponent;
  return w;
}

export class AliasTable {
  private readonly prob: Uint32Array;
  private readonly alias: Uint32Array;
  readonly size: number;

  constructor(weights: Float64Array) {
    const n = weights.length;
    this.size = n;
    this.prob = new Uint32Array(n);
    this.alias = new Uint32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    const scaled = new Float64Array(n);
    for (let i = 0; i < n; i++) scaled[i] = (weights[i] * n) / total;
    // Two stacks in one array: small entries grow from the front, large from the back.
    const work = new Uint32Array(n);
    let small = 0;
    let large = n;
    for (let i = 0; i < n; i++) {
      if (scaled[i] < 1) work[small++] = i;
      else work[--large] = i;
    }
    while (small > 0 && large < n) {
      const s = work[--small];
      const l = work[large];
      // Probabilities are stored as 32-bit thresholds so a draw is integer-only.
      this.prob[s] = Math.min(0xffffffff, Math.floor(scaled[s] * 4294967296));
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) {
        large++;
        work[small++] = l;
      }
    }
    // Leftovers (rounding) keep their own column with certainty.
    while (large < n) {
      const l = work[large++];
      this.prob[l] = 0xffffffff;
      this.alias[l] = l;
    }
    while (small > 0) {
      const s = work[--small];
      this.prob[s] = 0xffffffff;
      this.alias[s] = s;
    }
  }

  /** One weighted draw: a column uniformly, then the column itself or its alias. */
  draw(rng: Xoshiro128): number {
    const col = rng.below(this.size);
    return rng.u32() <= this.prob[col] ? col : this.alias[col];
  }
}
