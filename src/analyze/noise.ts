/**
 * How far apart two shares (two localities, two cross-CPU shares) must be
 * before the report calls the difference real rather than the trace's own
 * noise, estimated from the trace's counts alone.
 *
 * A share p measured over a trace is a mean over packets, but packets of one
 * flow are not independent: which flows collide in a table, which
 * applications move, is a property of the flow. So each flow counts as one
 * draw (the design effect of complete clustering): a share has the
 * standard error sqrt(p(1 − p) / F) with F = the trace's distinct flows (never
 * more than the packets measured), and two shares differ beyond noise when
 * they are further apart than
 *
 *     z · sqrt(p₁(1 − p₁) / F₁ + p₂(1 − p₂) / F₂),   z = 1.96 (95%).
 *
 * Two what-ifs replayed on the same trace share their flows, which makes
 * their difference less noisy than this; flows of very unequal weight make
 * it noisier. The same margin serves for a prediction against a share the
 * kernel was observed to reach on another trace (independent samples).
 */

/** Two-sided 95% normal quantile. */
export const Z_95 = 1.959963984540054;

/** A share and the number of independent draws behind it. */
export interface ShareSample {
  share: number;
  draws: number;
}

/**
 * Independent draws behind a share measured over `measured` packets of a trace
 * with `flows` distinct flows: one per flow, and never more than the packets.
 */
export function flowDraws(flows: number, measured: number): number {
  return Math.max(0, Math.min(flows, measured));
}

/** sqrt(p(1 − p) / n); null without a draw. */
export function standardError(s: ShareSample): number | null {
  if (!(s.draws > 0) || !Number.isFinite(s.share)) return null;
  return Math.sqrt((s.share * (1 - s.share)) / s.draws);
}

/** The 95% margin for the difference of two shares; null when either has no draw. */
export function differenceMargin(a: ShareSample, b: ShareSample): number | null {
  const ea = standardError(a);
  const eb = standardError(b);
  if (ea === null || eb === null) return null;
  return Math.min(1, Z_95 * Math.sqrt(ea * ea + eb * eb));
}
