/**
 * The per-RX-queue view (queue-view.ts) as the report shows it: an HTML
 * section with its table, a chart of locality per queue, and the terminal's
 * table. Single-queue traces have no view, and these return nothing.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, type Chart } from './charts.js';
import { escapeHtml, int, pct, pp } from './format.js';
import type { QueueAdvice, QueueRow } from './queue-view.js';
import type { KernelAnalysis, ReportData } from './report-data.js';

/** The kernel whose view the report shows: the primary profile's. */
function viewed(model: ReportData): KernelAnalysis | null {
  const k = model.kernels[0];
  return k?.queues && k.queues.rows.length > 1 ? k : null;
}

/** CPU ids as ranges: 0-3,8. */
export function cpuRanges(cpus: number[]): string {
  if (cpus.length === 0) return 'none';
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(j > i ? `${cpus[i]}-${cpus[j]}` : String(cpus[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** "keep 4,096", "grow to 8,192 (locality 50.1% → 80.5%, margin ±10.84 pp)", "no packets", "unknown". */
export function queueAdviceText(a: QueueAdvice): string {
  if (a.reason === 'no_packets') return 'no packets';
  if (a.action === 'unknown' || a.rps_flow_cnt === null) return 'unknown';
  if (a.action === 'keep') return `keep ${int(a.rps_flow_cnt)}`;
  const v = a.versus;
  const change = v ? ` (locality ${pct(a.locality.configured, 1)} → ${pct(a.locality.advised, 1)}, margin ±${pp(v.locality_margin).slice(1)})` : '';
  return `${a.action} to ${int(a.rps_flow_cnt)}${change}`;
}

const HEAD = ['RX queue', 'RPS CPUs', 'rps_flow_cnt', 'packets', 'flows', 'hit ratio', 'ordering holds', 'slot conflicts', 'locality', 'cross-CPU'];

function cells(r: QueueRow, withAgreement: boolean): string[] {
  return [
    r.queue,
    cpuRanges(r.rps_cpus),
    int(r.rps_flow_cnt),
    `${int(r.packets)} (${pct(r.packet_share, 1)})`,
    int(r.flows),
    pct(r.hit_ratio),
    `${int(r.ooo_holds)} (${pct(r.ooo_hold_share)})`,
    `${int(r.slot_conflicts)} (${pct(r.slot_conflict_rate)})`,
    pct(r.locality),
    pct(r.cross_cpu_share),
    ...(withAgreement ? [pct(r.agreement)] : []),
    queueAdviceText(r.advice),
  ];
}

export function queueSectionHtml(model: ReportData): string {
  const k = viewed(model);
  if (!k?.queues) return '';
  const view = k.queues;
  const withAgreement = model.has_deliver && k.configured.kernel_ran;
  const head = [...HEAD, ...(withAgreement ? ['agreement'] : []), 'advice per queue'];
  const body = view.rows
    .map(
      (r) =>
        `<tr>${cells(r, withAgreement)
          .map((x, i) => (i === 0 ? `<th scope="row">${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`))
          .join('')}</tr>`,
    )
    .join('\n');
  const at = view.rows[0]?.advice.global_entries;
  const changes =
    view.queue_changes_waiting > 0
      ? `<p class="finding">${escapeHtml(int(view.queue_changes_waiting))} times a flow's packet arrived on another queue while earlier packets of the flow still waited for its next socket call; those waiting packets count under the later queue, so per-queue locality is approximate by that much.</p>`
      : '';
  return `<section id="queues"><h2>Per RX queue</h2>
<p>Each RX queue at the configured settings (kernel profile ${escapeHtml(k.kernel)}): its share of the packets; how often their global-table lookup hit; ordering holds (the per-queue entry kept a flow on its old CPU until that CPU's backlog passed the flow's last packet), as a share of the queue's packets; slot conflicts (the per-queue entry had last served another flow), as a share of lookups; and locality, the share of packets processed on the CPU where their application next read the flow. The advice per queue judges each queue by its own locality over the per-queue sizes replayed with ${escapeHtml(int(at ?? 0))} global slots (every queue at that size at once), against its configured size, with a noise margin from the queue's own flows.</p>
${changes}
<div class="table-wrap"><table class="verdict compact queues"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div></section>`;
}

const SERIES = ['configured', 'advised global table', 'advised global and per-queue tables'] as const;

/**
 * Locality per queue: at the configured settings; with the global table at
 * its advised size (when that differs); and with the queue's own advised
 * per-queue size too (when that differs).
 */
export function queueLocalityChart(model: ReportData): Chart | null {
  const k = viewed(model);
  if (!k?.queues) return null;
  const rows = k.queues.rows.filter((r) => r.packets > 0);
  if (rows.length < 2) return null;
  const globalChanges = k.globalAdvice.action === 'grow' || k.globalAdvice.action === 'shrink';
  const data = rows.flatMap((r) => {
    const a = r.advice;
    const point = (setting: (typeof SERIES)[number], entries: number, rpsFlowCnt: number, locality: number | null) => ({
      queue: r.queue,
      setting,
      global_entries: entries,
      rps_flow_cnt: rpsFlowCnt,
      locality,
      packets: r.packets,
      advice: queueAdviceText(a),
    });
    const out = [point('configured', k.configured.entries_effective, r.rps_flow_cnt, r.locality)];
    if (globalChanges) out.push(point('advised global table', a.global_entries, a.configured_rps_flow_cnt, a.locality.configured));
    if ((a.action === 'grow' || a.action === 'shrink') && a.rps_flow_cnt !== null)
      out.push(point('advised global and per-queue tables', a.global_entries, a.rps_flow_cnt, a.locality.advised));
    return out;
  });
  const series = SERIES.filter((s) => data.some((d) => d.setting === s));
  const title = 'Locality per RX queue';
  return {
    id: 'queue-locality',
    title,
    caption:
      "Each RX queue's locality (packets processed on the CPU where their application next read the flow) at the configured settings, with the global table at its advised size, and with the queue's own advised per-queue size on top where its advice changes it: a queue well below the others points at its RPS map or its per-queue table, not at the global table they all share.",
    dataName: 'queue_locality',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: title, subtitle: `kernel profile ${k.kernel}; a bar per setting that differs from the configured one` },
      width: Math.min(640, rows.length * (24 * series.length + 16)),
      height: 220,
      config: CONFIG,
      datasets: { queue_locality: data },
      data: { name: 'queue_locality' },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'queue', type: 'nominal', title: 'RX queue', sort: rows.map((r) => r.queue), axis: { labelAngle: -45 } },
        xOffset: { field: 'setting', type: 'nominal', sort: series },
        y: { field: 'locality', type: 'quantitative', title: 'Locality (% of packets)', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: {
          field: 'setting',
          type: 'nominal',
          title: 'setting',
          legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 320 },
          scale: {
            domain: series,
            range: series.map((s) => ({ configured: '#4c78a8', 'advised global table': '#9ecae9', 'advised global and per-queue tables': '#1a9641' })[s]),
          },
        },
        tooltip: [
          { field: 'queue', type: 'nominal', title: 'RX queue' },
          { field: 'setting', type: 'nominal' },
          { field: 'global_entries', type: 'quantitative', title: 'global slots', format: ',' },
          { field: 'rps_flow_cnt', type: 'quantitative', title: 'rps_flow_cnt', format: ',' },
          { field: 'locality', type: 'quantitative', format: '.2%' },
          { field: 'packets', type: 'quantitative', format: ',' },
          { field: 'advice', type: 'nominal' },
        ],
      },
    } as TopLevelSpec,
  };
}

/** The terminal's per-queue table (empty with one queue). */
export function queueTextLines(model: ReportData, table: (header: string[], rows: string[][]) => string[]): string[] {
  const k = viewed(model);
  if (!k?.queues) return [];
  const rows = k.queues.rows.map((r) => [
    r.queue,
    int(r.packets),
    pct(r.hit_ratio),
    int(r.ooo_holds),
    int(r.slot_conflicts),
    pct(r.locality),
    queueAdviceText(r.advice),
  ]);
  return [
    '',
    `  Per RX queue at the configured settings (kernel profile ${k.kernel}; advice judged by each queue's locality):`,
    ...table(['RX queue', 'packets', 'hit ratio', 'ordering holds', 'slot conflicts', 'locality', 'advice per queue'], rows),
  ];
}
