/**
 * The closed loop (docs/model.md, "Closed loop"): a what-if replayed again
 * with application threads that follow the packets it places elsewhere. Each
 * what-if configuration of a bank gets two more lanes, at the lower and the
 * upper bound of the follow rate the trace shows, and the bank one reference
 * lane at the trace's own configuration, whose placement stands for the
 * kernel's (wasm/lanes.ts closedLoopCall()). The trace's own configuration
 * needs none: there the lanes place packets as the kernel did, and the calls
 * stay where they ran.
 *
 * The result of a what-if carries the open loop (its `metrics`), the closed
 * loop at both bounds, and the range from the lowest to the highest of the
 * three: the measured errors of both modes lie within it (README, "How far a
 * what-if can be trusted").
 */
import type { TraceHeader } from '../ingest/trace.js';
import { type ResolvedConfig, resolveConfig } from '../model/config.js';
import type { Metrics } from '../types/metrics.js';
import { kernelProfileOfRelease } from '../types/own-config.js';
import type { ClosedLoopResult, FollowEvidence } from '../types/result.js';
import type { LaneResult } from './lane-result.js';

/** The lanes of a bank with the closed loop: the configurations asked for, in order, then the closed lanes and the reference. */
export interface ClosedLoopBank {
  configs: ResolvedConfig[];
  /** Per configuration asked for: its closed lanes' indices in `configs`; null for the trace's own configuration. */
  closed: ({ low: number; high: number } | null)[];
}

/**
 * The trace's own configuration as the header states it (global and per-queue
 * tables, RPS maps, nr_cpu_ids, the profile of its kernel release; heads from
 * the deliver rows), as the reference lane; null when the header does not
 * state the table sizes (an importer's trace), and nothing tells where the
 * kernel processed a packet.
 */
export function referenceConfig(header: TraceHeader, nr: number): ResolvedConfig | null {
  if (header.nrCpuIds === undefined || header.nrCpuIds === null) return null;
  if (header.rpsSockFlowEntries === undefined || header.rpsSockFlowEntries === null) return null;
  const kernel = header.kernel ? (kernelProfileOfRelease(header.kernel) ?? undefined) : undefined;
  return { ...resolveConfig(header, nr, { role: 'configured', kernel }, 0), loop: 'reference' };
}

/** True when `c` places packets as the reference does: the same tables, maps, CPUs, profile and head model. */
export function sameAsReference(c: ResolvedConfig, ref: ResolvedConfig): boolean {
  return (
    c.nrCpuIds === ref.nrCpuIds &&
    c.slots === ref.slots &&
    c.kernel.name === ref.kernel.name &&
    c.fifoNs === ref.fifoNs &&
    c.queues.length === ref.queues.length &&
    c.queues.every((q, i) => q.slots === ref.queues[i].slots && q.map.length === ref.queues[i].map.length && q.map.every((x, j) => x === ref.queues[i].map[j]))
  );
}

/**
 * A bank's lanes for `configs` with the closed loop: each what-if (every
 * configuration that is not the reference's) gets its two closed lanes, and
 * the bank the reference lane when any has. Without a reference every
 * configuration is a what-if, and the follow rate's bounds stay 0 and 1.
 */
export function closedLoopBank(configs: ResolvedConfig[], ref: ResolvedConfig | null): ClosedLoopBank {
  const all = [...configs];
  const closed = configs.map((c) => {
    if (ref !== null && sameAsReference(c, ref)) return null;
    const lane = (loop: 'follow-low' | 'follow-high') => all.push({ ...c, loop, timeline: false, explain: false }) - 1;
    return { low: lane('follow-low'), high: lane('follow-high') };
  });
  if (ref !== null && closed.some((c) => c !== null)) all.push(ref);
  return { configs: all, closed };
}

/** The open loop of each configuration asked for, with its closed loop; and the evidence, from the bank's reference lane. */
export function closedLoopResults(
  bank: ClosedLoopBank,
  lanes: LaneResult[],
): { open: LaneResult[]; closed: (ClosedLoopResult | null)[]; follow: FollowEvidence | null } {
  const open = bank.closed.map((_, i) => lanes[i]);
  const closed = bank.closed.map((c, i) => (c === null ? null : closedLoopResult(lanes[i].metrics, lanes[c.low].metrics, lanes[c.high].metrics)));
  const follow = lanes.find((l) => l.follow)?.follow ?? null;
  return { open, closed, follow };
}

/** The closed loop of one what-if from its three lanes' metrics. */
export function closedLoopResult(open: Metrics, low: Metrics, high: Metrics): ClosedLoopResult {
  return {
    locality: low.locality,
    cross_cpu_share: low.cross_cpu_share,
    locality_high: high.locality,
    cross_cpu_share_high: high.cross_cpu_share,
    locality_range: hull(open.locality, low.locality, high.locality),
    cross_cpu_share_range: hull(open.cross_cpu_share, low.cross_cpu_share, high.cross_cpu_share),
  };
}

/** [lowest, highest] of the shares; null when any is null (nothing measured). */
function hull(...xs: (number | null)[]): [number, number] | null {
  if (xs.some((x) => x === null)) return null;
  const v = xs as number[];
  return [Math.min(...v), Math.max(...v)];
}
