import { describe, expect, it } from 'vitest';
import { dominantLimit, hasSocketSide, limits, OUTCOME_PARTS, outcomeParts, type OutcomeCounts } from '../../src/analyze/limits.js';

const counts = (o: Partial<OutcomeCounts>): OutcomeCounts => ({
  lookups: 0,
  hits: 0,
  hits_own: 0,
  hits_aliased: 0,
  hits_stale: 0,
  hits_unresolved: 0,
  misses_empty: 0,
  misses_collision: 0,
  misses_invalid_cpu: 0,
  ...o,
});

describe('outcomeParts', () => {
  it('splits every lookup into exactly one part (the default trace at 262,144 slots)', () => {
    // From its replay: 32,785 lookups, 31,055 hits (10,589 stale, 1,714 never resolved), 1,730 empty-slot misses.
    const c = counts({ lookups: 32785, hits: 31055, hits_own: 31055, hits_stale: 10589, hits_unresolved: 1714, misses_empty: 1730 });
    const p = outcomeParts(c);
    expect(p).toEqual({ hits_current: 18752, hits_stale: 10589, hits_unresolved: 1714, misses_empty: 1730, misses_collision: 0, misses_invalid_cpu: 0 });
    expect(OUTCOME_PARTS.reduce((a, k) => a + p[k], 0)).toBe(c.lookups);
  });
});

describe('dominantLimit', () => {
  it('is the outcome that spoils the most lookups: stale hints on the default trace', () => {
    const c = counts({ lookups: 32785, hits: 31055, hits_own: 31055, hits_stale: 10589, hits_unresolved: 1714, misses_empty: 1730 });
    expect(dominantLimit(c)).toEqual({ kind: 'migration', lookups: 10589, share_of_lookups: 10589 / 32785 });
    expect(limits(c).map((l) => l.kind)).toEqual(['migration', 'empty_slots', 'table_size', 'invalid_cpu']);
  });

  it('counts aliased hits with collision misses as the table-size limit', () => {
    const c = counts({ lookups: 100, hits: 60, hits_aliased: 30, hits_own: 30, hits_stale: 20, misses_collision: 0, misses_empty: 40 });
    expect(dominantLimit(c)?.kind).toBe('empty_slots');
    expect(limits(c).find((l) => l.kind === 'table_size')?.lookups).toBe(30);
    expect(dominantLimit(counts({ lookups: 100, hits: 50, hits_own: 20, hits_aliased: 30, misses_collision: 15, misses_empty: 35 }))?.kind).toBe('table_size');
  });

  it('is null with no lookups or nothing spoiled', () => {
    expect(dominantLimit(counts({}))).toBeNull();
    expect(dominantLimit(counts({ lookups: 10, hits: 10, hits_own: 10 }))).toBeNull();
  });
});

describe('hasSocketSide', () => {
  it('needs a record event that wrote or refreshed a slot in some configuration with a table', () => {
    expect(
      hasSocketSide([
        { writes: 0, writes_avoided: 0 },
        { writes: 0, writes_avoided: 3 },
      ]),
    ).toBe(true);
    expect(hasSocketSide([{ writes: 0, writes_avoided: 0 }])).toBe(false);
    expect(hasSocketSide([])).toBe(false);
  });
});
