/**
 * Vega-Lite specifications for every chart of the report, built from the
 * report model. Each chart carries its own title, axis titles with units and
 * a one-sentence caption; its data lives in named datasets so the HTML can
 * offer the exact rows behind the chart for download.
 */
import type { TopLevelSpec } from 'vega-lite';
import { OUTCOME_PARTS, outcomeParts, type OutcomePart } from '../analyze/limits.js';
import { differenceMargin, flowDraws } from '../analyze/noise.js';
import { EXPECTED_COLLISION_FORMULA } from '../analyze/occupancy.js';
import type { TableAdvice } from './advice.js';
import type { KernelAnalysis, ReportData } from './report-data.js';

export interface Chart {
  /** DOM id and download file stem. */
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
  /** The dataset offered for download (also embedded in the spec under this name). */
  dataName: string;
}

/** Plot width: with a right-hand legend the whole chart stays inside the 1000 px column. */
const WIDTH = 640;
const HEIGHT = 260;

/** Shared look: readable fonts, no chart border, legends on the right. */
export const CONFIG = {
  view: { stroke: null },
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  title: { fontSize: 15, anchor: 'start', offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'right', labelLimit: 260 },
} as const;

/**
 * Vega expression for table-size tick labels: powers of two as 64, 512,
 * 4Ki, 256Ki, 1Mi — exact for every power of two and short enough for 15
 * ticks across the chart.
 */
const SIZE_LABEL_EXPR =
  "datum.value >= 1048576 ? format(datum.value / 1048576, 'd') + 'Mi' : datum.value >= 1024 ? format(datum.value / 1024, 'd') + 'Ki' : format(datum.value, 'd')";

function sizeAxisX(field: string, title: string, values: number[]) {
  return {
    field,
    type: 'quantitative' as const,
    title,
    scale: { type: 'log' as const, base: 2, nice: false, domain: values.length ? [values[0], values[values.length - 1]] : undefined },
    // Up to 14 labels fit; beyond that, label every other power of two (ticks stay).
    axis: { values, labelExpr: SIZE_LABEL_EXPR, grid: true, labelOverlap: values.length > 14 ? ('parity' as const) : false },
  };
}

/**
 * Transforms that turn the columns named by `labels`' keys into rows of
 * (metric, value), each with its label in the field `as`; missing values
 * (null: nothing to divide by) are left out.
 */
function foldLabelled(labels: Record<string, string>, as: string) {
  return [
    { fold: Object.keys(labels), as: ['metric', 'value'] as [string, string] },
    { filter: 'isValid(datum.value)' },
    { calculate: `${JSON.stringify(labels)}[datum.metric]`, as },
  ];
}

/** One row of panels per label of `labels` (in their order, the label in the field `rate`), each with its own y scale. */
function panelPerRate(labels: Record<string, string>) {
  return {
    facet: {
      row: {
        field: 'rate',
        type: 'nominal' as const,
        title: null,
        sort: Object.values(labels),
        header: { labelFontSize: 13, labelAngle: 0, labelAlign: 'left' as const, labelOrient: 'top' as const },
      },
    },
    resolve: { scale: { y: 'independent' as const } },
  };
}

const percentAxis = (title: string, zero = true, domainMax?: number) => ({
  type: 'quantitative' as const,
  title,
  axis: { format: '.0%' },
  scale: { zero, ...(domainMax !== undefined ? { domainMax } : {}) },
});

/**
 * Markers for the configured and the recommended size: a vertical rule each,
 * labelled at the top. Colours are fixed on the marks rather than encoded, so
 * the markers never merge into the colour legend of the lines.
 */
function sizeMarkers(field: string, dataName: string) {
  const MARKER_COLORS = { configured: '#555555', recommended: '#1a9641' } as const;
  return (Object.keys(MARKER_COLORS) as (keyof typeof MARKER_COLORS)[]).flatMap((marker) => [
    {
      data: { name: dataName },
      transform: [{ filter: { field: 'marker', equal: marker } }],
      mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 1.5, color: MARKER_COLORS[marker] },
      encoding: { x: { field, type: 'quantitative' as const } },
    },
    {
      data: { name: dataName },
      transform: [{ filter: { field: 'marker', equal: marker } }],
      mark: {
        type: 'text' as const,
        align: 'left' as const,
        baseline: 'top' as const,
        dx: 4,
        // Two labels on one size must not overprint: the second goes one line lower.
        dy: marker === 'configured' ? 2 : 16,
        fontSize: 11,
        fontWeight: 'bold' as const,
        color: MARKER_COLORS[marker],
      },
      encoding: { x: { field, type: 'quantitative' as const }, y: { value: 0 }, text: { field: 'text', type: 'nominal' as const } },
    },
  ]);
}

function markerRows(configured: number | null, recommended: number | null, what: string) {
  const rows: { marker: string; size: number; text: string }[] = [];
  if (configured !== null && configured > 0) rows.push({ marker: 'configured', size: configured, text: `configured ${configured}` });
  if (recommended !== null) rows.push({ marker: 'recommended', size: recommended, text: `recommended ${recommended} ${what}`.trim() });
  return rows;
}

// ---- global table sweep -------------------------------------------------------

/** The size a chart marks as recommended: only when the advice changes it. */
function advisedSize(a: TableAdvice): number | null {
  return a.action === 'grow' || a.action === 'shrink' ? a.size : null;
}

function markersFor(configured: number, a: TableAdvice) {
  const rows = markerRows(configured, advisedSize(a), '');
  if (a.action === 'keep') for (const r of rows) if (r.marker === 'configured') r.text += ' (keep)';
  return rows;
}

const LOCALITY_LABELS: Record<string, string> = {
  locality: 'locality (% of resolved packets): the objective',
  cross_cpu_share: 'cross-CPU share (% of packets): second',
  hit_ratio: 'hit ratio (% of lookups): explains',
};

