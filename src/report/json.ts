/**
 * The JSON renderer: the full ReplayResult (the versioned contract) plus the
 * report's analysis of it, so a script can reproduce every number and chart
 * of the HTML without re-running the replay.
 */
import { limits, outcomeParts } from '../analyze/limits.js';
import { Z_95, standardError, flowDraws } from '../analyze/noise.js';
import { EXPECTED_COLLISION_FORMULA } from '../analyze/occupancy.js';
import { compare, MAX_TIE } from '../analyze/recommend.js';
import { candidate, type TableAdvice } from './advice.js';
import type { ConfigRow, KernelAnalysis, ReportData } from './report-data.js';
import { verdictSentences } from './verdict.js';

/** The rule in words, for scripts that read the JSON (docs/metrics.md says the same). */
export const ADVICE_RULE = {
  objective: 'locality = local / (packets - local_unresolved); second: cross_cpu_share = cross_cpu / packets; lower is better',
  change_when:
    "a size is better than the configured one when its locality exceeds the configured locality by more than noise_margin, or its locality is not lower and its cross_cpu_share is lower by more than that share's noise_margin; no better size: keep",
  choice: `of the better sizes, those within min(noise_margin, ${MAX_TIE}) of the best locality tie, then those within min(cross-CPU margin, ${MAX_TIE}) of the lowest cross_cpu_share, and the one with the least memory_bytes wins`,
  noise_margin: `z * sqrt(p1(1-p1)/F + p2(1-p2)/F), z = ${Z_95} (95%), F = trace.distinct_flows (at most the packets measured): each flow one independent draw`,
  closed_loop:
    'with the closed loop (result.configs[].closed_loop), every change is taken in the open loop and in the closed loop at both bounds of the follow rate, each against the configured size in the same mode; a size is better only when the whole range of changes passes (change_range)',
  queue:
    'the same rule over the per-queue sweep, replayed with the global table at the advised global size, against the row at that global size with the per-queue tables as configured',
  unknown:
    'global (and per-queue) action is unknown when no record event wrote or refreshed a slot in any swept configuration (no socket side, e.g. perf script and ftrace imports), or when locality cannot be measured',
};

export function reportJson(model: ReportData) {
  return {
    schema: model.schema,
    version: model.version,
    analysis: {
      verdict: model.kernels[0] ? verdictSentences(model.kernels[0], model.flows, model.result.trace.follow) : [],
      notes: model.notes,
      recommendation_rule: ADVICE_RULE,
      expected_collision_formula: `${EXPECTED_COLLISION_FORMULA}, n = trace.active_flows, E = entries_effective`,
      kernels: model.kernels.map((k) => kernelJson(k, model.flows)),
      rps_baseline: model.baseline,
      arrival_per_cpu: model.arrival_per_cpu,
    },
    /** What each entry of result.configs was replayed for (same order). */
    plan: model.plan,
    result: model.result,
  };
}

/** A share at the configured and the advised size, the change and the noise margin between them. */
function shares(a: TableAdvice, flows: number) {
  const row = a.row;
  const v = row ? compare(candidate(a.anchor, 0), candidate(row, 0), flows) : null;
  return {
    locality: {
      configured: a.anchor.locality,
      advised: row?.locality ?? null,
      change: v?.locality_change ?? null,
      noise_margin: v?.locality_margin ?? null,
      advised_closed_loop: row?.closed_loop?.locality ?? null,
      advised_range: row?.closed_loop?.locality_range ?? null,
      change_range: v?.locality_change_range ?? null,
    },
    cross_cpu_share: {
      configured: a.anchor.cross_cpu_share,
      advised: row?.cross_cpu_share ?? null,
      change: v?.cross_cpu_change ?? null,
      noise_margin: v?.cross_cpu_margin ?? null,
      advised_closed_loop: row?.closed_loop?.cross_cpu_share ?? null,
      advised_range: row?.closed_loop?.cross_cpu_share_range ?? null,
      change_range: v?.cross_cpu_change_range ?? null,
    },
  };
}

