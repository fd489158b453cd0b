import { describe, expect, it } from 'vitest';
import { reportCharts } from '../../src/report/charts.js';
import { CONTENT_SECURITY_POLICY, embedCharts, renderReportHtml } from '../../src/report/html.js';
import { renderReportJson } from '../../src/report/json.js';
import { renderReportText } from '../../src/report/text.js';
import { perQueueSizes } from '../../src/report/verdict.js';
import { groupNotes } from '../../src/report/comparison.js';
import { reportModel } from './fixtures.js';

const evil = '</script><script>alert(1)</script>.csv.gz';

async function fixtureModel(opts: { kernels?: ('6.16' | '4.10' | '3.19')[]; file?: string; cpuWhatIf?: number[] } = {}) {
  const bins = Array.from({ length: 300 }, (_, i) => ({
    t: i * 1e7,
    packets: 10,
    lookups: 10,
    hits: i % 10,
    misses_collision: 1,
    hits_resolved: 5,
    hits_stale: 1,
    deliver_matched: 8,
    agree: 7,
  }));
  return reportModel(
    { kernels: opts.kernels, cpuWhatIf: opts.cpuWhatIf },
    {
      holdsAt: (F) => (F < 64 ? 30 : 0),
      trace: opts.file ? { file: opts.file, path: `traces/${opts.file}` } : {},
      timeline: { bin_ns: 1e7, bins },
    },
  );
}

/** Every x/y encoding (including inside layers, concats and facets) of a Vega-Lite spec. */
function positionEncodings(spec: any): { channel: string; def: any }[] {
  const out: { channel: string; def: any }[] = [];
  const walk = (s: any) => {
    if (!s || typeof s !== 'object') return;
    for (const ch of ['x', 'y']) if (s.encoding?.[ch]) out.push({ channel: ch, def: s.encoding[ch] });
    for (const key of ['layer', 'vconcat', 'hconcat', 'concat']) (s[key] ?? []).forEach(walk);
    if (s.spec) walk(s.spec);
  };
  walk(spec);
  return out;
}

describe('charts', async () => {
  const model = await fixtureModel({ kernels: ['6.16', '4.10', '3.19'], cpuWhatIf: [4, 12] });
  const charts = reportCharts(model);

  it('include the locality and lookup-outcome sweeps, per-queue, per-CPU, time series, agreement, kernel and CPU what-if charts', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'locality-vs-size',
      'lookup-outcomes-vs-size',
      'collisions-vs-size',
      'queue-sweep',
      'packets-per-cpu',
      'timeline',
      'agreement',
      'agreement-over-time',
      'kernels-vs-size',
      'kernel-outcomes',
      'queue-occupancy',
      'cpus-whatif',
      'cpus-outcomes',
    ]);
  });

  it('each has a title, a one-sentence caption and axis titles, with units on quantitative axes', () => {
    for (const c of charts) {
      expect(c.title.length, c.id).toBeGreaterThan(10);
      expect((c.spec as any).title?.text ?? (c.spec as any).title, c.id).toBeTruthy();
      // One sentence: ends with a period, no other sentence-ending period followed by a capital.
      expect(c.caption, c.id).toMatch(/\.$/);
      expect(c.caption.slice(0, -1), c.id).not.toMatch(/\.\s+[A-Z]/);
      for (const { channel, def } of positionEncodings(c.spec)) {
        // Encodings with a field and no title would show a raw field name; value-only positions (labels) have no axis.
        if (!def.field || def.axis === null) continue;
        if (def.title === undefined) {
          // A secondary layer sharing the axis of a titled layer is fine; some layer must give it.
          const titled = positionEncodings(c.spec).some((e) => e.channel === channel && typeof e.def.title === 'string' && e.def.title.length > 0);
          expect(titled, `${c.id} ${channel}`).toBe(true);
          continue;
        }
        expect(def.title, `${c.id} ${channel}`).toBeTruthy();
        if (def.type === 'quantitative') expect(def.title, `${c.id} ${channel} needs a unit`).toMatch(/\(.+\)/);
      }
    }
  });

  it('compile to Vega with their downloadable dataset, each chart under 20k data points', () => {
    const embedded = embedCharts(charts);
    for (const e of embedded) {
      const data = (e.vega.data as any[]).find((d) => d.name === e.dataName);
      expect(Array.isArray(data.values), e.id).toBe(true);
      const points = (e.vega.data as any[]).reduce((n, d) => n + (Array.isArray(d.values) ? d.values.length : 0), 0);
      expect(points, e.id).toBeLessThanOrEqual(20000);
    }
  });

  it('merge a long time series down to at most 200 bins', () => {
    expect(model.timeline!.rows).toHaveLength(150); // 300 bins, factor 2
    expect(model.timeline!.bin_s).toBeCloseTo(0.02, 12);
  });
});

