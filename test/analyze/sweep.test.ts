import { describe, expect, it } from 'vitest';
import { CLOSED_LOOP_LANES_PER_REPLAY, laneBytes, nextReplayPart, PART_BYTES, planQueueSweep, planReport, powersOfTwo } from '../../src/analyze/sweep.js';
import type { ConfigRequest } from '../../src/types/config-request.js';

describe('powersOfTwo', () => {
  it('lists powers of two between the bounds, rounding the lower bound up', () => {
    expect(powersOfTwo(64, 512)).toEqual([64, 128, 256, 512]);
    expect(powersOfTwo(100, 1000)).toEqual([128, 256, 512]);
    expect(powersOfTwo(1, 1)).toEqual([1]);
    expect(powersOfTwo(64, 262144)).toHaveLength(13);
  });
});

describe('planReport', () => {
  it('by default: configured (with time series and explain), 13 global sizes 64..2^18, plain RPS; 13 per-queue sizes 8..2^15 kept for the second pass', () => {
    const p = planReport();
    expect(p.globalSizes[0]).toBe(64);
    expect(p.globalSizes.at(-1)).toBe(262144);
    expect(p.queueSizes).toEqual([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]);
    expect(p.requests).toHaveLength(1 + 13 + 1);
    expect(p.plan).toHaveLength(p.requests.length);

    const configured = p.requests.filter((r) => r.role === 'configured');
    expect(configured).toEqual([{ role: 'configured', timeline: true, explain: true, kernel: '6.16' }]);

    const global = p.requests.filter((_, i) => p.plan[i].group === 'global-sweep');
    expect(global.map((r) => r.entries)).toEqual(p.globalSizes);
    // Per-queue sizes stay as in the trace header while the global size is swept.
    expect(global.every((r) => r.flowCnt === undefined && r.role === 'sweep')).toBe(true);

    // The per-queue sweep waits for the advised global size (second pass).
    expect(p.plan.some((x) => x.group === 'queue-sweep')).toBe(false);

    const baseline = p.requests.filter((r) => r.role === 'rps-baseline');
    expect(baseline).toEqual([{ role: 'rps-baseline', entries: 0, kernel: '6.16' }]);
  });

  it('replays every kernel profile fully, the first one being primary, and the baseline once', () => {
    const p = planReport({ kernels: ['4.10', '6.16', '4.10'], entries: [256, 1024], flowCnt: [64] });
    expect(p.kernels).toEqual(['4.10', '6.16']);
    expect(p.requests).toHaveLength(2 * (1 + 2) + 1);
    expect(p.plan.filter((x) => x.group === 'configured').map((x) => x.kernel)).toEqual(['4.10', '6.16']);
    expect(p.requests.filter((r) => r.role === 'rps-baseline')[0].kernel).toBe('4.10');
  });

  it('sorts and de-duplicates user lists and applies --cpus to every configuration', () => {
    const p = planReport({ entries: [4096, 256, 4096], cpus: 8 });
    expect(p.globalSizes).toEqual([256, 4096]);
    expect(p.requests.every((r) => r.cpus === 8)).toBe(true);
  });
});

describe('planReport with CPU-count what-ifs', () => {
  it("adds the configured settings at each nr_cpu_ids, per kernel, and leaves every other configuration at the trace's own", () => {
    const p = planReport({ entries: [64, 128], flowCnt: [8], kernels: ['6.16', '3.19'], cpuWhatIf: [8, 4, 8] });
    expect(p.cpuWhatIf).toEqual([4, 8]);
    const whatIf = p.plan.flatMap((x, i) => (x.group === 'cpu-whatif' ? [{ ...x, req: p.requests[i] }] : []));
    expect(whatIf.map((w) => [w.kernel, w.cpus, w.req.cpus, w.req.role, w.req.entries, w.req.flowCnt])).toEqual([
      ['6.16', 4, 4, 'what-if', undefined, undefined],
      ['6.16', 8, 8, 'what-if', undefined, undefined],
      ['3.19', 4, 4, 'what-if', undefined, undefined],
      ['3.19', 8, 8, 'what-if', undefined, undefined],
    ]);
    // Per kernel: configured + 2 global + 2 what-ifs; plus plain RPS.
    expect(p.requests).toHaveLength(2 * (1 + 2 + 2) + 1);
    for (const [i, r] of p.requests.entries()) if (p.plan[i].group !== 'cpu-whatif') expect(r.cpus).toBeUndefined();
  });

  it('a single --cpus value still applies to every configuration', () => {
    const p = planReport({ entries: [64], flowCnt: [8], cpus: 16 });
    expect(p.requests.every((r) => r.cpus === 16)).toBe(true);
    expect(p.cpuWhatIf).toEqual([]);
    expect(p.cpus).toBe(16);
  });
});

