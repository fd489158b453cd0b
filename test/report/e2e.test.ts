/**
 * The report over the real engine, on the embedded default trace and the
 * two real kernel captures in test/fixtures/kernel/: the recommendation is re-derived here from the raw
 * per-configuration counters, not from the report's own analysis.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../src/types/metrics.js';
import { replayFile } from '../../src/replay/engine.js';
import { runReport } from '../../src/report/run.js';

const KERNEL_CAPTURES = 'test/fixtures/kernel';
const traces = ['traces/default.csv.gz', ...['lo-bulk-e1024-f1024.csv.gz', 'lo-rr-e128-f64.csv.gz'].map((f) => join(KERNEL_CAPTURES, f))];

async function report(trace: string, extra: Partial<Parameters<typeof runReport>[0]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rfs-e2e-'));
  const out = await runReport({ inputs: [trace], output: join(dir, 'r.html'), command: ['rfs-replay', 'report', trace], replay: replayFile, ...extra });
  return { dir, out, json: JSON.parse(readFileSync(out.traces[0].json, 'utf8')), html: readFileSync(out.traces[0].html, 'utf8') };
}

describe.each(traces)('report on %s', (trace) => {
  it('sweeps, recommends by the 1 pp rule (re-derived from raw counters), and keeps every metric identity', async () => {
    const { json, html } = await report(trace);
    const configs = json.result.configs as any[];
    for (const c of configs) expect(checkIdentities(c.metrics), c.label).toEqual([]);

    const sweep = configs
      .filter((c, i) => json.plan[i].group === 'global-sweep')
      .map((c) => ({ E: c.entries_effective, hit: c.metrics.hits / c.metrics.lookups }))
      .sort((a, b) => a.E - b.E);
    expect(sweep.map((p) => p.E)).toEqual([64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]);
    const ref = sweep[sweep.length - 1].hit;
    const expected = sweep.find((p) => p.hit >= ref - 0.01 - 1e-12)!;
    const rec = json.analysis.kernels[0].recommendation.global;
    expect(rec.entries).toBe(expected.E);
    expect(rec.hit_ratio).toBeCloseTo(expected.hit, 12);
    // memory: 4 B per global slot + 8 B per per-queue slot (one queue in these traces).
    const fc = json.result.trace.header.queues[0].rps_flow_cnt;
    expect(rec.memory_bytes).toBe(4 * expected.E + 8 * fc);

    // The configured replay is the header's table; plain RPS never looks up.
    const configured = configs.find((c) => c.role === 'configured');
    expect(configured.rps_sock_flow_entries).toBe(json.result.trace.header.rps_sock_flow_entries);
    expect(configured.timeline.bins.length).toBeGreaterThan(0);
    const baseline = configs.find((c) => c.role === 'rps-baseline');
    expect(baseline.metrics.lookups).toBe(0);

    // These captures have deliver rows: the agreement section is there.
    expect(json.result.trace.events.deliver).toBeGreaterThan(0);
    expect(html).toContain('id="chart-agreement"');
    expect(html).toContain('id="chart-agreement-over-time"');
    expect(html).toContain('<section id="disagreements"');
    expect(html).toContain(json.result.trace.sha256);
  });
});

describe('report on the default trace', () => {
  it('finds its 128-slot table too small (regression values recorded from the first run: 73.6% hits at 128, 4096 recommended)', async () => {
    const { json } = await report('traces/default.csv.gz');
    const k = json.analysis.kernels[0];
    expect(k.configured.entries_effective).toBe(128);
    expect(k.configured.hit_ratio).toBeGreaterThan(0.73);
    expect(k.configured.hit_ratio).toBeLessThan(0.74);
    expect(k.recommendation.global.entries).toBe(4096);
    expect(json.analysis.verdict[0]).toMatch(/^The configured global table \(128 slots\) is too small/);
  });

  it('puts kernel profiles side by side: 3.19 aliases where 6.16 detects the collision', async () => {
    const { json, html } = await report(join(KERNEL_CAPTURES, 'lo-bulk-e1024-f1024.csv.gz'), { kernels: ['6.16', '4.10', '3.19'] });
    const byKernel = Object.fromEntries(json.analysis.kernels.map((k: any) => [k.kernel, k]));
    expect(Object.keys(byKernel)).toEqual(['6.16', '4.10', '3.19']);
    const at = (k: string, E: number) => byKernel[k].global_sweep.find((r: any) => r.entries_effective === E);
    // With 64 slots, flows collide: 6.16 misses (no aliasing), 3.19 has no collision check and aliases.
    expect(at('6.16', 64).alias_rate).toBe(0);
    expect(at('6.16', 64).collision_rate).toBeGreaterThan(0);
    expect(at('3.19', 64).alias_rate).toBeGreaterThan(0);
    expect(at('3.19', 64).collision_rate).toBe(0);
    expect(html).toContain('<section id="kernels"');
    expect(html).toContain('id="chart-kernels-vs-size"');
    expect(html).toContain('id="chart-queue-occupancy"');
    // queue occupancy is reported per kernel for the configured settings
    for (const k of ['6.16', '4.10', '3.19']) expect(json.result.configs[byKernel[k].configured.config_index].queue_occupancy[0].slots).toBe(1024);
  }, 120_000);
});
