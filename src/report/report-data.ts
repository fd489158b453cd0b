/**
 * The report's analysis of one ReplayResult: sweep tables, recommendations,
 * the verdict, per-CPU distributions and the time series. Every renderer
 * (HTML, JSON, text) reads this model, and the model reads only the result
 * contract plus the plan that says what each configuration was for.
 */
import { dominantLimit, type Limit } from '../analyze/limits.js';
import { expectedCollisionRate } from '../analyze/occupancy.js';
import { MAX_GLOBAL_ENTRIES, powersOfTwo, type PlannedConfig, type PlanGroup } from '../analyze/sweep.js';
import { ratio } from '../types/metrics.js';
import { isTraceOwnConfig } from '../types/own-config.js';
import { KERNEL_PROFILES } from '../model/kernel.js';
import { reportMsg } from '../messages.js';
import type { ClosedLoopResult, ConfigResult, KernelProfileName, ReplayResult, TimelineBin, TraceSummary } from '../types/result.js';
import { globalAdvice, queueAdvice, recommendedRow, type TableAdvice } from './advice.js';
import { buildQueueView, type QueueView } from './queue-view.js';
import { judgeable, type ReportSampling, reportSampling, samplingNotes } from './sampling.js';

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
  /** Agreement with the kernel's deliver rows: only for the configuration the kernel ran (own-config.ts), else null. */
  agreement: number | null;
  /** True when this is the trace's own configuration: the one the kernel ran. */
  kernel_ran: boolean;
  /** Packets locality is measured over: packets − local_unresolved. */
  resolved: number;
  local: number;
  records: number;
  writes: number;
  writes_avoided: number;
  ooo_holds: number;
  /** ooo_holds / packets. */
  ooo_hold_share: number | null;
  slot_conflicts: number;
  /** slot_conflicts / lookups: how often the per-queue slot had last served another flow. */
  slot_conflict_rate: number | null;
  hits_aliased: number;
  hits_stale: number;
  hits_unresolved: number;
  nr_cpu_ids: number;
  hits: number;
  hits_own: number;
  misses_empty: number;
  misses_collision: number;
  misses_invalid_cpu: number;
  /** A what-if's closed loop and range (replay/closed-loop.ts); null for the configuration the kernel ran, or without. */
  closed_loop: ClosedLoopResult | null;
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
  /** The per-queue sweep, replayed with the global table at the advised size (empty when not replayed). */
  queue: ConfigRow[];
  /** The global table size, judged by locality over the global sweep (advice.ts). */
  globalAdvice: TableAdvice;
  /** The per-queue size, judged by locality over the per-queue sweep at the advised global size. */
  queueAdvice: TableAdvice;
  /** Both tables at their advised sizes (the configured row when both keep); null when the global advice is unknown. */
  recommended: ConfigRow | null;
  /**
   * What limits locality whatever the table size: the lookup outcomes at the
   * largest size tried, where the table is as close to unlimited as the
   * sweep went, and the outcome that spoils the most lookups there.
   */
  limit: { row: GlobalSweepRow; dominant: Limit | null } | null;
  /**
   * With CPU-count what-ifs: the configured settings at the trace's own
   * nr_cpu_ids and at each what-if count, ascending by nr_cpu_ids; empty otherwise.
   */
  cpus: CpuWhatIfRow[];
  /** A multi-queue trace: each RX queue at the configured settings, with its own per-queue advice; null with one queue. */
  queues: QueueView | null;
}

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
  /** Null unless the configured replay is the configuration the kernel ran. */
  agreement: number | null;
}

export interface CpuRow {
  cpu: number;
  series: 'arrival CPU' | 'plain RPS' | 'RFS (configured)' | 'RFS (recommended)';
  packets: number;
}

export interface ReportData {
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
  /** The flows each share's noise margin counts as independent draws (analyze/noise.ts). */
  flows: number;
  /** Things the reader should know about the coverage of this run. */
  notes: string[];
  /** The note to read before anything else (no socket side: no advice), shown apart; it is also the first of `notes`. */
  alert: string | null;
  /** A sampled trace's rule (report/sampling.ts), or null. */
  sampling: ReportSampling | null;
}

