/**
 * The verdict: the advice in sentences and the table of numbers at the
 * configured and recommended sizes. Built once here so the HTML, text and
 * JSON reports say exactly the same thing.
 */
import { compare } from '../analyze/recommend.js';
import { closedLoopMsg, reportMsg } from '../messages.js';
import type { FollowEvidence } from '../types/result.js';
import { candidate, type TableAdvice } from './advice.js';
import { bytes, int, pct, pp } from './format.js';
import type { ConfigRow, KernelAnalysis, ReportData } from './report-data.js';
import { marked, total } from './sampling.js';

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
  /** Index of the column the advice names: the recommended one, or the configured one when both tables keep (−1: unknown). */
  advised: number;
}

export function buildVerdict(model: ReportData): Verdict {
  const k = model.kernels[0];
  if (!k) return { sentences: [reportMsg.noAdvice()], columns: [], lines: [], advised: -1 };
  const columns = verdictColumns(model, k);
  const conf = k.configured;
  const change = (r: ConfigRow) => {
    if (r === conf) return '—';
    const v = compare(candidate(conf, conf.entries_effective), candidate(r, r.entries_effective), model.flows);
    return v ? `${pp(v.locality_change)} (±${pp(v.locality_margin).slice(1)})` : '—';
  };
  const advised = k.recommended ? columns.findIndex((c) => c.row.config_index === k.recommended!.config_index) : -1;
  // Unknown advice is written in the configured column: it is the only one the reader is not told to change.
  const adviceColumn = advised >= 0 ? advised : 0;
  // Sampled traces: estimates marked ~, counts scaled to the whole server (report/sampling.ts).
  const s = model.sampling;
  const m = (c: VerdictColumn, metric: string, text: string) => marked(s, model.result.configs[c.row.config_index], metric, text);
  const lines: VerdictLine[] = [
    {
      label: 'Advice',
      unit: 'global table / per-queue tables',
      values: columns.map((_, i) => (i === adviceColumn ? `${k.globalAdvice.action} / ${k.queueAdvice.action}` : '')),
    },
    { label: 'Global table', unit: 'slots (rps_sock_flow_entries)', values: columns.map((c) => int(c.row.entries_effective)) },
    { label: 'Per-queue tables', unit: 'slots per RX queue (rps_flow_cnt)', values: columns.map((c) => perQueueSizes(c.row.flow_cnt_all)) },
    { label: 'Table memory', unit: '4 B per global slot + 8 B per queue slot', values: columns.map((c) => bytes(c.row.memory_bytes)) },
    { label: 'Locality', unit: 'packets on the app’s next CPU / resolved packets', values: columns.map((c) => m(c, 'locality', pct(c.row.locality))) },
    { label: 'Locality vs configured', unit: 'change (noise margin)', values: columns.map((c) => change(c.row)) },
    {
      label: 'Cross-CPU share',
      unit: 'packets moved off their arrival CPU / packets',
      values: columns.map((c) => m(c, 'cross_cpu_share', pct(c.row.cross_cpu_share))),
    },
    { label: 'Hit ratio', unit: 'hits / lookups', values: columns.map((c) => m(c, 'hit_ratio', pct(c.row.hit_ratio))) },
    {
      label: 'Stale rate',
      unit: 'hits on a CPU the app had left / resolved hits',
      values: columns.map((c) => m(c, 'stale_rate', pct(c.row.stale_rate))),
    },
    {
      label: 'Empty-slot misses',
      unit: 'lookups on a slot with no hint / lookups',
      values: columns.map((c) => m(c, 'misses_empty', pct(c.row.lookups > 0 ? c.row.misses_empty / c.row.lookups : null))),
    },
    {
      label: 'Collision rate',
      unit: 'misses on another flow’s slot / lookups',
      values: columns.map((c) => m(c, 'collision_rate', pct(c.row.collision_rate))),
    },
    { label: 'Alias rate', unit: 'undetected collisions / lookups', values: columns.map((c) => m(c, 'alias_rate', pct(c.row.alias_rate))) },
    {
      label: 'Ordering holds',
      unit: 'packets kept on the old CPU',
      values: columns.map((c) => `${total(s, c.row.ooo_holds)} (${m(c, 'ooo_holds', pct(c.row.ooo_hold_share))})`),
    },
  ];
  if (model.has_deliver) {
    lines.push({
      label: 'Agreement with the kernel',
      unit: reportMsg.agreementOnlyOwn(),
      values: columns.map((c) => m(c, 'agreement', pct(c.row.agreement))),
    });
  }
  lines.splice(lines.findIndex((l) => l.label === 'Cross-CPU share') + 1, 0, ...closedLoopLines(columns));
  return { sentences: verdictSentences(k, model.flows, model.result.trace.follow), columns: columns.map((c) => c.heading), lines, advised };
}

