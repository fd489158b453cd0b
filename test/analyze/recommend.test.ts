import { describe, expect, it } from 'vitest';
import { recommendSize } from '../../src/analyze/recommend.js';

const pts = (pairs: [number, number | null][]) => pairs.map(([size, value]) => ({ size, value }));

describe('recommendSize', () => {
  it('picks the smallest size within 1 pp of the largest size tried (boundary included)', () => {
    // largest: 0.95 → threshold 0.94; 256 has exactly 0.94.
    const r = recommendSize(pts([[64, 0.5], [128, 0.8], [256, 0.94], [512, 0.949], [1024, 0.95]]), 'higher');
    expect(r).toMatchObject({ size: 256, value: 0.94, reference: { size: 1024, value: 0.95 }, tolerance: 0.01 });
  });

  it('rejects a size just outside the tolerance', () => {
    const r = recommendSize(pts([[64, 0.9399], [128, 0.95]]), 'higher');
    expect(r?.size).toBe(128);
  });

  it('does not depend on point order, and takes the smallest qualifying size on a non-monotone curve', () => {
    const a = recommendSize(pts([[256, 0.95], [64, 0.96], [128, 0.5]]), 'higher');
    expect(a?.size).toBe(64);
    expect(a?.reference.size).toBe(256);
  });

  it('for "lower is better" measures allows at most tolerance above the reference', () => {
    const r = recommendSize(pts([[8, 0.05], [16, 0.0201], [32, 0.015], [64, 0.01]]), 'lower');
    expect(r?.size).toBe(32); // 0.015 <= 0.01 + 0.01; 0.0201 is not
  });

  it('skips unmeasurable points and returns null when nothing was measured', () => {
    expect(recommendSize(pts([[64, null], [128, 0.9], [256, null]]), 'higher')).toMatchObject({ size: 128, reference: { size: 128 } });
    expect(recommendSize(pts([[64, null]]), 'higher')).toBeNull();
    expect(recommendSize([], 'lower')).toBeNull();
  });

  it('honours a custom tolerance', () => {
    expect(recommendSize(pts([[64, 0.9], [128, 0.95], [256, 1]]), 'higher', 0.1)?.size).toBe(64);
  });
});
