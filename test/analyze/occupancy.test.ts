import { describe, expect, it } from 'vitest';
import { expectedCollisionRate, expectedOccupiedSlots } from '../../src/analyze/occupancy.js';

/** Exhaustive: average share of n flows without a slot of their own over all E^n placements. */
function bruteForce(n: number, E: number): number {
  let total = 0;
  const placements = E ** n;
  for (let code = 0; code < placements; code++) {
    const used = new Set<number>();
    let c = code;
    for (let i = 0; i < n; i++) {
      used.add(c % E);
      c = Math.floor(c / E);
    }
    total += (n - used.size) / n;
  }
  return total / placements;
}

describe('expectedCollisionRate', () => {
  it('matches exhaustive enumeration of every placement for small tables', () => {
    for (const [n, E] of [
      [2, 2],
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 3],
      [3, 8],
    ]) {
      expect(expectedCollisionRate(n, E)).toBeCloseTo(bruteForce(n, E), 12);
    }
  });

  it('gives hand-computed values: n=2,E=1 → 1/2; n=2,E=2 → 1/4; one flow never collides', () => {
    expect(expectedCollisionRate(2, 1)).toBe(0.5);
    expect(expectedCollisionRate(2, 2)).toBeCloseTo(0.25, 15);
    expect(expectedCollisionRate(1, 1024)).toBeCloseTo(0, 15);
  });

  it('keeps its digits for huge tables: ≈ (n-1)/(2E) when E >> n', () => {
    const E = 2 ** 29;
    const n = 100;
    const approx = (n - 1) / (2 * E); // first term of the series; the next is ~n²/E² smaller
    const got = expectedCollisionRate(n, E)!;
    expect(Math.abs(got - approx) / approx).toBeLessThan(1e-4);
  });

  it('is null without a table or without flows, and never negative', () => {
    expect(expectedCollisionRate(10, 0)).toBeNull();
    expect(expectedCollisionRate(0, 64)).toBeNull();
    for (let E = 1; E <= 2 ** 20; E *= 4) expect(expectedCollisionRate(3, E)!).toBeGreaterThanOrEqual(0);
  });

  it('works with the fractional mean flow counts the engine reports', () => {
    // n = 1.5 lies between n = 1 (0) and n = 2 (1/4 for E = 2).
    const r = expectedCollisionRate(1.5, 2)!;
    expect(r).toBeGreaterThan(0);
    expect(r).toBeLessThan(0.25);
  });

  it('occupied slots: E(1-(1-1/E)^n), e.g. 2 flows in 2 slots occupy 1.5 on average', () => {
    expect(expectedOccupiedSlots(2, 2)).toBeCloseTo(1.5, 15);
    expect(expectedOccupiedSlots(5, 1)).toBe(1);
  });
});