/** "grow 4,096 / keep 64": each table's action and the size it names. */
export function adviceText(k: KernelAnalysis): string {
  const one = (action: string, size: number | null) => (size === null ? action : `${action} ${int(size)}`);
  return `${one(k.globalAdvice.action, k.globalAdvice.size)} / ${one(k.queueAdvice.action, k.queueAdvice.size)}`;
}

/** Each queue's table size; all equal → "16 × 1,024" rather than sixteen numbers. */
export function perQueueSizes(sizes: number[]): string {
  if (sizes.length > 1 && sizes.every((s) => s === sizes[0])) return `${sizes.length} × ${int(sizes[0])}`;
  return sizes.map(int).join(' / ');
}

function verdictColumns(model: ReportData, k: KernelAnalysis): VerdictColumn[] {
  const conf = k.configured;
  const cols: VerdictColumn[] = [{ heading: 'configured', row: conf }];
  const rec = k.recommended;
  if (rec && rec.config_index !== conf.config_index) cols.push({ heading: 'recommended', row: rec });
  const largest = k.global[k.global.length - 1];
  if (largest && largest.entries_effective !== conf.entries_effective && largest.config_index !== rec?.config_index) {
    cols.push({ heading: 'largest size tried', row: largest });
  }
  if (model.baseline) cols.push({ heading: 'plain RPS (no RFS)', row: model.baseline });
  return cols;
}

/** A share in words: whole percent from 10% up, one decimal below. */
function share(x: number | null): string {
  return x !== null && x >= 0.1 ? pct(x, 0) : pct(x, 1);
}

/** The best row against the anchor, for "the best size tried reaches …"; null when it does not beat the anchor. */
function bestText(a: TableAdvice, sizeOf: (r: ConfigRow) => number) {
  if (!a.best || !a.versus || !(a.versus.locality_change > 0)) return null;
  return { size: int(sizeOf(a.best)), loc: pct(a.best.locality), change: pp(a.versus.locality_change), margin: pp(a.versus.locality_margin).slice(1) };
}

function globalSentence(g: TableAdvice, conf: ConfigRow): string {
  const size = (r: ConfigRow) => r.entries_effective;
  if (g.action === 'unknown') return g.reason === 'no_socket_side' ? reportMsg.globalUnknownNoSocket() : reportMsg.globalUnknownNoLocality();
  if (g.action === 'keep') {
    return conf.entries_effective === 0
      ? reportMsg.globalKeepRfsOff(pct(conf.locality), bestText(g, size))
      : reportMsg.globalKeep(int(conf.entries_effective), pct(conf.locality), bestText(g, size));
  }
  const row = g.row!;
  const v = g.versus!;
  const verb = g.action === 'grow' ? 'Grow' : 'Shrink';
  if (g.reason === 'cross_cpu') {
    return reportMsg.globalChangeCrossCpu(
      verb,
      int(conf.entries_effective),
      int(row.entries_effective),
      pct(conf.locality),
      pct(conf.cross_cpu_share),
      pct(row.cross_cpu_share),
      pp(v.cross_cpu_change),
      pp(v.cross_cpu_margin).slice(1),
    );
  }
  const memory = bytes(Math.abs(row.memory_bytes - conf.memory_bytes));
  if (conf.entries_effective === 0)
    return reportMsg.globalEnable(
      int(row.entries_effective),
      pct(conf.locality),
      pct(row.locality),
      pp(v.locality_change),
      pp(v.locality_margin).slice(1),
      memory,
    );
  return reportMsg.globalChange(
    verb,
    int(conf.entries_effective),
    int(row.entries_effective),
    pct(conf.locality),
    pct(row.locality),
    pp(v.locality_change),
    pp(v.locality_margin).slice(1),
    memory,
  );
}

