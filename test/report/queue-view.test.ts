/**
 * The report's per-RX-queue view (report/queue-view.ts, queue-section.ts):
 * built from the per-queue counters of a multi-queue trace, with a size
 * advice per queue judged by that queue's own locality; absent for a trace
 * with one queue.
 */
import { describe, expect, it } from 'vitest';
import { planReport } from '../../src/analyze/sweep.js';
import { queueAdvice, type TableAdvice } from '../../src/report/advice.js';
import { renderReportHtml } from '../../src/report/html.js';
import { renderReportJson } from '../../src/report/json.js';
import { queueAdviceText, queueLocalityChart } from '../../src/report/queue-section.js';
import { buildQueueView } from '../../src/report/queue-view.js';
import { configRow } from '../../src/report/report-data.js';
import { replayForReport } from '../../src/report/run.js';
import { renderReportText } from '../../src/report/text.js';
import { replayFile } from '../../src/replay/engine.js';
import { deriveRatios, QUEUE_COUNTER_NAMES, type QueueCounterName, type QueueMetrics } from '../../src/types/metrics.js';
import type { ConfigResult, ReplayResult } from '../../src/types/result.js';
import { metrics, traceSummary } from './fixtures.js';

const VETH = new URL('../fixtures/kernel/veth/veth4q-e64.csv.gz', import.meta.url).pathname;
const LO_RR = new URL('../fixtures/kernel/lo-rr-e128-f64.csv.gz', import.meta.url).pathname;

async function realModel(path: string) {
  return (await replayForReport(path, planReport({}), replayFile, { command: ['rfs-replay', 'report', path] })).model;
}

describe('per-queue view on the real 4-queue veth capture', async () => {
  const model = await realModel(VETH);
  const k = model.kernels[0];
  const view = k.queues!;

  it('has a row per RX queue whose packets add up to the configured replay', () => {
    expect(view.rows.map((r) => r.queue)).toEqual(['vethB:0', 'vethB:1', 'vethB:2', 'vethB:3']);
    expect(view.rows.reduce((s, r) => s + r.packets, 0)).toBe(k.configured.packets);
    // The header's per-queue settings: rps_cpus as CPU lists, rps_flow_cnt 16 / 0 / 4096 / 128.
    expect(view.rows.map((r) => r.rps_flow_cnt)).toEqual([16, 0, 4096, 128]);
    expect(view.rows.map((r) => r.rps_cpus)).toEqual(model.result.trace.header.queues.map((q) => q.rps_cpus));
    // The kernel ran this configuration: agreement per queue, from the deliver rows.
    for (const r of view.rows.slice(0, 3)) expect(r.agreement!).toBeGreaterThan(0.999);
    expect(view.queue_changes_waiting).toBe(0);
  });

  it('advises each queue by its own locality: the queue without a table gains one; the unused queue has no packets to judge by', () => {
    const [q0, q1, , q3] = view.rows;
    // rx-1 has rps_flow_cnt 0 (no rps_dev_flow table: RPS only), so any table lets RFS steer it.
    expect(q1.advice.action).toBe('grow');
    expect(q1.advice.versus!.locality_change).toBeGreaterThan(q1.advice.versus!.locality_margin);
    expect(q1.advice.locality.advised!).toBeGreaterThan(q1.advice.locality.configured!);
    expect(q3.advice.reason).toBe('no_packets');
    expect(queueAdviceText(q3.advice)).toBe('no packets');
    // Judged at the advised global size, against each queue's configured size.
    expect(q0.advice.global_entries).toBe(k.globalAdvice.size);
    expect(q0.advice.configured_rps_flow_cnt).toBe(16);
  });

  it('shows in the HTML (section and chart), the terminal and the JSON', () => {
    const html = renderReportHtml(model);
    expect(html).toContain('<section id="queues"><h2>Per RX queue</h2>');
    expect(html).toMatch(/<th scope="row">vethB:1<\/th>.*grow to /);
    expect(html).toContain('id="chart-queue-locality"');
    const text = renderReportText(model);
    expect(text).toContain('Per RX queue at the configured settings');
    expect(text).toMatch(/vethB:3 +0 .*no packets/);
    const json = JSON.parse(renderReportJson(model));
    expect(json.analysis.kernels[0].queues.rows).toHaveLength(4);
    expect(json.analysis.kernels[0].queues.rows[1].advice.action).toBe('grow');
  });
});

