/**
 * The comparison report for several traces (a folder of scenarios): one row
 * per trace with the advice for its global and per-queue tables and the
 * locality there, next to what each trace was configured with; and the one
 * global size for all of them (fleet.ts), with what each trace loses there.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, type Chart } from './charts.js';
import { fleetAnswer, type FleetAnswer, type SweepPoint } from './fleet.js';
import { bytes, escapeHtml, int, pct, pp, shellJoin } from './format.js';
import { comparisonMsg, reportMsg } from '../messages.js';
import { chartsSection, embedCharts, page } from './html.js';
import type { ReportData } from './report-data.js';
import { REPORT_VERSION } from './report-data.js';
import { compare } from '../analyze/recommend.js';
import { candidate } from './advice.js';

export const COMPARISON_SCHEMA = 'rfs-replay/comparison';

export interface ComparisonRow {
  name: string;
  file: string;
  sha256: string;
  /** The trace's own report, relative to the comparison report. */
  report_href: string;
  kernel: string;
  /** The input format detected from the content. */
  format: string;
  packets: number;
  distinct_flows: number;
  active_flows: number;
  configured_entries: number;
  configured_flow_cnt: number;
  configured_locality: number | null;
  configured_hit_ratio: number | null;
  /** grow, shrink, keep or unknown (advice.ts); the sizes are null when unknown. */
  global_action: string;
  recommended_entries: number | null;
  queue_action: string;
  recommended_flow_cnt: number | null;
  /** At both recommended sizes. */
  recommended_locality: number | null;
  recommended_hit_ratio: number | null;
  /** Both tables at their recommended sizes. */
  recommended_memory_bytes: number | null;
  /** The noise margin between the configured and the recommended locality. */
  locality_noise_margin: number | null;
  /** Agreement at the trace's own configuration (the only one the kernel ran). */
  configured_agreement: number | null;
  /** Every global size swept (per-queue tables as configured): what the fleet answer weighs. */
  global_sweep: SweepPoint[];
  notes: string[];
}

export function comparisonRow(model: ReportData, name: string, reportHref: string): ComparisonRow {
  const k = model.kernels[0];
  const t = model.result.trace;
  const rec = k?.recommended ?? null;
  const v = k && rec ? compare(candidate(k.configured, 0), candidate(rec, 0), model.flows) : null;
  return {
    name,
    file: t.file,
    sha256: t.sha256,
    report_href: reportHref,
    kernel: k?.kernel ?? '',
    format: t.format,
    // A sampled trace counts one flow in N: its totals × N estimate the whole server's (report/sampling.ts).
    packets: t.events.packet * (model.sampling?.one_in ?? 1),
    distinct_flows: t.distinct_flows * (model.sampling?.one_in ?? 1),
    active_flows: t.active_flows * (model.sampling?.one_in ?? 1),
    configured_entries: k?.configured.entries_effective ?? 0,
    configured_flow_cnt: k?.configured.flow_cnt_effective ?? 0,
    configured_locality: k?.configured.locality ?? null,
    configured_hit_ratio: k?.configured.hit_ratio ?? null,
    global_action: k?.globalAdvice.action ?? 'unknown',
    recommended_entries: k?.globalAdvice.size ?? null,
    queue_action: k?.queueAdvice.action ?? 'unknown',
    recommended_flow_cnt: k?.queueAdvice.size ?? null,
    recommended_locality: rec?.locality ?? null,
    recommended_hit_ratio: rec?.hit_ratio ?? null,
    recommended_memory_bytes: rec?.memory_bytes ?? null,
    locality_noise_margin: v?.locality_margin ?? null,
    configured_agreement: model.has_deliver ? (k?.configured.agreement ?? null) : null,
    global_sweep: (k?.global ?? []).map((r) => ({ entries: r.entries_effective, locality: r.locality, resolved: r.resolved })),
    notes: model.notes,
  };
}

export interface ComparisonDocument {
  schema: typeof COMPARISON_SCHEMA;
  version: typeof REPORT_VERSION;
  tool: { name: string; version: string };
  command: string[];
  rows: ComparisonRow[];
  /** The one global size for every trace (fleet.ts); null when no trace measures locality. */
  fleet: FleetAnswer | null;
}

export function comparisonDocument(tool: ComparisonDocument['tool'], command: string[], rows: ComparisonRow[]): ComparisonDocument {
  return { schema: COMPARISON_SCHEMA, version: REPORT_VERSION, tool, command, rows, fleet: fleetAnswer(rows) };
}

/** The fleet answer in one sentence, for the terminal and the HTML. */
export function fleetSentence(doc: ComparisonDocument): string {
  const f = doc.fleet;
  if (f === null) return comparisonMsg.noFleet();
  const worst = [...f.traces].sort((a, b) => b.loss - a.loss)[0];
  return comparisonMsg.fleet(
    int(f.entries),
    f.traces.length,
    pct(f.locality),
    f.best_entries === f.entries ? null : { size: int(f.best_entries), loc: pct(f.best_locality), tie: pp(f.tie_tolerance).replace('+', '') },
    worst.loss > 0 ? { name: worst.name, loss: pp(-worst.loss), best: int(worst.best_entries) } : null,
    f.left_out,
  );
}

