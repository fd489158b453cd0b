/**
 * The report's per-RX-queue view of a multi-queue trace: each queue's
 * packets and how RFS served them at the configured settings (the lanes'
 * per-queue counters, ConfigResult.per_queue), and a per-queue size advice
 * judged, like every advice, by locality (analyze/recommend.ts) on that
 * queue's own packets.
 *
 * The per-queue sweep gives every queue the same size at once, so a queue's
 * advice reads its own packets in a replay where the other queues had that
 * size too. A queue's steering depends only on the global table and its own
 * rps_dev_flow table; the other queues reach it only through the shared
 * backlogs (the ordering guard), which this judgement does not separate.
 */
import { decideSize, type SizeAction, type SizeCandidate, type Versus } from '../analyze/recommend.js';
import type { QueueMetrics } from '../types/metrics.js';
import type { ReplayResult } from '../types/result.js';
import type { AdviceReason, TableAdvice } from './advice.js';
import type { ConfigRow } from './report-data.js';

export interface QueueAdvice {
  action: SizeAction;
  /** As for the per-queue advice of all queues (advice.ts), or: the queue had no packet to judge by. */
  reason: AdviceReason | 'no_packets';
  /** rps_flow_cnt (effective) to set on this queue; null when unknown. */
  rps_flow_cnt: number | null;
  /** The global table size the per-queue sweep was replayed at. */
  global_entries: number;
  configured_rps_flow_cnt: number;
  /** The queue's locality with its table as configured, and at the advised (grow, shrink) or best (keep) size. */
  locality: { configured: number | null; advised: number | null };
  /** The advised (grow, shrink) or best (keep) size against the configured one. */
  versus: Versus | null;
}

export interface QueueRow {
  queue: string;
  /** The RPS map: CPUs, ascending. */
  rps_cpus: number[];
  /** Configured per-queue table size (effective). */
  rps_flow_cnt: number;
  packets: number;
  /** Share of the trace's packets. */
  packet_share: number | null;
  flows: number;
  hit_ratio: number | null;
  ooo_holds: number;
  ooo_hold_share: number | null;
  slot_conflicts: number;
  /** slot_conflicts / lookups. */
  slot_conflict_rate: number | null;
  locality: number | null;
  cross_cpu_share: number | null;
  /** Agreement with the kernel's deliver rows (the configuration the kernel ran only), else null. */
  agreement: number | null;
  advice: QueueAdvice;
}

export interface QueueView {
  rows: QueueRow[];
  /** Packets whose flow changed queue while earlier packets waited (ConfigResult.queue_changes_waiting): 0 = locality per queue exact. */
  queue_changes_waiting: number;
}

/**
 * Per queue of the configured replay `configured`, with each queue's advice
 * over the per-queue sweep `sweep` at the global advice's size. Null for a
 * trace with one queue (no per-queue counters).
 */
export function buildQueueView(result: ReplayResult, configured: ConfigRow, global: TableAdvice, sweep: ConfigRow[], all: TableAdvice): QueueView | null {
  const own = result.configs[configured.config_index];
  const queues = own.per_queue;
  if (!queues) return null;
  const header = result.trace.header.queues;
  // The row every sweep size is compared with: the advised global size, per-queue tables as configured.
  const anchorRow = global.row ?? global.anchor;
  const anchorQueues = result.configs[anchorRow.config_index].per_queue ?? queues;
  const rows = queues.map((q, i): QueueRow => {
    const slots = own.flow_cnt_effective[i] ?? 0;
    return {
      queue: q.queue,
      rps_cpus: own.rps_cpus[i] ?? header[i]?.rps_cpus ?? [],
      rps_flow_cnt: slots,
      packets: q.packets,
      packet_share: configured.packets > 0 ? q.packets / configured.packets : null,
      flows: q.flows,
      hit_ratio: q.hit_ratio,
      ooo_holds: q.ooo_holds,
      ooo_hold_share: q.packets > 0 ? q.ooo_holds / q.packets : null,
      slot_conflicts: q.slot_conflicts,
      slot_conflict_rate: q.lookups > 0 ? q.slot_conflicts / q.lookups : null,
      locality: q.locality,
      cross_cpu_share: q.cross_cpu_share,
      agreement: configured.kernel_ran ? q.agreement : null,
      advice: queueAdvice(i, anchorQueues[i], anchorRow, result, sweep, all),
    };
  });
  return { rows, queue_changes_waiting: own.queue_changes_waiting ?? 0 };
}

function queueCandidate(q: QueueMetrics, size: number): SizeCandidate {
  // 8 bytes per rps_dev_flow entry, as every memory_bytes counts them.
  return {
    size,
    locality: q.locality,
    cross_cpu_share: q.cross_cpu_share,
    memory_bytes: 8 * size,
    resolved: q.packets - q.local_unresolved,
    packets: q.packets,
  };
}

function queueAdvice(i: number, anchor: QueueMetrics, anchorRow: ConfigRow, result: ReplayResult, sweep: ConfigRow[], all: TableAdvice): QueueAdvice {
  const configuredSize = anchorRow.flow_cnt_all[i] ?? 0;
  const base = {
    global_entries: anchorRow.entries_effective,
    configured_rps_flow_cnt: configuredSize,
    locality: { configured: anchor.locality, advised: null },
    versus: null,
  };
  // The reasons that hold for every queue (no socket side, RFS off, no sweep) hold for this one.
  if (all.action === 'unknown' || all.reason === 'rfs_off' || all.reason === 'not_replayed') {
    return { ...base, action: all.action, reason: all.reason, rps_flow_cnt: all.action === 'unknown' ? null : configuredSize };
  }
  if (anchor.packets === 0) return { ...base, action: 'unknown', reason: 'no_packets', rps_flow_cnt: null };
  const candidates = sweep.map((r) => {
    const q = result.configs[r.config_index].per_queue?.[i];
    return q ? queueCandidate(q, r.flow_cnt_all[i] ?? 0) : null;
  });
  const measured = candidates.filter((c): c is SizeCandidate => c !== null);
  const d = decideSize(queueCandidate(anchor, configuredSize), measured, anchor.flows);
  const shown = d.chosen ?? d.best;
  return {
    ...base,
    action: d.action,
    reason: d.reason,
    rps_flow_cnt: d.size,
    locality: { configured: anchor.locality, advised: shown !== null ? measured[shown].locality : null },
    versus: d.versus,
  };
}
