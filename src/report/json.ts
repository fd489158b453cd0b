/**
 * The JSON renderer: the full ReplayResult (the versioned contract) plus the
 * report's analysis of it, so a script can reproduce every number and chart
 * of the HTML without re-running the replay.
 */
import { EXPECTED_COLLISION_FORMULA } from '../analyze/occupancy.js';
import type { KernelAnalysis, ReportModel } from './model.js';
import { verdictSentences } from './verdict.js';

export function reportJson(model: ReportModel) {
  return {
    schema: model.schema,
    version: model.version,
    analysis: {
      verdict: model.kernels[0] ? verdictSentences(model.kernels[0]) : [],
      notes: model.notes,
      recommendation_rule: {
        global: 'smallest global size whose hit_ratio >= hit_ratio at the largest size tried - tolerance',
        queue:
          'smallest per-queue size whose criterion <= its value at the largest size tried + tolerance; criterion: ooo_hold_share (ooo_holds / packets), or slot_conflict_rate (slot_conflicts / lookups) when queue heads are instant',
      },
      expected_collision_formula: `${EXPECTED_COLLISION_FORMULA}, n = trace.active_flows, E = entries_effective`,
      kernels: model.kernels.map(kernelJson),
      rps_baseline: model.baseline,
      arrival_per_cpu: model.arrival_per_cpu,
    },
    /** What each entry of result.configs was replayed for (same order). */
    plan: model.plan,
    result: model.result,
  };
}

function kernelJson(k: KernelAnalysis) {
  const g = k.globalRecommendation;
  const q = k.queueRecommendation;
  return {
    kernel: k.kernel,
    configured: k.configured,
    recommendation: {
      global: g && {
        entries: g.size,
        hit_ratio: g.value,
        memory_bytes: g.row.memory_bytes,
        config_index: g.row.config_index,
        reference: { entries: g.reference.size, hit_ratio: g.reference.value },
        tolerance: g.tolerance,
      },
      queue: q && {
        rps_flow_cnt: q.size,
        criterion: q.criterion,
        value: q.value,
        memory_bytes: q.row.memory_bytes,
        config_index: q.row.config_index,
        reference: { rps_flow_cnt: q.reference.size, value: q.reference.value },
        tolerance: q.tolerance,
      },
    },
    global_sweep: k.global,
    queue_sweep: k.queue,
    /** The configured settings at the trace's own nr_cpu_ids and at each --cpus what-if (empty without them). */
    cpu_whatif: k.cpus,
  };
}

export function renderReportJson(model: ReportModel): string {
  return JSON.stringify(reportJson(model), null, 1) + '\n';
}