function queueSentence(q: TableAdvice, g: TableAdvice): string | null {
  const size = (r: ConfigRow) => r.flow_cnt_effective;
  if (q.reason === 'not_replayed') return null;
  if (q.action === 'unknown') return reportMsg.queueUnknown();
  if (q.reason === 'rfs_off') return reportMsg.queueRfsOff();
  const global = int(g.row?.entries_effective ?? q.anchor.entries_effective);
  const anchor = q.anchor;
  if (q.action === 'keep') return reportMsg.queueKeep(global, int(anchor.flow_cnt_effective), bestText(q, size));
  const row = q.row!;
  const v = q.versus!;
  const verb = q.action === 'grow' ? 'Grow' : 'Shrink';
  if (q.reason === 'cross_cpu') {
    return reportMsg.queueChangeCrossCpu(
      verb,
      global,
      int(anchor.flow_cnt_effective),
      int(row.flow_cnt_effective),
      pct(anchor.cross_cpu_share),
      pct(row.cross_cpu_share),
      pp(v.cross_cpu_change),
      pp(v.cross_cpu_margin).slice(1),
    );
  }
  return reportMsg.queueChange(
    verb,
    global,
    int(anchor.flow_cnt_effective),
    int(row.flow_cnt_effective),
    pct(anchor.locality),
    pct(row.locality),
    pp(v.locality_change),
    pp(v.locality_margin).slice(1),
    pct(anchor.ooo_hold_share),
    pct(row.ooo_hold_share),
  );
}

/**
 * At or above this locality the few packets left off their application's CPU
 * are not called a limit: naming a cause for 1% would overstate it.
 */
export const LOCALITY_NOTHING_LIMITS = 0.98;

/** What limits locality at the largest size tried, in words. */
function limitSentence(k: KernelAnalysis): string | null {
  if (!k.limit) return null;
  const { row } = k.limit;
  const dominant = row.locality !== null && row.locality >= LOCALITY_NOTHING_LIMITS ? null : k.limit.dominant;
  const at = int(row.entries_effective);
  const ofLookups = (n: number) => share(row.lookups > 0 ? n / row.lookups : null);
  switch (dominant?.kind) {
    case undefined:
      return row.locality !== null ? reportMsg.limitNone(at, pct(row.locality)) : null;
    case 'migration':
      return reportMsg.limitMigration(at, share(row.stale_rate));
    case 'empty_slots':
      return reportMsg.limitEmpty(at, ofLookups(row.misses_empty));
    case 'table_size':
      return reportMsg.limitTableSize(at, ofLookups(row.misses_collision + row.hits_aliased));
    case 'invalid_cpu':
      return reportMsg.limitInvalidCpu(at, ofLookups(row.misses_invalid_cpu), row.nr_cpu_ids);
  }
}

export function verdictSentences(k: KernelAnalysis, flows: number, follow: FollowEvidence | null = null): string[] {
  const g = k.globalAdvice;
  const conf = k.configured;
  const out = [globalSentence(g, conf)];
  if (g.action !== 'unknown') {
    const largest = k.limit?.row;
    if (
      g.action === 'keep' &&
      largest &&
      conf.hit_ratio !== null &&
      largest.hit_ratio !== null &&
      largest.entries_effective > conf.entries_effective &&
      largest.hit_ratio - conf.hit_ratio > 0.01
    ) {
      out.push(reportMsg.hitsNotLocality(pct(conf.hit_ratio), pct(largest.hit_ratio), int(largest.entries_effective)));
    }
    const limit = limitSentence(k);
    if (limit) out.push(limit);
  }
  const q = queueSentence(k.queueAdvice, g);
  if (q) out.push(q);
  out.push(...rangeSentences(k, flows, follow));
  if (g.action !== 'unknown') out.push(reportMsg.noiseMargin(int(flows)), reportMsg.rule());
  return out;
}

