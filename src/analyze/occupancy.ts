/**
 * Analytic expectation for the global sock flow table, used as an overlay
 * next to the replayed collision rate.
 *
 * Throw n flows uniformly into E slots (balls into bins). A slot is occupied
 * with probability 1 - (1 - 1/E)^n, so E·(1 - (1 - 1/E)^n) slots are occupied
 * on average, and each occupied slot can serve exactly one flow. The share of
 * flows left without a slot of their own — whose lookups find another flow's
 * hint, i.e. collide — is therefore
 *
 *     1 - (E/n) · (1 - (1 - 1/E)^n)
 *
 * It is a flow-weighted steady-state estimate: it assumes all n flows are
 * active at once and equally busy, while the replay counts packets.
 */

/** The formula as shown in the report. */
export const EXPECTED_COLLISION_FORMULA = '1 − (E/n)·(1 − (1 − 1/E)^n)';

/**
 * Expected share of n concurrently active flows that have no slot of their own
 * in a table of E slots. null when there is no table (E = 0) or no flow.
 */
export function expectedCollisionRate(activeFlows: number, slots: number): number | null {
  if (!(slots >= 1) || !(activeFlows >= 1)) return null;
  // (1 - 1/E)^n computed as exp(n·log1p(-1/E)) so that large E (up to 2^29)
  // does not lose every digit to cancellation; E = 1 gives log1p(-1) = -Inf
  // and an occupied share of exactly 1, as it should.
  const occupiedShare = -Math.expm1(activeFlows * Math.log1p(-1 / slots));
  const rate = 1 - (slots / activeFlows) * occupiedShare;
  // Rounding can leave a tiny negative number when E >> n.
  return rate < 0 ? 0 : rate;
}

/** Expected number of occupied slots, E·(1 - (1 - 1/E)^n). */
export function expectedOccupiedSlots(activeFlows: number, slots: number): number {
  if (!(slots >= 1) || !(activeFlows >= 1)) return 0;
  return slots * -Math.expm1(activeFlows * Math.log1p(-1 / slots));
}
