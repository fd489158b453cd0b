/**
 * What a lookup found, and what keeps packets off their application's CPU.
 *
 * Every lookup ends in one outcome (docs/metrics.md): a hit, or a miss on an
 * empty slot, on another flow's slot (a detected collision) or on a CPU
 * that does not exist. Hits are split again by their hint: up to date (it
 * named the CPU the application used next), stale (the application had
 * moved on), or never resolved (the flow was not used again). The parts sum
 * to the lookups exactly; aliased hits (steered by another flow's hint) cut
 * across them and are shown beside.
 *
 * Of these, a bigger table can remove collisions and aliasing only. What is
 * left at the largest size tried is what limits locality regardless of size.
 */

/** The counters an outcome split needs (a subset of the metrics). */
export interface OutcomeCounts {
  lookups: number;
  hits: number;
  hits_own: number;
  hits_aliased: number;
  hits_stale: number;
  hits_unresolved: number;
  misses_empty: number;
  misses_collision: number;
  misses_invalid_cpu: number;
}

export const OUTCOME_PARTS = ['hits_current', 'hits_stale', 'hits_unresolved', 'misses_empty', 'misses_collision', 'misses_invalid_cpu'] as const;
export type OutcomePart = (typeof OUTCOME_PARTS)[number];

/** Lookups per outcome part; they sum to `lookups`. */
export function outcomeParts(c: OutcomeCounts): Record<OutcomePart, number> {
  return {
    hits_current: c.hits - c.hits_stale - c.hits_unresolved,
    hits_stale: c.hits_stale,
    hits_unresolved: c.hits_unresolved,
    misses_empty: c.misses_empty,
    misses_collision: c.misses_collision,
    misses_invalid_cpu: c.misses_invalid_cpu,
  };
}

/**
 * - migration: hits whose hint named a CPU the application had left;
 * - table_size: lookups that found another flow's hint (collision misses and aliased hits);
 * - empty_slots: lookups on a slot with no hint (not yet written, or cleared on close);
 * - invalid_cpu: lookups whose hint decoded to a CPU at or above nr_cpu_ids.
 */
export type LimitKind = 'migration' | 'table_size' | 'empty_slots' | 'invalid_cpu';

export interface Limit {
  kind: LimitKind;
  /** Lookups it spoils. */
  lookups: number;
  /** lookups / all lookups. */
  share_of_lookups: number;
}

/** Every limit with its count, largest first (ties in the order above); empty without lookups. */
export function limits(c: OutcomeCounts): Limit[] {
  if (!(c.lookups > 0)) return [];
  const counts: [LimitKind, number][] = [
    ['migration', c.hits_stale],
    ['table_size', c.misses_collision + c.hits_aliased],
    ['empty_slots', c.misses_empty],
    ['invalid_cpu', c.misses_invalid_cpu],
  ];
  return counts
    .map(([kind, lookups], order) => ({ kind, lookups, share_of_lookups: lookups / c.lookups, order }))
    .sort((a, b) => b.lookups - a.lookups || a.order - b.order)
    .map(({ order: _order, ...l }) => l);
}

/** The limit that spoils the most lookups, or null when none spoils any. */
export function dominantLimit(c: OutcomeCounts): Limit | null {
  const top = limits(c)[0];
  return top && top.lookups > 0 ? top : null;
}

/**
 * No socket side: the replay has no hint to judge a table by when no record
 * event wrote or refreshed a slot (every one had hash 0, was skipped for its
 * TCP state, or there were none), even with a table to write to. `writes`
 * and `writes_avoided` of a configuration with a global table.
 */
export function hasSocketSide(withTable: { writes: number; writes_avoided: number }[]): boolean {
  return withTable.some((m) => m.writes + m.writes_avoided > 0);
}
