/**
 * The verdict: the headline sentences and the table of numbers at the
 * configured and recommended sizes. Built once here so the HTML and text
 * reports say exactly the same thing.
 */
import { reportMsg } from '../messages.js';
import { bytes, int, pct } from './format.js';
import type { ConfigRow, KernelAnalysis, ReportModel } from './model.js';

export interface VerdictColumn {
  heading: string;
  row: ConfigRow;
}

export interface VerdictLine {
  label: string;
  /** Unit or denominator, shown after the label. */
  unit: string;
  values: string[];
}

export interface Verdict {
  sentences: string[];
  columns: string[];
  lines: VerdictLine[];
}

export function buildVerdict(model: ReportModel): Verdict {
  const k = model.kernels[0];
  if (!k) return { sentences: [reportMsg.noLookups()], columns: [], lines: [] };
  const columns = verdictColumns(model, k);
  const hasDeliver = model.has_deliver;
  const lines: VerdictLine[] = [
    { label: 'Global table', unit: 'slots (rps_sock_flow_entries)', values: columns.map((c) => int(c.row.entries_effective)) },
    { label: 'Per-queue tables', unit: 'slots per RX queue (rps_flow_cnt)', values: columns.map((c) => perQueueSizes(c.row.flow_cnt_all)) },
    { label: 'Table memory', unit: '4 B per global slot + 8 B per queue slot', values: columns.map((c) => bytes(c.row.memory_bytes)) },
    { label: 'Hit ratio', unit: 'hits / lookups', values: columns.map((c) => pct(c.row.hit_ratio)) },
    { label: 'Collision rate', unit: 'misses on another flow’s slot / lookups', values: columns.map((c) => pct(c.row.collision_rate)) },
    { label: 'Alias rate', unit: 'undetected collisions / lookups', values: columns.map((c) => pct(c.row.alias_rate)) },
    { label: 'Stale rate', unit: 'hits on a CPU the app had left / resolved hits', values: columns.map((c) => pct(c.row.stale_rate)) },
    { label: 'Locality', unit: 'packets on the app’s next CPU / resolved packets', values: columns.map((c) => pct(c.row.locality)) },
    { label: 'Cross-CPU share', unit: 'packets moved off their arrival CPU / packets', values: columns.map((c) => pct(c.row.cross_cpu_share)) },
    { label: 'Ordering holds', unit: 'packets kept on the old CPU', values: columns.map((c) => `${int(c.row.ooo_holds)} (${pct(c.row.ooo_hold_share)})`) },
  ];
  if (hasDeliver) {
    lines.push({ label: 'Agreement with the kernel', unit: 'same CPU as the deliver row / delivered packets (the kernel ran the configured column)', values: columns.map((c) => pct(c.row.agreement)) });
  }
  return { sentences: verdictSentences(k), columns: columns.map((c) => c.heading), lines };
}

/** Each queue's table size; all equal → "16 × 1,024" rather than sixteen numbers. */
export function perQueueSizes(sizes: number[]): string {
  if (sizes.length > 1 && sizes.every((s) => s === sizes[0])) return `${sizes.length} × ${int(sizes[0])}`;
  return sizes.map(int).join(' / ');
}

function verdictColumns(model: ReportModel, k: KernelAnalysis): VerdictColumn[] {
  const cols: VerdictColumn[] = [{ heading: 'configured', row: k.configured }];
  const rec = k.globalRecommendation;
  if (rec) cols.push({ heading: 'recommended', row: rec.row });
  const largest = k.global[k.global.length - 1];
  if (largest && largest !== rec?.row) cols.push({ heading: 'largest size tried', row: largest });
  if (model.baseline) cols.push({ heading: 'plain RPS (no RFS)', row: model.baseline });
  return cols;
}

export function verdictSentences(k: KernelAnalysis): string[] {
  const rec = k.globalRecommendation;
  if (!rec) return [reportMsg.noLookups()];
  const conf = k.configured;
  const out: string[] = [];
  const threshold = rec.reference.value - rec.tolerance;
  if (conf.entries_effective === 0 || conf.hit_ratio === null) {
    out.push(reportMsg.verdictRfsOff(rec.size, pct(rec.value)));
  } else if (conf.hit_ratio < threshold - 1e-9) {
    out.push(reportMsg.verdictTooSmall(conf.entries_effective, pct(conf.hit_ratio), rec.size, pct(rec.value), bytes(Math.max(0, rec.row.memory_bytes - conf.memory_bytes))));
  } else if (conf.entries_effective > rec.size) {
    out.push(reportMsg.verdictTooLarge(conf.entries_effective, rec.size, pct(rec.value), bytes(Math.max(0, conf.memory_bytes - rec.row.memory_bytes))));
  } else {
    out.push(reportMsg.verdictRight(conf.entries_effective, pct(conf.hit_ratio)));
  }
  const q = k.queueRecommendation;
  if (q) {
    out.push(
      q.criterion === 'ooo_hold_share'
        ? reportMsg.verdictQueue(q.size, pct(q.value), conf.flow_cnt_effective)
        : reportMsg.verdictQueueConflicts(q.size, pct(q.value), conf.flow_cnt_effective),
    );
  }
  out.push(reportMsg.verdictRule(rec.tolerance * 100, rec.reference.size, pct(rec.reference.value)));
  return out;
}