export function localityChart(model: ReportData): Chart {
  const k = model.kernels[0];
  const sizes = k.global.map((r) => r.entries_effective);
  const c = k.configured;
  const m =
    c.locality === null
      ? null
      : differenceMargin({ share: c.locality, draws: flowDraws(model.flows, c.resolved) }, { share: c.locality, draws: flowDraws(model.flows, c.resolved) });
  const band =
    c.locality !== null && m !== null
      ? [{ low: Math.max(0, c.locality - m), high: Math.min(1, c.locality + m), text: `configured locality ± noise margin (${(m * 100).toFixed(2)} pp)` }]
      : [];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Locality against global table size',
      subtitle: `kernel profile ${k.kernel}; shaded: the configured size's locality ± the noise margin (${model.flows} flows); bars: each what-if's locality range, threads that stay to threads that follow`,
    },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    datasets: {
      global_sweep: k.global.map((r) => ({
        entries_effective: r.entries_effective,
        locality: r.locality,
        cross_cpu_share: r.cross_cpu_share,
        hit_ratio: r.hit_ratio,
        memory_bytes: r.memory_bytes,
      })),
      markers: markersFor(c.entries_effective, k.globalAdvice),
      noise_band: band,
      // Where threads follow their packets (the closed loop), each what-if's locality is a range.
      locality_ranges: k.global.flatMap((r) =>
        r.closed_loop?.locality_range
          ? [{ entries_effective: r.entries_effective, low: r.closed_loop.locality_range[0], high: r.closed_loop.locality_range[1] }]
          : [],
      ),
    },
    layer: [
      {
        data: { name: 'noise_band' },
        mark: { type: 'rect', color: '#1a9641', opacity: 0.12 },
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, tooltip: [{ field: 'text', type: 'nominal', title: 'band' }] },
      },
      {
        data: { name: 'locality_ranges' },
        mark: { type: 'rule', color: '#1a9641', strokeWidth: 5, opacity: 0.45 },
        encoding: {
          x: sizeAxisX('entries_effective', 'Global table size, rps_sock_flow_entries (slots, log₂ scale; Ki = 1024)', sizes),
          y: { field: 'low', type: 'quantitative' },
          y2: { field: 'high' },
          tooltip: [
            { field: 'entries_effective', type: 'quantitative', title: 'slots' },
            { field: 'low', type: 'quantitative', title: 'locality, lowest (threads stay or follow)', format: '.2%' },
            { field: 'high', type: 'quantitative', title: 'locality, highest', format: '.2%' },
          ],
        },
      },
      {
        data: { name: 'global_sweep' },
        transform: [...foldLabelled(LOCALITY_LABELS, 'series')],
        mark: { type: 'line', point: { size: 40 }, strokeWidth: 2 },
        encoding: {
          x: sizeAxisX('entries_effective', 'Global table size, rps_sock_flow_entries (slots, log₂ scale; Ki = 1024)', sizes),
          y: { field: 'value', ...percentAxis('Share (%; see legend for denominators)') },
          // Same title and domain on both channels: Vega-Lite draws one legend with the dashes in it.
          color: {
            field: 'series',
            type: 'nominal',
            title: 'series',
            scale: { domain: Object.values(LOCALITY_LABELS), range: ['#1a9641', '#f28e2b', '#9e9e9e'] },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
          strokeDash: {
            field: 'series',
            type: 'nominal',
            title: 'series',
            scale: {
              domain: Object.values(LOCALITY_LABELS),
              range: [
                [1, 0],
                [1, 0],
                [5, 3],
              ],
            },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
          tooltip: [
            { field: 'entries_effective', type: 'quantitative', title: 'slots' },
            { field: 'series', type: 'nominal' },
            { field: 'value', type: 'quantitative', format: '.2%' },
            { field: 'memory_bytes', type: 'quantitative', title: 'memory (bytes)', format: ',' },
          ],
        },
      },
      ...sizeMarkers('size', 'markers'),
    ],
  } as TopLevelSpec;
  return {
    id: 'locality-vs-size',
    title: 'Locality against global table size',
    caption:
      "Each point replays the whole trace with a global table of that many slots: a size is worth changing to only where the green locality line leaves the shaded band (the configured size's locality ± the trace's noise margin) upwards, with the whole of its pale green bar (the range from threads that stay where the trace ran them to threads that follow their packets as often as the trace supports), the cross-CPU share decides between sizes of equal locality, and the grey hit ratio shows how many lookups found a hint, which a bigger table raises even where locality does not move.",
    spec,
    dataName: 'global_sweep',
  };
}

const OUTCOME_LABELS: Record<OutcomePart, string> = {
  hits_current: 'hit, hint up to date',
  hits_stale: 'hit, stale hint (the app had moved)',
  hits_unresolved: 'hit, flow not used again',
  misses_empty: 'miss, empty slot (no hint yet, or deleted on close)',
  misses_collision: 'miss, slot holds another flow (collision)',
  misses_invalid_cpu: 'miss, decoded CPU ≥ nr_cpu_ids',
};
const OUTCOME_COLORS: Record<OutcomePart, string> = {
  hits_current: '#1a9641',
  hits_stale: '#f28e2b',
  hits_unresolved: '#a6d96a',
  misses_empty: '#bdbdbd',
  misses_collision: '#d7301f',
  misses_invalid_cpu: '#fdae61',
};
const ALIASED_LABEL = "aliased hits (another flow's hint; part of the hits)";