describe('a single-queue trace', async () => {
  const model = await realModel(LO_RR);
  it('has no per-queue view', () => {
    expect(model.kernels[0].queues).toBeNull();
    expect(renderReportHtml(model)).not.toContain('id="queues"');
    expect(queueLocalityChart(model)).toBeNull();
    expect(renderReportText(model)).not.toContain('Per RX queue');
  });
});

describe('per-queue advice, worked out by hand', () => {
  // Two queues of 500 flows each. At 256 slots per queue, queue 0's locality rises
  // from 60% to 80% (margin 1.96 * sqrt(.6*.4/500 + .8*.2/500) = 5.54 pp: beyond it),
  // queue 1's from 60% to 61% (within it). Each queue is judged alone.
  const queue = (name: string, packets: number, local: number): QueueMetrics => {
    const c = Object.fromEntries(QUEUE_COUNTER_NAMES.map((n) => [n, 0])) as Record<QueueCounterName, number>;
    Object.assign(c, { packets, local, lookups: packets, hits: packets, hits_own: packets, steered_rfs: packets });
    return { queue: name, flows: 500, ...c, ...deriveRatios(c) };
  };
  const config = (label: string, flowCnt: number, q0: number, q1: number): ConfigResult => ({
    label,
    role: 'configured',
    rps_sock_flow_entries: 1024,
    entries_effective: 1024,
    kernel: '6.16',
    nr_cpu_ids: 2,
    rps_flow_cnt: [flowCnt, flowCnt],
    flow_cnt_effective: [flowCnt, flowCnt],
    rps_cpus: [[0], [1]],
    head_model: 'deliver',
    memory_bytes: 4 * 1024 + 16 * flowCnt,
    metrics: metrics({ packets: 20000, lookups: 20000, hits: 20000, hits_own: 20000, local: q0 + q1 }),
    queue_occupancy: [],
    sock_table_occupancy: { slots: 1024, used: 0 },
    per_queue: [queue('eth0:0', 10000, q0), queue('eth0:1', 10000, q1)],
    queue_changes_waiting: 0,
  });
  const trace = traceSummary({ distinct_flows: 1000 });
  const result: ReplayResult = {
    schema: 'rfs-replay/result',
    version: 1,
    tool: { name: 'rfs-replay', version: 'test' },
    command: [],
    trace,
    configs: [config('configured', 64, 6000, 6000), config('fc=64', 64, 6000, 6000), config('fc=256', 256, 8000, 6100)],
  };
  const rows = result.configs.map((c, i) => configRow(c, i, trace));
  const global: TableAdvice = {
    action: 'keep',
    reason: 'within_noise',
    size: 1024,
    anchor: rows[0],
    row: rows[0],
    best: null,
    versus: null,
    tie_tolerance: null,
  };
  const sweep = rows.slice(1);
  const all = queueAdvice(global, sweep, 1000);

  it('grows the queue whose locality rises beyond its margin, keeps the other', () => {
    const view = buildQueueView(result, rows[0], global, sweep, all)!;
    const [a, b] = view.rows.map((r) => r.advice);
    expect(a).toMatchObject({ action: 'grow', reason: 'locality', rps_flow_cnt: 256, configured_rps_flow_cnt: 64, global_entries: 1024 });
    expect(a.versus!.locality_change).toBeCloseTo(0.2, 12);
    expect(a.versus!.locality_margin).toBeCloseTo(1.959963984540054 * Math.sqrt((0.6 * 0.4) / 500 + (0.8 * 0.2) / 500), 12);
    expect(b).toMatchObject({ action: 'keep', reason: 'within_noise', rps_flow_cnt: 64 });
    expect(queueAdviceText(a)).toBe('grow to 256 (locality 60.0% → 80.0%, margin ±5.54 pp)');
    expect(queueAdviceText(b)).toBe('keep 64');
  });

  it('follows the all-queue advice when no queue can be judged (no sweep)', () => {
    const none = queueAdvice(global, [], 1000);
    const view = buildQueueView(result, rows[0], global, [], none)!;
    for (const r of view.rows) expect(r.advice).toMatchObject({ action: 'unknown', reason: 'not_replayed', rps_flow_cnt: null });
  });
});
