/** The plain-text renderer of a ReplayResult: what `replay` prints. */
import { closedLoopMsg, counted, grouped, sampleNoteMsg, summaryMsg } from '../messages.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { ruleBits } from '../types/sampling.js';

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
  out.push(...samplingLines(r));
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
    const v = (name: keyof typeof m) => (m[name] === null ? '' : estimatedMark(r, c, name)) + pct(m[name] as number | null);
    return [
      c.label + (c.role === 'configured' ? ' *' : '') + belowBoundTag(r, c),
      v('hit_ratio'),
      v('collision_rate'),
      v('alias_rate'),
      v('stale_rate'),
      v('locality'),
      v('cross_cpu_share'),
      v('agreement'),
    ];
  });
  out.push(table(head, rows));
  out.push('');
  out.push(...summaryMsg.legend());
  if (r.trace.sampling?.applied === 'trace') out.push(sampleNoteMsg.legend());
  if (r.configs.some((c) => c.label.includes('→'))) out.push(summaryMsg.rounded());
  if (r.configs.some((c) => c.entries_effective === 0)) out.push(summaryMsg.rfsOff());
  out.push(...closedLoopSummary(r));
  return out.join('\n');
}

// ---- Flow sampling (docs/model.md#flow-sampling) ----

/** What the rule means for this result, and which configurations are below its bound. */
function samplingLines(r: ReplayResult): string[] {
  const s = r.trace.sampling;
  if (!s) return [];
  const bits = ruleBits({ shift: s.sample_shift, bits: s.sample_bits });
  const bound = s.exact_from_entries.toLocaleString('en-US');
  const out = [s.applied === 'trace' ? sampleNoteMsg.sampledTrace(bits, s.one_in, bound) : sampleNoteMsg.keptOnly(bits, s.one_in)];
  const below = r.configs.filter((c) => c.sampling && !c.sampling.global_table_exact && c.entries_effective < s.exact_from_entries);
  if (below.length > 0 && s.applied === 'trace')
    out.push(
      sampleNoteMsg.belowBound(
        below.map((c) => c.label),
        bound,
      ),
    );
  return out;
}

/** "~" before a sampled trace's estimated metric. */
function estimatedMark(r: ReplayResult, c: ConfigResult, name: string): string {
  return r.trace.sampling?.applied === 'trace' && c.sampling?.estimated.includes(name) ? '~' : '';
}

function belowBoundTag(r: ReplayResult, c: ConfigResult): string {
  const s = r.trace.sampling;
  return s?.applied === 'trace' && c.entries_effective > 0 && c.entries_effective < s.exact_from_entries ? sampleNoteMsg.belowTag() : '';
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
