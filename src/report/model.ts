/**
 * The report's analysis of one ReplayResult: sweep tables, recommendations,
 * the verdict, per-CPU distributions and the time series. Every renderer
 * (HTML, JSON, text) reads this model, and the model reads only the result
 * contract plus the plan that says what each configuration was for.
 */
import { expectedCollisionRate } from '../analyze/occupancy.js';
import { recommendSize, type Recommendation } from '../analyze/recommend.js';
import { MAX_GLOBAL_ENTRIES, powersOfTwo, type PlannedConfig, type PlanGroup } from '../analyze/sweep.js';
import { ratio } from '../types/metrics.js';
import { KERNEL_PROFILES } from '../model/kernel.js';
import { reportMsg } from '../messages.js';
import type { ConfigResult, KernelProfileName, ReplayResult, TimelineBin } from '../types/result.js';

export const REPORT_SCHEMA = 'rfs-replay/report';
export const REPORT_VERSION = 1;

/** One configuration's numbers, as every table and chart shows them. */
export interface ConfigRow {
  config_index: number;
  label: string;
  kernel: KernelProfileName;
  entries: number;
  entries_effective: number;
  /** Per-queue table size (effective) — the first queue's; `flow_cnt_all` has each queue's. */
  flow_cnt_effective: number;
  flow_cnt_all: number[];
  memory_bytes: number;
  packets: number;
  lookups: number;
  hit_ratio: number | null;
  collision_rate: number | null;
  alias_rate: number | null;
  stale_rate: number | null;
  locality: number | null;
  cross_cpu_share: number | null;
  agreement: number | null;
  ooo_holds: number;
  /** ooo_holds / packets. */
  ooo_hold_share: number | null;
  slot_conflicts: number;
  /** slot_conflicts / lookups: how often the per-queue slot had last served another flow. */
  slot_conflict_rate: number | null;
  hits_aliased: number;
  hits_stale: number;
  nr_cpu_ids: number;
  hits: number;
  hits_own: number;
  misses_empty: number;
  misses_collision: number;
  misses_invalid_cpu: number;
}

/**
 * The configured settings at one nr_cpu_ids (the trace's own or a --cpus
 * what-if). The hash bits a slot keeps follow from the kernel rules:
 * rps_cpu_mask M = roundup_pow_of_two(nr_cpu_ids) - 1 holds the CPU, the slot
 * index is hash & (E - 1), and the lookup compares bits log2(M+1)..31.
 */
export interface CpuWhatIfRow extends ConfigRow {
  /** True for the trace's own nr_cpu_ids (the configured replay itself). */
  trace_own: boolean;
  /** rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1. */
  cpu_mask: number;
  /** log2(M + 1): the low hash bits the stored value gives to the CPU. */
  cpu_bits: number;
  /**
   * Hash bits that tell two flows sharing a slot apart: bits
   * max(log2 E, log2(M+1))..31 (0 for 3.19, which compares nothing).
   */
  bits_compared: number;
  /** Hash bits above the slot index that no lookup checks: max(0, log2(M+1) - log2 E); 32 - log2 E for 3.19. */
  bits_unchecked: number;
}

export interface GlobalSweepRow extends ConfigRow {
  /** Analytic share of active flows without a slot of their own (occupancy.ts). */
  expected_collision_rate: number | null;
}

export interface KernelAnalysis {
  kernel: KernelProfileName;
  configured: ConfigRow;
  configuredResult: ConfigResult;
  global: GlobalSweepRow[];
  queue: ConfigRow[];
  /** Smallest global size with hit ratio within 1 pp of the largest size tried. */
  globalRecommendation: (Recommendation & { row: GlobalSweepRow }) | null;
  /**
   * Smallest per-queue size whose ordering-hold share is within 1 pp of the
   * largest size tried. Ordering holds are the harm a small per-queue table
   * does: a flow sharing a slot with another is kept on that flow's CPU.
   * Slot conflicts themselves are mostly harmless (the slot just switches),
   * so they are shown but not used for the recommendation.
   */
  queueRecommendation: (Recommendation & { row: ConfigRow; criterion: QueueCriterion }) | null;
  /**
   * With CPU-count what-ifs: the configured settings at the trace's own
   * nr_cpu_ids and at each what-if count, ascending by nr_cpu_ids; empty otherwise.
   */
  cpus: CpuWhatIfRow[];
}

