/** The sampling rule's arithmetic and the exact/estimated split (docs/model.md#flow-sampling). */
import { describe, expect, it } from 'vitest';
import {
  ALL_METRIC_NAMES,
  configExactness,
  DEFAULT_SAMPLE_SHIFT,
  describeRule,
  exactFromEntries,
  keepsHash,
  parseOneIn,
  SAMPLED_METRIC_GROUPS,
  sampleMask,
  sampleRuleOf,
} from '../../src/types/sampling.js';

describe('the rule', () => {
  it('keeps hashes whose bits shift..shift+bits-1 are zero, 0 included', () => {
    const mask = sampleMask({ shift: 9, bits: 4 });
    expect(mask).toBe(0x1e00);
    expect(keepsHash(mask, 0x5e1d21c7)).toBe(true); // bits 9..12 of 0x21c7 = 0b0000
    expect(keepsHash(mask, 0x5e1d20c7 | 0x200)).toBe(false);
    expect(keepsHash(mask, 0)).toBe(true);
    expect(sampleMask({ shift: 28, bits: 4 })).toBe(0xf0000000);
    expect(keepsHash(sampleMask({ shift: 28, bits: 4 }), 0x8000_0000)).toBe(false);
    expect(sampleMask({ shift: 0, bits: 32 })).toBe(0xffffffff);
  });

  it('keeps one flow in 2^bits of uniform hashes', () => {
    const mask = sampleMask({ shift: DEFAULT_SAMPLE_SHIFT, bits: 4 });
    let kept = 0;
    let x = 12345;
    for (let i = 0; i < 160_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      if (keepsHash(mask, Math.imul(x, 0x9e3779b1) >>> 0)) kept++;
    }
    expect(kept / 160_000).toBeCloseTo(1 / 16, 2);
  });

  it('is exact from 2^(shift + bits) global slots', () => {
    expect(exactFromEntries({ shift: 9, bits: 4 })).toBe(8192);
    expect(describeRule({ shift: 9, bits: 4 })).toBe('1/16 (hash bits 9..12 zero)');
    expect(describeRule({ shift: 3, bits: 1 })).toBe('1/2 (hash bit 3 zero)');
  });

  it('reads 1/N for powers of two only, within the hash', () => {
    expect(parseOneIn('1/16')).toBe(4);
    expect(parseOneIn('1/2')).toBe(1);
    for (const bad of ['1/1', '1/3', '1/0', '2/16', '16', '1/2147483649', '1/-4', '']) expect(parseOneIn(bad)).toBeNull();
    expect(sampleRuleOf('1/16')).toEqual({ shift: 9, bits: 4 });
    expect(sampleRuleOf('1/16', 28)).toEqual({ shift: 28, bits: 4 });
    expect(sampleRuleOf('1/16', 29)).toBeNull();
    expect(sampleRuleOf('1/16', -1)).toBeNull();
  });
});

describe('exact and estimated metrics', () => {
  const rule = { shift: 9, bits: 4 };
  const at = (over: Partial<Parameters<typeof configExactness>[1]>) =>
    configExactness(rule, { entriesEffective: 8192, hashedQueueSlot: true, resetOnRehash: false, queueSlots: [4096], headModel: 'deliver', ...over });

  it('names every metric of the result once', () => {
    const grouped = Object.values(SAMPLED_METRIC_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...ALL_METRIC_NAMES].sort());
    const e = at({});
    expect([...e.exact, ...e.estimated].sort()).toEqual([...ALL_METRIC_NAMES].sort());
  });

  it('global table at the bound: its metrics exact, placement estimated under deliver heads', () => {
    const e = at({});
    expect(e.global_table_exact).toBe(true);
    expect(e.exact).toEqual(expect.arrayContaining(['hit_ratio', 'collision_rate', 'alias_rate', 'stale_rate', 'writes', 'evictions', 'packets']));
    expect(e.estimated).toEqual(expect.arrayContaining(['locality', 'cross_cpu_share', 'agreement', 'ooo_holds', 'slot_conflicts']));
  });

  it('below the bound only what a row decides alone stays exact', () => {
    const e = at({ entriesEffective: 4096 });
    expect(e.global_table_exact).toBe(false);
    expect(e.exact.sort()).toEqual([...SAMPLED_METRIC_GROUPS.row].sort());
  });

  it('instant heads make placement exact; unhashed per-queue slots at the bound make their entries exact', () => {
    expect(at({ headModel: 'instant' }).exact).toEqual(expect.arrayContaining(['locality', 'per_cpu']));
    expect(at({ headModel: 'instant' }).estimated.sort()).toEqual(['slot_conflicts', 'slot_switches']);
    expect(at({ headModel: 'instant', hashedQueueSlot: false, queueSlots: [8192, 0] }).estimated).toEqual([]);
    expect(at({ headModel: 'instant', hashedQueueSlot: false, queueSlots: [4096] }).estimated.sort()).toEqual(['slot_conflicts', 'slot_switches']);
    expect(at({ headModel: 'fifo:2000ns', hashedQueueSlot: false, queueSlots: [8192] }).estimated).not.toContain('slot_conflicts');
  });

  it('no global table is exact at any rule; 3.19’s rehash reset never is', () => {
    expect(at({ entriesEffective: 0 }).global_table_exact).toBe(true);
    expect(at({ resetOnRehash: true, entriesEffective: 1 << 20 }).global_table_exact).toBe(false);
  });
});