/**
 * Time bins shown: the engine keeps 256–512; a chart 640 px wide reads best
 * with about 200, where each bin holds enough lookups for its ratio to mean
 * something. Far below the ~20k points per chart limit either way.
 */
export const MAX_TIMELINE_BINS = 200;

/** Input formats whose socket events print neither sk_rxhash nor the TCP state (docs/format.md, importers). */
export const HASHLESS_FORMATS = new Set(['perf-script', 'ftrace']);

export function buildReportData(result: ReplayResult, plan: PlannedConfig[]): ReportData {
  if (plan.length !== result.configs.length) {
    throw new Error(reportMsg.engineMismatch(plan.length, result.configs.length));
  }
  const indicesOf = (group: PlanGroup, kernel?: KernelProfileName) =>
    plan.flatMap((p, i) => (p.group === group && (kernel === undefined || p.kernel === kernel) ? [i] : []));
  const trace = result.trace;
  const row = (i: number) => configRow(result.configs[i], i, trace);

  const kernelsInOrder = [...new Set(plan.filter((p) => p.group === 'configured').map((p) => p.kernel))];
  const activeFlows = trace.active_flows;
  const flows = trace.distinct_flows;
  const sampling = reportSampling(result);
  // Sampled: the kept flows (1/N of them) use the 1/N of a table's slots whose index has the rule's bits zero.
  const slotsOfKept = (entries: number) => (sampling ? (judgeable(sampling, entries) ? entries / sampling.one_in : 0) : entries);
  const kernels: KernelAnalysis[] = kernelsInOrder.map((kernel) => {
    const configuredIndex = indicesOf('configured', kernel)[0];
    const configured = row(configuredIndex);
    const global = dedupeBySize(
      indicesOf('global-sweep', kernel).map((i): GlobalSweepRow => {
        const r = row(i);
        const slots = slotsOfKept(r.entries_effective);
        return { ...r, expected_collision_rate: slots > 0 || r.entries_effective === 0 ? expectedCollisionRate(activeFlows, slots) : null };
      }),
      (r) => r.entries_effective,
    );
    const queue = dedupeBySize(indicesOf('queue-sweep', kernel).map(row), (r) => r.flow_cnt_effective);
    // Sampled: only sizes where the kept flows' slots are their own are judged (report/sampling.ts).
    const g = globalAdvice(
      configured,
      global.filter((r) => judgeable(sampling, r.entries_effective)),
      flows,
    );
    const q = queueAdvice(g, queue, flows);
    const largest = global[global.length - 1];
    return {
      kernel,
      configured,
      configuredResult: result.configs[configuredIndex],
      global,
      queue,
      globalAdvice: g,
      queueAdvice: q,
      recommended: recommendedRow(g, q),
      limit: largest ? { row: largest, dominant: dominantLimit(largest) } : null,
      cpus: cpuWhatIfRows(result, configuredIndex, indicesOf('cpu-whatif', kernel)),
      queues: buildQueueView(result, configured, g, queue, q),
    };
  });

  const baselineIndex = indicesOf('rps-baseline')[0];
  const baseline = baselineIndex === undefined ? null : row(baselineIndex);
  const arrival_per_cpu = trace.arrival_per_cpu?.length ? [...trace.arrival_per_cpu] : null;
  const primary = kernels[0];
  const has_deliver = trace.events.deliver > 0;

  const model: ReportData = {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    result,
    plan,
    kernels,
    baseline,
    arrival_per_cpu,
    cpu_rows: primary ? cpuRows(result, primary, baseline, arrival_per_cpu) : [],
    timeline: primary ? timelineRows(primary.configuredResult, primary.configured.kernel_ran) : null,
    has_deliver,
    flows,
    notes: [],
    alert: null,
    sampling,
  };
  model.notes = coverageNotes(model);
  if (primary?.globalAdvice.reason === 'no_socket_side') model.alert = model.notes[0];
  return model;
}

