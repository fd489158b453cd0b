/**
 * `validate A --predict B`: how far a what-if can be trusted. Trace A is
 * replayed at trace B's configuration (B's header: table sizes, RPS maps,
 * nr_cpu_ids, the kernel profile of B's release), and the model's locality and
 * cross-CPU share are compared with what the kernel achieved on B (B's deliver
 * rows: TraceSummary.kernel_locality / kernel_cross_cpu_share). The error is
 * predicted − observed in percentage points, next to the 95% noise margin of
 * the difference of two shares (analyze/noise.ts). A is replayed with the
 * closed loop (replay/closed-loop.ts): the prediction with every socket call
 * where it ran in A (open loop), with A's threads following the packets
 * placed elsewhere as often as A shows them following theirs (closed loop),
 * and the range of both at the follow rate's 95% bounds.
 */
import { differenceMargin, flowDraws } from '../analyze/noise.js';
import { UsageError } from '../errors.js';
import { closedLoopMsg, formatMsg, predictMsg } from '../messages.js';
import { replayFile } from '../replay/engine.js';
import type { ConfigRequest } from '../types/config-request.js';
import { kernelProfileOfRelease } from '../types/own-config.js';
import type { FollowEvidence, ReplayResult, TraceSummary } from '../types/result.js';

export const PREDICT_SCHEMA = 'rfs-replay/predict';

export interface PredictedShare {
  predicted: number | null;
  observed: number | null;
  /** (predicted − observed) × 100; null when either is null. */
  error_pp: number | null;
  /** 95% margin of the difference, in percentage points. */
  margin_pp: number | null;
}

export interface PredictReport {
  schema: typeof PREDICT_SCHEMA;
  version: 1;
  /** The trace replayed. */
  trace: string;
  /** The trace whose configuration and kernel outcomes are predicted. */
  observed_trace: string;
  /** Input formats as detected (TraceSummary.format) of `trace` and `observed_trace`. */
  formats: { trace: string; observed_trace: string };
  configuration: {
    label: string;
    nr_cpu_ids: number;
    rps_sock_flow_entries: number;
    kernel: string;
    kernel_profile: string;
    queues: { name: string; rps_cpus: number[]; rps_flow_cnt: number }[];
  };
  /** Open loop: every socket call of A on the CPU it ran on. */
  locality: PredictedShare;
  cross_cpu_share: PredictedShare;
  /** |locality error| ≤ its margin; null without a margin. */
  locality_within_noise: boolean | null;
  /** The closed loop; null when B's configuration is A's own (the calls stay where they ran). */
  closed_loop: ClosedLoopPrediction | null;
}

export interface ClosedLoopPrediction {
  /** At the follow rate's lower bound (ClosedLoopResult.locality), against the kernel's. */
  locality: PredictedShare;
  cross_cpu_share: PredictedShare;
  /** Lowest to highest of the open loop and the closed loop at both bounds. */
  locality_range: [number, number] | null;
  cross_cpu_share_range: [number, number] | null;
  /** The kernel's locality lies in the range widened by the noise margin. */
  locality_within_range: boolean | null;
  /** A's evidence of how its threads followed their packets. */
  follow: FollowEvidence | null;
}

/**
 * The configuration B ran, as a request to replay trace `a` (with receive queues
 * `aQueues`, [] when its header names none) at; bad input when B's header lacks it.
 */
export function configurationOf(b: TraceSummary, a: string, aQueues: string[]): ConfigRequest {
  const h = b.header;
  if (h.nr_cpu_ids === null) throw new UsageError(predictMsg.noConfiguration(b.path, 'nr_cpu_ids'));
  if (h.rps_sock_flow_entries === null) throw new UsageError(predictMsg.noConfiguration(b.path, 'rps_sock_flow_entries'));
  const kernel = h.kernel === null ? null : kernelProfileOfRelease(h.kernel);
  if (kernel === null) throw new UsageError(predictMsg.noConfiguration(b.path, 'kernel release with RFS (2.6.35 or later)'));
  const req: ConfigRequest = { role: 'configured', entries: h.rps_sock_flow_entries, cpus: h.nr_cpu_ids, kernel };
  if (h.implicit_queue) {
    // No queue lines in B: every queue had every CPU in its map and a flow table as large as the global one.
    req.rpsCpus = allCpusMask(h.nr_cpu_ids);
    req.flowCnt = h.rps_sock_flow_entries;
    return req;
  }
  const unknown = aQueues.filter((name) => !h.queues.some((x) => x.name === name));
  if (unknown.length > 0) throw new UsageError(predictMsg.queuesDiffer(a, b.path, unknown.join(', ')));
  req.queues = h.queues.map((q) => ({ name: q.name, rpsCpus: q.rps_cpus, flowCnt: q.rps_flow_cnt }));
  return req;
}

function allCpusMask(n: number): string {
  let hex = '';
  for (let left = n; left > 0; left -= 4) hex = (left >= 4 ? 'f' : ((1 << left) - 1).toString(16)) + hex;
  return hex;
}

function share(predicted: number | null, predictedDraws: number, observed: number | null, observedDraws: number): PredictedShare {
  const both = predicted !== null && observed !== null;
  const margin = both ? differenceMargin({ share: predicted, draws: predictedDraws }, { share: observed, draws: observedDraws }) : null;
  return {
    predicted,
    observed,
    error_pp: both ? (predicted - observed) * 100 : null,
    margin_pp: margin === null ? null : margin * 100,
  };
}