/** What each lookup found at every global size: the parts of analyze/limits.ts, stacked, with aliased hits as a line. */
export function outcomesBySizeChart(model: ReportData): Chart {
  const k = model.kernels[0];
  const sizes = k.global.map((r) => r.entries_effective);
  const labels = OUTCOME_PARTS.map((p) => OUTCOME_LABELS[p]);
  const rows = k.global
    .flatMap((r) => {
      const parts = outcomeParts(r);
      return OUTCOME_PARTS.map((p) => ({
        entries_effective: r.entries_effective,
        outcome: OUTCOME_LABELS[p],
        lookups: parts[p],
        share: r.lookups > 0 ? parts[p] / r.lookups : null,
        all_lookups: r.lookups,
      }));
    })
    .filter((d) => d.share !== null);
  const aliased = k.global
    .filter((r) => r.lookups > 0)
    .map((r) => ({ entries_effective: r.entries_effective, alias_rate: r.hits_aliased / r.lookups, hits_aliased: r.hits_aliased }));
  const x = {
    field: 'entries_effective',
    type: 'quantitative' as const,
    title: 'Global table size, rps_sock_flow_entries (slots, log₂ scale; Ki = 1024)',
    // Half a power of two of room on each side, so the first and last bars are whole.
    scale: { type: 'log' as const, base: 2, nice: false, domain: sizes.length ? [sizes[0] / Math.SQRT2, sizes[sizes.length - 1] * Math.SQRT2] : undefined },
    axis: { values: sizes, labelExpr: SIZE_LABEL_EXPR, grid: false, labelOverlap: sizes.length > 14 ? ('parity' as const) : false },
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'What each lookup found, against global table size', subtitle: `kernel profile ${k.kernel}; share of lookups at each size`, offset: 34 },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    datasets: { lookup_outcomes_by_size: rows, aliased, markers: markersFor(k.configured.entries_effective, k.globalAdvice) },
    layer: [
      {
        data: { name: 'lookup_outcomes_by_size' },
        transform: [
          { calculate: `indexof(${JSON.stringify(labels)}, datum.outcome)`, as: 'order' },
          { stack: 'share', groupby: ['entries_effective'], sort: [{ field: 'order', order: 'ascending' }], as: ['share_start', 'share_end'] },
        ],
        mark: { type: 'bar', width: Math.max(6, Math.floor((WIDTH / Math.max(sizes.length, 1)) * 0.6)) },
        encoding: {
          x,
          y: { field: 'share_start', type: 'quantitative', title: 'Lookups (% of lookups at this size)', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          y2: { field: 'share_end' },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'lookup outcome',
            scale: { domain: [...labels, ALIASED_LABEL], range: [...OUTCOME_PARTS.map((p) => OUTCOME_COLORS[p]), '#7b3294'] },
            legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 340 },
          },
          tooltip: [
            { field: 'entries_effective', type: 'quantitative', title: 'slots' },
            { field: 'outcome', type: 'nominal' },
            { field: 'lookups', type: 'quantitative', format: ',' },
            { field: 'share', type: 'quantitative', format: '.2%' },
          ],
        },
      },
      {
        data: { name: 'aliased' },
        mark: { type: 'line', strokeDash: [4, 3], strokeWidth: 2, point: { size: 30 } },
        encoding: {
          x: { field: 'entries_effective', type: 'quantitative' },
          y: { field: 'alias_rate', type: 'quantitative' },
          color: { datum: ALIASED_LABEL },
          tooltip: [
            { field: 'entries_effective', type: 'quantitative', title: 'slots' },
            { field: 'hits_aliased', type: 'quantitative', title: 'aliased hits', format: ',' },
            { field: 'alias_rate', type: 'quantitative', title: 'aliased (% of lookups)', format: '.2%' },
          ],
        },
      },
      // Above the bars rather than across them (a rule and label over a stacked bar would hide its colours),
      // in two rows, so a configured and a recommended size on neighbouring bars do not overprint.
      ...(['configured', 'recommended'] as const).map((marker) => ({
        data: { name: 'markers' },
        transform: [{ filter: { field: 'marker', equal: marker } }],
        mark: {
          type: 'text' as const,
          baseline: 'bottom' as const,
          dy: marker === 'configured' ? -4 : -18,
          fontSize: 11,
          fontWeight: 'bold' as const,
          color: marker === 'configured' ? '#555555' : '#1a9641',
        },
        encoding: { x: { field: 'size', type: 'quantitative' as const }, y: { value: 0 }, text: { field: 'text', type: 'nominal' as const } },
      })),
    ],
  } as TopLevelSpec;
  return {
    id: 'lookup-outcomes-vs-size',
    title: 'What each lookup found, against global table size',
    caption:
      "Each bar splits one size's lookups by outcome: a bigger table turns red collision misses into hits, but only hits with an up-to-date hint (green) move packets to their application's CPU, while stale hints (orange, the application had moved) and empty slots (grey, no hint yet or deleted on close) stay whatever the size, and the dashed purple line is the share of hits steered by another flow's hint.",
    spec,
    dataName: 'lookup_outcomes_by_size',
  };
}

const RATE_LABELS: Record<string, string> = {
  collision_rate: 'collision rate (replayed)',
  expected_collision_rate: 'collision rate (analytic, dashed)',
  alias_rate: 'alias rate (undetected collisions)',
  stale_rate: 'stale rate',
};