export function configRow(c: ConfigResult, index: number, trace: TraceSummary): ConfigRow {
  const m = c.metrics;
  const kernelRan = isTraceOwnConfig(c, trace);
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
    agreement: kernelRan ? m.agreement : null,
    kernel_ran: kernelRan,
    resolved: m.packets - m.local_unresolved,
    local: m.local,
    records: m.records,
    writes: m.writes,
    writes_avoided: m.writes_avoided,
    ooo_holds: m.ooo_holds,
    ooo_hold_share: ratio(m.ooo_holds, m.packets),
    slot_conflicts: m.slot_conflicts,
    slot_conflict_rate: ratio(m.slot_conflicts, m.lookups),
    hits_aliased: m.hits_aliased,
    hits_stale: m.hits_stale,
    hits_unresolved: m.hits_unresolved,
    nr_cpu_ids: c.nr_cpu_ids,
    hits: m.hits,
    hits_own: m.hits_own,
    misses_empty: m.misses_empty,
    misses_collision: m.misses_collision,
    misses_invalid_cpu: m.misses_invalid_cpu,
    closed_loop: c.closed_loop ?? null,
  };
}

/** The configured replay and its CPU-count what-ifs, one row per nr_cpu_ids (the trace's own wins a tie). */
function cpuWhatIfRows(result: ReplayResult, configuredIndex: number, whatIfs: number[]): CpuWhatIfRow[] {
  if (whatIfs.length === 0) return [];
  const rows = [configuredIndex, ...whatIfs].map((i): CpuWhatIfRow => {
    const row = configRow(result.configs[i], i, result.trace);
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

function cpuRows(result: ReplayResult, primary: KernelAnalysis, baseline: ConfigRow | null, arrival: number[] | null): CpuRow[] {
  const rows: CpuRow[] = [];
  const push = (series: CpuRow['series'], perCpu: number[]) => perCpu.forEach((packets, cpu) => rows.push({ cpu, series, packets }));
  if (arrival) push('arrival CPU', arrival);
  if (baseline) push('plain RPS', result.configs[baseline.config_index].metrics.per_cpu);
  push('RFS (configured)', primary.configuredResult.metrics.per_cpu);
  const rec = primary.recommended;
  if (rec && rec.config_index !== primary.configured.config_index) push('RFS (recommended)', result.configs[rec.config_index].metrics.per_cpu);
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

function timelineRows(configured: ConfigResult, kernelRan: boolean): ReportData['timeline'] {
  if (!configured.timeline || configured.timeline.bins.length === 0) return null;
  const merged = mergeBins(configured.timeline.bins, configured.timeline.bin_ns);
  const rows = merged.bins.map(
    (b): TimelineRow => ({
      t_s: b.t / 1e9,
      t_end_s: (b.t + merged.binNs) / 1e9,
      packets: b.packets,
      lookups: b.lookups,
      hit_ratio: ratio(b.hits, b.lookups),
      collision_rate: ratio(b.misses_collision, b.lookups),
      stale_rate: ratio(b.hits_stale, b.hits_resolved),
      deliver_matched: b.deliver_matched,
      agreement: kernelRan ? ratio(b.agree, b.deliver_matched) : null,
    }),
  );
  return { bin_s: merged.binNs / 1e9, rows };
}

export function roundUpPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function coverageNotes(model: ReportData): string[] {
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
  const g = primary.globalAdvice;
  if (g.reason === 'no_socket_side')
    notes.unshift(reportMsg.noSocketSide(primary.configured.records, HASHLESS_FORMATS.has(model.result.trace.format) ? model.result.trace.format : null));
  if (g.reason === 'no_locality') notes.push(reportMsg.noLocality());
  const last = primary.global[primary.global.length - 1];
  const beforeLast = primary.global[primary.global.length - 2];
  if (
    g.action === 'grow' &&
    g.size === largest &&
    beforeLast &&
    last.locality !== null &&
    beforeLast.locality !== null &&
    last.locality > beforeLast.locality
  ) {
    notes.push(reportMsg.recommendationAtEdge(largest));
  }
  if (!model.has_deliver) notes.push(reportMsg.noDeliver());
  notes.push(...samplingNotes(model.sampling, sizes, header));
  if (primary.configuredResult.head_model === 'instant' && primary.queue.length > 0) notes.push(reportMsg.queueHeadsInstant());
  return notes;
}
