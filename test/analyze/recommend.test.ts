import { describe, expect, it } from 'vitest';
import { compare, decideSize, type SizeCandidate } from '../../src/analyze/recommend.js';

/** A candidate with 4 B per slot of memory and a million packets, all resolved; cross-CPU share 0.5 unless given. */
const c = (size: number, locality: number | null, cross = 0.5, packets = 1e6): SizeCandidate => ({
  size,
  locality,
  cross_cpu_share: cross,
  memory_bytes: 4 * size,
  resolved: packets,
  packets,
});

// The 95% margin between shares a and b with F flows, worked out here: 1.96 · sqrt((a(1−a) + b(1−b)) / F).
const margin = (a: number, b: number, F: number) => 1.959963984540054 * Math.sqrt((a * (1 - a) + b * (1 - b)) / F);

describe('compare', () => {
  it('gives the change and the flow-clustered 95% margin, with draws capped at the packets measured', () => {
    const v = compare(c(64, 0.5), c(128, 0.7, 0.4), 900)!;
    expect(v.locality_change).toBeCloseTo(0.2, 12);
    expect(v.locality_margin).toBeCloseTo(margin(0.5, 0.7, 900), 12);
    expect(v.cross_cpu_change).toBeCloseTo(-0.1, 12);
    expect(v.cross_cpu_margin).toBeCloseTo(margin(0.5, 0.4, 900), 12);
    // 10^6 flows but 1000 packets: 1000 draws.
    expect(compare(c(64, 0.5, 0.5, 1000), c(128, 0.7, 0.5, 1000), 1e6)!.locality_margin).toBeCloseTo(margin(0.5, 0.7, 1000), 12);
    expect(compare(c(64, null), c(128, 0.7), 900)).toBeNull();
  });
});

describe('decideSize', () => {
  it('grows to the smallest size within 1 pp of the best locality when the gain is beyond noise (boundary included)', () => {
    // F = 10,000: margin(0.5, 0.81) = 1.25 pp, so ties are within min(1.25, 1) = 1 pp of 0.81: 256 (exactly 0.80) qualifies.
    const sweep = [c(64, 0.5), c(128, 0.7), c(256, 0.8), c(512, 0.805), c(1024, 0.81)];
    const d = decideSize(c(64, 0.5), sweep, 10_000);
    expect(d).toMatchObject({ action: 'grow', reason: 'locality', size: 256, chosen: 2, best: 4 });
    expect(d.tie_tolerance).toBe(0.01);
    expect(d.versus!.locality_change).toBeCloseTo(0.3, 12);
    expect(d.versus!.locality_margin).toBeCloseTo(margin(0.5, 0.8, 10_000), 12);
    // Just below the 1 pp tie: 256 at 0.7999 is left out, 512 is the smallest tied size.
    expect(decideSize(c(64, 0.5), [c(64, 0.5), c(256, 0.7999), c(512, 0.805), c(1024, 0.81)], 10_000).size).toBe(512);
  });

  it('keeps the configured size when no size beats it by more than the noise margin, and names the best size tried', () => {
    // F = 100: margin(0.5, 0.55) = 13.8 pp > 5 pp.
    const d = decideSize(c(128, 0.5), [c(64, 0.45), c(128, 0.5), c(256, 0.55)], 100);
    expect(d).toMatchObject({ action: 'keep', reason: 'within_noise', size: 128, chosen: null, best: 2 });
    expect(d.versus!.locality_change).toBeCloseTo(0.05, 12);
    expect(d.versus!.locality_margin).toBeCloseTo(margin(0.5, 0.55, 100), 12);
    // The same gain with 10,000 flows (margin 1.38 pp) is real.
    expect(decideSize(c(128, 0.5), [c(64, 0.45), c(128, 0.5), c(256, 0.55)], 10_000)).toMatchObject({ action: 'grow', size: 256 });
  });

  it('never picks a size that loses locality, however much it cuts the cross-CPU share or saves memory', () => {
    const d = decideSize(c(1024, 0.6, 0.5), [c(64, 0.59, 0.1), c(1024, 0.6, 0.5)], 1e6);
    expect(d).toMatchObject({ action: 'keep', size: 1024 });
  });

  it('changes size for a lower cross-CPU share beyond its margin when locality does not fall', () => {
    // cross margin(0.5, 0.3) at 10,000 flows = 1.33 pp < 20 pp.
    const d = decideSize(c(64, 0.6, 0.5), [c(64, 0.6, 0.5), c(128, 0.6, 0.3)], 10_000);
    expect(d).toMatchObject({ action: 'grow', reason: 'cross_cpu', size: 128 });
  });

  it('shrinks when a smaller table gives more locality beyond noise', () => {
    expect(decideSize(c(1024, 0.6), [c(64, 0.7), c(1024, 0.6)], 10_000)).toMatchObject({ action: 'shrink', reason: 'locality', size: 64 });
  });

  it('among sizes tied on locality, the lower cross-CPU share beyond its tie wins over memory', () => {
    // 256 and 512 tie on locality (0.80, 0.805); 512's cross-CPU share (0.40) is 20 pp lower: 256 is out of the cross tie.
    const d = decideSize(c(64, 0.5, 0.6), [c(64, 0.5, 0.6), c(256, 0.8, 0.6), c(512, 0.805, 0.4)], 10_000);
    expect(d).toMatchObject({ action: 'grow', size: 512 });
  });

  it('does not depend on candidate order', () => {
    const sweep = [c(1024, 0.81), c(256, 0.8), c(64, 0.5), c(512, 0.805), c(128, 0.7)];
    expect(decideSize(c(64, 0.5), sweep, 10_000)).toMatchObject({ action: 'grow', size: 256, chosen: 1, best: 0 });
  });

  it('is unknown when locality cannot be measured', () => {
    expect(decideSize(c(64, null), [c(64, null), c(128, null)], 100)).toMatchObject({ action: 'unknown', reason: 'no_locality', size: null });
    expect(decideSize(c(64, 0.5), [c(128, 0.6)], 0)).toMatchObject({ action: 'unknown', size: null });
  });
});