const SETTINGS = ['configured global', 'recommended global', 'configured per-queue', 'recommended per-queue'];

function sizesChart(rows: ComparisonRow[], fleet: FleetAnswer | null): Chart {
  const data = rows
    .flatMap((r) => [
      { trace: r.name, setting: 'configured global', slots: r.configured_entries || null },
      { trace: r.name, setting: 'recommended global', slots: r.recommended_entries },
      { trace: r.name, setting: 'configured per-queue', slots: r.configured_flow_cnt || null },
      { trace: r.name, setting: 'recommended per-queue', slots: r.recommended_flow_cnt },
    ])
    .filter((d) => d.slots !== null && d.slots > 0);
  const points = {
    mark: { type: 'point', filled: true, size: 110, opacity: 0.9 },
    encoding: {
      // Equal sizes would overprint: each setting gets its own lane within the trace's row.
      yOffset: { field: 'setting', type: 'nominal', sort: SETTINGS },
      y: { field: 'trace', type: 'nominal', title: 'Trace', sort: rows.map((r) => r.name), axis: { labelLimit: 300 } },
      color: {
        field: 'setting',
        type: 'nominal',
        title: 'size',
        scale: { domain: SETTINGS, range: ['#9e9e9e', '#1a9641', '#fdd0a2', '#f28e2b'] },
      },
      tooltip: [{ field: 'trace' }, { field: 'setting' }, { field: 'slots', type: 'quantitative' }],
    },
  };
  // The fleet's one global size, as a line across every trace.
  const rule = fleet ? [{ data: { values: [{ slots: fleet.entries }] }, mark: { type: 'rule', color: '#1a9641', strokeDash: [4, 3] }, encoding: {} }] : [];
  return {
    id: 'sizes-by-trace',
    title: 'Recommended table sizes by trace',
    caption:
      "One row per trace: a green dot right of the grey one means a larger global table raises locality beyond the trace's noise, left of it that a smaller one does, on it that the configured size is kept; the dark orange dot is the per-queue size (slots per RX queue) advised for the same trace at that global size, the light one the per-queue size configured. The dashed line is the one global size for the fleet.",
    dataName: 'sizes',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Recommended table sizes by trace' },
      width: 640,
      height: { step: 30 },
      config: CONFIG,
      datasets: { sizes: data },
      data: { name: 'sizes' },
      encoding: {
        x: {
          field: 'slots',
          type: 'quantitative',
          title: 'Table size (slots, log₂ scale)',
          // Half a power of two of room on each side, so no dot sits on the axis.
          scale: { type: 'log', base: 2, domain: sizeDomain([...data.map((d) => d.slots!), ...(fleet ? [fleet.entries] : [])]), nice: false },
          axis: {
            labelExpr:
              "datum.value >= 1048576 ? format(datum.value / 1048576, 'd') + 'Mi' : datum.value >= 1024 ? format(datum.value / 1024, 'd') + 'Ki' : format(datum.value, 'd')",
          },
        },
      },
      layer: [points, ...rule],
    } as TopLevelSpec,
  };
}

function sizeDomain(sizes: number[]): [number, number] | undefined {
  if (sizes.length === 0) return undefined;
  return [Math.min(...sizes) / Math.SQRT2, Math.max(...sizes) * Math.SQRT2];
}

function localityChart(rows: ComparisonRow[], fleet: FleetAnswer | null): Chart {
  const atFleet = new Map(fleet?.traces.map((t) => [t.name, t.locality_at_fleet_size]) ?? []);
  const data = rows
    .flatMap((r) => [
      { trace: r.name, size: 'configured', locality: r.configured_locality, action: '' },
      { trace: r.name, size: 'recommended', locality: r.recommended_locality, action: `${r.global_action} / ${r.queue_action}` },
      { trace: r.name, size: 'fleet size', locality: atFleet.get(r.name) ?? null, action: fleet ? `global ${fleet.entries}` : '' },
    ])
    .filter((d) => d.locality !== null);
  return {
    id: 'locality-by-trace',
    title: 'Locality at the configured and the recommended sizes',
    caption:
      "For each trace, the grey bar is the locality with the trace's own tables, the green bar the locality at the recommended sizes (the same when the advice is keep): the advice changes a size only where the gap exceeds the trace's noise margin. The blue bar is the locality with the fleet's one global size (per-queue tables as configured).",
    dataName: 'locality',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Locality at the configured and the recommended sizes' },
      width: 640,
      height: { step: 16 },
      config: CONFIG,
      datasets: { locality: data },
      data: { name: 'locality' },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'trace', type: 'nominal', title: 'Trace', sort: rows.map((r) => r.name), axis: { labelLimit: 300 } },
        yOffset: { field: 'size', type: 'nominal', sort: ['configured', 'recommended', 'fleet size'] },
        x: { field: 'locality', type: 'quantitative', title: 'Locality (% of resolved packets)', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: {
          field: 'size',
          type: 'nominal',
          title: 'tables',
          scale: { domain: ['configured', 'recommended', 'fleet size'], range: ['#9e9e9e', '#1a9641', '#2c7bb6'] },
        },
        tooltip: [{ field: 'trace' }, { field: 'size' }, { field: 'action', title: 'advice' }, { field: 'locality', type: 'quantitative', format: '.2%' }],
      },
    } as TopLevelSpec,
  };
}