export function collisionChart(model: ReportData): Chart {
  const k = model.kernels[0];
  const sizes = k.global.map((r) => r.entries_effective);
  const n = formatFlows(model.result.trace.active_flows);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Collisions and stale hints against global table size',
      subtitle: `analytic curve: ${EXPECTED_COLLISION_FORMULA}, n = ${n} active flows (mean per 100 ms window), E = slots`,
    },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    datasets: {
      collision_sweep: k.global.map((r) => ({
        entries_effective: r.entries_effective,
        collision_rate: r.collision_rate,
        expected_collision_rate: r.expected_collision_rate,
        alias_rate: r.alias_rate,
        stale_rate: r.stale_rate,
      })),
      markers: markersFor(k.configured.entries_effective, k.globalAdvice),
    },
    layer: [
      {
        data: { name: 'collision_sweep' },
        transform: [
          ...foldLabelled(RATE_LABELS, 'series'),
          { calculate: "datum.metric === 'expected_collision_rate' ? 'analytic' : 'replayed'", as: 'source' },
        ],
        mark: { type: 'line', point: { size: 36 }, strokeWidth: 2 },
        encoding: {
          x: sizeAxisX('entries_effective', 'Global table size, rps_sock_flow_entries (slots, log₂ scale; Ki = 1024)', sizes),
          y: { field: 'value', ...percentAxis('Rate (%; see caption for denominators)') },
          color: {
            field: 'series',
            type: 'nominal',
            title: 'series',
            scale: { domain: Object.values(RATE_LABELS), range: ['#d7301f', '#fc8d59', '#7b3294', '#2b8cbe'] },
          },
          strokeDash: {
            field: 'source',
            type: 'nominal',
            scale: {
              domain: ['replayed', 'analytic'],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
            // The series names already say which line is analytic.
            legend: null,
          },
          tooltip: [
            { field: 'entries_effective', type: 'quantitative', title: 'slots' },
            { field: 'series', type: 'nominal' },
            { field: 'value', type: 'quantitative', format: '.3%' },
          ],
        },
      },
      ...sizeMarkers('size', 'markers'),
    ],
  } as TopLevelSpec;
  return {
    id: 'collisions-vs-size',
    title: 'Collisions and stale hints against global table size',
    caption: `Lower is better: collision and alias rates are shares of lookups, the stale rate is the share of resolved hits that pointed at a CPU the flow's application had left; the dashed analytic curve ${EXPECTED_COLLISION_FORMULA} is the share of n = ${n} equally busy flows that find no slot of their own, so a replayed curve far above it means a few busy flows collide, far below means collisions fall on quiet flows.`,
    spec,
    dataName: 'collision_sweep',
  };
}

// ---- per-queue table sweep -----------------------------------------------------

const QUEUE_LABELS: Record<string, string> = {
  slot_conflict_rate: 'slot conflict rate (% of lookups)',
  locality: 'locality (% of resolved packets)',
};

export function queueSweepChart(model: ReportData): Chart {
  const k = model.kernels[0];
  const sizes = k.queue.map((r) => r.flow_cnt_effective);
  const globalSize = k.queue[0]?.entries_effective ?? 0;
  const x = sizeAxisX('rps_flow_cnt', 'Per-queue table size, rps_flow_cnt (slots per RX queue, log₂ scale)', sizes);
  const tooltip = [
    { field: 'rps_flow_cnt', type: 'quantitative', title: 'slots per queue' },
    { field: 'ooo_holds', type: 'quantitative', title: 'ordering holds' },
    { field: 'ooo_hold_share', type: 'quantitative', title: 'holds (% of packets)', format: '.3%' },
    { field: 'slot_conflict_rate', type: 'quantitative', title: 'slot conflicts (% of lookups)', format: '.2%' },
    { field: 'locality', type: 'quantitative', format: '.2%' },
  ];
  // Two panels: ordering holds are a few percent at most and would be a flat
  // line on the 0–100% scale of locality and slot conflicts.
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Per-queue flow table size: ordering holds, slot conflicts and locality',
      subtitle: `global table at the advised ${globalSize} slots; kernel profile ${k.kernel}`,
    },
    config: CONFIG,
    datasets: {
      queue_sweep: k.queue.map((r) => ({
        rps_flow_cnt: r.flow_cnt_effective,
        ooo_hold_share: r.ooo_hold_share,
        ooo_holds: r.ooo_holds,
        slot_conflict_rate: r.slot_conflict_rate,
        slot_conflicts: r.slot_conflicts,
        locality: r.locality,
        memory_bytes: r.memory_bytes,
      })),
      markers: markersFor(k.queueAdvice.anchor.flow_cnt_effective, k.queueAdvice),
    },
    vconcat: [
      {
        width: WIDTH,
        height: 180,
        layer: [
          {
            data: { name: 'queue_sweep' },
            transform: [{ filter: 'isValid(datum.ooo_hold_share)' }],
            mark: { type: 'line', point: { size: 36 }, strokeWidth: 2, color: '#7b3294' },
            encoding: { x, y: { field: 'ooo_hold_share', type: 'quantitative', title: 'Ordering holds (% of packets)', axis: { format: '.1%' } }, tooltip },
          },
          ...sizeMarkers('size', 'markers'),
        ],
      },
      {
        width: WIDTH,
        height: 180,
        layer: [
          {
            data: { name: 'queue_sweep' },
            transform: [...foldLabelled(QUEUE_LABELS, 'series')],
            mark: { type: 'line', point: { size: 36 }, strokeWidth: 2 },
            encoding: {
              x,
              y: { field: 'value', ...percentAxis('Share (%)') },
              color: { field: 'series', type: 'nominal', title: 'lower panel', scale: { domain: Object.values(QUEUE_LABELS), range: ['#d7301f', '#1a9641'] } },
              tooltip,
            },
          },
          ...sizeMarkers('size', 'markers'),
        ],
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'queue-sweep',
    title: 'Per-queue flow table size',
    caption:
      'Each point replays the trace with the global table at its advised size and every RX queue given a table of that size: the advice follows locality (lower panel, green) as for the global table, and the top panel counts ordering holds (packets kept on the CPU another flow sharing the entry had queued to, which needs queue heads that lag: deliver rows or --fifo-ns), the harm a small per-queue table does, next to how often entries were shared at all.',
    spec,
    dataName: 'queue_sweep',
  };
}

// ---- where packets were processed ----------------------------------------------

export function perCpuChart(model: ReportData): Chart {
  const series = [...new Set(model.cpu_rows.map((r) => r.series))];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Packets per CPU', subtitle: 'where packets arrived, where plain RPS and where RFS processed them' },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    datasets: { per_cpu: model.cpu_rows },
    data: { name: 'per_cpu' },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'cpu', type: 'ordinal', title: 'CPU id', axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      y: { field: 'packets', type: 'quantitative', title: 'Packets (count)', axis: { format: '~s' } },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'placement',
        sort: series,
        scale: { domain: ['arrival CPU', 'plain RPS', 'RFS (configured)', 'RFS (recommended)'], range: ['#bdbdbd', '#fdae61', '#2b6cb0', '#1a9641'] },
      },
    },
  } as TopLevelSpec;
  return {
    id: 'packets-per-cpu',
    title: 'Packets per CPU',
    caption:
      'For each CPU, the bars compare how many packets arrived there (grey), where plain RPS would process them, and where RFS processed them at the configured (and recommended) size: RFS shifting packets away from the RPS spread shows it following the applications.',
    spec,
    dataName: 'per_cpu',
  };
}

