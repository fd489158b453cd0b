/**
 * The reports in a real browser (the Chromium that the pinned devDependency
 * @sparticuz/chromium ships, or RFS_CHROMIUM's, driven by playwright-core):
 * opened from disk, every chart must draw SVG marks, with no console error
 * and no request other than the file itself. Screenshots are kept in
 * test/artifacts/ for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import { runReport } from '../../src/report/run.js';
import { launchChromium } from '../helpers/browser.js';

const ARTIFACTS = resolve('test/artifacts');
const KERNEL_CAPTURES = resolve('test/fixtures/kernel');

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const launched = await launchChromium();
  browser = launched.browser;
  console.log(`browser: ${launched.source}, version ${browser.version()}`);
});

afterAll(async () => {
  await browser?.close();
});

async function openReport(htmlPath: string, screenshot: string, inspect?: (page: import('playwright-core').Page) => Promise<void>) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(resolve(htmlPath)).href);
  await page.waitForSelector('body[data-charts-rendered]', { timeout: 30_000 });
  const charts = await page.$$eval('.chart', (els) =>
    els.map((el) => ({
      id: el.id,
      rendered: el.getAttribute('data-rendered'),
      // Vega's root SVG has class "marks" (vega-embed's menu button is another, small SVG).
      svg: el.querySelectorAll('svg.marks').length,
      // Vega's SVG renderer puts each mark in a <g class="mark-… role-mark">; count drawn items in them.
      markItems: el.querySelectorAll('g.role-mark > path, g.role-mark > line, g.role-mark > rect, g.role-mark > text, g.role-mark > g').length,
    })),
  );
  const downloads = await page.$$eval('a[data-download]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  await page.screenshot({ path: screenshot, fullPage: true });
  // The first screen as a reader sees it, at full resolution.
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-top.png') });
  await inspect?.(page);
  await page.close();
  return { consoleErrors, requests, charts, downloads };
}

function expectRenderedOffline(r: Awaited<ReturnType<typeof openReport>>, htmlPath: string, minCharts: number) {
  expect(r.consoleErrors).toEqual([]);
  expect(r.requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  expect(r.requests).toEqual([pathToFileURL(resolve(htmlPath)).href]);
  expect(r.charts.length).toBeGreaterThanOrEqual(minCharts);
  for (const c of r.charts) {
    expect(c.rendered, c.id).toBe('true');
    expect(c.svg, c.id).toBe(1);
    expect(c.markItems, c.id).toBeGreaterThan(0);
  }
  // Two download links per chart, each a blob: URL made in the page (no fetch).
  expect(r.downloads).toHaveLength(2 * r.charts.length);
  for (const href of r.downloads) expect(href).toMatch(/^blob:/);
}

describe('HTML report in chromium', () => {
  it('default trace: every chart draws, offline, with no console error', async () => {
    const out = await runReport({
      inputs: ['traces/default.csv.gz'],
      output: join(ARTIFACTS, 'default.html'),
      command: ['rfs-replay', 'report', 'traces/default.csv.gz'],
      replay: replayFile,
    });
    let csv = '';
    const r = await openReport(out.traces[0].html, join(ARTIFACTS, 'report-default.png'), async (page) => {
      // The CSV link really downloads the chart's rows: one per global size swept.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-download="csv"][data-chart="locality-vs-size"]')]);
      expect(download.suggestedFilename()).toBe('locality-vs-size.csv');
      await (await page.$('#verdict'))!.screenshot({ path: join(ARTIFACTS, 'report-default-verdict.png') });
      await (await page.$('#limits'))!.screenshot({ path: join(ARTIFACTS, 'report-default-limits.png') });
      await (await page.$('#fig-locality-vs-size'))!.screenshot({ path: join(ARTIFACTS, 'report-default-locality.png') });
      await (await page.$('#fig-lookup-outcomes-vs-size'))!.screenshot({ path: join(ARTIFACTS, 'report-default-outcomes.png') });
      csv = readFileSync((await download.path())!, 'utf8');
    });
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('entries_effective,locality,cross_cpu_share,hit_ratio,memory_bytes');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]);
    expectRenderedOffline(r, out.traces[0].html, 8);
    expect(r.charts.map((c) => c.id)).toEqual([
      'chart-locality-vs-size',
      'chart-lookup-outcomes-vs-size',
      'chart-collisions-vs-size',
      'chart-queue-sweep',
      'chart-packets-per-cpu',
      'chart-timeline',
      'chart-agreement',
      'chart-agreement-over-time',
    ]);
  });

  it('kernel side-by-side and folder comparison reports draw too', async () => {
    const out = await runReport({
      inputs: [KERNEL_CAPTURES],
      output: join(ARTIFACTS, 'kernel-captures', 'comparison.html'),
      kernels: ['6.16', '4.10', '3.19'],
      command: ['rfs-replay', 'report', KERNEL_CAPTURES, '--kernel', '6.16,4.10,3.19'],
      replay: replayFile,
    });
    expect(out.traces).toHaveLength(2);
    const one = await openReport(out.traces[0].html, join(ARTIFACTS, 'report-kernels.png'));
    expectRenderedOffline(one, out.traces[0].html, 9);
    expect(one.charts.map((c) => c.id)).toContain('chart-kernels-vs-size');
    const cmp = await openReport(out.comparison!.html, join(ARTIFACTS, 'report-comparison.png'));
    expectRenderedOffline(cmp, out.comparison!.html, 2);
  }, 120_000);
  it('CPU-count what-if report (small-table, --cpus 64,4096,32768): the table, both what-if charts', async () => {
    const trace = 'traces/scenarios/small-table.csv.gz';
    const out = await runReport({
      inputs: [trace],
      output: join(ARTIFACTS, 'cpus', 'small-table.html'),
      cpuWhatIf: [64, 4096, 32768],
      command: ['rfs-replay', 'report', trace, '--cpus', '64,4096,32768'],
      replay: replayFile,
    });
    let rows: string[] = [];
    const r = await openReport(out.traces[0].html, join(ARTIFACTS, 'report-cpus.png'), async (page) => {
      const section = await page.$('#cpus');
      await section!.screenshot({ path: join(ARTIFACTS, 'report-cpus-table.png') });
      await (await page.$('#fig-cpus-whatif'))!.screenshot({ path: join(ARTIFACTS, 'report-cpus-chart.png') });
      await (await page.$('#fig-cpus-outcomes'))!.screenshot({ path: join(ARTIFACTS, 'report-cpus-outcomes.png') });
      rows = await page.$$eval('#cpus tbody tr th', (ths) => ths.map((th) => th.textContent ?? ''));
    });
    expectRenderedOffline(r, out.traces[0].html, 10);
    expect(r.charts.map((c) => c.id)).toEqual([
      'chart-locality-vs-size',
      'chart-lookup-outcomes-vs-size',
      'chart-collisions-vs-size',
      'chart-queue-sweep',
      'chart-packets-per-cpu',
      'chart-timeline',
      'chart-queue-occupancy',
      'chart-cpus-whatif',
      'chart-cpus-outcomes',
      'chart-queue-locality',
    ]);
    // The header's nr_cpu_ids (8) first, then each what-if.
    expect(rows).toEqual(['8 (trace)', '64', '4,096', '32,768']);
  }, 120_000);

  it('many-queues with --kernel 6.16,4.10,3.19: per-queue occupancy for every kernel, lookup outcomes by kernel', async () => {
    const trace = 'traces/scenarios/many-queues.csv.gz';
    const out = await runReport({
      inputs: [trace],
      output: join(ARTIFACTS, 'kernels', 'many-queues.html'),
      kernels: ['6.16', '4.10', '3.19'],
      command: ['rfs-replay', 'report', trace, '--kernel', '6.16,4.10,3.19'],
      replay: replayFile,
    });
    let bars: { kernel: string; count: number }[] = [];
    let queueRows: string[] = [];
    let localityBars = 0;
    const r = await openReport(out.traces[0].html, join(ARTIFACTS, 'report-many-queues.png'), async (page) => {
      await (await page.$('#kernels'))!.screenshot({ path: join(ARTIFACTS, 'report-many-queues-table.png') });
      await (await page.$('#fig-queue-occupancy'))!.screenshot({ path: join(ARTIFACTS, 'report-many-queues-occupancy.png') });
      await (await page.$('#fig-kernel-outcomes'))!.screenshot({ path: join(ARTIFACTS, 'report-many-queues-outcomes.png') });
      await (await page.$('#queues'))!.screenshot({ path: join(ARTIFACTS, 'report-many-queues-per-queue.png') });
      await (await page.$('#fig-queue-locality'))!.screenshot({ path: join(ARTIFACTS, 'report-many-queues-locality.png') });
      queueRows = await page.$$eval('#queues tbody tr th', (ths) => ths.map((th) => th.textContent ?? ''));
      localityBars = await page.$$eval('#chart-queue-locality g.mark-rect path', (ps) => ps.length);
      // Vega's SVG bars carry an aria-label with their fields; count the occupancy bars per kernel.
      bars = await page.$$eval('#chart-queue-occupancy g.mark-rect path', (ps) => {
        const by: Record<string, number> = {};
        for (const p of ps) {
          const m = /kernel: ([0-9.]+)/.exec(p.getAttribute('aria-label') ?? '');
          if (m) by[m[1]] = (by[m[1]] ?? 0) + 1;
        }
        return Object.entries(by).map(([kernel, count]) => ({ kernel, count }));
      });
    });
    expectRenderedOffline(r, out.traces[0].html, 10);
    expect(r.charts.map((c) => c.id)).toEqual([
      'chart-locality-vs-size',
      'chart-lookup-outcomes-vs-size',
      'chart-collisions-vs-size',
      'chart-queue-sweep',
      'chart-packets-per-cpu',
      'chart-timeline',
      'chart-kernels-vs-size',
      'chart-kernel-outcomes',
      'chart-queue-occupancy',
      'chart-queue-locality',
    ]);
    // 16 RX queues in the header, one bar each for every kernel profile.
    const queues = zlibHeaderQueues(trace);
    expect(queues).toBe(16);
    expect(bars.sort((a, b) => a.kernel.localeCompare(b.kernel))).toEqual([
      { kernel: '3.19', count: queues },
      { kernel: '4.10', count: queues },
      { kernel: '6.16', count: queues },
    ]);
    // The per-queue view: a table row per queue, and a locality bar per queue and setting shown.
    expect(queueRows).toEqual(Array.from({ length: queues }, (_, i) => `eth0:${i}`));
    expect(localityBars).toBeGreaterThanOrEqual(queues);
  }, 120_000);
});

/** Queue lines in a gzip trace's header, counted from the file itself. */
function zlibHeaderQueues(path: string): number {
  const text = gunzipSync(readFileSync(path)).toString('utf8', 0, 1 << 16);
  return text.split('\n').filter((l) => /^#\s*queue=/.test(l)).length;
}
