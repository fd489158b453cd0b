/**
 * The HTML renderer: one self-contained file that works offline. vega and
 * vega-embed are inlined, chart specs are compiled to Vega in Node, and a
 * Content-Security-Policy forbids every network fetch, so the page cannot
 * make a request even if a library tried to.
 */
import type { ReplayResult } from '../types/result.js';
import { reportCharts, type Chart } from './charts.js';
import { bytes, escapeHtml, int, jsonForScript, pct, shellJoin } from './format.js';
import type { ConfigRow, ReportData } from './report-data.js';
import { adviceText, buildVerdict } from './verdict.js';
import { OUTCOME_PARTS, outcomeParts } from '../analyze/limits.js';
import { compileToVega, runtimeScripts, type VegaSpec } from './vega.js';
import { formatFlows, formatSeconds } from './charts.js';
import { ratio } from '../types/metrics.js';
import { reportMsg } from '../messages.js';
import { KERNEL_PROFILES } from '../model/kernel.js';
import { queueLocalityChart, queueSectionHtml } from './queue-section.js';
import { marked, total } from './sampling.js';

/**
 * No fetch, image, font or frame from anywhere; inline scripts and styles
 * only. 'unsafe-eval' is needed because Vega compiles its expressions with
 * the Function constructor. Downloads are blob: links.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'";

export interface EmbeddedChart {
  id: string;
  dataName: string;
  vega: VegaSpec;
}

/** Compiles charts and checks each one still carries its downloadable dataset. */
export function embedCharts(charts: Chart[]): EmbeddedChart[] {
  return charts.map((c) => {
    const vega = compileToVega(c.spec);
    const data = (vega.data ?? []) as { name: string; values?: unknown }[];
    if (!data.some((d) => d.name === c.dataName && Array.isArray(d.values))) {
      throw new Error(`chart ${c.id}: compiled spec lacks dataset ${c.dataName}`);
    }
    return { id: c.id, dataName: c.dataName, vega };
  });
}

export function renderReportHtml(model: ReportData): string {
  const queueChart = queueLocalityChart(model);
  const charts = [...reportCharts(model), ...(queueChart ? [queueChart] : [])];
  const trace = model.result.trace;
  const body = [
    `<header><h1>RFS table sizing report: ${escapeHtml(trace.file)}</h1>`,
    `<p class="sub">${escapeHtml(int(trace.rows))} rows, ${escapeHtml(total(model.sampling, trace.events.packet))} packets, ${escapeHtml(total(model.sampling, trace.distinct_flows))} distinct flows${model.sampling ? ` (sampled: one flow in ${model.sampling.one_in}, counts ≈ × ${model.sampling.one_in})` : ''} over ${escapeHtml(spanText(model.result))}; replayed by ${escapeHtml(model.result.tool.name)} ${escapeHtml(model.result.tool.version)}.</p></header>`,
    verdictSection(model),
    limitsSection(model),
    kernelSection(model),
    cpuSection(model),
    queueSectionHtml(model),
    chartsSection(charts),
    disagreementSection(model),
    sweepTablesSection(model),
    provenanceSection(model.result, model),
  ].join('\n');
  return page(`RFS report — ${trace.file}`, body, embedCharts(charts));
}

