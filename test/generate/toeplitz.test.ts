/**
 * The Toeplitz hash against Microsoft's published RSS verification suite
 * ("Verifying the RSS Hash Calculation"; the same table is in Intel's 82599
 * datasheet, 7.1.2.8.3, and DPDK's test_thash.c). A wrong byte order, bit
 * order or key window would move every generated flow to another queue.
 */
import { describe, expect, it } from 'vitest';
import { defaultIndirection, ipv4Bytes, ipv4TupleBytes, Ipv4Toeplitz, MS_RSS_KEY, toeplitz } from '../../src/generate/toeplitz.js';

// [source, destination, source port, destination port, IPv4-only hash, IPv4 with TCP ports hash]
const IPV4_VECTORS: [string, string, number, number, number, number][] = [
  ['66.9.149.187', '161.142.100.80', 2794, 1766, 0x323e8fc2, 0x51ccc178],
  ['199.92.111.2', '65.69.140.83', 14230, 4739, 0xd718262a, 0xc626b0ea],
  ['24.19.198.95', '12.22.207.184', 12898, 38024, 0xd2d0a5de, 0x5c2b394a],
  ['38.27.205.30', '209.142.163.6', 48228, 2217, 0x82989176, 0xafc7327f],
  ['153.39.163.191', '202.188.127.2', 44251, 1303, 0x5d1809c5, 0x10e828a2],
];

// IPv6 vectors of the same suite (addresses expanded to 16 bytes by hand), TCP ports included.
const IPV6_VECTORS: [number[], number[], number, number, number][] = [
  [v6('3ffe:2501:0200:1fff:0000:0000:0000:0007'), v6('3ffe:2501:0200:0003:0000:0000:0000:0001'), 2794, 1766, 0x40207d3d],
  [v6('3ffe:0501:0008:0000:0260:97ff:fe40:efab'), v6('ff02:0000:0000:0000:0000:0000:0000:0001'), 14230, 4739, 0xdde51bbf],
  [v6('3ffe:1900:4545:0003:0200:f8ff:fe21:67cf'), v6('fe80:0000:0000:0000:0200:f8ff:fe21:67cf'), 44251, 38024, 0x02d1feef],
];

function v6(full: string): number[] {
  return full.split(':').flatMap((g) => [parseInt(g.slice(0, 2), 16), parseInt(g.slice(2), 16)]);
}

const ip = (text: string): number => ipv4Bytes(text)!.reduce((a, b) => a * 256 + b, 0);
const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

describe('Toeplitz hash with the Microsoft key', () => {
  it.each(IPV4_VECTORS)('IPv4 %s -> %s (ports %i -> %i) hashes to the published values', (src, dst, sport, dport, h2, h4) => {
    const tuple = ipv4TupleBytes(ip(src), ip(dst), sport, dport);
    expect(hex(toeplitz(MS_RSS_KEY, tuple.slice(0, 8)))).toBe(hex(h2));
    expect(hex(toeplitz(MS_RSS_KEY, tuple))).toBe(hex(h4));
  });

  it.each(IPV6_VECTORS.map((v, i) => [i, ...v] as const))('IPv6 vector %i with TCP ports hashes to the published value', (_i, src, dst, sport, dport, h) => {
    const input = [...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff];
    expect(hex(toeplitz(MS_RSS_KEY, input))).toBe(hex(h));
  });

  it('IPv6 first vector without ports hashes to 0x2cc18cd5', () => {
    expect(hex(toeplitz(MS_RSS_KEY, [...IPV6_VECTORS[0][0], ...IPV6_VECTORS[0][1]]))).toBe('0x2cc18cd5');
  });

  it('the table-driven IPv4 hash the generator uses gives the same values', () => {
    const t = new Ipv4Toeplitz();
    for (const [src, dst, sport, dport, , h4] of IPV4_VECTORS) expect(hex(t.hash(ip(src), ip(dst), sport, dport))).toBe(hex(h4));
    // And on arbitrary tuples, against the bit-serial definition.
    let x = 12345;
    for (let i = 0; i < 500; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const src = x;
      const dst = (x * 7 + 3) >>> 0;
      const sport = x & 0xffff;
      const dport = (x >>> 16) & 0xffff;
      expect(t.hash(src, dst, sport, dport)).toBe(toeplitz(MS_RSS_KEY, ipv4TupleBytes(src, dst, sport, dport)));
    }
  });

  it('rejects a key too short for the input', () => {
    expect(() => toeplitz([1, 2, 3, 4], [1])).toThrow(RangeError);
  });
});

describe('default RSS indirection table', () => {
  it('maps entry i to queue i % n, like ethtool_rxfh_indir_default', () => {
    const t = defaultIndirection(3);
    expect(t.length).toBe(128);
    expect(Array.from(t.slice(0, 7))).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it("with a power-of-two queue count, the queue is the hash's low bits", () => {
    const t = defaultIndirection(16);
    for (const h of [0x51ccc178, 0xc626b0ea, 0x5c2b394a, 0xafc7327f]) expect(t[h & 127]).toBe(h & 15);
  });
});
