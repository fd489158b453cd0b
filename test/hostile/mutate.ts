/**
 * Mutations of valid v1 traces, as fast-check arbitraries: the damage real
 * traces suffer (a flipped byte, a cut-off file, fields in the wrong order,
 * values a spreadsheet mangled, stray NULs/CRs/quotes, a second trace
 * appended) applied to text that starts out valid.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

const HEAD = new URL('../fixtures/lo-rr-head3000.csv', import.meta.url).pathname;

/** Base traces: real capture rows, and a hand-written one using the rarer syntax (names, quotes, decimal hashes, a 2-queue header). */
export const BASES: string[] = (() => {
  const lines = readFileSync(HEAD, 'latin1').split('\n');
  const real = lines.slice(0, 4 + 120).join('\n') + '\n';
  const rare = [
    '\xef\xbb\xbf# rfs-trace v1',
    '# nr_cpu_ids=4 rps_sock_flow_entries=16 kernel=test',
    '# queue=eth0:0 rps_cpus=f rps_flow_cnt=8',
    '# queue=eth0:1 rps_cpus=3 rps_flow_cnt=1',
    '',
    'rxhash,event,ts,cpu,socket,state,queue,skb,note',
    '0x10,accept,100,1,s1,ESTABLISHED,,,a',
    '16,recvmsg,200,2,"s1",tcp_established,,,"x,y"',
    '0x10,packet,300,0,,,eth0:1,k1,',
    '0x10,deliver,350,2,,,eth0:1,k1,',
    '4294967295,sendmsg,400,3,s2,1,,,',
    '0xffffffff,packet,410,1,,,"eth0:0",k2,',
    '0xffffffff,packet,405,1,,,eth0:0,k3,',
    '0xffffffff,deliver,420,1,,,eth0:0,k9,',
    '0x10,state,500,,s1,TCP_CLOSE,,,',
    '0,recvmsg,600,0,s3,1,,,',
    '',
  ].join('\r\n');
  return [real, rare];
})();

const INSERTS = ['\0', '\r', '"', ',', '\n', '#', '\xef\xbb\xbf', ' ', '\t', '""', '\xff', '-', '.', 'x'];
/** Values at and past every limit (2^32, 2^53, u16 CPU ids), in both notations, and what spreadsheets write. */
const HUGE = [
  '9'.repeat(17),
  '9'.repeat(400),
  '0x' + 'f'.repeat(9),
  '0x' + '0'.repeat(30) + '1',
  '4294967295',
  '4294967296',
  '0xffffffff',
  '0x100000000',
  '9007199254740991',
  '9007199254740992',
  '99999999999999999',
  '-1',
  '1.5',
  '1e9',
  '1,000',
  '',
  '0',
  '00000000000000000000001',
  '65535',
  '65536',
  '0x',
  '1',
  '2',
  '3',
  '12',
  '13',
  'TCP_CLOSE',
  'tcp_listen',
  'eth0:0',
  'lo:0',
  ' 1',
  '"1"',
];

export type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swap'; line: number; a: number; b: number }
  | { kind: 'huge'; line: number; field: number; value: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'dupLine'; line: number; to: number };

/**
 * Positions are fractions of the current length, so a mutation fits any text.
 * Unbiased: fast-check's default bias towards 0 would put nearly every
 * mutation in the header and leave the row checks unexercised.
 */
const frac = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1e6);

// Weighted towards field-level damage, which reaches the most row checks (and the two readers' separate conversions).
export const mutationArb: fc.Arbitrary<Mutation> = fc
  .oneof(
    { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: frac, byte: fc.integer({ min: 0, max: 255 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: frac }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('swap' as const), line: frac, a: fc.nat(8), b: fc.nat(8) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('huge' as const), line: frac, field: fc.nat(8), value: fc.constantFrom(...HUGE) }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: frac, text: fc.constantFrom(...INSERTS) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: frac, len: fc.integer({ min: 1, max: 40 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('dupLine' as const), line: frac, to: frac }), weight: 1 },
  )
  .map((m) => m as Mutation);

function mapLine(text: string, at: number, f: (line: string) => string): string {
  const lines = text.split('\n');
  const i = Math.floor(at * lines.length);
  lines[i] = f(lines[i]);
  return lines.join('\n');
}

export function applyMutation(text: string, m: Mutation): string {
  const pos = (x: number) => Math.floor(x * (text.length + 1));
  switch (m.kind) {
    case 'flip': {
      const i = Math.min(pos(m.at), text.length - 1);
      return i < 0 ? text : text.slice(0, i) + String.fromCharCode(m.byte) + text.slice(i + 1);
    }
    case 'truncate':
      return text.slice(0, pos(m.at));
    case 'swap':
      return mapLine(text, m.line, (l) => {
        const f = l.split(',');
        const a = m.a % f.length;
        const b = m.b % f.length;
        [f[a], f[b]] = [f[b], f[a]];
        return f.join(',');
      });
    case 'huge':
      return mapLine(text, m.line, (l) => {
        const f = l.split(',');
        f[m.field % f.length] = m.value;
        return f.join(',');
      });
    case 'insert': {
      const i = pos(m.at);
      return text.slice(0, i) + m.text + text.slice(i);
    }
    case 'delete': {
      const i = pos(m.at);
      return text.slice(0, i) + text.slice(i + m.len);
    }
    case 'dupLine': {
      const lines = text.split('\n');
      const from = lines[Math.floor(m.line * lines.length)];
      lines.splice(Math.floor(m.to * (lines.length + 1)), 0, from);
      return lines.join('\n');
    }
  }
}

/** A complete fuzz case: which base, which damage, how it is stored and read. */
export interface FuzzCase {
  base: number;
  mutations: Mutation[];
  /** Store gzip-compressed; `cutGzip` (a fraction) then cuts the compressed bytes. */
  gzip: boolean;
  cutGzip: number | null;
  lenient: boolean;
  chunkSize: number;
}

export const caseArb: fc.Arbitrary<FuzzCase> = fc.record({
  base: fc.nat(BASES.length - 1),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
  gzip: fc.boolean(),
  // Most gzip cases are whole; one in four is cut short somewhere.
  cutGzip: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: frac, weight: 1 }),
  lenient: fc.boolean(),
  chunkSize: fc.constantFrom(3, 64, 1 << 20),
});

/** The bytes of a case's input file. */
export function caseBytes(c: FuzzCase): Buffer {
  const text = c.mutations.reduce(applyMutation, BASES[c.base]);
  const raw = Buffer.from(text, 'latin1');
  if (!c.gzip) return raw;
  const gz = gzipSync(raw);
  return c.cutGzip === null ? gz : gz.subarray(0, Math.floor(c.cutGzip * gz.length));
}