// ---- over time -------------------------------------------------------------------

export function timelineChart(model: ReportData): Chart | null {
  const tl = model.timeline;
  if (!tl) return null;
  const k = model.kernels[0];
  const labels = { hit_ratio: 'hit ratio', stale_rate: 'stale rate', collision_rate: 'collision rate' };
  const x = timeAxis(tl);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Hit ratio and stale rate over time',
      subtitle: `configured size: ${k.configured.entries_effective} slots, kernel profile ${k.kernel}; bins of ${formatSeconds(tl.bin_s)}`,
    },
    config: CONFIG,
    datasets: { timeline: tl.rows },
    data: { name: 'timeline' },
    vconcat: [
      {
        width: WIDTH,
        height: HEIGHT,
        transform: [...foldLabelled(labels, 'series')],
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
        encoding: {
          x,
          y: { field: 'value', ...percentAxis('Rate in the bin (%)', true, 1) },
          color: { field: 'series', type: 'nominal', title: 'series', scale: { domain: Object.values(labels), range: ['#2b6cb0', '#f28e2b', '#d7301f'] } },
          tooltip: [
            { field: 't_s', type: 'quantitative', title: 'bin start (s)', format: '.3f' },
            { field: 'series', type: 'nominal' },
            { field: 'value', type: 'quantitative', format: '.2%' },
            { field: 'lookups', type: 'quantitative' },
          ],
        },
      },
      {
        width: WIDTH,
        height: 80,
        mark: { type: 'rect', color: '#9e9e9e' },
        encoding: {
          x,
          x2: { field: 't_end_s' },
          y: { field: 'lookups', type: 'quantitative', title: 'Lookups (count per bin)', axis: { format: '~s', tickCount: 3 } },
          tooltip: [
            { field: 't_s', type: 'quantitative', title: 'bin start (s)', format: '.3f' },
            { field: 'lookups', type: 'quantitative' },
            { field: 'packets', type: 'quantitative' },
          ],
        },
      },
    ],
  } as TopLevelSpec;
  return {
    id: 'timeline',
    title: 'Hit ratio and stale rate over time',
    caption:
      'Read left to right: dips in the hit ratio mark churn (new flows whose hints are not yet written, or evicted ones), rises in the stale rate mark applications migrating between CPUs; the grey bars below show how many lookups each bin holds, so a swing over a handful of lookups is noise.',
    spec,
    dataName: 'timeline',
  };
}

// ---- agreement with the kernel -------------------------------------------------

export function agreementCharts(model: ReportData): Chart[] {
  if (!model.has_deliver) return [];
  const charts: Chart[] = [];
  // Only the configuration the kernel ran has an agreement (types/own-config.ts): each profile's configured replay, if it is that one.
  const bars = model.kernels
    .map((k) => ({
      configuration: `RFS model, kernel ${k.kernel}, ${k.configured.entries_effective} slots`,
      agreement: k.configured.agreement,
      deliver_matched: model.result.configs[k.configured.config_index].metrics.deliver_matched,
    }))
    .filter((b) => b.agreement !== null);
  if (bars.length === 0) return [];
  charts.push({
    id: 'agreement',
    title: 'Model against kernel: share of packets on the same CPU',
    caption:
      "Each bar is the share of packets with a deliver row that the model processed on the same CPU as the real kernel, at the trace's own configuration (the only one the kernel ran): a faithful model should be close to 100%.",
    dataName: 'agreement',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Model against kernel: share of packets on the same CPU', subtitle: 'packets with a deliver row, configured settings' },
      width: WIDTH,
      height: { step: 28 },
      config: CONFIG,
      datasets: { agreement: bars },
      data: { name: 'agreement' },
      layer: [
        {
          mark: { type: 'bar', color: '#2b6cb0' },
          encoding: {
            y: { field: 'configuration', type: 'nominal', title: 'Replayed configuration', sort: null, axis: { labelLimit: 320 } },
            x: {
              field: 'agreement',
              type: 'quantitative',
              title: 'Agreement with the kernel (% of delivered packets)',
              axis: { format: '.0%' },
              scale: { domain: [0, 1] },
            },
            tooltip: [
              { field: 'configuration', type: 'nominal' },
              { field: 'agreement', type: 'quantitative', format: '.2%' },
              { field: 'deliver_matched', type: 'quantitative', title: 'delivered packets' },
            ],
          },
        },
        {
          // Inside the bar's end, so a 100% bar keeps its label on the chart.
          mark: { type: 'text', align: 'right', dx: -6, fontSize: 12, fontWeight: 'bold', color: 'white' },
          encoding: {
            y: { field: 'configuration', type: 'nominal', sort: null },
            x: { field: 'agreement', type: 'quantitative' },
            text: { field: 'agreement', type: 'quantitative', format: '.1%' },
          },
        },
      ],
    } as TopLevelSpec,
  });
  const tl = model.timeline;
  if (tl?.rows.some((r) => r.agreement !== null)) {
    charts.push({
      id: 'agreement-over-time',
      title: 'Agreement with the kernel over time',
      caption:
        "Each step is the share of the packets delivered in that time bin that the model placed on the kernel's CPU: a sudden drop localises where the model and the kernel diverged (lost events, or behaviour the model does not cover).",
      dataName: 'timeline',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: { text: 'Agreement with the kernel over time', subtitle: `the trace's own configuration; bins of ${formatSeconds(tl.bin_s)}` },
        width: WIDTH,
        height: HEIGHT,
        config: CONFIG,
        datasets: { timeline: tl.rows },
        data: { name: 'timeline' },
        transform: [{ filter: 'isValid(datum.agreement)' }],
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after', color: '#2b6cb0' },
        encoding: {
          x: timeAxis(tl),
          y: { field: 'agreement', ...percentAxis('Agreement in the bin (% of delivered packets)', true, 1) },
          tooltip: [
            { field: 't_s', type: 'quantitative', title: 'bin start (s)', format: '.3f' },
            { field: 'agreement', type: 'quantitative', format: '.2%' },
            { field: 'deliver_matched', type: 'quantitative', title: 'delivered packets' },
          ],
        },
      } as TopLevelSpec,
    });
  }
  return charts;
}

