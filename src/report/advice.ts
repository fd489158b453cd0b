/**
 * The report's two pieces of advice per kernel profile, from its rows: the
 * global table size (judged over the global sweep) and then the per-queue
 * size (judged over the per-queue sweep replayed at the advised global
 * size). The rule itself is analyze/recommend.ts; this file picks the rows,
 * and says "unknown" when the trace cannot judge a table at all.
 */
import { hasSocketSide } from '../analyze/limits.js';
import { decideSize, type DecisionReason, type SizeAction, type SizeCandidate, type Versus } from '../analyze/recommend.js';
import type { ConfigRow } from './report-data.js';

export type AdviceReason = DecisionReason | 'no_socket_side' | 'rfs_off' | 'not_replayed';

export interface TableAdvice {
  action: SizeAction;
  reason: AdviceReason;
  /** Effective size to set; null when unknown. */
  size: number | null;
  /** The row at the configured size, that every candidate is compared with. */
  anchor: ConfigRow;
  /** The row at the advised size (the anchor itself for keep); null when unknown. */
  row: ConfigRow | null;
  /** The row with the best locality tried. */
  best: ConfigRow | null;
  /** The advised row (grow, shrink) or the best one (keep) against the anchor. */
  versus: Versus | null;
  tie_tolerance: number | null;
}

export function candidate(r: ConfigRow, size: number): SizeCandidate {
  return {
    size,
    locality: r.locality,
    cross_cpu_share: r.cross_cpu_share,
    closed: r.closed_loop,
    memory_bytes: r.memory_bytes,
    resolved: r.resolved,
    packets: r.packets,
  };
}

function decide(anchor: ConfigRow, rows: ConfigRow[], sizeOf: (r: ConfigRow) => number, flows: number): TableAdvice {
  const d = decideSize(
    candidate(anchor, sizeOf(anchor)),
    rows.map((r) => candidate(r, sizeOf(r))),
    flows,
  );
  const row = d.chosen !== null ? rows[d.chosen] : d.action === 'keep' ? anchor : null;
  return {
    action: d.action,
    reason: d.reason,
    size: d.size,
    anchor,
    row,
    best: d.best !== null ? rows[d.best] : null,
    versus: d.versus,
    tie_tolerance: d.tie_tolerance,
  };
}

function unknown(anchor: ConfigRow, reason: AdviceReason): TableAdvice {
  return { action: 'unknown', reason, size: null, anchor, row: null, best: null, versus: null, tie_tolerance: null };
}

/** The global table: unknown without a socket side (no hint was ever written, so no size can be judged). */
export function globalAdvice(configured: ConfigRow, sweep: ConfigRow[], flows: number): TableAdvice {
  if (!hasSocketSide(sweep.filter((r) => r.entries_effective > 0))) return unknown(configured, 'no_socket_side');
  return decide(configured, sweep, (r) => r.entries_effective, flows);
}

/**
 * The per-queue tables at the advised global size: `sweep` was replayed with
 * the global table at that size, and `anchor` is the row at that global size
 * with the per-queue tables as configured.
 */
export function queueAdvice(global: TableAdvice, sweep: ConfigRow[], flows: number): TableAdvice {
  const anchor = global.row ?? global.anchor;
  if (global.action === 'unknown') return unknown(anchor, global.reason);
  // Per-queue entries are read only after a global-table hit: with RFS off they do nothing.
  if (global.size === 0) return { ...unknown(anchor, 'rfs_off'), action: 'keep', size: anchor.flow_cnt_effective, row: anchor };
  if (sweep.length === 0) return unknown(anchor, 'not_replayed');
  return decide(anchor, sweep, (r) => r.flow_cnt_effective, flows);
}

/**
 * The configuration the reader is told to set, both tables at their advised
 * sizes (so its memory counts both); the configured row when both keep; null
 * when the global advice is unknown.
 */
export function recommendedRow(global: TableAdvice, queue: TableAdvice): ConfigRow | null {
  if (global.action === 'unknown' || !global.row) return null;
  return (queue.action === 'grow' || queue.action === 'shrink') && queue.row ? queue.row : global.row;
}