/**
 * What the per-queue recommendation minimises. Ordering holds are the real
 * harm, but they need queue heads that lag (deliver rows or --fifo-ns); with
 * heads that follow at once ("instant") the guard never holds a packet, so
 * the share of lookups that find their slot last used by another flow is the
 * best measure left.
 */
export type QueueCriterion = 'ooo_hold_share' | 'slot_conflict_rate';

export interface TimelineRow {
  /** Bin start and end, seconds since the first row. */
  t_s: number;
  t_end_s: number;
  packets: number;
  lookups: number;
  hit_ratio: number | null;
  collision_rate: number | null;
  stale_rate: number | null;
  deliver_matched: number;
  agreement: number | null;
  /** Agreement of plain RPS in the same bin, when its series is available. */
  agreement_rps: number | null;
}

export interface CpuRow {
  cpu: number;
  series: 'arrival CPU' | 'plain RPS' | 'RFS (configured)' | 'RFS (recommended)';
  packets: number;
}

export interface ReportModel {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  result: ReplayResult;
  plan: PlannedConfig[];
  /** Primary kernel first, in the order asked for. */
  kernels: KernelAnalysis[];
  baseline: ConfigRow | null;
  /** Packets per arrival CPU, or null when no configuration measured it. */
  arrival_per_cpu: number[] | null;
  cpu_rows: CpuRow[];
  timeline: { bin_s: number; rows: TimelineRow[] } | null;
  has_deliver: boolean;
  /** Things the reader should know about the coverage of this run. */
  notes: string[];
}

/**
 * Time bins shown: the engine keeps 256–512; a chart 640 px wide reads best
 * with about 200, where each bin holds enough lookups for its ratio to mean
 * something. Far below the ~20k points per chart limit either way.
 */
export const MAX_TIMELINE_BINS = 200;

export function buildReportModel(result: ReplayResult, plan: PlannedConfig[]): ReportModel {
  if (plan.length !== result.configs.length) {
    throw new Error(reportMsg.engineMismatch(plan.length, result.configs.length));
  }
  const indicesOf = (group: PlanGroup, kernel?: KernelProfileName) =>
    plan.flatMap((p, i) => (p.group === group && (kernel === undefined || p.kernel === kernel) ? [i] : []));

  const kernelsInOrder = [...new Set(plan.filter((p) => p.group === 'configured').map((p) => p.kernel))];
  const activeFlows = result.trace.active_flows;
  const kernels: KernelAnalysis[] = kernelsInOrder.map((kernel) => {
    const configuredIndex = indicesOf('configured', kernel)[0];
    const global = dedupeBySize(
      indicesOf('global-sweep', kernel).map((i) => {
        const row = configRow(result.configs[i], i);
        return { ...row, expected_collision_rate: expectedCollisionRate(activeFlows, row.entries_effective) };
      }),
      (r) => r.entries_effective,
    );
    const queue = dedupeBySize(
      indicesOf('queue-sweep', kernel).map((i) => configRow(result.configs[i], i)),
      (r) => r.flow_cnt_effective,
    );
    const g = recommendSize(global.map((r) => ({ size: r.entries_effective, value: r.hit_ratio })), 'higher');
    const criterion: QueueCriterion = result.configs[configuredIndex].head_model === 'instant' ? 'slot_conflict_rate' : 'ooo_hold_share';
    const q = recommendSize(queue.map((r) => ({ size: r.flow_cnt_effective, value: r[criterion] })), 'lower');
    return {
      kernel,
      configured: configRow(result.configs[configuredIndex], configuredIndex),
      configuredResult: result.configs[configuredIndex],
      global,
      queue,
      globalRecommendation: g && { ...g, row: global.find((r) => r.entries_effective === g.size)! },
      queueRecommendation: q && { ...q, criterion, row: queue.find((r) => r.flow_cnt_effective === q.size)! },
      cpus: cpuWhatIfRows(result, configuredIndex, indicesOf('cpu-whatif', kernel)),
    };
  });

  const baselineIndex = indicesOf('rps-baseline')[0];
  const baseline = baselineIndex === undefined ? null : configRow(result.configs[baselineIndex], baselineIndex);
  const arrival_per_cpu = result.trace.arrival_per_cpu?.length ? [...result.trace.arrival_per_cpu] : null;
  const primary = kernels[0];
  const has_deliver = result.trace.events.deliver > 0;

  const model: ReportModel = {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    result,
    plan,
    kernels,
    baseline,
    arrival_per_cpu,
    cpu_rows: primary ? cpuRows(result, primary, baseline, arrival_per_cpu) : [],
    timeline: primary
      ? timelineRows(primary.configuredResult, baselineIndex === undefined ? undefined : result.configs[baselineIndex])
      : null,
    has_deliver,
    notes: [],
  };
  model.notes = coverageNotes(model);
  return model;
}

