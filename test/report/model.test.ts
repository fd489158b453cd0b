import { describe, expect, it } from 'vitest';
import { buildReportModel, mergeBins } from '../../src/report/model.js';
import { buildVerdict } from '../../src/report/verdict.js';
import { reportMsg } from '../../src/messages.js';
import type { TimelineBin } from '../../src/types/result.js';
import { fakeReplay, planWith, reportModel, resultFor } from './fixtures.js';
import { replayForReport } from '../../src/report/run.js';

// Default fixture curve: hits = round(1000·(1 − 64/(E+64))) of 1000 lookups, and as many local packets of
// 1000 resolved: 128 → 667, 4096 → 985, 8192 → 992, …, 262144 → 1000; 100 flows, so (worked out by hand)
// the margin between 66.7% and 100% is 1.96·sqrt(0.667·0.333/100) = 9.2 pp: every size from 512 (88.9%) on
// beats 128 beyond noise, the best is 100%, sizes within min(9.2, 1) = 1 pp of it tie (≥ 99.0%), 8192 is the smallest.
const holdsAt = (F: number) => (F <= 16 ? 50 : F <= 64 ? 15 : 0);

describe('buildReportModel', async () => {
  const model = await reportModel({}, { holdsAt });
  const k = model.kernels[0];

  it('advises growing the global table to the smallest size within 1 pp of the best locality beyond noise', () => {
    expect(k.globalAdvice).toMatchObject({ action: 'grow', reason: 'locality', size: 8192 });
    expect(k.globalAdvice.row?.locality).toBeCloseTo(0.992, 12);
    expect(k.globalAdvice.best?.entries_effective).toBe(131072); // the first size at 100% (65,536 gives 99.9%)
    expect(k.globalAdvice.versus!.locality_change).toBeCloseTo(0.992 - 0.667, 12);
    const m = 1.959963984540054 * Math.sqrt((0.667 * 0.333 + 0.992 * 0.008) / 100);
    expect(k.globalAdvice.versus!.locality_margin).toBeCloseTo(m, 12);
    // The row behind it is the sweep configuration for 8192 slots, with its memory: 4·8192 + 8·64.
    expect(k.globalAdvice.row?.memory_bytes).toBe(33280);
  });

  it('judges per-queue sizes with the global table at the advised size (the second pass), and keeps them when locality does not move', () => {
    expect(k.queue.map((r) => r.flow_cnt_effective)).toEqual(planWith().queueSizes);
    expect(k.queue.every((r) => r.entries_effective === 8192)).toBe(true);
    expect(k.queueAdvice).toMatchObject({ action: 'keep', size: 64 });
    // Keep: the anchor is the 8192-slot sweep row with the header's per-queue tables.
    expect(k.queueAdvice.anchor).toBe(k.globalAdvice.row);
    expect(k.recommended).toBe(k.globalAdvice.row);
  });

  it('adds the analytic collision rate for n = active_flows (40) to every global sweep row', () => {
    const row64 = k.global.find((r) => r.entries_effective === 64)!;
    const expected = 1 - (64 / 40) * (1 - (1 - 1 / 64) ** 40);
    expect(row64.expected_collision_rate).toBeCloseTo(expected, 12);
  });

  it('takes the configured row from the configured replay and the baseline from plain RPS', () => {
    expect(k.configured.entries_effective).toBe(128);
    expect(k.configured.hit_ratio).toBeCloseTo(0.667, 12);
    expect(model.baseline?.entries_effective).toBe(0);
    expect(model.baseline?.hit_ratio).toBeNull();
  });

  it('shows agreement only for the configuration the kernel ran: the configured row, not plain RPS nor other sizes', () => {
    expect(k.configured.agreement).toBeCloseTo(0.99, 12);
    expect(k.configured.kernel_ran).toBe(true);
    expect(model.baseline?.agreement).toBeNull();
    expect(k.global.find((r) => r.entries_effective === 128)?.agreement).toBeCloseTo(0.99, 12); // the same settings
    expect(k.global.filter((r) => r.entries_effective !== 128).every((r) => r.agreement === null)).toBe(true);
    expect(k.queue.every((r) => r.agreement === null)).toBe(true);
  });

  it('lists packets per CPU for arrival, plain RPS, configured and recommended', () => {
    expect(new Set(model.cpu_rows.map((r) => r.series))).toEqual(new Set(['arrival CPU', 'plain RPS', 'RFS (configured)', 'RFS (recommended)']));
    expect(model.cpu_rows.filter((r) => r.series === 'arrival CPU').map((r) => r.packets)).toEqual([600, 400]);
  });

  it('says to grow, with the gain, its margin and the extra memory, and the table says the same', () => {
    const v = buildVerdict(model);
    // 4·8192 + 8·64 − (4·128 + 8·64) = 32256 B = 31.5 KiB
    expect(v.sentences[0]).toBe(
      reportMsg.globalChange(
        'Grow',
        '128',
        '8,192',
        '66.70%',
        '99.20%',
        '+32.50 pp',
        `${(1.959963984540054 * Math.sqrt((0.667 * 0.333 + 0.992 * 0.008) / 100) * 100).toFixed(2)} pp`,
        '31.5 KiB',
      ),
    );
    expect(v.columns).toEqual(['configured', 'recommended', 'largest size tried', 'plain RPS (no RFS)']);
    expect(v.lines.find((l) => l.label === 'Locality')!.values).toEqual(['66.70%', '99.20%', '100.00%', '50.00%']);
    expect(v.lines.find((l) => l.label === 'Advice')!.values).toEqual(['', 'grow / keep', '', '']);
    expect(v.lines.find((l) => l.label === 'Agreement with the kernel')!.values).toEqual(['99.00%', '—', '—', '—']);
  });

  it('flags a sweep that stops below 4x the distinct flows, and advice at the edge while locality still rises', async () => {
    const m = await reportModel({ entries: [64, 128, 256] }, { trace: { distinct_flows: 1000 } });
    // 4 × roundup(1000) = 4096: the suggested list is a real --entries value.
    expect(m.notes).toContain(reportMsg.sweepTooSmall(256, 1000, '64,128,256,512,1024,2048,4096'));
    expect(m.kernels[0].globalAdvice).toMatchObject({ action: 'grow', size: 256 });
    expect(m.notes).toContain(reportMsg.recommendationAtEdge(256));
  });

  it('says when the trace has no deliver rows, and drops agreement from the verdict', async () => {
    const m = await reportModel({}, { trace: { events: { recvmsg: 1, sendmsg: 0, accept: 0, splice: 0, state: 0, packet: 1000, deliver: 0 } } });
    expect(m.notes).toContain(reportMsg.noDeliver());
    expect(buildVerdict(m).lines.some((l) => l.label.startsWith('Agreement'))).toBe(false);
  });

  it('keeps a configured size whose locality no other size beats beyond noise, even if it is larger than needed', async () => {
    const m = await reportModel({}, { trace: { header: { ...resultFor(planWith()).trace.header, rps_sock_flow_entries: 32768 } } });
    const g = m.kernels[0].globalAdvice;
    expect(g).toMatchObject({ action: 'keep', reason: 'within_noise', size: 32768 });
    expect(buildVerdict(m).sentences[0]).toBe(
      reportMsg.globalKeep('32,768', '99.80%', {
        size: '131,072',
        loc: '100.00%',
        change: '+0.20 pp',
        margin: `${(1.959963984540054 * Math.sqrt((0.998 * 0.002) / 100) * 100).toFixed(2)} pp`,
      }),
    );
    expect(m.kernels[0].recommended).toBe(m.kernels[0].configured);
  });

  it('grows the per-queue tables, judged at the advised global size, when locality rises beyond noise', async () => {
    // Per-queue tables of 64 or fewer cost 200 local packets (of 1000); from 128 on nothing.
    const m = await reportModel({}, { localAt: (E, F) => (E > 0 ? Math.min(1000, Math.round(1000 * (1 - 64 / (E + 64)))) - (F <= 64 ? 200 : 0) : 500) });
    const k2 = m.kernels[0];
    // Global: 66.7 − 20 = 46.7% at 128; 8192 gives 79.2%, 262144 80%: tie ≥ 79% → 8192.
    expect(k2.globalAdvice).toMatchObject({ action: 'grow', size: 8192 });
    // Per-queue at 8192: 79.2% at 64 → 99.2% from 128 on: grow to 128, and the recommended row holds both.
    expect(k2.queueAdvice).toMatchObject({ action: 'grow', reason: 'locality', size: 128 });
    expect(k2.recommended?.entries_effective).toBe(8192);
    expect(k2.recommended?.flow_cnt_effective).toBe(128);
    expect(k2.recommended?.memory_bytes).toBe(4 * 8192 + 8 * 128);
    expect(buildVerdict(m).lines.find((l) => l.label === 'Table memory')!.values[1]).toBe('33 KiB');
  });

  it('has no socket side without a written hint: global and per-queue advice unknown, a prominent note, no second pass', async () => {
    const { replay, calls } = fakeReplay({ writes: 0 });
    const { model: m } = await replayForReport('traces/x.txt', planWith(), replay, {});
    expect(calls).toHaveLength(1);
    expect(m.kernels[0].globalAdvice).toMatchObject({ action: 'unknown', reason: 'no_socket_side', size: null });
    expect(m.kernels[0].queueAdvice.action).toBe('unknown');
    expect(m.alert).toBe(reportMsg.noSocketSide(200, null));
    expect(m.notes[0]).toBe(m.alert);
  });

  it('rejects a result whose configurations do not match the plan', () => {
    const plan = planWith();
    const r = resultFor(plan);
    expect(() => buildReportModel({ ...r, configs: r.configs.slice(1) }, plan.plan)).toThrow(
      new RegExp(`asked the replay engine for ${plan.requests.length} configurations, got ${plan.requests.length - 1}`),
    );
  });
});