describe('decideSize with the closed loop: the whole range must favour a change', () => {
  /** `c` with its closed loop at the follow rate's lower and upper bounds. */
  const closed = (size: number, open: number, low: number, high: number, cross = 0.5): SizeCandidate => ({
    ...c(size, open, cross),
    closed: { locality: low, locality_high: high, cross_cpu_share: cross, cross_cpu_share_high: cross },
  });

  it('takes the change in each mode against the configured size in the same mode', () => {
    // Configured (the kernel ran it: no closed loop) 0.5; candidate open 0.7, closed 0.52, at the upper bound 0.9.
    const v = compare(c(64, 0.5), closed(256, 0.7, 0.52, 0.9), 10_000)!;
    expect(v.locality_change).toBeCloseTo(0.2, 12);
    expect(v.locality_change_range[0]).toBeCloseTo(0.02, 12);
    expect(v.locality_change_range[1]).toBeCloseTo(0.4, 12);
    // Both with a closed loop: mode against mode (open 0.2, low 0.6 − 0.5 = 0.1, high 0.65 − 0.55 = 0.1).
    const w = compare(closed(64, 0.5, 0.5, 0.55), closed(256, 0.7, 0.6, 0.65), 10_000)!;
    expect(w.locality_change_range[0]).toBeCloseTo(0.1, 12);
    expect(w.locality_change_range[1]).toBeCloseTo(0.2, 12);
  });

  it('keeps the table when the open loop gains beyond noise but the closed loop does not', () => {
    // F = 10,000: margin(0.5, 0.7) = 1.9 pp. The closed loop gains 0.51 − 0.5 = 1 pp: not beyond it.
    expect(decideSize(c(64, 0.5), [c(64, 0.5), closed(256, 0.7, 0.51, 0.72)], 10_000)).toMatchObject({ action: 'keep', reason: 'within_noise' });
    // With the whole range beyond it, the same size is advised.
    expect(decideSize(c(64, 0.5), [c(64, 0.5), closed(256, 0.7, 0.65, 0.72)], 10_000)).toMatchObject({ action: 'grow', size: 256 });
  });

  it('does not advise a lower cross-CPU share at equal locality when the closed loop might lose locality', () => {
    // Open: locality equal, cross-CPU 10 pp lower; closed: locality 1 pp lower.
    expect(decideSize(c(64, 0.6, 0.5), [c(64, 0.6, 0.5), closed(128, 0.6, 0.59, 0.6, 0.4)], 10_000)).toMatchObject({ action: 'keep' });
    expect(decideSize(c(64, 0.6, 0.5), [c(64, 0.6, 0.5), closed(128, 0.6, 0.6, 0.61, 0.4)], 10_000)).toMatchObject({ action: 'grow', reason: 'cross_cpu' });
  });
});
