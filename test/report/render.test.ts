import { describe, expect, it } from 'vitest';
import { reportCharts } from '../../src/report/charts.js';
import { CONTENT_SECURITY_POLICY, embedCharts, renderReportHtml } from '../../src/report/html.js';
import { renderReportJson } from '../../src/report/json.js';
import { buildReportModel } from '../../src/report/model.js';
import { renderReportText } from '../../src/report/text.js';
import { planWith, resultFor } from './fixtures.js';

const evil = '</script><script>alert(1)</script>.csv.gz';

function fixtureModel(opts: { kernels?: ('6.16' | '4.10' | '3.19')[]; file?: string } = {}) {
  const plan = planWith({ kernels: opts.kernels });
  const bins = Array.from({ length: 300 }, (_, i) => ({
    t: i * 1e7, packets: 10, lookups: 10, hits: i % 10, misses_collision: 1, hits_resolved: 5, hits_stale: 1, deliver_matched: 8, agree: 7,
  }));
  const result = resultFor(plan, {
    holdsAt: (F) => (F < 64 ? 30 : 0),
    trace: opts.file ? { file: opts.file, path: `traces/${opts.file}` } : {},
    timeline: { bin_ns: 1e7, bins },
  });
  return buildReportModel(result, plan.plan);
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

describe('charts', () => {
  const model = fixtureModel({ kernels: ['6.16', '4.10', '3.19'] });
  const charts = reportCharts(model);

  it('include the sweep, per-queue, per-CPU, time series, agreement and kernel charts', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'hit-ratio-vs-size', 'collisions-vs-size', 'queue-sweep', 'packets-per-cpu', 'timeline',
      'agreement', 'agreement-over-time', 'kernels-vs-size', 'queue-occupancy',
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

describe('renderReportHtml', () => {
  const model = fixtureModel({ file: evil });
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
    for (const text of ['ab'.repeat(32), '1,234 bytes', 'gzip-compressed', '5,000', '50 packets without a deliver row', '3 deliver rows without a packet row', 'rps_sock_flow_entries = 128', 'kernel = 6.18.44', 'lo:0: rps_cpus = {0,1}, rps_flow_cnt = 64', '2 rows step back in time', 'rfs-replay 0.1.0', 'rfs-replay report traces/fixture.csv.gz', 'Kernel profile(s) replayed</th><td>6.16']) {
      expect(prov, text).toContain(text);
    }
  });

  it('renders the kernel side-by-side table only for several profiles', () => {
    expect(html).not.toContain('id="kernels"');
    const multi = renderReportHtml(fixtureModel({ kernels: ['6.16', '3.19'] }));
    expect(multi).toContain('<section id="kernels"');
    expect(multi).toMatch(/<th scope="row">3\.19<\/th>/);
  });
});

describe('renderReportJson', () => {
  it('carries the analysis, the plan and the full result, and parses back', () => {
    const model = fixtureModel();
    const j = JSON.parse(renderReportJson(model));
    expect(j.schema).toBe('rfs-replay/report');
    expect(j.version).toBe(1);
    expect(j.result.schema).toBe('rfs-replay/result');
    expect(j.plan).toHaveLength(j.result.configs.length);
    const rec = j.analysis.kernels[0].recommendation;
    expect(rec.global).toMatchObject({ entries: 8192, memory_bytes: 33280, reference: { entries: 262144, hit_ratio: 1 }, tolerance: 0.01 });
    expect(j.result.configs[rec.global.config_index].entries_effective).toBe(8192);
    expect(rec.queue.rps_flow_cnt).toBe(64);
    expect(j.analysis.verdict[0]).toMatch(/too small/);
  });
});

describe('renderReportText', () => {
  it('prints the verdict sentences and an aligned table', () => {
    const text = renderReportText(fixtureModel());
    const lines = text.split('\n');
    expect(lines[0]).toBe('fixture.csv.gz:');
    expect(text).toContain('is too small');
    const hit = lines.find((l) => l.trimStart().startsWith('Hit ratio'))!;
    expect(hit.trim().split(/\s{2,}/)).toEqual(['Hit ratio', '66.70%', '99.20%', '100.00%', '—']);
  });
});