describe('renderReportHtml', async () => {
  const model = await fixtureModel({ file: evil });
  const html = renderReportHtml(model);

  it('is self-contained: no external scripts, styles, images or fonts, and a CSP forbidding fetches', () => {
    // The markup outside script bodies (the libraries mention <img> in their code).
    const markup = html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
    expect(markup.length).toBeLessThan(200_000);
    expect(markup.match(/<script[^>]+src=/i)).toBeNull();
    expect(markup.match(/<link\b/i)).toBeNull();
    expect(markup.match(/<img\b/i)).toBeNull();
    expect(markup.match(/<iframe\b/i)).toBeNull();
    expect(markup.match(/@import|url\(/i)).toBeNull();
    expect(markup.match(/(src|href)="(https?:)?\/\//i)).toBeNull();
    expect(html).toContain(`content="${CONTENT_SECURITY_POLICY.replace(/'/g, '&#39;')}"`);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'none'");
  });

  it('inlines vega and vega-embed, and the trace name cannot break out of a script or the markup', () => {
    expect(html.length).toBeGreaterThan(500_000);
    expect(html).toContain('vegaEmbed');
    // Exactly the four script elements the page has: vega, vega-embed, chart data, bootstrap.
    expect(html.match(/<\/script>/g)).toHaveLength(4);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;.csv.gz');
  });

  it('opens with the verdict, then charts, then provenance', () => {
    const at = (id: string) => html.indexOf(`<section id="${id}"`);
    expect(at('verdict')).toBeGreaterThan(0);
    expect(at('verdict')).toBeLessThan(at('charts'));
    expect(at('charts')).toBeLessThan(at('provenance'));
    expect(html).toContain('8,192');
  });

  it('offers CSV and JSON downloads for every chart', () => {
    for (const c of reportCharts(model)) {
      expect(html).toContain(`data-download="csv" data-chart="${c.id}"`);
      expect(html).toContain(`data-download="json" data-chart="${c.id}"`);
    }
  });

  it('shows provenance: sha256, sizes, counts, lost events, header, profile, tool version, command line', () => {
    const prov = html.slice(html.indexOf('<section id="provenance"'));
    for (const text of [
      'ab'.repeat(32),
      '1,234 bytes',
      'gzip-compressed',
      '5,000',
      '50 packets without a deliver row',
      '3 deliver rows without a packet row',
      'rps_sock_flow_entries = 128',
      'kernel = 6.18.44',
      'lo:0: rps_cpus = {0,1}, rps_flow_cnt = 64',
      '2 rows step back in time',
      'rfs-replay 0.1.0',
      'rfs-replay report traces/fixture.csv.gz',
      'Kernel profile(s) replayed</th><td>6.16',
    ]) {
      expect(prov, text).toContain(text);
    }
  });

  it('renders the kernel side-by-side table only for several profiles', async () => {
    expect(html).not.toContain('id="kernels"');
    const multi = renderReportHtml(await fixtureModel({ kernels: ['6.16', '3.19'] }));
    expect(multi).toContain('<section id="kernels"');
    expect(multi).toMatch(/<th scope="row">3\.19<\/th>/);
  });
});

describe('renderReportJson', () => {
  it('carries the analysis, the plan and the full result, and parses back; the advice is machine-readable', async () => {
    const model = await fixtureModel();
    const j = JSON.parse(renderReportJson(model));
    expect(j.schema).toBe('rfs-replay/report');
    expect(j.version).toBe(1);
    expect(j.result.schema).toBe('rfs-replay/result');
    // Both passes: the second pass's per-queue sweep is in the result and the plan.
    expect(j.plan).toHaveLength(j.result.configs.length);
    expect(j.plan.filter((p: any) => p.group === 'queue-sweep')).toHaveLength(13);
    const rec = j.analysis.kernels[0].recommendation;
    expect(rec.objective).toBe('locality');
    expect(rec.global).toMatchObject({
      objective: 'locality',
      action: 'grow',
      entries: 8192,
      configured_entries: 128,
      memory_bytes: 33280,
      reason: 'locality',
    });
    expect(rec.global.locality.configured).toBeCloseTo(0.667, 12);
    expect(rec.global.locality.advised).toBeCloseTo(0.992, 12);
    expect(j.result.configs[rec.global.config_index].entries_effective).toBe(8192);
    expect(rec.queue).toMatchObject({ objective: 'locality', action: 'keep', rps_flow_cnt: 64, global_entries: 8192 });
    expect(rec.memory_bytes).toBe(33280);
    expect(j.analysis.verdict[0]).toMatch(/^Grow the global table from 128 to 8,192 slots/);
    expect(j.analysis.kernels[0].lookup_outcomes).toHaveLength(13);
  });
});

describe('renderReportText', () => {
  it('prints the verdict sentences and an aligned table', async () => {
    const text = renderReportText(await fixtureModel());
    const lines = text.split('\n');
    expect(lines[0]).toBe('fixture.csv.gz:');
    expect(lines[1]).toBe('  input format: rfs-trace v1 (detected from the content)');
    expect(lines[2]).toBe("  kernel profile: 6.16 (the trace's kernel 6.18.44)");
    expect(lines[3]).toMatch(/^ {2}Grow the global table from 128 to 8,192 slots/);
    const hit = lines.find((l) => l.trimStart().startsWith('Hit ratio'))!;
    expect(hit.trim().split(/\s{2,}/)).toEqual(['Hit ratio', '66.70%', '99.20%', '100.00%', '—']);
    const advice = lines.find((l) => l.trimStart().startsWith('Advice'))!;
    expect(advice.trim().split(/\s{2,}/)).toEqual(['Advice', 'grow / keep']);
  });
});

describe('CPU what-if and kernel rendering details', () => {
  it("the CPU what-if table lists the trace's own nr_cpu_ids and each what-if with rps_cpu_mask = roundup_pow_of_two(n) - 1", async () => {
    // The fixture trace has nr_cpu_ids 2 and a 128-slot table (7 index bits).
    const html = renderReportHtml(await fixtureModel({ cpuWhatIf: [12, 4] }));
    const sec = html.slice(html.indexOf('<section id="cpus">'), html.indexOf('</section>', html.indexOf('<section id="cpus">')));
    const firstCells = [...sec.matchAll(/<tr[^>]*><th scope="row">([^<]+)<\/th><td>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]]);
    // 4 → 0x3, 12 → 16 - 1 = 0xf; ascending by nr_cpu_ids.
    expect(firstCells).toEqual([
      ['2 (trace)', '0x1 (1 bits)'],
      ['4', '0x3 (2 bits)'],
      ['12', '0xf (4 bits)'],
    ]);
    expect(html).toContain('Queue-head model');
  });

  it("a what-if below the trace's own count says that CPU ids are folded", async () => {
    const html = renderReportHtml(await fixtureModel({ cpuWhatIf: [1, 4] }));
    expect(html).toContain('nr_cpu_ids 1 is below the trace&#39;s own 2');
  });

  it('the text report prints the CPU what-if and kernel tables', async () => {
    const text = renderReportText(await fixtureModel({ kernels: ['6.16', '3.19'], cpuWhatIf: [4096] }));
    expect(text).toContain('CPU count what-if at the configured sizes');
    // 4096 CPUs: mask 0xfff (12 bits) over a 128-slot index (7 bits): 5 bits unchecked.
    const row = text.split('\n').find((l) => /^\s+6\.16\s+4096\s/.test(l))!;
    expect(
      row
        .trim()
        .split(/\s{2,}/)
        .slice(0, 4),
    ).toEqual(['6.16', '4096', '0xfff', '5']);
    // 3.19 compares no hash bit: all 32 - 7 above the index are unchecked.
    const old = text.split('\n').find((l) => /^\s+3\.19\s+4096\s/.test(l))!;
    expect(old.trim().split(/\s{2,}/)[3]).toBe('25');
    expect(text).toContain('Kernel profiles at the configured sizes');
  });

  it('per-queue sizes: equal tables are "N × size", different ones listed', () => {
    expect(perQueueSizes([1024, 1024, 1024])).toBe('3 × 1,024');
    expect(perQueueSizes([64, 128])).toBe('64 / 128');
    expect(perQueueSizes([256])).toBe('256');
  });

  it('the occupancy chart orders queues as the header does (eth0:2 before eth0:10), not as strings sort', async () => {
    const model = await fixtureModel({ kernels: ['6.16', '4.10'] });
    const names = Array.from({ length: 12 }, (_, i) => `eth0:${i}`);
    model.result.trace.header.queues = names.map((name) => ({ name, rps_cpus: [0, 1], rps_flow_cnt: 64 }));
    for (const k of model.kernels) k.configuredResult.queue_occupancy = [...names].sort().map((queue) => ({ queue, slots: 64, used: 4 }));
    const chart = reportCharts(model).find((c) => c.id === 'queue-occupancy')!;
    expect((chart.spec as any).encoding.x.sort).toEqual(names);
    expect((chart.spec as any).encoding.x.axis.labelAngle).toBe(-45);
    // 4 of 64 slots per queue: 6.3% for every kernel.
    expect((chart.spec as any).title.subtitle).toContain('6.16: 6.3%, 4.10: 6.3%');
  });
});

describe('comparison notes', () => {
  it('say a note shared by several traces once, naming them', () => {
    const row = (name: string, notes: string[]) => ({ name, notes }) as any;
    expect(groupNotes([row('a', ['x', 'y']), row('b', ['x']), row('c', ['x'])])).toEqual([
      { note: 'x', traces: ['a', 'b', 'c'] },
      { note: 'y', traces: ['a'] },
    ]);
  });
});
