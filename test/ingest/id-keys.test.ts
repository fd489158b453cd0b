/**
 * Identities as 64-bit keys (src/ingest/id-keys.ts): each kind is read from
 * the text alone and is one-to-one within itself, so two texts get one key
 * only when they are one identity. The SIMD reader keys identities the same
 * way (test/ingest/simd-rows.test.ts compares the two on generated rows).
 */
import { describe, expect, it } from 'vitest';
import { idKey, key, keyText } from '../../src/ingest/id-keys.js';
import { Interner } from '../../src/ingest/interner.js';
import { ID_DECIMAL, ID_HEX, ID_HEX_LOWER, ID_HEX_UPPER, ID_TEXT } from '../../src/ingest/trace-codes.js';

const keyed = (text: string) => {
  const kind = idKey(text);
  return kind < 0 ? null : [kind, key.hi, key.lo];
};

describe('idKey', () => {
  it('0x and 1 to 16 hex digits: the value, whatever the leading zeros and letter case', () => {
    expect(keyed('0xFFFF8881')).toEqual([ID_HEX, 0, 0xffff8881]);
    expect(keyed('0x0000ffff8881')).toEqual(keyed('0xffff8881'));
    expect(keyed('0Xabcdef0123456789')).toEqual([ID_HEX, 0xabcdef01, 0x23456789]);
  });

  it('any other text of 1 to 8 bytes: its bytes, little-endian', () => {
    expect(keyed('s1')).toEqual([ID_TEXT, 0, 0x3173]);
    expect(keyed('0x')).toEqual([ID_TEXT, 0, 0x7830]);
    expect(keyed('12345678')).toEqual([ID_TEXT, 0x38373635, 0x34333231]);
    expect(keyed('s\u00e9')).toEqual([ID_TEXT, 0, 0xe973]);
  });

  it('9 to 20 decimal digits without a leading zero: the value, below 2^64', () => {
    expect(keyed('123456789')).toEqual([ID_DECIMAL, 0, 123456789]);
    expect(keyed('18446744073709551615')).toEqual([ID_DECIMAL, 0xffffffff, 0xffffffff]);
    expect(keyed('18446744073709551616')).toBeNull();
    expect(keyed('0123456789')).toBeNull();
    expect(keyed('123456789012345678901')).toBeNull();
  });

  it('9 to 16 bare hex digits in one letter case, without a leading zero: the value', () => {
    expect(keyed('ffff888104a1c000')).toEqual([ID_HEX_LOWER, 0xffff8881, 0x04a1c000]);
    expect(keyed('FFFF888104A1C000')).toEqual([ID_HEX_UPPER, 0xffff8881, 0x04a1c000]);
    expect(keyed('Ffff888104a1c000')).toBeNull();
    expect(keyed('0fff888104a1c000')).toBeNull();
    expect(keyed('ffff888104a1c0001')).toBeNull();
  });

  it('longer texts are numbered by their bytes', () => {
    expect(keyed('socket-12')).toBeNull();
    expect(keyed('')).toBeNull();
  });

  it('one value in two kinds is two identities', () => {
    const ids = new Interner();
    const texts = ['0xffff888104a1c000', 'ffff888104a1c000', 'FFFF888104A1C000', '18446612686442708992', '0x31', '1', '0x0031'];
    const got = texts.map((t) => ids.intern(t));
    // 0xffff888104a1c000 is 18446612686442708992: the same value in four kinds, four identities.
    expect(BigInt('0xffff888104a1c000')).toBe(18446612686442708992n);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 4]);
  });
});

describe('keyText', () => {
  it("gives back each kind's text from its key (0x hex as bpftrace prints it)", () => {
    const texts = [
      '0xffff888104a1c000',
      '0xa',
      's123',
      'k',
      'abcdefgh',
      '18446612686442708992',
      '123456789',
      'ffff888104a1c000',
      'FFFF888104A1C000',
      'a1b2c3d4e',
    ];
    for (const t of texts) {
      const kind = idKey(t);
      expect(kind, t).toBeGreaterThanOrEqual(0);
      expect(keyText(kind, key.hi, key.lo), t).toBe(t);
    }
    // One identity, one text: leading zeros and upper case are spelled away.
    expect(idKey('0x00FFab')).toBe(ID_HEX);
    expect(keyText(ID_HEX, key.hi, key.lo)).toBe('0xffab');
  });
});
