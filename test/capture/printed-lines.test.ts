/**
 * The capture protocol's two readers (src/ingest/importers/printed-lines.ts
 * for lines as the program prints them, the assembler's general path for
 * any other): they must take the same values from a line. Each printed
 * line is read once as printed (the one-pass reader takes it) and once
 * with its fields two spaces apart (only the general path takes that); the
 * rows, stats and errors must be the same. Lines the one-pass reader must
 * refuse are checked to go the general way, with its verdict.
 */
import { describe, expect, it } from 'vitest';
import { CaptureAssembler, NO_TAIL } from '../../src/ingest/importers/capture-protocol.js';
import { readPrinted } from '../../src/ingest/importers/printed-lines.js';

const HEAD = ['rfs-capture v1', 'cfg nr_cpu_ids=4 rps_sock_flow_entries=64', 'cfg queue=eth0:0 rps_cpus=f rps_flow_cnt=16', 'ifname 2 eth0'];

/** Rows, stats and header comments of a capture of these lines; or its error. */
function outcome(lines: string[]): unknown {
  const asm = new CaptureAssembler('cap');
  try {
    [...HEAD, ...lines].forEach((l, i) => asm.add(l, i + 1));
    const done = asm.finish();
    return { rows: done.rows, comments: done.comments, stats: asm.stats };
  } catch (e) {
    return String(e);
  }
}

const read = (line: string): number => {
  const b = Buffer.from(line, 'latin1');
  return readPrinted(b, 0, b.length, b.length, NO_TAIL);
};

/** The same line, each field two spaces apart: only the general path reads it. */
const spaced = (line: string): string => line.replaceAll(' ', '  ');

// Every kind as the program prints it, at the edges of each field.
const PRINTED = [
  'rec 1000 0 r 0xffff888100100000 1 2070713719',
  'rec 1001 3 s 0xffff888100100000 10 0',
  'rec 1002 1 a 0x1 0 4294967295',
  'rec 1003 2 p 0xa 13 5', // state 13 is no TCP state: the row has none
  'rec 9007199254740991 0 r 0xffffffffffffffff 1 7',
  'st 1004 1 0xffff888100100000 1 7 2070713719',
  'st 1005 0 0x2 8 12 0',
  'pkt 1006 0 x 0xffff888200000000 2070713719 1 2',
  'pkt 1007 1 e 0xffff888200000100 0 0 2',
  'pkt 1008 2 l 0xffff888200000200 5 4 2', // queue_mapping 4: eth0:3, beyond the device's one queue
  'pkt 1009 3 g 0xffff888200000300 6 1 2', // GRO, no deliver row: merged
  'pkt 1010 3 f 0xffff888200000400 7 1 7', // an ifindex without a name
  'dlv 1011 1 0xffff888200000000 2070713719 1 2',
  'dlv 1012 2 0xffff888200000400 0 1 7',
];

describe('the one-pass reader takes the values the general path takes', () => {
  it('reads every printed kind, and refuses the same lines spaced out', () => {
    for (const l of PRINTED) {
      expect(read(l), l).toBe(l.length);
      expect(read(spaced(l)), spaced(l)).toBe(-1);
    }
  });

  it('gives the same rows, stats and header from printed lines as from spaced ones', () => {
    const printed = outcome(PRINTED);
    expect(printed).not.toEqual(expect.any(String));
    expect(outcome(PRINTED.map(spaced))).toEqual(printed);
  });

  it('gives each printed line alone the same row as the general path', () => {
    for (const l of PRINTED) expect(outcome([l]), l).toEqual(outcome([spaced(l)]));
  });

  it('reads a line whose end it finds itself: LF, CR LF, or the JSON tail first', () => {
    const line = PRINTED[0];
    for (const ending of ['\n', '\r\n']) {
      const b = Buffer.from(line + ending + 'next', 'latin1');
      expect(readPrinted(b, 0, -1, b.length, NO_TAIL), JSON.stringify(ending)).toBe(line.length + ending.length);
    }
    const json = Buffer.from(line + '\\n"}\nnext', 'latin1');
    expect(readPrinted(json, 0, -1, json.length, Buffer.from('\\n"}', 'latin1'))).toBe(line.length + 5);
    // No newline before the limit (the chunk ends mid-line): not read, left for the next chunk.
    const cut = Buffer.from(line, 'latin1');
    expect(readPrinted(cut, 0, -1, cut.length, NO_TAIL)).toBe(-1);
    // A lone CR is no line end.
    const cr = Buffer.from(line + '\rx\n', 'latin1');
    expect(readPrinted(cr, 0, -1, cr.length, NO_TAIL)).toBe(-1);
  });
});

describe('lines the one-pass reader refuses go the general way', () => {
  const CASES: [what: string, line: string][] = [
    ['a leading zero in the time', 'rec 01000 0 r 0xa 1 5'],
    ['the time in hex', 'rec 0x3e8 0 r 0xa 1 5'],
    ['a time beyond 2^53', 'rec 9007199254740993 0 r 0xa 1 5'],
    ['a leading zero in the CPU', 'rec 1000 01 r 0xa 1 5'],
    ['a CPU that is no number', 'rec 1000 c1 r 0xa 1 5'],
    ['an identity in upper case', 'rec 1000 0 r 0xFFFF8881 1 5'],
    ['an identity with leading zeros', 'rec 1000 0 r 0x00a 1 5'],
    ['an identity of zero', 'rec 1000 0 r 0x0 1 5'],
    ['an identity that is no hex', 'rec 1000 0 r sock7 1 5'],
    ['a hash in hex', 'rec 1000 0 r 0xa 1 0x5'],
    ['a hash beyond 32 bits', 'rec 1000 0 r 0xa 1 4294967296'],
    ['a new state beyond 12', 'st 1000 0 0xa 1 13 5'],
    ['a record kind that is no kind', 'rec 1000 0 q 0xa 1 5'],
    ['a packet source that is no source', 'pkt 1000 0 z 0xa 5 1 2'],
    ['a field too few', 'rec 1000 0 r 0xa 1'],
    ['a field too many', 'rec 1000 0 r 0xa 1 5 6'],
    ['a trailing space', 'rec 1000 0 r 0xa 1 5 '],
    ['a tab between fields', 'rec 1000\t0 r 0xa 1 5'],
    ['a negative ifindex', 'pkt 1000 0 x 0xa 5 1 -1'],
  ];
  for (const [what, line] of CASES) {
    it(`${what}: ${JSON.stringify(line)}`, () => {
      expect(read(line)).toBe(-1);
      // The general path reads it as it reads the same line spaced out (or fails alike, at the same field).
      const general = outcome([line]);
      const other = outcome([spaced(line)]);
      if (typeof general === 'string') expect(general.replace(/:\d+:\d+:/, ':L:C:')).toBe(String(other).replace(/:\d+:\d+:/, ':L:C:'));
      else expect(general).toEqual(other);
    });
  }

  it('says a hash beyond 32 bits is one, at its position', () => {
    expect(outcome(['rec 1000 0 r 0xa 1 4294967296'])).toBe('InputError: cap:5:20: expected hash (32 bits) in the rfs-capture line, found "4294967296"');
  });
});
