/** The plain-text renderer of a ReplayResult: what `replay` prints. */
import { counted, grouped, summaryMsg } from '../messages.js';
import type { ReplayResult } from '../types/result.js';

function pct(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(2)}%`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderSummary(r: ReplayResult): string {
  const t = r.trace;
  const out: string[] = [];
  const span = t.first_ts !== null && t.last_ts !== null ? ((t.last_ts - t.first_ts) / 1e9).toFixed(3) : '0';
  out.push(
    summaryMsg.trace(
      t.file,
      counted(t.rows, 'row'),
      span,
      counted(t.events.packet, 'packet'),
      counted(t.events.recvmsg + t.events.sendmsg + t.events.accept + t.events.splice, 'socket record'),
      counted(t.distinct_flows, 'flow'),
      t.header.kernel ?? 'unknown',
      t.header.nr_cpu_ids === null ? '?' : String(t.header.nr_cpu_ids),
    ),
  );
  if (t.events.deliver > 0) {
    out.push(
      summaryMsg.kernelDecisions(counted(t.events.deliver, 'deliver row'), counted(t.packets_undelivered, 'packet'), counted(t.deliver_unmatched, 'deliver')),
    );
    const own = r.configs.find((c) => c.role === 'configured')?.metrics;
    out.push(summaryMsg.kernelAchieved(pct(t.kernel_locality), pct(t.kernel_cross_cpu_share), own ? [pct(own.locality), pct(own.cross_cpu_share)] : null));
  }
  if (t.time_backwards > 0) out.push(summaryMsg.timeBackwards(counted(t.time_backwards, 'row')));
  if (t.skipped.total > 0) {
    const reasons = Object.entries(t.skipped.by_reason)
      .map(([k, v]) => `${k} ${grouped(v)}`)
      .join(', ');
    out.push(summaryMsg.skipped(counted(t.skipped.total, 'bad row'), reasons, t.skipped.examples[0]?.message ?? ''));
  }
  out.push('');
  const head = ['configuration', 'hit ratio', 'collisions', 'aliased', 'stale', 'locality', 'cross-CPU', 'agreement'];
  const rows = r.configs.map((c) => {
    const m = c.metrics;
    return [
      c.label + (c.role === 'configured' ? ' *' : ''),
      pct(m.hit_ratio),
      pct(m.collision_rate),
      pct(m.alias_rate),
      pct(m.stale_rate),
      pct(m.locality),
      pct(m.cross_cpu_share),
      pct(m.agreement),
    ];
  });
  out.push(table(head, rows));
  out.push('');
  out.push(...summaryMsg.legend());
  if (r.configs.some((c) => c.label.includes('→'))) out.push(summaryMsg.rounded());
  if (r.configs.some((c) => c.entries_effective === 0)) out.push(summaryMsg.rfsOff());
  return out.join('\n');
}