export function renderComparisonHtml(doc: ComparisonDocument): string {
  const rows = doc.rows;
  const fleet = doc.fleet;
  const atFleet = new Map(fleet?.traces.map((t) => [t.name, t]) ?? []);
  const anyDeliver = rows.some((r) => r.configured_agreement !== null);
  const head = [
    'trace',
    'format',
    'packets',
    'flows (active)',
    'configured global',
    'configured per-queue',
    'locality there',
    'advice: global / per-queue',
    'locality there',
    'noise margin',
    'memory there',
    ...(fleet ? [`locality at ${int(fleet.entries)}`, 'vs its best size'] : []),
    ...(anyDeliver ? ['agreement'] : []),
  ];
  const one = (action: string, size: number | null) => (size === null ? action : `${action} ${int(size)}`);
  const body = rows
    .map((r) => {
      const f = atFleet.get(r.name);
      return (
        `<tr><th scope="row"><a href="${escapeHtml(r.report_href)}">${escapeHtml(r.name)}</a></th>` +
        [
          r.format,
          int(r.packets),
          `${int(r.distinct_flows)} (${int(r.active_flows)})`,
          int(r.configured_entries),
          int(r.configured_flow_cnt),
          pct(r.configured_locality),
          `${one(r.global_action, r.recommended_entries)} / ${one(r.queue_action, r.recommended_flow_cnt)}`,
          pct(r.recommended_locality),
          r.locality_noise_margin === null ? '—' : `±${(r.locality_noise_margin * 100).toFixed(2)} pp`,
          r.recommended_memory_bytes === null ? '—' : bytes(r.recommended_memory_bytes),
          ...(fleet ? [f ? pct(f.locality_at_fleet_size) : '—', f ? comparisonMsg.loss(pp(-f.loss), int(f.best_entries)) : '—'] : []),
          ...(anyDeliver ? [pct(r.configured_agreement)] : []),
        ]
          .map((x) => `<td>${escapeHtml(x)}</td>`)
          .join('') +
        '</tr>'
      );
    })
    .join('\n');
  const notes = groupNotes(rows).map(
    (g) => `<li><b>${escapeHtml(g.traces.length === rows.length && rows.length > 1 ? 'every trace' : g.traces.join(', '))}</b>: ${escapeHtml(g.note)}</li>`,
  );
  const charts = [sizesChart(rows, fleet), localityChart(rows, fleet)];
  const profiles = [...new Set(rows.map((r) => r.kernel))].join(', ');
  const html = [
    `<header><h1>RFS table sizing across ${rows.length} traces</h1><p class="sub">Each trace was replayed once across the same sweep of global and per-queue table sizes (kernel profile ${escapeHtml(profiles)}); follow a trace's name to its own report.</p></header>`,
    `<section id="verdict"><h2>Recommendations</h2>
<p class="fleet"><b>${escapeHtml(comparisonMsg.fleetHeading())}</b> ${escapeHtml(fleetSentence(doc))}</p>
<p class="rule">${escapeHtml(reportMsg.rule())} Per-queue sizes are judged with the global table at its recommended size. An action of unknown means the trace cannot judge the table (see its notes). ${escapeHtml(comparisonMsg.fleetRule())}</p>
<div class="table-wrap"><table class="verdict compact comparison"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div>
${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}</section>`,
    chartsSection(charts),
    `<section id="provenance"><h2>Provenance</h2><table class="kv"><tbody>
${rows.map((r) => `<tr><th scope="row">${escapeHtml(r.file)}</th><td>sha256 <code>${escapeHtml(r.sha256)}</code></td></tr>`).join('\n')}
<tr><th scope="row">Tool</th><td>${escapeHtml(doc.tool.name)} ${escapeHtml(doc.tool.version)}</td></tr>
<tr><th scope="row">Command line</th><td><code>${escapeHtml(shellJoin(doc.command))}</code></td></tr>
</tbody></table></section>`,
  ].join('\n');
  return page(`RFS comparison — ${rows.length} traces`, html, embedCharts(charts));
}

/** The same note for several traces is said once, naming them: seven copies of one sentence hide the notes that matter. */
export function groupNotes(rows: ComparisonRow[]): { note: string; traces: string[] }[] {
  const byNote = new Map<string, string[]>();
  for (const r of rows) for (const n of r.notes) byNote.set(n, [...(byNote.get(n) ?? []), r.name]);
  return [...byNote].map(([note, traces]) => ({ note, traces }));
}

export function renderComparisonJson(doc: ComparisonDocument): string {
  return JSON.stringify(doc, null, 1) + '\n';
}
