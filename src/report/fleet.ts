/**
 * One global table size for a fleet: the size that maximises locality over
 * all the traces of a comparison together, each trace weighted by its
 * packets, and what each trace loses there against the best size it could
 * have had alone.
 *
 * Fleet locality at a size S is the packet-weighted mean of the traces'
 * localities, L(S) = Σ pᵢ·locᵢ(S) / Σ pᵢ. Its noise follows the report's
 * rule (analyze/noise.ts): each trace's share has the standard error
 * sqrt(p(1 − p) / Fᵢ) with Fᵢ its distinct flows, and the traces are
 * independent, so SE(L)² = Σ wᵢ²·SEᵢ² with wᵢ = pᵢ / Σ p. As for one trace
 * (analyze/recommend.ts), sizes within min(margin, 1 pp) of the best fleet
 * locality tie, and the smallest table wins.
 */
import { flowDraws, standardError, Z_95 } from '../analyze/noise.js';
import { MAX_TIE } from '../analyze/recommend.js';

/** One global size of a trace's sweep (the per-queue tables as configured). */
export interface SweepPoint {
  entries: number;
  locality: number | null;
  /** Packets locality is measured over. */
  resolved: number;
}

/** What the fleet answer needs of a trace. */
export interface FleetTrace {
  name: string;
  packets: number;
  distinct_flows: number;
  global_sweep: SweepPoint[];
}

export interface FleetTraceLoss {
  name: string;
  /** Its weight: its share of the packets of the traces that measure locality. */
  weight: number;
  locality_at_fleet_size: number;
  /** The size with its best locality (the smallest such), and that locality. */
  best_entries: number;
  best_locality: number;
  /** best_locality − locality_at_fleet_size (0 when the fleet size is its best). */
  loss: number;
}

export interface FleetAnswer {
  /** The one global size for every trace, and the packet-weighted locality there. */
  entries: number;
  locality: number;
  /** The size with the highest fleet locality, and that locality. */
  best_entries: number;
  best_locality: number;
  /** Fleet localities within this of the best tie (min(noise margin, 1 pp)). */
  tie_tolerance: number;
  /** Sizes every weighted trace was replayed at, ascending, with the fleet locality there. */
  sizes: { entries: number; locality: number }[];
  traces: FleetTraceLoss[];
  /** Traces left out: no size of theirs measures locality (no socket side, or no packets). */
  left_out: string[];
}

/** Two shares are never equal by rounding alone: this guards only float noise. */
const EPSILON = 1e-12;

export function fleetAnswer(traces: FleetTrace[]): FleetAnswer | null {
  const measured = traces.filter((t) => t.packets > 0 && t.global_sweep.some((p) => p.locality !== null && p.entries > 0));
  if (measured.length === 0) return null;
  const pointsOf = (t: FleetTrace) => new Map(t.global_sweep.filter((p) => p.locality !== null && p.entries > 0).map((p) => [p.entries, p]));
  const points = measured.map(pointsOf);
  const sizes = [...points[0].keys()].filter((s) => points.every((m) => m.has(s))).sort((a, b) => a - b);
  if (sizes.length === 0) return null;
  const total = measured.reduce((a, t) => a + t.packets, 0);
  const weights = measured.map((t) => t.packets / total);

  const at = sizes.map((entries) => {
    let locality = 0;
    let variance = 0;
    measured.forEach((t, i) => {
      const p = points[i].get(entries)!;
      locality += weights[i] * p.locality!;
      const se = standardError({ share: p.locality!, draws: flowDraws(t.distinct_flows, p.resolved) }) ?? 0;
      variance += weights[i] ** 2 * se * se;
    });
    return { entries, locality, variance };
  });
  const best = at.reduce((a, x) => (x.locality > a.locality + EPSILON ? x : a));
  const margin = (x: (typeof at)[number]) => Math.min(1, Z_95 * Math.sqrt(x.variance + best.variance));
  const chosen = at.find((x) => x.locality >= best.locality - Math.min(margin(x), MAX_TIE) - EPSILON)!;

  return {
    entries: chosen.entries,
    locality: chosen.locality,
    best_entries: best.entries,
    best_locality: best.locality,
    tie_tolerance: Math.min(margin(chosen), MAX_TIE),
    sizes: at.map(({ entries, locality }) => ({ entries, locality })),
    traces: measured.map((t, i) => {
      const own = sizes.map((s) => points[i].get(s)!).reduce((a, p) => (p.locality! > a.locality! + EPSILON ? p : a));
      const there = points[i].get(chosen.entries)!.locality!;
      return {
        name: t.name,
        weight: weights[i],
        locality_at_fleet_size: there,
        best_entries: own.entries,
        best_locality: own.locality!,
        loss: Math.max(0, own.locality! - there),
      };
    }),
    left_out: traces.filter((t) => !measured.includes(t)).map((t) => t.name),
  };
}