export function configRow(c: ConfigResult, index: number): ConfigRow {
  const m = c.metrics;
  return {
    config_index: index,
    label: c.label,
    kernel: c.kernel,
    entries: c.rps_sock_flow_entries,
    entries_effective: c.entries_effective,
    flow_cnt_effective: c.flow_cnt_effective[0] ?? 0,
    flow_cnt_all: c.flow_cnt_effective,
    memory_bytes: c.memory_bytes,
    packets: m.packets,
    lookups: m.lookups,
    hit_ratio: m.hit_ratio,
    collision_rate: m.collision_rate,
    alias_rate: m.alias_rate,
    stale_rate: m.stale_rate,
    locality: m.locality,
    cross_cpu_share: m.cross_cpu_share,
    agreement: m.agreement,
    ooo_holds: m.ooo_holds,
    ooo_hold_share: ratio(m.ooo_holds, m.packets),
    slot_conflicts: m.slot_conflicts,
    slot_conflict_rate: ratio(m.slot_conflicts, m.lookups),
    hits_aliased: m.hits_aliased,
    hits_stale: m.hits_stale,
    nr_cpu_ids: c.nr_cpu_ids,
    hits: m.hits,
    hits_own: m.hits_own,
    misses_empty: m.misses_empty,
    misses_collision: m.misses_collision,
    misses_invalid_cpu: m.misses_invalid_cpu,
  };
}

/** The configured replay and its CPU-count what-ifs, one row per nr_cpu_ids (the trace's own wins a tie). */
function cpuWhatIfRows(result: ReplayResult, configuredIndex: number, whatIfs: number[]): CpuWhatIfRow[] {
  if (whatIfs.length === 0) return [];
  const rows = [configuredIndex, ...whatIfs].map((i): CpuWhatIfRow => {
    const row = configRow(result.configs[i], i);
    const cpuSlots = roundUpPowerOfTwo(row.nr_cpu_ids);
    const cpuBits = Math.round(Math.log2(cpuSlots));
    const indexBits = row.entries_effective > 0 ? Math.round(Math.log2(row.entries_effective)) : 0;
    const compares = KERNEL_PROFILES[row.kernel]?.collisionDetection ?? true;
    return {
      ...row,
      trace_own: i === configuredIndex,
      cpu_mask: cpuSlots - 1,
      cpu_bits: cpuBits,
      bits_compared: compares && row.entries_effective > 0 ? 32 - Math.max(cpuBits, indexBits) : 0,
      // 3.19 compares nothing: every bit above the slot index goes unchecked.
      bits_unchecked: row.entries_effective > 0 ? (compares ? Math.max(0, cpuBits - indexBits) : 32 - indexBits) : 0,
    };
  });
  return dedupeBySize(rows, (r) => r.nr_cpu_ids);
}

/** Sizes the user wrote that round up to the same table are one point: keep the first. */
function dedupeBySize<T>(rows: T[], size: (r: T) => number): T[] {
  const seen = new Set<number>();
  return rows.filter((r) => (seen.has(size(r)) ? false : (seen.add(size(r)), true))).sort((a, b) => size(a) - size(b));
}

function cpuRows(
  result: ReplayResult,
  primary: KernelAnalysis,
  baseline: ConfigRow | null,
  arrival: number[] | null,
): CpuRow[] {
  const rows: CpuRow[] = [];
  const push = (series: CpuRow['series'], perCpu: number[]) => perCpu.forEach((packets, cpu) => rows.push({ cpu, series, packets }));
  if (arrival) push('arrival CPU', arrival);
  if (baseline) push('plain RPS', result.configs[baseline.config_index].metrics.per_cpu);
  push('RFS (configured)', primary.configuredResult.metrics.per_cpu);
  const rec = primary.globalRecommendation;
  if (rec && rec.size !== primary.configured.entries_effective) {
    push('RFS (recommended)', result.configs[rec.row.config_index].metrics.per_cpu);
  }
  return rows;
}

