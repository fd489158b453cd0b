/**
 * rps_cpus masks as users write them: the kernel prints comma groups of 8 hex
 * digits, least significant last (bitmap_print_to_pagebuf()); other tools
 * write one long hex number. Both name the same CPUs.
 */
import { describe, expect, it } from 'vitest';
import { parseHexMask } from '../../src/ingest/v1/header.js';

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('parseHexMask', () => {
  it("a 64-CPU mask without commas equals the kernel's comma-grouped spelling", () => {
    expect(parseHexMask('ffffffffffffffff')).toEqual(range(0, 64));
    expect(parseHexMask('ffffffff,ffffffff')).toEqual(range(0, 64));
  });

  it('digits are cut into 32-bit groups from the right, whatever their number', () => {
    // 0x1_00000003: CPUs 0, 1 and 32.
    expect(parseHexMask('100000003')).toEqual([0, 1, 32]);
    expect(parseHexMask('1,00000003')).toEqual([0, 1, 32]);
    // 72 bits: CPU 68 from the top digit, CPU 0 from the last.
    expect(parseHexMask('10' + '0'.repeat(15) + '1')).toEqual([0, 68]);
    expect(parseHexMask('3')).toEqual([0, 1]);
  });

  it('comma groups stay at most 8 digits; anything not hex is refused', () => {
    expect(parseHexMask('fffffffff,ffffffff')).toBeNull();
    expect(parseHexMask('0xg')).toBeNull();
    expect(parseHexMask('')).toBeNull();
    expect(parseHexMask('ff,,ff')).toBeNull();
  });
});