function best(a: TableAdvice, sizeKey: 'entries' | 'rps_flow_cnt', sizeOf: (r: ConfigRow) => number) {
  return a.best && a.versus
    ? { [sizeKey]: sizeOf(a.best), locality: a.best.locality, change: a.versus.locality_change, noise_margin: a.versus.locality_margin }
    : null;
}

function globalJson(a: TableAdvice, flows: number) {
  const size = (r: ConfigRow) => r.entries_effective;
  return {
    objective: 'locality',
    action: a.action,
    ...(a.size !== null ? { entries: a.size } : {}),
    reason: a.reason,
    configured_entries: a.anchor.entries_effective,
    ...shares(a, flows),
    best: a.action === 'keep' ? best(a, 'entries', size) : a.best ? { entries: size(a.best), locality: a.best.locality } : null,
    tie_tolerance: a.tie_tolerance,
    memory_bytes: a.row?.memory_bytes ?? null,
    config_index: a.row?.config_index ?? null,
  };
}

function queueJson(a: TableAdvice, flows: number) {
  const size = (r: ConfigRow) => r.flow_cnt_effective;
  return {
    objective: 'locality',
    action: a.action,
    ...(a.size !== null ? { rps_flow_cnt: a.size } : {}),
    reason: a.reason,
    /** The global table size the per-queue sweep was replayed at. */
    global_entries: a.anchor.entries_effective,
    configured_rps_flow_cnt: a.anchor.flow_cnt_effective,
    ...shares(a, flows),
    ooo_hold_share: { configured: a.anchor.ooo_hold_share, advised: a.row?.ooo_hold_share ?? null },
    slot_conflict_rate: { configured: a.anchor.slot_conflict_rate, advised: a.row?.slot_conflict_rate ?? null },
    best: a.action === 'keep' ? best(a, 'rps_flow_cnt', size) : a.best ? { rps_flow_cnt: size(a.best), locality: a.best.locality } : null,
    tie_tolerance: a.tie_tolerance,
    memory_bytes: a.row?.memory_bytes ?? null,
    config_index: a.row?.config_index ?? null,
  };
}

function kernelJson(k: KernelAnalysis, flows: number) {
  const c = k.configured;
  return {
    kernel: k.kernel,
    configured: c,
    recommendation: {
      objective: 'locality',
      global: globalJson(k.globalAdvice, flows),
      queue: queueJson(k.queueAdvice, flows),
      /** Both tables at their advised sizes: its memory counts both. Null when the global action is unknown. */
      memory_bytes: k.recommended?.memory_bytes ?? null,
      config_index: k.recommended?.config_index ?? null,
    },
    /** Standard errors of the configured shares with each flow one draw (analyze/noise.ts); margins are per comparison, above. */
    noise: {
      method: 'flow-clustered binomial',
      confidence: 0.95,
      z: Z_95,
      flows,
      locality_draws: flowDraws(flows, c.resolved),
      locality_standard_error: c.locality === null ? null : standardError({ share: c.locality, draws: flowDraws(flows, c.resolved) }),
      cross_cpu_share_draws: flowDraws(flows, c.packets),
      cross_cpu_share_standard_error: c.cross_cpu_share === null ? null : standardError({ share: c.cross_cpu_share, draws: flowDraws(flows, c.packets) }),
    },
    /** What limits locality at the largest size tried, largest first (analyze/limits.ts). */
    limits: k.limit ? { entries: k.limit.row.entries_effective, dominant: k.limit.dominant, all: limits(k.limit.row) } : null,
    /** Lookups by outcome at every global size; the parts sum to lookups. */
    lookup_outcomes: k.global.map((r) => ({
      entries: r.entries_effective,
      lookups: r.lookups,
      ...outcomeParts(r),
      hits_own: r.hits_own,
      hits_aliased: r.hits_aliased,
    })),
    global_sweep: k.global,
    queue_sweep: k.queue,
    /** The configured settings at the trace's own nr_cpu_ids and at each --cpus what-if (empty without them). */
    cpu_whatif: k.cpus,
    /** A multi-queue trace: each RX queue at the configured settings and its own per-queue advice (report/queue-view.ts); null with one queue. */
    queues: k.queues,
  };
}

export function renderReportJson(model: ReportData): string {
  return JSON.stringify(reportJson(model), null, 1) + '\n';
}