describe('planQueueSweep (the second pass)', () => {
  it("per kernel, every per-queue size at that kernel's advised global size; the header's size when the advice is keep", () => {
    const q = planQueueSweep([{ kernel: '6.16', entries: 4096 }, { kernel: '3.19' }], [8, 64]);
    expect(q.requests).toEqual([
      { role: 'sweep', entries: 4096, flowCnt: 8, kernel: '6.16' },
      { role: 'sweep', entries: 4096, flowCnt: 64, kernel: '6.16' },
      { role: 'sweep', flowCnt: 8, kernel: '3.19' },
      { role: 'sweep', flowCnt: 64, kernel: '3.19' },
    ]);
    expect(q.plan).toEqual([
      { group: 'queue-sweep', kernel: '6.16', entries: 4096 },
      { group: 'queue-sweep', kernel: '6.16', entries: 4096 },
      { group: 'queue-sweep', kernel: '3.19' },
      { group: 'queue-sweep', kernel: '3.19' },
    ]);
  });

  it('carries a single --cpus value, and plans nothing for no kernel', () => {
    expect(planQueueSweep([{ kernel: '6.16' }], [8], 16).requests).toEqual([{ cpus: 16, role: 'sweep', flowCnt: 8, kernel: '6.16' }]);
    expect(planQueueSweep([], [8, 16])).toEqual({ requests: [], plan: [] });
  });
});

describe('nextReplayPart (a pass of many closed-loop lanes in parts, by the memory of their lanes)', () => {
  const sizes = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
  const queueSweep = sizes.map((flowCnt) => ({ role: 'sweep' as const, entries: 262144, flowCnt }));
  // The bench's 10M-row trace.
  const scale = { flows: 182016, sockets: 171243, queues: 16, entries: 32768 };
  const sum = (cs: ConfigRequest[], sc = scale) => cs.reduce((s, c) => s + laneBytes(c, sc), 0);
  const parts = (cs: ConfigRequest[], sc?: typeof scale) => {
    const out: ConfigRequest[][] = [];
    for (let rest = cs; rest.length > 0; ) {
      const n = nextReplayPart(rest, true, sc);
      expect(n).toBeGreaterThan(0);
      out.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    return out;
  };

  it('weighs a configuration by hand: three lanes of runs and tables, two closed lanes of sockets', () => {
    // 3 × (16 × 1000 + 8 × 256 + 16 × 4 × 64) + 2 × 4 × 500
    expect(laneBytes({ entries: 256, flowCnt: 64 }, { flows: 1000, sockets: 500, queues: 4, entries: 32768 })).toBe(70432);
    // Without entries: the header's table; without flowCnt: no per-queue table.
    expect(laneBytes({}, { flows: 0, sockets: 0, queues: 4, entries: 128 })).toBe(3 * 8 * 128);
  });

  it('keeps a pass whole without the closed loop, or while its lanes fit before the trace is known', () => {
    const first = planReport().requests;
    expect(nextReplayPart(first, false)).toBe(first.length);
    expect(nextReplayPart(first.slice(0, 8), true)).toBe(8); // 3 × 8 lanes
    expect(CLOSED_LOOP_LANES_PER_REPLAY).toBe(24);
  });

  it('replays the first configuration alone when the lanes do not fit and the trace is not known yet', () => {
    const first = planReport().requests; // 15 configurations: 45 lanes with the closed loop
    expect(nextReplayPart(first, true)).toBe(1);
  });

  it('cuts the rest by PART_BYTES, in order, none lost, each part within the budget', () => {
    const ps = parts(queueSweep, scale);
    expect(ps.flat()).toEqual(queueSweep);
    expect(ps.length).toBeGreaterThanOrEqual(Math.ceil(sum(queueSweep) / PART_BYTES));
    for (const p of ps) expect(p.length === 1 || sum(p) <= PART_BYTES).toBe(true);
    // The large per-queue sizes share a part among fewer.
    expect(ps[0].length).toBeGreaterThan(ps.at(-1)!.length);
  });

  it('gives a trace of more flows more parts, not larger ones', () => {
    const longer = { ...scale, flows: 10 * scale.flows, sockets: 10 * scale.sockets };
    const few = parts(queueSweep, scale);
    const more = parts(queueSweep, longer);
    expect(more.length).toBeGreaterThan(few.length);
    for (const p of more) expect(p.length === 1 || sum(p, longer) <= PART_BYTES).toBe(true);
  });

  it('keeps a pass whole when its lanes fit the budget, however many', () => {
    const tiny = { flows: 100, sockets: 50, queues: 1, entries: 256 };
    expect(nextReplayPart(planReport().requests, true, tiny)).toBe(planReport().requests.length);
  });
});