// ---- kernel profiles side by side ----------------------------------------------

export function kernelCharts(model: ReportData): Chart[] {
  const charts: Chart[] = [];
  if (model.kernels.length > 1) {
    const sizes = [...new Set(model.kernels.flatMap((k) => k.global.map((r) => r.entries_effective)))].sort((a, b) => a - b);
    const rows = model.kernels.flatMap((k) =>
      k.global.map((r) => ({
        kernel: k.kernel,
        entries_effective: r.entries_effective,
        hit_ratio: r.hit_ratio,
        alias_rate: r.alias_rate,
        stale_rate: r.stale_rate,
      })),
    );
    const labels = { hit_ratio: 'hit ratio', alias_rate: 'alias rate', stale_rate: 'stale rate' };
    const kernelNames = model.kernels.map((k) => k.kernel);
    charts.push({
      id: 'kernels-vs-size',
      title: 'Kernel profiles: hit, alias and stale rates against global table size',
      caption:
        'One line per kernel profile in each panel: lines that coincide mean the kernel change does not matter for this trace; an alias rate above zero only for 3.19 shows what collision detection (4.0+) prevents, and a lower stale rate for 6.16 shows the delete-on-close effect.',
      dataName: 'kernel_sweep',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: { text: 'Kernel profiles against global table size' },
        config: CONFIG,
        datasets: { kernel_sweep: rows },
        data: { name: 'kernel_sweep' },
        transform: [...foldLabelled(labels, 'rate')],
        ...panelPerRate(labels),
        spec: {
          width: WIDTH,
          height: 170,
          mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 },
          encoding: {
            x: sizeAxisX('entries_effective', 'Global table size (slots, log₂ scale; Ki = 1024)', sizes),
            y: { field: 'value', type: 'quantitative', title: 'Rate (%)', axis: { format: '.2%' }, scale: { zero: false } },
            // Profiles that behave alike draw the same line: dashes keep each one visible.
            // Same title and domain on both channels, so Vega-Lite merges them into one legend.
            color: { field: 'kernel', type: 'nominal', title: 'kernel profile', scale: { domain: kernelNames } },
            strokeDash: {
              field: 'kernel',
              type: 'nominal',
              title: 'kernel profile',
              scale: {
                domain: kernelNames,
                range: [
                  [1, 0],
                  [8, 3],
                  [2, 2],
                  [10, 2, 2, 2],
                  [4, 4],
                ],
              },
            },
            tooltip: [
              { field: 'kernel', type: 'nominal' },
              { field: 'entries_effective', type: 'quantitative', title: 'slots' },
              { field: 'rate', type: 'nominal' },
              { field: 'value', type: 'quantitative', format: '.3%' },
            ],
          },
        },
      } as TopLevelSpec,
    });
  }
  if (model.kernels.length > 1) {
    charts.push(
      lookupOutcomesChart(
        'kernel-outcomes',
        'Kernel profiles: what each lookup found',
        `configured settings (${model.kernels[0].configured.entries_effective} global slots), share of lookups`,
        'Kernel profile',
        model.kernels.map((k) => ({ label: k.kernel, row: k.configured })),
        "One bar per kernel profile at the configured settings: 4.0 and later store the hash's high bits in each slot and count a lookup that finds another flow's bits as a collision miss (red), while 3.19 stores only a CPU, so the same lookups become aliased hits (purple) that steer packets to the CPU of whichever flow wrote the slot last.",
      ),
    );
  }
  const occ = queueOccupancyChart(model);
  if (occ) charts.push(occ);
  return charts;
}

/** Share of lookups by outcome, one horizontal bar per row (kernel profile or nr_cpu_ids). */
export const OUTCOMES = [
  { key: 'hits_own', label: 'hit, own hint', color: '#1a9641' },
  { key: 'hits_aliased', label: "hit, another flow's hint (aliased)", color: '#7b3294' },
  { key: 'misses_collision', label: 'miss, slot holds another flow (collision)', color: '#d7301f' },
  { key: 'misses_empty', label: 'miss, empty slot', color: '#bdbdbd' },
  { key: 'misses_invalid_cpu', label: 'miss, decoded CPU ≥ nr_cpu_ids', color: '#fdae61' },
] as const;

