/**
 * The WebAssembly SIMD reader (src/ingest/v1/wasm/v1-rows.ts) reads canonical
 * rows delimiters first. Its contract: it takes a row only if the JavaScript
 * fast row (src/ingest/v1/fast-row.ts) would, with the same values; any other row stops it and
 * goes by the JavaScript paths. Checked three ways: values worked out by hand
 * at each field's limits, a differential property test against the scanner
 * with the SIMD reader off, and the share of real captures it takes (a reader
 * that refused every row would pass the other two, only slower).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readTrace, type ReadOptions } from '../../src/ingest/read.js';
import { DEFERRED_ID, EventKind, NONE, type TraceBatch } from '../../src/ingest/trace.js';
import { writeTrace } from '../helpers/trace.js';

const KERNEL_CAPTURES = new URL('../fixtures/kernel/', import.meta.url).pathname;
const HEAD = new URL('../fixtures/lo-rr-head3000.csv', import.meta.url).pathname;

const COLUMNS = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb', 'line'] as const;
type Rows = Record<(typeof COLUMNS)[number] | 'sockHi' | 'sockLo' | 'skbHi' | 'skbLo', number[]>;

/** Every row's columns (side columns only where an identity is deferred), or the error. */
/** Reads the file with the SIMD reader and without it, expects the same rows or the same error, and says whether the SIMD reader took any row. */
async function readersAgree(path: string, opts: ReadOptions): Promise<boolean> {
  const simd = await read(path, opts);
  const js = await read(path, { ...opts, simd: false });
  const strip = (r: typeof simd) => ('error' in r ? r : { rows: r.rows, skipped: r.skipped });
  expect(strip(simd)).toEqual(strip(js));
  return !('error' in simd) && simd.simdRows > 0;
}

async function read(path: string, opts: ReadOptions): Promise<{ rows: Rows; simdRows: number; skipped: unknown } | { error: string }> {
  const rows = Object.fromEntries([...COLUMNS, 'sockHi', 'sockLo', 'skbHi', 'skbLo'].map((c) => [c, [] as number[]])) as Rows;
  const sink = {
    header() {},
    batch(b: TraceBatch) {
      for (let i = 0; i < b.length; i++) {
        for (const c of COLUMNS) rows[c].push(b[c][i]);
        // A cell at or below DEFERRED_ID keeps its identity's key in the side columns.
        const sock = b.socket[i] <= DEFERRED_ID;
        const skb = b.skb[i] <= DEFERRED_ID;
        rows.sockHi.push(sock ? b.sockHi[i] : -1);
        rows.sockLo.push(sock ? b.sockLo[i] : -1);
        rows.skbHi.push(skb ? b.skbHi[i] : -1);
        rows.skbLo.push(skb ? b.skbLo[i] : -1);
      }
    },
  };
  try {
    const r = await readTrace(path, sink, opts);
    return { rows, simdRows: r.simdRows, skipped: { total: r.skipped.total, byReason: r.skipped.byReason, examples: r.skipped.examples } };
  } catch (e) {
    if (e instanceof InputError) return { error: `${e.line}:${e.column} ${e.detail} (${e.reason})` };
    throw e;
  }
}

const HEADER = [
  '# rfs-trace v1',
  '# nr_cpu_ids=64 rps_sock_flow_entries=256 kernel=6.18',
  ...Array.from({ length: 16 }, (_, q) => `# queue=eth0:${q} rps_cpus=ffffffff,ffffffff rps_flow_cnt=64`),
  '# queue=a-queue-name-of-24-bytes rps_cpus=1 rps_flow_cnt=64',
  // Its first 16 bytes are another's: told apart by the rest.
  '# queue=a-queue-name-of-24-bytez rps_cpus=1 rps_flow_cnt=64',
  'ts,event,cpu,socket,state,rxhash,queue,skb',
].join('\n');