/**
 * Merges adjacent bins (sums their counters) until at most MAX_TIMELINE_BINS
 * remain. Summing counters, rather than sampling bins, keeps every ratio
 * exact for the wider bin.
 */
export function mergeBins(bins: TimelineBin[], binNs: number, maxBins = MAX_TIMELINE_BINS): { binNs: number; bins: TimelineBin[] } {
  if (bins.length <= maxBins) return { binNs, bins };
  const factor = Math.ceil(bins.length / maxBins);
  const out: TimelineBin[] = [];
  for (const b of bins) {
    const slot = Math.floor(b.t / (binNs * factor));
    const last = out[out.length - 1];
    if (last && Math.floor(last.t / (binNs * factor)) === slot) {
      last.packets += b.packets;
      last.lookups += b.lookups;
      last.hits += b.hits;
      last.misses_collision += b.misses_collision;
      last.hits_resolved += b.hits_resolved;
      last.hits_stale += b.hits_stale;
      last.deliver_matched += b.deliver_matched;
      last.agree += b.agree;
    } else {
      out.push({ ...b, t: slot * binNs * factor });
    }
  }
  return { binNs: binNs * factor, bins: out };
}

function timelineRows(configured: ConfigResult, baseline: ConfigResult | undefined): ReportModel['timeline'] {
  if (!configured.timeline || configured.timeline.bins.length === 0) return null;
  const merged = mergeBins(configured.timeline.bins, configured.timeline.bin_ns);
  const rpsByStart = new Map<number, TimelineBin>();
  if (baseline?.timeline && baseline.timeline.bin_ns === configured.timeline.bin_ns) {
    for (const b of mergeBins(baseline.timeline.bins, baseline.timeline.bin_ns).bins) rpsByStart.set(b.t, b);
  }
  const rows = merged.bins.map((b): TimelineRow => {
    const rps = rpsByStart.get(b.t);
    return {
      t_s: b.t / 1e9,
      t_end_s: (b.t + merged.binNs) / 1e9,
      packets: b.packets,
      lookups: b.lookups,
      hit_ratio: ratio(b.hits, b.lookups),
      collision_rate: ratio(b.misses_collision, b.lookups),
      stale_rate: ratio(b.hits_stale, b.hits_resolved),
      deliver_matched: b.deliver_matched,
      agreement: ratio(b.agree, b.deliver_matched),
      agreement_rps: rps ? ratio(rps.agree, rps.deliver_matched) : null,
    };
  });
  return { bin_s: merged.binNs / 1e9, rows };
}

export function roundUpPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function coverageNotes(model: ReportModel): string[] {
  const notes: string[] = [];
  const primary = model.kernels[0];
  if (!primary) return notes;
  const sizes = primary.global.map((r) => r.entries_effective);
  const largest = sizes.length ? sizes[sizes.length - 1] : 0;
  const flows = model.result.trace.distinct_flows;
  // "Largest useful size": a slot for every flow the trace ever saw. Beyond
  // 4x that, only rare hash aliasing is left to remove.
  const wanted = Math.min(4 * roundUpPowerOfTwo(Math.max(flows, 1)), MAX_GLOBAL_ENTRIES);
  if (largest > 0 && largest < wanted) {
    notes.push(reportMsg.sweepTooSmall(largest, flows, powersOfTwo(sizes[0], wanted).join(',')));
  }
  const header = primary.configured.entries_effective;
  if (largest > 0 && header * 4 > largest && largest < MAX_GLOBAL_ENTRIES) notes.push(reportMsg.headerBeyondSweep(header, largest));
  const rec = primary.globalRecommendation;
  if (!rec) notes.push(reportMsg.noLookups());
  else if (rec.size === largest && sizes.length > 1) notes.push(reportMsg.recommendationAtEdge(largest));
  if (!model.has_deliver) notes.push(reportMsg.noDeliver());
  if (primary.queueRecommendation?.criterion === 'slot_conflict_rate') notes.push(reportMsg.queueByConflicts());
  return notes;
}