/** The page skeleton shared by the single-trace and comparison reports. */
export function page(title: string, body: string, charts: EmbeddedChart[]): string {
  const rt = runtimeScripts();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rfs-replay">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<script>${rt.vega}</script>
<script>${rt.vegaEmbed}</script>
<script type="application/json" id="rfs-charts">${jsonForScript(charts)}</script>
<script>${BOOTSTRAP}</script>
</body>
</html>
`;
}

function spanText(r: ReplayResult): string {
  const { first_ts, last_ts } = r.trace;
  return first_ts !== null && last_ts !== null ? formatSeconds((last_ts - first_ts) / 1e9) : 'no rows';
}

function verdictSection(model: ReportData): string {
  const v = buildVerdict(model);
  const k = model.kernels[0];
  const cls = (i: number) => (i === v.advised ? ' class="advised"' : '');
  const head = v.columns.map((c, i) => `<th scope="col"${cls(i)}>${escapeHtml(c)}</th>`).join('');
  const rows = v.lines
    .map(
      (l) =>
        `<tr><th scope="row">${escapeHtml(l.label)}<span class="unit">${escapeHtml(l.unit)}</span></th>${l.values.map((x, i) => `<td${cls(i)}>${escapeHtml(x)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const others = model.notes.filter((n) => n !== model.alert);
  const notes = others.length ? `<ul class="notes">${others.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const alert = model.alert ? `<p class="alert" role="alert">${escapeHtml(model.alert)}</p>` : '';
  return `<section id="verdict"><h2>Verdict${k ? ` <span class="tag">kernel profile ${escapeHtml(k.kernel)}, judged by locality</span>` : ''}</h2>
${v.sentences.map((s, i) => `<p class="${i === 0 ? 'headline' : 'rule'}">${escapeHtml(s)}</p>`).join('\n')}
${alert}
<div class="table-wrap"><table class="verdict main-verdict"><thead><tr><th></th>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
${notes}
</section>`;
}

const OUTCOME_HEADINGS: Record<(typeof OUTCOME_PARTS)[number], string> = {
  hits_current: 'hits, hint up to date',
  hits_stale: 'stale hits (app had moved)',
  hits_unresolved: 'hits, flow not used again',
  misses_empty: 'empty-slot misses',
  misses_collision: 'collision misses',
  misses_invalid_cpu: 'invalid-CPU misses',
};

/** Lookups by outcome at every global size: what a bigger table can and cannot fix. */
function limitsSection(model: ReportData): string {
  const k = model.kernels[0];
  if (!k || k.global.length === 0 || k.globalAdvice.reason === 'no_socket_side') return '';
  const cell = (n: number, of: number) => `${total(model.sampling, n)} (${pct(of > 0 ? n / of : null, 1)})`;
  const head = ['global slots', 'lookups', ...OUTCOME_PARTS.map((p) => OUTCOME_HEADINGS[p]), 'own-hint hits', 'aliased hits', 'locality'];
  const body = k.global
    .map((r) => {
      const parts = outcomeParts(r);
      const cells = [
        int(r.entries_effective),
        total(model.sampling, r.lookups),
        ...OUTCOME_PARTS.map((p) => marked(model.sampling, model.result.configs[r.config_index], 'hits', cell(parts[p], r.lookups))),
        marked(model.sampling, model.result.configs[r.config_index], 'hits_own', cell(r.hits_own, r.lookups)),
        marked(model.sampling, model.result.configs[r.config_index], 'hits_aliased', cell(r.hits_aliased, r.lookups)),
        marked(model.sampling, model.result.configs[r.config_index], 'locality', pct(r.locality)),
      ];
      const mark = r.entries_effective === k.configured.entries_effective ? ' class="own"' : '';
      return `<tr${mark}>${cells.map((x, i) => (i === 0 ? `<th scope="row">${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`)).join('')}</tr>`;
    })
    .join('\n');
  return `<section id="limits"><h2>What limits locality</h2>
<p>Every lookup of the global table, by outcome, at each size swept (kernel profile ${escapeHtml(k.kernel)}; counts, and shares of the lookups at that size; the configured size is highlighted). Hits are split by their hint: up to date (it named the CPU the application used next), stale (the application had moved on), or never resolved; own-hint and aliased hits (steered by another flow's hint) cut across them. A bigger table removes collision misses and aliased hits only: stale hints and empty slots stay whatever the size.</p>
<div class="table-wrap"><table class="verdict compact limits"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div></section>`;
}

function kernelSection(model: ReportData): string {
  if (model.kernels.length < 2) return '';
  const rows = model.kernels
    .map((k) => {
      const c = k.configured;
      const occ = k.configuredResult.queue_occupancy;
      const used = occ.reduce((a, q) => a + q.used, 0);
      const slots = occ.reduce((a, q) => a + q.slots, 0);
      const cells = [
        pct(c.hit_ratio),
        `${pct(ratio(c.hits_own, c.lookups))}`,
        `${total(model.sampling, c.hits_aliased)} (${pct(c.alias_rate)})`,
        `${total(model.sampling, c.misses_collision)} (${pct(c.collision_rate)})`,
        `${total(model.sampling, c.hits_stale)} (${pct(c.stale_rate)})`,
        pct(c.locality),
        ...(model.has_deliver ? [pct(c.agreement)] : []),
        slots > 0 ? `${int(used)} / ${int(slots)} (${pct(used / slots, 1)})` : '—',
        adviceText(k),
      ];
      return `<tr><th scope="row">${escapeHtml(k.kernel)}</th>${cells.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const head = [
    'profile',
    'hit ratio',
    'own-hint hits (% of lookups)',
    'aliased hits',
    'collision misses',
    'stale hits',
    'locality',
    ...(model.has_deliver ? ['agreement'] : []),
    'per-queue slots ever used',
    'advice (global / per-queue)',
  ];
  return `<section id="kernels"><h2>Kernel profiles side by side</h2>
<p>The same trace replayed in the same pass by each kernel profile, at the trace's configured sizes (${escapeHtml(int(model.kernels[0].configured.entries_effective))} global slots). Counts are packets; percentages are shares of lookups, except stale hits (share of resolved hits).</p>
${kernelFindings(model)
  .map((f) => `<p class="finding">${escapeHtml(f)}</p>`)
  .join('\n')}
<div class="table-wrap"><table class="verdict compact"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

/**
 * The kernel comparison in words: 3.19's aliased hits against a newer
 * profile's collision misses, and per-queue slot use of hash & mask against hash_32.
 */
export function kernelFindings(model: ReportData): string[] {
  const out: string[] = [];
  const old = model.kernels.find((k) => k.kernel === '3.19');
  const checked = model.kernels.find((k) => k.kernel !== '3.19');
  if (old && checked && old.configured.lookups > 0) {
    out.push(
      `3.19 has no collision detection: it counted ${int(old.configured.hits_aliased)} aliased hits (${pct(old.configured.alias_rate)} of lookups: packets steered to the CPU of another flow that wrote the slot), where ${checked.kernel} detected ${int(checked.configured.misses_collision)} collision misses (${pct(checked.configured.collision_rate)}) and left those packets to plain RPS; 3.19's hit ratio and recommended size count aliased hits as hits, so compare own-hint hits.`,
    );
  }
  const occ = (k: (typeof model.kernels)[number]) => {
    const q = k.configuredResult.queue_occupancy;
    const slots = q.reduce((a, x) => a + x.slots, 0);
    return slots > 0 ? { used: q.reduce((a, x) => a + x.used, 0), slots } : null;
  };
  const masked = model.kernels.find((k) => !KERNEL_PROFILES[k.kernel].hashedQueueSlot);
  const hashed = model.kernels.find((k) => KERNEL_PROFILES[k.kernel].hashedQueueSlot);
  const a = masked && occ(masked);
  const b = hashed && occ(hashed);
  if (masked && hashed && a && b && masked.configuredResult.queue_occupancy.length > 1) {
    out.push(
      `Per-queue slots (${masked.configuredResult.queue_occupancy.length} RX queues): ${masked.kernel}'s slot hash & (rps_flow_cnt − 1) put flows in ${int(a.used)} of ${int(a.slots)} slots (${pct(a.used / a.slots, 1)}), ${hashed.kernel}'s hash_32 slot in ${int(b.used)} (${pct(b.used / b.slots, 1)}).`,
    );
  }
  return out;
}

/** The configured settings at the trace's own nr_cpu_ids and at each --cpus what-if. */
function cpuSection(model: ReportData): string {
  const kernels = model.kernels.filter((k) => k.cpus.length > 1);
  if (kernels.length === 0) return '';
  const several = kernels.length > 1;
  const head = [
    ...(several ? ['profile'] : []),
    'nr_cpu_ids',
    'rps_cpu_mask',
    'hash bits compared',
    'hash bits unchecked',
    'hit ratio',
    'own-hint hits',
    'aliased hits',
    'collision misses',
    'invalid-CPU misses',
    'stale rate',
    'locality',
  ];
  const rows = kernels
    .flatMap((k) =>
      k.cpus.map((r) => {
        const cells = [
          ...(several ? [k.kernel] : []),
          `${int(r.nr_cpu_ids)}${r.trace_own ? ' (trace)' : ''}`,
          `0x${r.cpu_mask.toString(16)} (${r.cpu_bits} bits)`,
          r.entries_effective > 0 ? (r.bits_compared > 0 ? `${r.bits_compared} (bits ${32 - r.bits_compared}–31)` : '0') : '—',
          r.entries_effective > 0 ? String(r.bits_unchecked) : '—',
          pct(r.hit_ratio),
          pct(ratio(r.hits_own, r.lookups)),
          `${int(r.hits_aliased)} (${pct(r.alias_rate)})`,
          `${int(r.misses_collision)} (${pct(r.collision_rate)})`,
          `${int(r.misses_invalid_cpu)} (${pct(ratio(r.misses_invalid_cpu, r.lookups))})`,
          pct(r.stale_rate),
          pct(r.locality),
        ];
        return `<tr${r.trace_own ? ' class="own"' : ''}>${cells.map((x, i) => (i === 0 ? `<th scope="row">${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`)).join('')}</tr>`;
      }),
    )
    .join('\n');
  const k = kernels[0];
  const own = k.cpus.find((r) => r.trace_own);
  const folded = own ? k.cpus.filter((r) => r.nr_cpu_ids < own.nr_cpu_ids).map((r) => r.nr_cpu_ids) : [];
  return `<section id="cpus"><h2>CPU count what-if</h2>
<p>The trace's configured table sizes (${escapeHtml(int(k.configured.entries_effective))} global slots) replayed in the same pass at ${own ? `the trace's own nr_cpu_ids (${escapeHtml(int(own.nr_cpu_ids))}) and at ` : ''}each <code>--cpus</code> count. A slot stores <code>(hash &amp; ~rps_cpu_mask) | cpu</code> with <code>rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) − 1</code>, at index <code>hash &amp; (entries − 1)</code>: the lookup can tell flows sharing a slot apart only by the hash bits above both, and the bits between the index and the mask are never checked. Percentages are shares of lookups (stale rate: of resolved hits; locality: of resolved packets).</p>
${folded.length ? `<p class="rule">${escapeHtml(reportMsg.cpusFolded(folded, own!.nr_cpu_ids))}</p>` : ''}
<div class="table-wrap"><table class="verdict compact cpus"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

export function chartsSection(charts: Chart[]): string {
  const figures = charts
    .map(
      (c) => `<figure id="fig-${escapeHtml(c.id)}">
<div class="chart" id="chart-${escapeHtml(c.id)}" role="img" aria-label="${escapeHtml(c.title)}"></div>
<figcaption><p>${escapeHtml(c.caption)}</p>
<p class="downloads">Data behind this chart: <a data-download="csv" data-chart="${escapeHtml(c.id)}" download="${escapeHtml(c.id)}.csv" href="#">CSV</a> · <a data-download="json" data-chart="${escapeHtml(c.id)}" download="${escapeHtml(c.id)}.json" href="#">JSON</a></p></figcaption>
</figure>`,
    )
    .join('\n');
  return `<section id="charts"><h2>Charts</h2>\n${figures}\n</section>`;
}

/** Why the model put packets elsewhere than the kernel did, from the configured replay's explain pass. */
function disagreementSection(model: ReportData): string {
  if (!model.has_deliver) return '';
  const k = model.kernels[0];
  const d = k?.configuredResult.disagreements;
  const m = k?.configuredResult.metrics;
  // Disagreeing with the kernel means something only for the configuration it ran.
  if (!d || !m || !k.configured.kernel_ran) return '';
  const total = Object.values(d.by_class).reduce((a, b) => a + b, 0);
  const classes = Object.entries(d.by_class)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([c, n]) =>
        `<tr><th scope="row"><code>${escapeHtml(c)}</code></th><td>${escapeHtml(int(n))}</td><td>${escapeHtml(pct(total ? n / total : null, 1))}</td></tr>`,
    )
    .join('\n');
  const examples = d.examples
    .slice(0, 12)
    .map(
      (e) =>
        `<tr><td>${escapeHtml(int(e.line))}</td><td><code>${escapeHtml(e.rxhash)}</code></td><td>${escapeHtml(String(e.model_cpu))}</td><td>${escapeHtml(String(e.kernel_cpu))}</td><td><code>${escapeHtml(e.class)}</code></td></tr>`,
    )
    .join('\n');
  return `<section id="disagreements"><h2>Where the model and the kernel disagree</h2>
<p>At the configured settings (kernel profile ${escapeHtml(k.kernel)}), ${escapeHtml(int(m.deliver_matched - m.agree))} of ${escapeHtml(int(m.deliver_matched))} delivered packets were processed by the kernel on a different CPU than the model chose (${escapeHtml(pct(m.agreement))} agreement). By the model's reason for its choice:</p>
${total ? `<table><thead><tr><th scope="col">model's reason</th><th scope="col">packets</th><th scope="col">share</th></tr></thead><tbody>\n${classes}\n</tbody></table>` : ''}
${examples ? `<details><summary>First disagreeing rows</summary><table><thead><tr><th scope="col">line</th><th scope="col">rxhash</th><th scope="col">model CPU</th><th scope="col">kernel CPU</th><th scope="col">reason</th></tr></thead><tbody>\n${examples}\n</tbody></table></details>` : ''}
</section>`;
}

function sweepTable(rows: ConfigRow[], sizeOf: (r: ConfigRow) => number, sizeHeading: string, withDeliver: boolean): string {
  const head = [
    sizeHeading,
    'memory',
    'hit ratio',
    'collision',
    'alias',
    'stale',
    'locality',
    'cross-CPU',
    'ordering holds',
    'slot conflicts',
    ...(withDeliver ? ['agreement'] : []),
  ];
  const body = rows
    .map((r) =>
      [
        int(sizeOf(r)),
        bytes(r.memory_bytes),
        pct(r.hit_ratio),
        pct(r.collision_rate),
        pct(r.alias_rate),
        pct(r.stale_rate),
        pct(r.locality),
        pct(r.cross_cpu_share),
        int(r.ooo_holds),
        pct(r.slot_conflict_rate),
        ...(withDeliver ? [pct(r.agreement)] : []),
      ]
        .map((x, i) => (i === 0 ? `<th scope="row">${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`))
        .join(''),
    )
    .map((r) => `<tr>${r}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table class="sweep compact"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function sweepTablesSection(model: ReportData): string {
  const parts = model.kernels.map(
    (k) => `<details${k === model.kernels[0] ? ' open' : ''}><summary>All sweep points, kernel profile ${escapeHtml(k.kernel)}</summary>
<h3>Global table sizes (per-queue tables as configured)</h3>
${sweepTable(k.global, (r) => r.entries_effective, 'global slots', model.has_deliver)}
${
  k.queue.length
    ? `<h3>Per-queue table sizes (global table at the advised ${escapeHtml(int(k.queue[0].entries_effective))} slots)</h3>
${sweepTable(k.queue, (r) => r.flow_cnt_effective, 'slots per queue', model.has_deliver)}`
    : ''
}
</details>`,
  );
  return `<section id="sweep"><h2>Sweep in numbers</h2>\n${parts.join('\n')}\n</section>`;
}

export function provenanceSection(r: ReplayResult, model?: ReportData): string {
  const t = r.trace;
  const h = t.header;
  const kv = (k: string, v: string) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`;
  const events = Object.entries(t.events)
    .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(int(v))}`)
    .join(', ');
  const queues = h.queues
    .map((q) => `${escapeHtml(q.name)}: rps_cpus = {${escapeHtml(q.rps_cpus.join(','))}}, rps_flow_cnt = ${escapeHtml(int(q.rps_flow_cnt))}`)
    .join('<br>');
  const skipped = t.skipped.total
    ? `${escapeHtml(int(t.skipped.total))} (${Object.entries(t.skipped.by_reason)
        .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(int(v))}`)
        .join(', ')})${
        t.skipped.examples.length
          ? `<ul>${t.skipped.examples.map((e) => `<li><code>line ${e.line}:${e.column}</code> ${escapeHtml(e.message)}</li>`).join('')}</ul>`
          : ''
      }`
    : '0';
  const configs = model ? model.kernels.map((k) => k.configuredResult) : r.configs.filter((c) => c.role === 'configured');
  const first = configs[0];
  const rows = [
    kv('Trace file', `<code>${escapeHtml(t.file)}</code> (${escapeHtml(t.path)})`),
    kv('Size', `${escapeHtml(int(t.bytes))} bytes (${escapeHtml(bytes(t.bytes))})${t.gzip ? ', gzip-compressed' : ''}`),
    kv('SHA-256', `<code>${escapeHtml(t.sha256)}</code>`),
    kv('Format', escapeHtml(`${t.format} (detected from the content)`)),
    kv('Rows', `${escapeHtml(int(t.rows))}: ${events}`),
    kv('Time span', `${escapeHtml(spanText(r))}${t.time_backwards ? `; ${escapeHtml(int(t.time_backwards))} rows step back in time` : ''}`),
    kv(
      'Flows and sockets',
      `${escapeHtml(int(t.distinct_flows))} distinct flow hashes, ${escapeHtml(int(t.distinct_sockets))} sockets, on average ${escapeHtml(formatFlows(t.active_flows))} flows with socket activity per 100 ms window (the n of the analytic curve)`,
    ),
    kv(
      'Lost or unmatched events',
      `${escapeHtml(int(t.packets_undelivered))} packets without a deliver row, ${escapeHtml(int(t.deliver_unmatched))} deliver rows without a packet row`,
    ),
    kv('Skipped rows', skipped),
    kv(
      'Header',
      `nr_cpu_ids = ${escapeHtml(h.nr_cpu_ids === null ? '(not given)' : String(h.nr_cpu_ids))}, rps_sock_flow_entries = ${escapeHtml(h.rps_sock_flow_entries === null ? '(not given)' : String(h.rps_sock_flow_entries))}, kernel = ${escapeHtml(h.kernel ?? '(not given)')}`,
    ),
    kv(h.implicit_queue ? 'Queues (implicit: no queue= line)' : 'Queues', queues),
    kv('Kernel profile(s) replayed', escapeHtml(configs.map((c) => c.kernel).join(', '))),
    ...(first
      ? [
          kv(
            'Configured replay',
            `${escapeHtml(first.label)}; CPUs used: nr_cpu_ids = ${escapeHtml(String(first.nr_cpu_ids))}; queue heads: ${escapeHtml(first.head_model)}`,
          ),
        ]
      : []),
    ...(first ? [kv('Queue-head model', escapeHtml(headModelNote(first.head_model, t.events.deliver > 0)))] : []),
    ...(model?.kernels.some((k) => k.cpus.length > 1)
      ? [
          kv(
            'CPU-count what-ifs',
            escapeHtml(
              `nr_cpu_ids ${model.kernels[0].cpus.map((c) => c.nr_cpu_ids + (c.trace_own ? ' (trace)' : '')).join(', ')}: the configured sizes replayed at each, per kernel profile`,
            ),
          ),
        ]
      : []),
    kv('Configurations replayed', `${escapeHtml(int(r.configs.length))}, in one pass over the trace`),
    kv('Tool', `${escapeHtml(r.tool.name)} ${escapeHtml(r.tool.version)} (result schema ${escapeHtml(r.schema)} v${escapeHtml(String(r.version))})`),
    kv('Command line', `<code>${escapeHtml(shellJoin(r.command))}</code>`),
  ];
  return `<section id="provenance"><h2>Provenance</h2><table class="kv"><tbody>\n${rows.join('\n')}\n</tbody></table></section>`;
}

/** How queue heads moved in this replay, in words (the --fifo-ns note). */
export function headModelNote(headModel: string, hasDeliver: boolean): string {
  const fifo = /^fifo:(\d+)ns$/.exec(headModel);
  if (fifo) return reportMsg.headsFifo(Number(fifo[1]), hasDeliver);
  if (headModel === 'deliver') return reportMsg.headsDeliver();
  return reportMsg.headsInstant();
}

/**
 * Browser side: embed every chart, mark it rendered (the browser test waits
 * for that), and turn the download links into blob: URLs of the chart's own
 * dataset. The dataset is copied before embedding because Vega annotates the
 * objects it ingests.
 */
const BOOTSTRAP = `
(function () {
  var charts = JSON.parse(document.getElementById('rfs-charts').textContent);
  function toCsv(rows) {
    var cols = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
    function cell(v) {
      if (v === null || v === undefined) return '';
      var s = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    return [cols.join(',')].concat(rows.map(function (r) { return cols.map(function (c) { return cell(r[c]); }).join(','); })).join('\\r\\n') + '\\r\\n';
  }
  var pending = charts.length;
  function done() { if (--pending === 0) document.body.setAttribute('data-charts-rendered', String(charts.length)); }
  if (pending === 0) document.body.setAttribute('data-charts-rendered', '0');
  charts.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    var ds = (c.vega.data || []).filter(function (d) { return d.name === c.dataName; })[0];
    var rows = JSON.parse(JSON.stringify(ds && ds.values ? ds.values : []));
    var links = document.querySelectorAll('a[data-chart="' + c.id + '"]');
    Array.prototype.forEach.call(links, function (a) {
      var csv = a.getAttribute('data-download') === 'csv';
      var blob = new Blob([csv ? toCsv(rows) : JSON.stringify(rows, null, 1)], { type: csv ? 'text/csv' : 'application/json' });
      a.href = URL.createObjectURL(blob);
    });
    vegaEmbed(el, c.vega, { mode: 'vega', renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function () { el.setAttribute('data-rendered', 'true'); done(); })
      .catch(function (e) { el.textContent = 'This chart could not be drawn: ' + e.message; el.setAttribute('data-rendered', 'error'); console.error(e); done(); });
  });
})();
`;

const STYLE = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --line: #d9d9d9; --accent: #1a9641; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fafafa; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0; }
.tag { font-size: 13px; font-weight: normal; color: var(--muted); }
.headline { font-size: 17px; font-weight: 600; margin: 8px 0; }
.rule { color: var(--muted); margin: 4px 0; }
table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th[scope=row] { text-align: left; font-weight: 600; }
thead th { background: #f3f3f3; }
table.main-verdict .advised { background: #eef8ee; }
table.main-verdict td, table.limits td { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
table.compact { font-size: 13px; }
table.compact th, table.compact td { padding: 4px 7px; }
thead th { vertical-align: bottom; }
table.compact th[scope=row] { white-space: nowrap; }
.unit { display: block; font-weight: normal; font-size: 12px; color: var(--muted); }
table.kv td, table.kv th { text-align: left; }
table.kv td { overflow-wrap: anywhere; }
table.sweep { font-size: 13px; }
table.comparison td { white-space: nowrap; }
p.finding { margin: 6px 0; max-width: 900px; }
table.cpus tr.own th, table.cpus tr.own td, table.limits tr.own th, table.limits tr.own td { background: #eef8ee; }
.alert { background: #fdecea; border-left: 4px solid #d7301f; padding: 10px 14px; font-weight: 600; }
.notes { background: #fff8e1; border-left: 4px solid #f0b400; padding: 8px 12px 8px 28px; }
figure { margin: 28px 0; }
figcaption { color: var(--muted); font-size: 14px; max-width: 820px; }
figcaption p { margin: 4px 0; }
.downloads a { color: #2b6cb0; }
.chart { min-height: 120px; }
details summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
code { font-size: 13px; }
`;
