/**
 * The size decision: whether to change a table from its configured size, and
 * to what, judged by locality (packets processed on the CPU where their
 * application next used the flow) with the cross-CPU share second. Hit ratio
 * and the rest only explain.
 *
 * A candidate size is better than the configured one when
 *  - its locality is higher by more than the noise margin (noise.ts), or
 *  - its locality is not lower at all and its cross-CPU share is lower by
 *    more than that share's margin,
 * and so whichever way the application's threads react to the change: with
 * the closed loop (replay/closed-loop.ts) each change is taken in the open
 * loop and in the closed loop at both bounds of the follow rate, and the
 * whole range of changes must pass.
 * No better size: keep. Otherwise the better sizes whose locality is within
 * min(margin, 1 pp) of the best of them tie; of those, the ones within
 * min(margin, 1 pp) of the lowest cross-CPU share tie; and the smallest table
 * wins. So a size that loses locality is never chosen, and memory only ever
 * decides between sizes whose locality is the same to within 1 pp.
 */
import { differenceMargin, flowDraws } from './noise.js';

export type SizeAction = 'grow' | 'shrink' | 'keep' | 'unknown';

/** Why: locality rose beyond noise; the cross-CPU share fell beyond noise at equal locality; nothing did; nothing measurable. */
export type DecisionReason = 'locality' | 'cross_cpu' | 'within_noise' | 'no_locality';

export interface SizeCandidate {
  /** Effective table size. */
  size: number;
  /** Open loop: every socket call on its captured CPU. */
  locality: number | null;
  cross_cpu_share: number | null;
  /** With the closed loop, at the follow rate's lower and upper bounds; absent or null: as the open loop. */
  closed?: ClosedShares | null;
  memory_bytes: number;
  /** Packets locality is measured over (packets − local_unresolved). */
  resolved: number;
  packets: number;
}

/** A what-if's shares with threads that follow its packets (ClosedLoopResult's, at both bounds). */
export interface ClosedShares {
  locality: number | null;
  locality_high: number | null;
  cross_cpu_share: number | null;
  cross_cpu_share_high: number | null;
}

/** A candidate against the configured size: the changes and their noise margins (ratios; 0.01 = 1 pp). */
export interface Versus {
  /** Open loop. */
  locality_change: number;
  locality_margin: number;
  cross_cpu_change: number | null;
  cross_cpu_margin: number | null;
  /**
   * The change in the open loop and in the closed loop at both bounds of the
   * follow rate, lowest to highest (each mode against the configured size in
   * the same mode); [locality_change, locality_change] without the closed loop.
   */
  locality_change_range: [number, number];
  cross_cpu_change_range: [number, number] | null;
}

export interface SizeDecision {
  action: SizeAction;
  reason: DecisionReason;
  /** The size to set: the chosen one, the configured one for keep, null when unknown. */
  size: number | null;
  /** Index in the candidates of the chosen size (grow and shrink only). */
  chosen: number | null;
  /** Index of the candidate with the best locality (the smallest such), null if none is measurable. */
  best: number | null;
  /** The chosen candidate (grow, shrink) or the best one (keep) against the configured size. */
  versus: Versus | null;
  /** Locality within this of the best better size counts as a tie (grow, shrink). */
  tie_tolerance: number | null;
}

/** Ties and margins never exceed one percentage point. */
export const MAX_TIE = 0.01;

/** Two shares computed from different counts are never equal by rounding alone: this guards only float noise. */
const EPSILON = 1e-12;

export function compare(configured: SizeCandidate, c: SizeCandidate, flows: number): Versus | null {
  if (configured.locality === null || c.locality === null) return null;
  const margin = differenceMargin(
    { share: configured.locality, draws: flowDraws(flows, configured.resolved) },
    { share: c.locality, draws: flowDraws(flows, c.resolved) },
  );
  if (margin === null) return null;
  const crossKnown = configured.cross_cpu_share !== null && c.cross_cpu_share !== null;
  return {
    locality_change: c.locality - configured.locality,
    locality_margin: margin,
    locality_change_range: changeRange(modes(configured, 'locality'), modes(c, 'locality'))!,
    cross_cpu_change_range: crossKnown ? changeRange(modes(configured, 'cross_cpu_share'), modes(c, 'cross_cpu_share')) : null,
    cross_cpu_change: crossKnown ? c.cross_cpu_share! - configured.cross_cpu_share! : null,
    cross_cpu_margin: crossKnown
      ? differenceMargin(
          { share: configured.cross_cpu_share!, draws: flowDraws(flows, configured.packets) },
          { share: c.cross_cpu_share!, draws: flowDraws(flows, c.packets) },
        )
      : null,
  };
}