export function lookupOutcomesChart(
  id: string,
  title: string,
  subtitle: string,
  rowTitle: string,
  rows: { label: string; row: import('./report-data.js').ConfigRow }[],
  caption: string,
): Chart {
  const labels = rows.map((r) => r.label);
  const data = rows
    .flatMap((r) =>
      OUTCOMES.map((o) => ({
        configuration: r.label,
        outcome: o.label,
        lookups: r.row[o.key],
        share: r.row.lookups > 0 ? r.row[o.key] / r.row.lookups : null,
        all_lookups: r.row.lookups,
      })),
    )
    .filter((d) => d.share !== null && d.lookups > 0);
  return {
    id,
    title,
    caption,
    dataName: 'lookup_outcomes',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: title, subtitle },
      width: WIDTH,
      height: { step: 30 },
      config: CONFIG,
      datasets: { lookup_outcomes: data },
      data: { name: 'lookup_outcomes' },
      // Stacked here rather than by the encoding, so the labels below can skip thin segments without moving.
      transform: [
        { calculate: `indexof(${JSON.stringify(OUTCOMES.map((o) => o.label))}, datum.outcome)`, as: 'order' },
        { stack: 'share', groupby: ['configuration'], sort: [{ field: 'order', order: 'ascending' }], as: ['share_start', 'share_end'] },
        { calculate: '(datum.share_start + datum.share_end) / 2', as: 'share_mid' },
      ],
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'configuration', type: 'nominal', title: rowTitle, sort: labels, axis: { labelLimit: 200 } },
            x: {
              field: 'share_start',
              type: 'quantitative',
              title: 'Lookups (% of lookups at this setting)',
              axis: { format: '.0%' },
              scale: { domain: [0, 1] },
            },
            x2: { field: 'share_end' },
            color: {
              field: 'outcome',
              type: 'nominal',
              title: 'lookup outcome',
              scale: { domain: OUTCOMES.map((o) => o.label), range: OUTCOMES.map((o) => o.color) },
              // Below the bars: the labels are long, and a right-hand legend would push the chart past the page.
              legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 320 },
            },
            tooltip: [
              { field: 'configuration', type: 'nominal', title: rowTitle },
              { field: 'outcome', type: 'nominal' },
              { field: 'lookups', type: 'quantitative', title: 'lookups', format: ',' },
              { field: 'share', type: 'quantitative', format: '.2%' },
            ],
          },
        },
        {
          // The share, centred in segments wide enough to hold it.
          transform: [{ filter: 'datum.share >= 0.05' }],
          mark: { type: 'text', color: 'white', fontSize: 11, fontWeight: 'bold' },
          encoding: {
            y: { field: 'configuration', type: 'nominal', sort: labels },
            x: { field: 'share_mid', type: 'quantitative' },
            text: { field: 'share', type: 'quantitative', format: '.1%' },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/** Per-queue slot occupancy at the configured settings, one bar per queue and kernel. */
export function queueOccupancyChart(model: ReportData): Chart | null {
  const queueOrder = model.result.trace.header.queues.map((q) => q.name);
  const kernelNames = model.kernels.map((k) => k.kernel);
  const occupancy = model.kernels
    .flatMap((k) =>
      k.configuredResult.queue_occupancy.map((q) => ({
        kernel: k.kernel,
        queue: q.queue,
        slots: q.slots,
        used: q.used,
        occupancy: q.slots > 0 ? q.used / q.slots : null,
      })),
    )
    .filter((r) => r.occupancy !== null);
  // One bar of one queue says nothing a table row would not; chart it when there is something to compare.
  if (occupancy.length <= 1) return null;
  const queues = [...new Set([...queueOrder, ...occupancy.map((r) => r.queue)])].filter((q) => occupancy.some((r) => r.queue === q));
  // Per kernel, all queues together: the headline numbers, in the subtitle.
  const totals = model.kernels.map((k) => {
    const used = k.configuredResult.queue_occupancy.reduce((a, q) => a + q.used, 0);
    const slots = k.configuredResult.queue_occupancy.reduce((a, q) => a + q.slots, 0);
    return `${k.kernel}: ${slots > 0 ? ((100 * used) / slots).toFixed(1) : '—'}%`;
  });
  const many = queues.length > 8;
  return {
    id: 'queue-occupancy',
    title: 'Per-queue flow table slots ever used',
    caption:
      "Each bar is the share of an RX queue's rps_flow_cnt slots that ever held a flow at the configured settings: when RSS picks the queue from the hash's low bits, the pre-6.15 slot (hash & mask) reuses those same bits, so all of a queue's flows crowd into the few slots whose low bits match the queue and most of its table stays empty, which the hash_32 slot (6.15+) avoids by mixing every bit of the hash.",
    dataName: 'queue_occupancy',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Per-queue flow table slots ever used',
        subtitle: `configured settings; all queues together: ${totals.join(', ')}`,
      },
      width: queues.length * kernelNames.length <= 24 ? { step: 22 * kernelNames.length + 16 } : WIDTH,
      height: HEIGHT,
      config: CONFIG,
      datasets: { queue_occupancy: occupancy },
      data: { name: 'queue_occupancy' },
      // Few bars: each gets its share written above it, so a 2% bar is still read as 2%, not as nothing.
      layer: [
        { mark: { type: 'bar' } },
        ...(occupancy.length <= 24
          ? [
              {
                mark: { type: 'text' as const, baseline: 'bottom' as const, dy: -3, fontSize: 10, color: '#333333' },
                encoding: { text: { field: 'occupancy', type: 'quantitative' as const, format: '.1%' }, color: { value: '#333333' } },
              },
            ]
          : []),
      ],
      encoding: {
        x: {
          field: 'queue',
          type: 'nominal',
          title: 'RX queue',
          sort: queues,
          axis: { labelAngle: many ? -45 : 0, labelAlign: many ? 'right' : 'center', labelLimit: 120 },
        },
        xOffset: { field: 'kernel', type: 'nominal', sort: kernelNames },
        y: { field: 'occupancy', type: 'quantitative', title: 'Slots ever used (% of rps_flow_cnt)', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: { field: 'kernel', type: 'nominal', title: 'kernel profile', sort: kernelNames, scale: { domain: kernelNames } },
        tooltip: [
          { field: 'queue', type: 'nominal' },
          { field: 'kernel', type: 'nominal' },
          { field: 'used', type: 'quantitative', title: 'slots used' },
          { field: 'slots', type: 'quantitative', title: 'slots' },
          { field: 'occupancy', type: 'quantitative', format: '.1%' },
        ],
      },
    } as TopLevelSpec,
  };
}

// ---- CPU-count what-if ------------------------------------------------------------

const CPU_LABELS: Record<string, string> = {
  hit_ratio: 'hit ratio',
  alias_rate: 'alias rate (undetected collisions)',
  collision_rate: 'collision rate (detected)',
};

export const CPU_CAPTION =
  "Each point replays the trace's configured table sizes with nr_cpu_ids set to that count: the slot stores the CPU in the low bits rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) − 1 and keeps only the hash bits above them, so more CPUs leave fewer hash bits to tell flows sharing a slot apart (an alias rate that rises where the collision rate falls), and a count that is not a power of two can decode to CPUs that do not exist (misses, not hits).";

export function cpuWhatIfChart(model: ReportData): Chart | null {
  const withRows = model.kernels.filter((k) => k.cpus.length > 1);
  if (withRows.length === 0) return null;
  const counts = [...new Set(withRows.flatMap((k) => k.cpus.map((r) => r.nr_cpu_ids)))].sort((a, b) => a - b);
  const own = withRows[0].cpus.find((r) => r.trace_own)?.nr_cpu_ids ?? null;
  const kernelNames = withRows.map((k) => k.kernel);
  const rows = withRows.flatMap((k) =>
    k.cpus.map((r) => ({
      kernel: k.kernel,
      nr_cpu_ids: r.nr_cpu_ids,
      rps_cpu_mask: `0x${r.cpu_mask.toString(16)}`,
      trace_own: r.trace_own,
      hit_ratio: r.hit_ratio,
      alias_rate: r.alias_rate,
      collision_rate: r.collision_rate,
      hits_aliased: r.hits_aliased,
      misses_collision: r.misses_collision,
      lookups: r.lookups,
    })),
  );
  const x = {
    field: 'nr_cpu_ids',
    type: 'quantitative' as const,
    title: 'nr_cpu_ids (log₂ scale)',
    // Half a power of two of room on each side, so the trace's own count (often the smallest) is not hidden by the axis.
    scale: { type: 'log' as const, base: 2, nice: false, domain: [counts[0] / Math.SQRT2, counts[counts.length - 1] * Math.SQRT2] },
    axis: { values: counts, format: 'd', grid: true, labelOverlap: false },
  };
  return {
    id: 'cpus-whatif',
    title: 'Hit and alias rates against nr_cpu_ids',
    caption: CPU_CAPTION,
    dataName: 'cpu_whatif',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Hit and alias rates against nr_cpu_ids',
        subtitle: `${kernelNames.length === 1 ? `kernel profile ${kernelNames[0]}, ` : ''}configured sizes (${withRows[0].configured.entries_effective} global slots)${own !== null ? `; the trace's own nr_cpu_ids is ${own} (dashed line)` : ''}`,
      },
      config: CONFIG,
      datasets: { cpu_whatif: rows },
      data: { name: 'cpu_whatif' },
      transform: [...foldLabelled(CPU_LABELS, 'rate')],
      ...panelPerRate(CPU_LABELS),
      spec: {
        width: WIDTH,
        height: 150,
        layer: [
          {
            mark: { type: 'line', point: { size: 40 }, strokeWidth: 2 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: 'Rate (% of lookups)', axis: { format: '.2%' }, scale: { zero: true } },
              // One profile needs no legend: the subtitle names it.
              color: {
                field: 'kernel',
                type: 'nominal',
                title: 'kernel profile',
                scale: { domain: kernelNames },
                ...(kernelNames.length === 1 ? { legend: null } : {}),
              },
              strokeDash: {
                field: 'kernel',
                type: 'nominal',
                title: 'kernel profile',
                scale: {
                  domain: kernelNames,
                  range: [
                    [1, 0],
                    [8, 3],
                    [2, 2],
                    [10, 2, 2, 2],
                    [4, 4],
                  ],
                },
                ...(kernelNames.length === 1 ? { legend: null } : {}),
              },
              tooltip: [
                { field: 'kernel', type: 'nominal' },
                { field: 'nr_cpu_ids', type: 'quantitative' },
                { field: 'rps_cpu_mask', type: 'nominal' },
                { field: 'rate', type: 'nominal' },
                { field: 'value', type: 'quantitative', format: '.3%' },
                { field: 'lookups', type: 'quantitative', format: ',' },
              ],
            },
          },
          {
            transform: [{ filter: 'datum.trace_own' }],
            mark: { type: 'rule', color: '#555555', strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { x: { field: 'nr_cpu_ids', type: 'quantitative' } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

/** Every chart of a single-trace report, in reading order. */
export function reportCharts(model: ReportData): Chart[] {
  if (model.kernels.length === 0) return [];
  const charts: Chart[] = [localityChart(model), outcomesBySizeChart(model), collisionChart(model)];
  if (model.kernels[0].queue.length > 0) charts.push(queueSweepChart(model));
  if (model.cpu_rows.length > 0) charts.push(perCpuChart(model));
  const tl = timelineChart(model);
  if (tl) charts.push(tl);
  charts.push(...agreementCharts(model), ...kernelCharts(model));
  const cpu = cpuWhatIfChart(model);
  if (cpu) {
    const k = model.kernels[0];
    charts.push(
      cpu,
      lookupOutcomesChart(
        'cpus-outcomes',
        'CPU counts: what each lookup found',
        `kernel profile ${k.kernel}, configured sizes (${k.configured.entries_effective} global slots), share of lookups`,
        'nr_cpu_ids',
        k.cpus.map((r) => ({ label: `${r.nr_cpu_ids}${r.trace_own ? ' (trace)' : ''} · mask 0x${r.cpu_mask.toString(16)}`, row: r })),
        'One bar per nr_cpu_ids at the configured sizes: a wider rps_cpu_mask hides more hash bits behind the CPU, turning collision misses (red) into aliased hits (purple) once the mask reaches past the slot index bits, and a count that is not a power of two adds misses on decoded CPUs that do not exist (orange).',
      ),
    );
  }
  return charts;
}

/** Time axis over exactly the trace's span: no "nice" padding before 0 or after the last bin. */
function timeAxis(tl: NonNullable<ReportData['timeline']>) {
  const end = tl.rows.length ? tl.rows[tl.rows.length - 1].t_end_s : 1;
  return { field: 't_s', type: 'quantitative' as const, title: 'Trace time since the first row (s)', scale: { domain: [0, end], nice: false } };
}

/** The active-flow count is a mean over windows: one decimal is plenty. */
export function formatFlows(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatSeconds(s: number): string {
  if (s >= 1) return `${+s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${+(s * 1e3).toPrecision(3)} ms`;
  return `${+(s * 1e6).toPrecision(3)} µs`;
}

export type { KernelAnalysis };
