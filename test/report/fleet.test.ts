/** One global size for a fleet (report/fleet.ts), worked out by hand. */
import { describe, expect, it } from 'vitest';
import { fleetAnswer, type FleetTrace } from '../../src/report/fleet.js';

function trace(name: string, packets: number, flows: number, localities: Record<number, number | null>, resolved = packets): FleetTrace {
  return {
    name,
    packets,
    distinct_flows: flows,
    global_sweep: Object.entries(localities).map(([e, locality]) => ({ entries: Number(e), locality, resolved })),
  };
}

describe('fleetAnswer', () => {
  it('maximises the packet-weighted locality; each trace loses against its own best', () => {
    // Weights 300/400 = 0.75 and 100/400 = 0.25:
    //   L(64)  = 0.75·0.50 + 0.25·0.90 = 0.600
    //   L(128) = 0.75·0.80 + 0.25·0.60 = 0.750
    //   L(256) = 0.75·0.82 + 0.25·0.70 = 0.790  ← best; 128 is 4 pp below, beyond the 1 pp cap on ties.
    const f = fleetAnswer([trace('a', 300, 100, { 64: 0.5, 128: 0.8, 256: 0.82 }), trace('b', 100, 100, { 64: 0.9, 128: 0.6, 256: 0.7 })])!;
    expect(f.entries).toBe(256);
    expect(f.locality).toBeCloseTo(0.79, 12);
    expect(f.best_entries).toBe(256);
    expect(f.sizes.map((s) => [s.entries, Number(s.locality.toFixed(3))])).toEqual([
      [64, 0.6],
      [128, 0.75],
      [256, 0.79],
    ]);
    // The margin between 128 and 256 is 1.96·sqrt(Σ w²p(1−p)/F over both sizes) ≈ 8.8 pp, so the tie is the 1 pp cap.
    expect(f.tie_tolerance).toBe(0.01);
    expect(f.traces.map((t) => [t.name, t.weight, t.best_entries, Number(t.loss.toFixed(6))])).toEqual([
      ['a', 0.75, 256, 0],
      ['b', 0.25, 64, 0.2],
    ]);
    expect(f.left_out).toEqual([]);
  });

  it('sizes within min(margin, 1 pp) of the best tie, and the smallest table wins', () => {
    //   L(128) = 0.75·0.81 + 0.25·0.72 = 0.7875, L(256) = 0.790: 0.25 pp apart.
    const f = fleetAnswer([trace('a', 300, 100, { 64: 0.5, 128: 0.81, 256: 0.82 }), trace('b', 100, 100, { 64: 0.9, 128: 0.72, 256: 0.7 })])!;
    expect(f.entries).toBe(128);
    expect(f.locality).toBeCloseTo(0.7875, 12);
    expect(f.best_entries).toBe(256);
    expect(f.traces.map((t) => Number(t.loss.toFixed(6)))).toEqual([0.01, 0.18]);
  });

  it('the noise margin, when below 1 pp, is the tie', () => {
    // A million flows each: the margin is tiny, so 0.25 pp below the best no longer ties.
    const f = fleetAnswer([trace('a', 300, 1e6, { 128: 0.81, 256: 0.82 }, 1e6), trace('b', 100, 1e6, { 128: 0.72, 256: 0.7 }, 1e6)])!;
    expect(f.tie_tolerance).toBeLessThan(0.002);
    expect(f.entries).toBe(256);
  });

  it('weighs only sizes every trace was replayed at, and leaves out traces that measure no locality', () => {
    const f = fleetAnswer([
      trace('a', 300, 100, { 64: 0.99, 128: 0.8, 256: 0.82 }),
      trace('b', 100, 100, { 128: 0.6, 256: 0.7 }),
      trace('hashless', 500, 100, { 64: null, 128: null, 256: null }),
    ])!;
    expect(f.sizes.map((s) => s.entries)).toEqual([128, 256]);
    expect(f.left_out).toEqual(['hashless']);
    expect(f.traces.map((t) => t.weight)).toEqual([0.75, 0.25]);
    expect(fleetAnswer([trace('hashless', 500, 100, { 64: null })])).toBeNull();
  });
});