/** A share in the open loop and in the closed loop at both bounds (the open value where a mode is not known). */
function modes(c: SizeCandidate, share: 'locality' | 'cross_cpu_share'): [number, number, number] | null {
  const open = c[share];
  if (open === null) return null;
  const low = c.closed?.[share] ?? open;
  const high = c.closed?.[share === 'locality' ? 'locality_high' : 'cross_cpu_share_high'] ?? open;
  return [open, low, high];
}

/** [lowest, highest] change, each mode against the same mode. */
function changeRange(from: [number, number, number] | null, to: [number, number, number] | null): [number, number] | null {
  if (from === null || to === null) return null;
  const d = to.map((x, i) => x - from[i]);
  return [Math.min(...d), Math.max(...d)];
}

/** Better in every mode: the least favourable change of the range beats the noise margin. */
function betterThanConfigured(v: Versus): DecisionReason | null {
  const leastGain = v.locality_change_range[0];
  if (leastGain > v.locality_margin + EPSILON) return 'locality';
  const cross = v.cross_cpu_change_range;
  if (leastGain >= -EPSILON && cross !== null && v.cross_cpu_margin !== null && -cross[1] > v.cross_cpu_margin + EPSILON) return 'cross_cpu';
  return null;
}

export function decideSize(configured: SizeCandidate, candidates: SizeCandidate[], flows: number): SizeDecision {
  const measured = candidates.map((c, i) => ({ c, i, v: compare(configured, c, flows) })).filter((x) => x.v !== null) as {
    c: SizeCandidate;
    i: number;
    v: Versus;
  }[];
  const bySmallest = (a: { c: SizeCandidate }, b: { c: SizeCandidate }) => a.c.memory_bytes - b.c.memory_bytes || a.c.size - b.c.size;
  const bestOf = (xs: typeof measured) =>
    xs.reduce<(typeof measured)[number] | null>(
      (a, x) => (a === null || x.c.locality! > a.c.locality! + EPSILON || (Math.abs(x.c.locality! - a.c.locality!) <= EPSILON && bySmallest(x, a) < 0) ? x : a),
      null,
    );
  const best = bestOf(measured);
  if (configured.locality === null || best === null) {
    return { action: 'unknown', reason: 'no_locality', size: null, chosen: null, best: null, versus: null, tie_tolerance: null };
  }
  const better = measured.filter((x) => x.c.size !== configured.size && betterThanConfigured(x.v) !== null);
  const top = bestOf(better);
  if (top === null) {
    return { action: 'keep', reason: 'within_noise', size: configured.size, chosen: null, best: best.i, versus: best.v, tie_tolerance: null };
  }
  const tie = Math.min(top.v.locality_margin, MAX_TIE);
  const tiedOnLocality = better.filter((x) => x.c.locality! >= top.c.locality! - tie - EPSILON);
  const crosses = tiedOnLocality.map((x) => x.c.cross_cpu_share).filter((x): x is number => x !== null);
  const lowestCross = crosses.length ? Math.min(...crosses) : null;
  const tiedOnCross = tiedOnLocality.filter((x) => {
    if (lowestCross === null || x.c.cross_cpu_share === null) return true;
    const crossTie = Math.min(x.v.cross_cpu_margin ?? 0, MAX_TIE);
    return x.c.cross_cpu_share <= lowestCross + crossTie + EPSILON;
  });
  const chosen = [...tiedOnCross].sort(bySmallest)[0];
  return {
    action: chosen.c.size > configured.size ? 'grow' : 'shrink',
    reason: betterThanConfigured(chosen.v)!,
    size: chosen.c.size,
    chosen: chosen.i,
    best: best.i,
    versus: chosen.v,
    tie_tolerance: tie,
  };
}
