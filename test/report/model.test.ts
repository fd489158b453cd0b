import { describe, expect, it } from 'vitest';
import { buildReportModel, mergeBins } from '../../src/report/model.js';
import { buildVerdict } from '../../src/report/verdict.js';
import { reportMsg } from '../../src/messages.js';
import type { TimelineBin } from '../../src/types/result.js';
import { planWith, resultFor } from './fixtures.js';

// Default fixture curve: hits = round(1000·(1 − 64/(E+64))) of 1000 lookups.
// 4096 → 985, 8192 → 992, …, 262144 → 1000. Threshold 1000 − 10 = 990 → 8192.
const holdsAt = (F: number) => (F <= 16 ? 50 : F <= 64 ? 15 : 0);

describe('buildReportModel', () => {
  const plan = planWith();
  const model = buildReportModel(resultFor(plan, { holdsAt }), plan.plan);
  const k = model.kernels[0];

  it('recommends the smallest global size within 1 pp of the largest size tried', () => {
    expect(k.globalRecommendation?.size).toBe(8192);
    expect(k.globalRecommendation?.value).toBeCloseTo(0.992, 12);
    expect(k.globalRecommendation?.reference).toEqual({ size: 262144, value: 1 });
    // The row behind it is the sweep configuration for 8192 slots, with its memory: 4·8192 + 8·64.
    expect(k.globalRecommendation?.row.entries_effective).toBe(8192);
    expect(k.globalRecommendation?.row.memory_bytes).toBe(33280);
  });

  it('recommends the smallest per-queue size whose ordering holds are within 1 pp of the largest size tried', () => {
    // holds: ≤16 slots 5%, 32–64 slots 1.5%, ≥128 slots 0% (reference 0 → at most 1%).
    expect(k.queueRecommendation).toMatchObject({ size: 128, criterion: 'ooo_hold_share' });
    expect(k.queue.map((r) => r.flow_cnt_effective)).toEqual(plan.queueSizes);
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

  it('lists packets per CPU for arrival, plain RPS, configured and recommended', () => {
    expect(new Set(model.cpu_rows.map((r) => r.series))).toEqual(new Set(['arrival CPU', 'plain RPS', 'RFS (configured)', 'RFS (recommended)']));
    expect(model.cpu_rows.filter((r) => r.series === 'arrival CPU').map((r) => r.packets)).toEqual([600, 400]);
  });

  it('says the configured table is too small, with the extra memory', () => {
    const v = buildVerdict(model);
    // 4·8192 + 8·64 − (4·128 + 8·64) = 32256 B = 31.5 KiB
    expect(v.sentences[0]).toBe(reportMsg.verdictTooSmall(128, '66.70%', 8192, '99.20%', '31.5 KiB'));
    expect(v.columns).toEqual(['configured', 'recommended', 'largest size tried', 'plain RPS (no RFS)']);
    const hit = v.lines.find((l) => l.label === 'Hit ratio')!;
    expect(hit.values).toEqual(['66.70%', '99.20%', '100.00%', '—']);
    expect(v.lines.some((l) => l.label === 'Agreement with the kernel')).toBe(true);
  });

  it('flags a sweep that stops below 4x the distinct flows, and a recommendation at the edge', () => {
    const small = planWith({ entries: [64, 128, 256] });
    const m = buildReportModel(resultFor(small, { trace: { distinct_flows: 1000 } }), small.plan);
    // 4 × roundup(1000) = 4096: the suggested list is a real --entries value.
    expect(m.notes).toContain(reportMsg.sweepTooSmall(256, 1000, '64,128,256,512,1024,2048,4096'));
    expect(m.notes).toContain(reportMsg.recommendationAtEdge(256));
  });

  it('says when the trace has no deliver rows, and drops agreement from the verdict', () => {
    const m = buildReportModel(resultFor(plan, { trace: { events: { recvmsg: 1, sendmsg: 0, accept: 0, splice: 0, state: 0, packet: 1000, deliver: 0 } } }), plan.plan);
    expect(m.notes).toContain(reportMsg.noDeliver());
    expect(buildVerdict(m).lines.some((l) => l.label.startsWith('Agreement'))).toBe(false);
  });

  it('says the table is larger than needed when the configured size exceeds the recommendation', () => {
    const m = buildReportModel(resultFor(plan, { trace: { header: { ...resultFor(plan).trace.header, rps_sock_flow_entries: 32768 } } }), plan.plan);
    // 4·32768 − 4·8192 = 98304 B = 96 KiB saved.
    expect(buildVerdict(m).sentences[0]).toBe(reportMsg.verdictTooLarge(32768, 8192, '99.20%', '96 KiB'));
  });

  it('sizes per-queue tables by slot conflicts when queue heads are instant (no holds can happen)', () => {
    const r = resultFor(plan, { holdsAt });
    // Conflicts: 10% of lookups up to 256 slots, 1.6% at 512 (just over 0.5% + 1 pp), 0.5% from 1024 on → 1024.
    for (const c of r.configs) {
      c.head_model = 'instant';
      const F = c.flow_cnt_effective[0];
      c.metrics.slot_conflicts = c.metrics.lookups === 0 ? 0 : F <= 256 ? 100 : F === 512 ? 16 : 5;
    }
    const m = buildReportModel(r, plan.plan);
    expect(m.kernels[0].queueRecommendation).toMatchObject({ size: 1024, criterion: 'slot_conflict_rate', value: 0.005 });
    expect(m.notes).toContain(reportMsg.queueByConflicts());
    expect(buildVerdict(m).sentences[1]).toBe(reportMsg.verdictQueueConflicts(1024, '0.50%', 64));
  });

  it('rejects a result whose configurations do not match the plan', () => {
    const r = resultFor(plan);
    expect(() => buildReportModel({ ...r, configs: r.configs.slice(1) }, plan.plan)).toThrow(new RegExp(`asked the replay engine for ${plan.requests.length} configurations, got ${plan.requests.length - 1}`));
  });
});

describe('mergeBins', () => {
  const bin = (t: number, v: number): TimelineBin => ({
    t, packets: v, lookups: v, hits: v, misses_collision: 1, hits_resolved: v, hits_stale: 1, deliver_matched: v, agree: 1,
  });

  it('leaves few bins alone', () => {
    const bins = [bin(0, 1), bin(10, 2)];
    expect(mergeBins(bins, 10, 5)).toEqual({ binNs: 10, bins });
  });

  it('sums counters of adjacent bins into wider ones, keeping absolute bin starts', () => {
    // 5 bins of 10 ns, at most 2 → factor 3: [0,30) holds t=0,10,20; [30,60) holds t=30,40.
    const out = mergeBins([bin(0, 1), bin(10, 2), bin(20, 3), bin(30, 4), bin(40, 5)], 10, 2);
    expect(out.binNs).toBe(30);
    expect(out.bins.map((b) => [b.t, b.packets, b.misses_collision])).toEqual([[0, 6, 3], [30, 9, 2]]);
  });

  it('handles gaps (bins absent from the series)', () => {
    const out = mergeBins([bin(0, 1), bin(50, 2), bin(60, 3)], 10, 2);
    // factor 2 → width 20: t=0 → [0,20); t=50 → [40,60); t=60 → [60,80)
    expect(out.bins.map((b) => [b.t, b.packets])).toEqual([[0, 1], [40, 2], [60, 3]]);
  });
});