/** The report from B replayed at its own configuration (for its kernel outcomes) and A replayed at B's. */
export function buildPredictReport(observed: ReplayResult, predicted: ReplayResult): PredictReport {
  const b = observed.trace;
  const a = predicted.trace;
  const c = predicted.configs[0];
  const m = c.metrics;
  const matched = b.events.deliver - b.deliver_unmatched;
  return {
    schema: PREDICT_SCHEMA,
    version: 1,
    trace: a.path,
    observed_trace: b.path,
    formats: { trace: a.format, observed_trace: b.format },
    configuration: {
      label: c.label,
      nr_cpu_ids: b.header.nr_cpu_ids!,
      rps_sock_flow_entries: b.header.rps_sock_flow_entries!,
      kernel: b.header.kernel!,
      kernel_profile: kernelProfileOfRelease(b.header.kernel!)!,
      queues: b.header.queues.map((q) => ({ name: q.name, rps_cpus: q.rps_cpus, rps_flow_cnt: q.rps_flow_cnt })),
    },
    locality: share(m.locality, flowDraws(a.distinct_flows, m.packets - m.local_unresolved), b.kernel_locality, flowDraws(b.distinct_flows, matched)),
    cross_cpu_share: share(m.cross_cpu_share, flowDraws(a.distinct_flows, m.packets), b.kernel_cross_cpu_share, flowDraws(b.distinct_flows, matched)),
    locality_within_noise: null,
    closed_loop: closedLoopPrediction(observed, predicted),
  };
}

/** The closed loop of A replayed at B's configuration, against B's kernel (the same draws as the open loop's shares). */
function closedLoopPrediction(observed: ReplayResult, predicted: ReplayResult): ClosedLoopPrediction | null {
  const b = observed.trace;
  const a = predicted.trace;
  const c = predicted.configs[0];
  const cl = c.closed_loop;
  if (!cl) return null;
  const m = c.metrics;
  const matched = b.events.deliver - b.deliver_unmatched;
  const locality = share(cl.locality, flowDraws(a.distinct_flows, m.packets - m.local_unresolved), b.kernel_locality, flowDraws(b.distinct_flows, matched));
  const range = cl.locality_range;
  const margin = locality.margin_pp === null ? null : locality.margin_pp / 100;
  return {
    locality,
    cross_cpu_share: share(cl.cross_cpu_share, flowDraws(a.distinct_flows, m.packets), b.kernel_cross_cpu_share, flowDraws(b.distinct_flows, matched)),
    locality_range: range,
    cross_cpu_share_range: cl.cross_cpu_share_range,
    locality_within_range:
      range === null || b.kernel_locality === null || margin === null ? null : b.kernel_locality >= range[0] - margin && b.kernel_locality <= range[1] + margin,
    follow: a.follow,
  };
}

/** Replays B at its own configuration, then A at B's; bad input when B cannot be predicted. */
export async function predictTrace(
  a: string,
  aQueues: string[],
  b: string,
  options: { lenient?: boolean; signal?: AbortSignal; command?: string[] },
): Promise<PredictReport> {
  const observed = await replayFile(b, { ...options, configs: [{ role: 'configured' }] });
  if (observed.trace.events.deliver === 0) throw new UsageError(predictMsg.noDeliverRows(b));
  const predicted = await replayFile(a, { ...options, configs: [configurationOf(observed.trace, a, aQueues)], closedLoop: true });
  const r = buildPredictReport(observed, predicted);
  const l = r.locality;
  r.locality_within_noise = l.error_pp === null || l.margin_pp === null ? null : Math.abs(l.error_pp) <= l.margin_pp;
  return r;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const pp = (x: number | null, signed: boolean): string => (x === null ? '—' : `${signed && x > 0 ? '+' : ''}${x.toFixed(2)} pp`);

export function renderPredictReport(r: PredictReport): string {
  const row = (what: string, s: PredictedShare) => predictMsg.row(what, pct(s.predicted), pct(s.observed), pp(s.error_pp, true), pp(s.margin_pp, false));
  const formats = [...new Set([r.formats.trace, r.formats.observed_trace])].map(formatMsg.detected);
  return [
    ...formats,
    predictMsg.headline(r.trace, r.observed_trace, r.configuration.label),
    row('locality', r.locality),
    row('cross-CPU', r.cross_cpu_share),
    ...closedLoopRows(r),
    predictMsg.verdict(r.locality_within_noise),
    predictMsg.footnote(),
  ].join('\n');
}

/** The closed loop beside the open loop, and why there is a range. */
function closedLoopRows(r: PredictReport): string[] {
  const cl = r.closed_loop;
  if (!cl) return [];
  const row = (what: string, open: PredictedShare, closed: PredictedShare, range: [number, number] | null) =>
    closedLoopMsg.predictRow(
      what,
      pct(open.predicted),
      pct(closed.predicted),
      pct(range?.[0] ?? null),
      pct(range?.[1] ?? null),
      pp(open.error_pp, true),
      pp(closed.error_pp, true),
    );
  return [
    row('locality', r.locality, cl.locality, cl.locality_range),
    row('cross-CPU', r.cross_cpu_share, cl.cross_cpu_share, cl.cross_cpu_share_range),
    ...(cl.locality_within_range === null ? [] : [closedLoopMsg.withinRange(cl.locality_within_range)]),
    closedLoopMsg.whyRange(),
  ];
}
