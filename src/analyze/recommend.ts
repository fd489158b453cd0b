/**
 * The size recommendation: the smallest table whose quality is within a
 * tolerance of the best the sweep could show — "the largest size tried" is
 * the reference, because that is as close to an unlimited table as the run
 * measured. Ties and non-monotone curves are resolved by taking the smallest
 * size that qualifies, so the answer never depends on point order.
 */

export interface SizePoint {
  /** Effective (power-of-two) table size. */
  size: number;
  /** The quality measure at this size; null = not measurable (no lookups). */
  value: number | null;
}

export interface Recommendation {
  size: number;
  value: number;
  /** The largest size tried and its value: the reference. */
  reference: { size: number; value: number };
  /** The tolerance used, in the same unit as value (0.01 = 1 percentage point). */
  tolerance: number;
  /** 'higher' when more is better (hit ratio), 'lower' when less is better (conflict rate). */
  better: 'higher' | 'lower';
}

/** One percentage point. */
export const DEFAULT_TOLERANCE = 0.01;

/**
 * Guards the comparison against binary rounding: 0.95 - 0.01 is
 * 0.9399999999999999, which must still admit a point measured at exactly 0.94.
 */
const EPSILON = 1e-9;

export function recommendSize(
  points: SizePoint[],
  better: 'higher' | 'lower',
  tolerance = DEFAULT_TOLERANCE,
): Recommendation | null {
  const measured = points.filter((p): p is { size: number; value: number } => p.value !== null && Number.isFinite(p.value));
  if (measured.length === 0) return null;
  const reference = measured.reduce((a, b) => (b.size > a.size ? b : a));
  const qualifies = (v: number) =>
    better === 'higher' ? v >= reference.value - tolerance - EPSILON : v <= reference.value + tolerance + EPSILON;
  const chosen = measured.filter((p) => qualifies(p.value)).reduce((a, b) => (b.size < a.size ? b : a));
  return { size: chosen.size, value: chosen.value, reference: { ...reference }, tolerance, better };
}
