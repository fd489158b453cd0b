import { describe, expect, it } from 'vitest';
import { differenceMargin, flowDraws, standardError, Z_95 } from '../../src/analyze/noise.js';

describe('noise margin', () => {
  it('z is the two-sided 95% normal quantile', () => {
    expect(Z_95).toBeCloseTo(1.96, 2);
  });

  it('treats each flow as one draw, never more draws than packets', () => {
    expect(flowDraws(936, 31_071)).toBe(936);
    expect(flowDraws(241_236, 1000)).toBe(1000);
    expect(flowDraws(10, 0)).toBe(0);
  });

  it('standard error sqrt(p(1-p)/n); margin z·sqrt(se1² + se2²), by hand for the default trace', () => {
    // Default trace: 936 flows, locality 62.97% configured and 62.93% at 262,144 slots.
    expect(standardError({ share: 0.5, draws: 100 })).toBeCloseTo(0.05, 12);
    const m = differenceMargin({ share: 0.6297, draws: 936 }, { share: 0.6293, draws: 936 })!;
    expect(m).toBeCloseTo(1.959963984540054 * Math.sqrt((0.6297 * 0.3703 + 0.6293 * 0.3707) / 936), 12);
    expect(m * 100).toBeCloseTo(4.37, 1);
  });

  it('is null without a draw, and never above 1', () => {
    expect(standardError({ share: 0.5, draws: 0 })).toBeNull();
    expect(differenceMargin({ share: 0.5, draws: 0 }, { share: 0.5, draws: 10 })).toBeNull();
    expect(differenceMargin({ share: 0.5, draws: 1 }, { share: 0.5, draws: 1 })).toBe(1);
  });
});
