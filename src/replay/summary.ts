/** The plain-text renderer of a ReplayResult: what `replay` prints. */
import { closedLoopMsg } from '../messages.js';
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
    `${t.file}: ${t.rows.toLocaleString('en-US')} rows over ${span} s — ${t.events.packet.toLocaleString('en-US')} packets, ` +
      `${(t.events.recvmsg + t.events.sendmsg + t.events.accept + t.events.splice).toLocaleString('en-US')} socket records, ` +
      `${t.distinct_flows.toLocaleString('en-US')} flows, kernel ${t.header.kernel ?? 'unknown'}, nr_cpu_ids ${t.header.nr_cpu_ids ?? '?'}`,
  );
  if (t.events.deliver > 0) {
    out.push(
      `kernel decisions: ${t.events.deliver.toLocaleString('en-US')} deliver rows; lost events: ${t.packets_undelivered} packets without deliver, ${t.deliver_unmatched} delivers without packet`,
    );
    const own = r.configs.find((c) => c.role === 'configured')?.metrics;
    out.push(
      `kernel achieved: locality ${pct(t.kernel_locality)}, cross-CPU ${pct(t.kernel_cross_cpu_share)}` +
        (own ? ` (model at the trace's own configuration: ${pct(own.locality)}, ${pct(own.cross_cpu_share)})` : ''),
    );
  }
  if (t.time_backwards > 0) out.push(`time went backwards on ${t.time_backwards} rows (capture reordering; replayed in file order)`);
  if (t.skipped.total > 0) {
    const reasons = Object.entries(t.skipped.by_reason)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(`skipped ${t.skipped.total} bad rows (--lenient): ${reasons}; first: ${t.skipped.examples[0]?.message ?? ''}`);
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
  out.push("* = the trace's own configuration. Ratios: hits/lookups, collision misses/lookups, aliased hits/lookups,");
  out.push("stale hits/resolved hits, packets on the next record event's CPU, packets moved off their arrival CPU,");
  out.push('model CPU = kernel CPU over matched deliver rows. — = no denominator.');
  out.push(...closedLoopSummary(r));
  return out.join('\n');
}

/** The what-ifs replayed with the closed loop: open, closed and range of locality and cross-CPU share, why, and the evidence. */
function closedLoopSummary(r: ReplayResult): string[] {
  const closed = r.configs.filter((c) => c.closed_loop !== null);
  if (closed.length === 0) return [];
  const range = (x: [number, number] | null) => (x ? closedLoopMsg.range(pct(x[0]), pct(x[1])) : '—');
  const rows = closed.map((c) => {
    const l = c.closed_loop!;
    return [
      c.label,
      pct(c.metrics.locality),
      pct(l.locality),
      range(l.locality_range),
      pct(c.metrics.cross_cpu_share),
      pct(l.cross_cpu_share),
      range(l.cross_cpu_share_range),
    ];
  });
  const f = r.trace.follow;
  const evidence =
    f === null
      ? closedLoopMsg.noReference()
      : f.wakeups_elsewhere === 0
        ? closedLoopMsg.noEvidence()
        : closedLoopMsg.evidence(
            count(f.wakeups_elsewhere),
            count(f.followed),
            pct(f.followed / f.wakeups_elsewhere),
            count(f.wakeups_in_place),
            pct(f.wakeups_in_place > 0 ? f.moved / f.wakeups_in_place : null),
            pct(f.rate),
            pct(f.rate_low),
            pct(f.rate_high),
          );
  // Indented, so that only the first table's lines start with a configuration's label.
  const indented = table(closedLoopMsg.summaryColumns(), rows)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return ['', closedLoopMsg.summaryHeading(), indented, '', evidence, closedLoopMsg.whyRange()];
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