describe('mergeBins', () => {
  const bin = (t: number, v: number): TimelineBin => ({
    t,
    packets: v,
    lookups: v,
    hits: v,
    misses_collision: 1,
    hits_resolved: v,
    hits_stale: 1,
    deliver_matched: v,
    agree: 1,
  });

  it('leaves few bins alone', () => {
    const bins = [bin(0, 1), bin(10, 2)];
    expect(mergeBins(bins, 10, 5)).toEqual({ binNs: 10, bins });
  });

  it('sums counters of adjacent bins into wider ones, keeping absolute bin starts', () => {
    // 5 bins of 10 ns, at most 2 → factor 3: [0,30) holds t=0,10,20; [30,60) holds t=30,40.
    const out = mergeBins([bin(0, 1), bin(10, 2), bin(20, 3), bin(30, 4), bin(40, 5)], 10, 2);
    expect(out.binNs).toBe(30);
    expect(out.bins.map((b) => [b.t, b.packets, b.misses_collision])).toEqual([
      [0, 6, 3],
      [30, 9, 2],
    ]);
  });

  it('handles gaps (bins absent from the series)', () => {
    const out = mergeBins([bin(0, 1), bin(50, 2), bin(60, 3)], 10, 2);
    // factor 2 → width 20: t=0 → [0,20); t=50 → [40,60); t=60 → [60,80)
    expect(out.bins.map((b) => [b.t, b.packets])).toEqual([
      [0, 1],
      [40, 2],
      [60, 3],
    ]);
  });
});