describe('SIMD reader: values at the limits of each field, worked out by hand', () => {
  const lines = [
    // 2^53 - 1 (MAX_SAFE_INTEGER), the largest ts; 16 hex digits in mixed case; decimal 2^32 - 1; state 12.
    '9007199254740991,recvmsg,0,0xFFFFffff00000001,12,4294967295,eth0:1,',
    // Leading zeros; CPU nr_cpu_ids - 1; 0X prefix; 0x0 socket; CR LF ending; 16-digit skb.
    '0000000000000001,sendmsg,63,0X0,1,0xFfFfFfFf,,0xabcdef0123456789\r',
    // A state row: no CPU, no rxhash (0), no queue (the first).
    '2,state,,0x1,10,,,',
    // Decimal rxhash; the last declared queue of 16.
    '3,packet,5,,,123,eth0:15,',
    '4,deliver,5,,,0x7b,eth0:15,0x1',
    // Identities of any text (src/ingest/id-keys.ts): keyed by their bytes (at most 8), by their value (decimal
    // or bare hex numbers), or numbered as texts by the SIMD reader's tables (17 hex digits, a space and a latin1
    // byte in 10 bytes);
    '5,accept,1,0x10000000000000000,1,0x1,,',
    '6,accept,1,0x,1,0x1,,k-1',
    '7,accept,1,18446612686541908352,ESTABLISHED,0x1,,18446612686541908352',
    '8,recvmsg,1,ffff888104a1c000,tcp_close_wait,0x1,,',
    '9,recvmsg,1,socket 7\xe9,Tcp_New_Syn_Recv,0x1,,',
    '10,recvmsg,1,0x10000000000000000,1,0x1,,0x',
    // a queue name longer than 16 bytes;
    '11,packet,2,,,0x1,a-queue-name-of-24-bytes,',
    // from here on rows the SIMD reader must leave to the JavaScript paths, each still valid:
    // a quoted field,
    '12,splice,1,"0x3",1,0x1,,',
    // seven fields (the skb column left out),
    '13,recvmsg,1,0x3,1,0x1,eth0:1',
    // a trailing comma (nine fields),
    '14,packet,2,,,0x1,eth0:3,,',
    // a tab in a text identity,
    '15,recvmsg,1,sock\t7,1,0x1,,',
    // and, after them, one it takes again.
    '16,packet,2,,,0x2,eth0:2,',
  ];
  const path = writeTrace(`${HEADER}\n${lines.join('\n')}\n`, 'simd-limits.csv');

  it('reads each field as format v1 defines it, and takes exactly the rows it should', async () => {
    const r = await read(path, { deferIds: true });
    if ('error' in r) throw new Error(r.error);
    const { rows } = r;
    expect(rows.ts).toEqual([9007199254740991, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const E = EventKind;
    expect(rows.event).toEqual(
      [E.Recvmsg, E.Sendmsg, E.State, E.Packet, E.Deliver, E.Accept, E.Accept, E.Accept, E.Recvmsg, E.Recvmsg, E.Recvmsg].concat([
        E.Packet,
        E.Splice,
        E.Recvmsg,
        E.Packet,
        E.Recvmsg,
        E.Packet,
      ]),
    );
    expect(rows.cpu).toEqual([0, 63, NONE, 5, 5, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 2]);
    expect(rows.state).toEqual([12, 1, 10, 0, 0, 1, 1, 1, 8, 12, 1, 0, 1, 1, 0, 1, 0]);
    expect(rows.rxhash).toEqual([0xffffffff, 0xffffffff, 0, 123, 0x7b, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(rows.queue).toEqual([1, 0, 0, 15, 15, 0, 0, 0, 0, 0, 0, 16, 0, 1, 3, 0, 2]);
    // Deferred identities carry their key in the side columns and its kind in the cell (DEFERRED_ID - kind);
    // texts are numbered on first sight, sockets and skbs apart.
    const [HEX, TEXT, DECIMAL, HEX_LOWER] = [DEFERRED_ID, DEFERRED_ID - 1, DEFERRED_ID - 2, DEFERRED_ID - 3];
    expect(rows.socket.slice(0, 5)).toEqual([HEX, HEX, HEX, NONE, NONE]);
    expect(rows.socket.slice(5, 11)).toEqual([0, TEXT, DECIMAL, HEX_LOWER, 1, 0]);
    expect(rows.sockHi.slice(0, 3)).toEqual([0xffffffff, 0, 0]);
    expect(rows.sockLo.slice(0, 3)).toEqual([1, 0, 1]);
    const decimal = 18446612686541908352n;
    expect([rows.sockHi[6], rows.sockLo[6]]).toEqual([0, 0x7830]); // "0x", little-endian
    expect([rows.sockHi[7], rows.sockLo[7]]).toEqual([Number(decimal >> 32n), Number(decimal & 0xffffffffn)]);
    expect([rows.sockHi[8], rows.sockLo[8]]).toEqual([0xffff8881, 0x04a1c000]);
    expect(rows.skb.slice(0, 5)).toEqual([NONE, HEX, NONE, NONE, HEX]);
    expect(rows.skb.slice(5, 11)).toEqual([NONE, TEXT, DECIMAL, NONE, NONE, TEXT]);
    expect([rows.skbHi[6], rows.skbLo[6]]).toEqual([0, 0x312d6b]); // "k-1"
    expect([rows.skbHi[1], rows.skbLo[1]]).toEqual([0xabcdef01, 0x23456789]);
    expect([rows.skbHi[4], rows.skbLo[4]]).toEqual([0, 1]);
    // 21 header lines: the magic line, the system line, 18 queue lines, the column names.
    expect(rows.line).toEqual(Array.from({ length: 17 }, (_, i) => 22 + i));
    expect(r.simdRows).toBe(13); // every row up to ts 11, and the last
  });

  it('gives the same rows as the JavaScript scanner alone, identities interned or deferred', async () => {
    for (const deferIds of [false, true]) {
      const simd = await read(path, { deferIds });
      const js = await read(path, { deferIds, simd: false });
      expect('error' in js ? js : js.rows).toEqual('error' in simd ? simd : simd.rows);
      expect('error' in js ? -1 : js.simdRows).toBe(0);
    }
  });

  // Each row just past a limit: the SIMD reader must stop there, and the
  // JavaScript paths decide (an error, or for an identity that is not 0x + 1..16
  // hex digits, the general path's text identity).
  const refused: [string, string][] = [
    ['9007199254740992,recvmsg,0,0x1,1,0x1,,', 'ts'],
    ['12345678901234567,recvmsg,0,0x1,1,0x1,,', 'ts'],
    ['1,recvmsg,64,0x1,1,0x1,,', 'cpu'],
    ['1,recvmsg,,0x1,1,0x1,,', 'cpu'],
    ['1,recvmsg,1,,1,0x1,,', 'socket'],
    ['1,recvmsg,1,0x1",1,0x1,,', 'socket'],
    ['1,recvmsg,1,s\u007f,1,0x1,,', 'socket'],
    ['1,recvmsg,1,s\u0001,1,0x1,,', 'socket'],
    ['1,state,1,0x1,,0x1,,', 'state'],
    ['1,recvmsg,1,0x1,13,0x1,,', 'state'],
    ['1,recvmsg,1,0x1,0,0x1,,', 'state'],
    ['1,recvmsg,1,0x1,1,4294967296,,', 'rxhash'],
    ['1,recvmsg,1,0x1,1,0x100000000,,', 'rxhash'],
    ['1,recvmsg,1,0x1,1,0x1,eth0:16,', 'queue'],
    ['1,recvmsg,1,0x1,1,0x1,,0x1"', 'skb'],
    ['1,recvmsg,1,0x1,1,0x1,,0x1\r\r', 'skb'],
    ['1,recvmsg,1,0x1,TCP_,0x1,,', 'state'],
    ['1,recvmsg,1,0x1,TCP_TCP_CLOSE,0x1,,', 'state'],
    ['1,recvmsg,1,0x1,ESTABLISHEDX,0x1,,', 'state'],
    ['1,recvmsG,1,0x1,1,0x1,,', 'event'],
    ['1,recvmsg\u0000,1,0x1,1,0x1,,', 'event'],
  ];
  for (const [line, field] of refused) {
    it(`leaves a ${field} past its limits (${JSON.stringify(line)}) to the JavaScript paths`, async () => {
      const p = writeTrace(`${HEADER}\n3,packet,5,,,123,eth0:15,\n${line}\n`, `simd-bad-${field}.csv`);
      for (const lenient of [false, true]) {
        const simd = await read(p, { lenient });
        const js = await read(p, { lenient, simd: false });
        if ('error' in simd || 'error' in js) {
          expect(simd).toEqual(js);
        } else {
          expect({ rows: simd.rows, skipped: simd.skipped }).toEqual({ rows: js.rows, skipped: js.skipped });
          expect(simd.simdRows, 'only the good first row').toBe(1);
        }
      }
    });
  }
});

describe('SIMD reader = JavaScript scanner, on generated rows (property)', () => {
  const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const hexDigits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${min},${max}}$`));
  const hexId = fc.oneof(
    fc.constant(''),
    hexDigits(1, 16).map((h) => `0x${h}`),
    hexDigits(0, 18).map((h) => `0X${h}`),
    hexDigits(15, 17).map((h) => `0x${h}`),
    fc.constantFrom('x1', '0x1g', '0x 1', '"0x1"', '0x1\r'),
  );
  const field = {
    ts: fc.oneof(digits(1, 13), digits(15, 17), fc.constantFrom('9007199254740991', '9007199254740992', '', '-1', '1.5')),
    event: fc.oneof(
      fc.constantFrom('recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver'),
      fc.constantFrom('Packet', 'packe', 'packets', 'stat', 'statex', 'deliver\u0000', '', 'recvmsg '),
    ),
    cpu: fc.oneof(digits(1, 2), fc.constantFrom('', '63', '64', '00063', '000063', '1a')),
    socket: hexId,
    state: fc.oneof(fc.integer({ min: 0, max: 13 }).map(String), fc.constantFrom('', '01', '012', 'a')),
    rxhash: fc.oneof(
      hexDigits(1, 8).map((h) => `0x${h}`),
      hexDigits(9, 10).map((h) => `0x${h}`),
      digits(1, 11),
      fc.constantFrom('', '4294967295', '4294967296', '0x', '0X0'),
    ),
    queue: fc.oneof(
      fc.integer({ min: 0, max: 16 }).map((q) => `eth0:${q}`),
      fc.constantFrom('', 'eth0:', 'ETH0:1', 'a-queue-name-of-24-bytes', 'eth0:1 '),
    ),
    skb: hexId,
  };
  const row = fc
    .record({
      ...field,
      extra: fc.constantFrom(0, 0, 0, 0, 0, 0, -1, 1),
      eol: fc.constantFrom('\n', '\n', '\n', '\r\n', '\r\r\n', '\n\n'),
    })
    .map(({ extra, eol, ...f }) => {
      const fields = [f.ts, f.event, f.cpu, f.socket, f.state, f.rxhash, f.queue, f.skb];
      if (extra < 0) fields.pop();
      if (extra > 0) fields.push('');
      return fields.join(',') + eol;
    });
  // Mostly good rows (so the SIMD reader runs long stretches), with damaged ones among them.
  const goodRow = fc
    .record({
      ts: digits(1, 15),
      event: fc.constantFrom('recvmsg', 'sendmsg', 'packet'),
      cpu: fc.integer({ min: 0, max: 63 }),
      hash: hexDigits(1, 8),
      sock: hexDigits(1, 16),
      queue: fc.integer({ min: 0, max: 15 }),
    })
    .map((r) =>
      r.event === 'packet' ? `${r.ts},packet,${r.cpu},,,0x${r.hash},eth0:${r.queue},\n` : `${r.ts},${r.event},${r.cpu},0x${r.sock},1,0x${r.hash},,\n`,
    );
  const trace = fc.array(fc.oneof({ weight: 3, arbitrary: goodRow }, { weight: 1, arbitrary: row }), { minLength: 1, maxLength: 40 });

  it('the same rows, skips and errors, whatever the chunking, lenient or not, identities interned or deferred', async () => {
    let n = 0;
    let tookSome = 0;
    await fc.assert(
      fc.asyncProperty(trace, fc.constantFrom(3, 64, 1 << 20), fc.boolean(), fc.boolean(), async (body, chunkSize, lenient, deferIds) => {
        const path = writeTrace(`${HEADER}\n${body.join('')}`, `simd-prop-${n++ % 16}.csv`);
        if (await readersAgree(path, { chunkSize, lenient, deferIds })) tookSome++;
      }),
      { numRuns: 300, seed: 0x51d0 },
    );
    // The generator must let the SIMD reader take rows in most cases, or the agreement above says little about it.
    expect(tookSome).toBeGreaterThan(100);
  }, 120_000);
});

describe('SIMD reader = JavaScript scanner, in any column layout, with identities of any text (property)', () => {
  // A layout: the known columns in any order (queue and skb may be left out), among unknown ones.
  const layout = fc
    .record({
      order: fc.shuffledSubarray(['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb', 'comm', 'pid'], { minLength: 10, maxLength: 10 }),
      drop: fc.constantFrom([], [], ['queue'], ['skb'], ['queue', 'skb'], ['pid']),
    })
    .map(({ order, drop }) => order.filter((c) => !drop.includes(c)));
  const text = fc.oneof(
    fc.stringMatching(/^[a-z][a-z0-9:._-]{0,20}$/),
    fc.stringMatching(/^[0-9]{1,22}$/),
    fc.stringMatching(/^[0-9a-f]{1,18}$/),
    fc.stringMatching(/^[0-9A-F]{7,18}$/),
    fc.stringMatching(/^[0-9a-fA-F]{9,17}$/),
    fc.constantFrom('18446744073709551615', '18446744073709551616', '99999999999999999999', '1844674407370955161', '100000000'),
    fc.stringMatching(/^0x[0-9a-fA-F]{0,17}$/),
    fc.constantFrom('', 'a b', 's\u00e9', 'x"y', 's\ty', 's\u007f', 'x'.repeat(40), '0x' + 'f'.repeat(40)),
  );
  const field = {
    ts: fc.oneof(fc.stringMatching(/^[0-9]{1,16}$/), fc.constantFrom('', '12345678901234567', 'x')),
    event: fc.constantFrom('recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver', 'packets'),
    cpu: fc.oneof(fc.integer({ min: 0, max: 63 }).map(String), fc.constantFrom('', '64', '1a')),
    socket: text,
    state: fc.oneof(
      fc.integer({ min: 0, max: 13 }).map(String),
      fc.constantFrom('', 'ESTABLISHED', 'established', 'TCP_CLOSE', 'tcp_new_syn_recv', 'Close_Wait', 'TCP_', 'CLOSED', 'TCP_TCP_CLOSE'),
    ),
    rxhash: fc.oneof(fc.stringMatching(/^0x[0-9a-f]{1,9}$/), fc.stringMatching(/^[0-9]{1,11}$/), fc.constantFrom('')),
    queue: fc.oneof(
      fc.integer({ min: 0, max: 16 }).map((q) => `eth0:${q}`),
      fc.constantFrom('', 'a-queue-name-of-24-bytes', 'a-queue-name-of-24-byte'),
    ),
    skb: text,
    comm: fc.oneof(fc.constantFrom('nginx', '', 'swapper/0', 'a b', 'w\u00f6rker', 'q"q', 't\tt', 'c\u0001')),
    pid: fc.oneof(fc.integer({ min: 0, max: 99999 }).map(String), fc.constantFrom('')),
  };
  const row = fc.record({ ...field, eol: fc.constantFrom('\n', '\n', '\n', '\r\n', ',\n') });
  // Mostly good rows (so the SIMD reader runs long stretches), with damaged ones among them.
  const goodId = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9:._-]{0,20}$/), fc.stringMatching(/^[0-9]{1,22}$/), fc.stringMatching(/^0x[0-9a-f]{1,16}$/));
  const goodRow = fc
    .record({
      ts: fc.stringMatching(/^[0-9]{1,15}$/),
      event: fc.constantFrom('recvmsg', 'sendmsg', 'packet', 'deliver'),
      cpu: fc.integer({ min: 0, max: 63 }).map(String),
      socket: goodId,
      state: fc.constantFrom('1', '8', 'ESTABLISHED', 'tcp_close_wait', ''),
      rxhash: fc.oneof(fc.stringMatching(/^0x[0-9a-f]{1,8}$/), fc.stringMatching(/^[0-9]{1,9}$/)),
      queue: fc.integer({ min: 0, max: 17 }).map((q) => (q === 16 ? 'a-queue-name-of-24-bytes' : q === 17 ? 'a-queue-name-of-24-bytez' : `eth0:${q}`)),
      skb: fc.oneof(goodId, fc.constant('')),
      comm: fc.constantFrom('nginx', '', 'swapper/0', 'w\u00f6rker'),
      pid: fc.integer({ min: 0, max: 99999 }).map(String),
      eol: fc.constantFrom('\n', '\r\n'),
    })
    .map((r) => (r.event === 'packet' || r.event === 'deliver' ? { ...r, socket: '', state: '' } : { ...r, queue: '', skb: '' }));
  const trace = fc.record({
    columns: layout,
    rows: fc.array(fc.oneof({ weight: 4, arbitrary: goodRow }, { weight: 1, arbitrary: row }), { minLength: 1, maxLength: 30 }),
  });
  const head = HEADER.slice(0, HEADER.lastIndexOf('\n'));

  it('the same rows, skips and errors, whatever the chunking, lenient or not, identities interned or deferred', async () => {
    let n = 0;
    let tookSome = 0;
    await fc.assert(
      fc.asyncProperty(trace, fc.constantFrom(5, 1 << 20), fc.boolean(), fc.boolean(), async ({ columns, rows }, chunkSize, lenient, deferIds) => {
        const body = rows.map((r) => columns.map((c) => r[c as keyof typeof field]).join(',') + r.eol).join('');
        const path = writeTrace(`${head}\n${columns.join(',')}\n${body}`, `simd-layout-prop-${n++ % 16}.csv`);
        if (await readersAgree(path, { chunkSize, lenient, deferIds })) tookSome++;
      }),
      { numRuns: 300, seed: 0x1a70 },
    );
    expect(tookSome).toBeGreaterThan(60);
  }, 120_000);
});

describe('SIMD reader: the share of real traces it takes', () => {
  it('every row of a capture read in one chunk', async () => {
    const r = await read(HEAD, {});
    if ('error' in r) throw new Error(r.error);
    expect(r.rows.ts.length).toBe(2996);
    expect(r.simdRows).toBe(2996);
  });

  for (const name of ['lo-rr-e128-f64.csv.gz', 'lo-bulk-e1024-f1024.csv.gz']) {
    it(`all but the rows that straddle 64 KB chunks of ${name}`, async () => {
      const path = writeTrace(gunzipSync(readFileSync(KERNEL_CAPTURES + name)), `simd-share-${name}.csv`);
      const r = await readTrace(path, { header() {}, batch() {} }, { chunkSize: 65536 });
      expect(r.rows).toBeGreaterThan(100_000);
      // A row cut by a chunk's end is finished by the JavaScript paths; every other row is the SIMD reader's.
      const chunks = Math.ceil(r.source.bytes / 65536);
      expect(r.rows - r.simdRows).toBeGreaterThan(0);
      expect(r.rows - r.simdRows).toBeLessThanOrEqual(chunks);
    });
  }
});