/** The closed loop's lines of the verdict table, when a column has one (a what-if replayed with it). */
function closedLoopLines(columns: VerdictColumn[]): VerdictLine[] {
  if (!columns.some((c) => c.row.closed_loop)) return [];
  const range = (r: [number, number] | null | undefined) => (r ? closedLoopMsg.range(pct(r[0]), pct(r[1])) : '—');
  return [
    {
      label: closedLoopMsg.tableLocalityClosed(),
      unit: closedLoopMsg.tableLocalityClosedUnit(),
      values: columns.map((c) => pct(c.row.closed_loop?.locality ?? null)),
    },
    { label: closedLoopMsg.tableLocalityRange(), unit: closedLoopMsg.tableRangeUnit(), values: columns.map((c) => range(c.row.closed_loop?.locality_range)) },
    {
      label: closedLoopMsg.tableCrossRange(),
      unit: closedLoopMsg.tableRangeUnit(),
      values: columns.map((c) => range(c.row.closed_loop?.cross_cpu_share_range)),
    },
  ];
}

/**
 * With the closed loop: the advised (or best) global size's range, or the
 * size that the open loop alone would have advised but whose range does not
 * clear the noise margin; why a range exists; and the trace's evidence.
 */
function rangeSentences(k: KernelAnalysis, flows: number, follow: FollowEvidence | null): string[] {
  const g = k.globalAdvice;
  if (g.action === 'unknown' || !k.global.some((r) => r.closed_loop)) return [];
  const out: string[] = [];
  const conf = k.configured;
  const versus = (r: ConfigRow) => compare(candidate(conf, conf.entries_effective), candidate(r, r.entries_effective), flows);
  const shown = g.action === 'keep' ? g.best : g.row;
  const v = shown && shown !== conf ? versus(shown) : null;
  const loop = shown?.closed_loop;
  if (shown && v && loop?.locality_range) {
    const [lo, hi] = loop.locality_range;
    out.push(
      closedLoopMsg.verdictRange(
        int(shown.entries_effective),
        pct(shown.locality),
        pct(loop.locality),
        pct(lo),
        pct(hi),
        pp(v.locality_change_range[0]),
        pp(v.locality_change_range[1]),
      ),
    );
  }
  if (g.action === 'keep') {
    // A size the open loop alone would have advised, held back by its range.
    const unsure = k.global.find((r) => {
      const w = r !== conf && r.entries_effective !== conf.entries_effective ? versus(r) : null;
      return w !== null && w.locality_change > w.locality_margin && !(w.locality_change_range[0] > w.locality_margin);
    });
    const w = unsure ? versus(unsure) : null;
    if (unsure && w) out.push(closedLoopMsg.verdictUnsure(int(unsure.entries_effective), pp(w.locality_change_range[0]), pp(w.locality_change_range[1])));
  }
  out.push(closedLoopMsg.whyRange());
  if (follow === null) out.push(closedLoopMsg.noReference());
  else if (follow.wakeups_elsewhere === 0) out.push(closedLoopMsg.noEvidence());
  else
    out.push(
      closedLoopMsg.evidence(
        int(follow.wakeups_elsewhere),
        int(follow.followed),
        pct(follow.followed / follow.wakeups_elsewhere, 1),
        int(follow.wakeups_in_place),
        pct(follow.wakeups_in_place > 0 ? follow.moved / follow.wakeups_in_place : null, 1),
        pct(follow.rate, 1),
        pct(follow.rate_low, 1),
        pct(follow.rate_high, 1),
      ),
    );
  return out;
}
