/**
 * The perf.data reader and the tracepoint decoding of the capture's packet
 * side, on files built here byte by byte after the documented layout
 * (tools/perf/Documentation/perf.data-file-format.txt), with the raw
 * records of this kernel's tracepoint formats.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPerfData } from '../../src/capture/perf-data.js';
import { decodePerfData, deviceFilter, perfRecordArgs, type PerfEvent } from '../../src/capture/perf-packets.js';
import { parseTracepointFormat, stringField, fieldOf } from '../../src/capture/tracepoint-format.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-perfdata-'));

// Formats as tracefs prints them on Linux 6.18 (fields not used here left out).
const NETIF_RX_ENTRY = `name: netif_rx_entry
ID: 2297
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:__data_loc char[] name;	offset:8;	size:4;	signed:0;
	field:unsigned int napi_id;	offset:12;	size:4;	signed:0;
	field:u16 queue_mapping;	offset:16;	size:2;	signed:0;
	field:const void * skbaddr;	offset:24;	size:8;	signed:0;
	field:u32 hash;	offset:44;	size:4;	signed:0;
	field:unsigned char nr_frags;	offset:72;	size:1;	signed:0;
	field:u16 gso_type;	offset:76;	size:2;	signed:0;

print fmt: "dev=%s ...", __get_str(name)
`;
const NETIF_RECEIVE_SKB = `name: netif_receive_skb
ID: 2303
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:void * skbaddr;	offset:8;	size:8;	signed:0;
	field:unsigned int len;	offset:16;	size:4;	signed:0;
	field:__data_loc char[] name;	offset:20;	size:4;	signed:0;
`;
const INET_SOCK_SET_STATE = `name: inet_sock_set_state
ID: 2287
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:const void * skaddr;	offset:8;	size:8;	signed:0;
	field:int oldstate;	offset:16;	size:4;	signed:1;
	field:int newstate;	offset:20;	size:4;	signed:1;
	field:__u16 protocol;	offset:30;	size:2;	signed:0;
	field:__u8 saddr[4];	offset:32;	size:4;	signed:0;
`;

const rxEntry = parseTracepointFormat('net:netif_rx_entry', NETIF_RX_ENTRY);
const receiveSkb = parseTracepointFormat('net:netif_receive_skb', NETIF_RECEIVE_SKB);
const setState = parseTracepointFormat('sock:inet_sock_set_state', INET_SOCK_SET_STATE);

/** A raw tracepoint record: `size` bytes, common_type first, then the given writes. */
function raw(id: number, size: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt16LE(id, 0);
  write(b);
  return b;
}

function withString(b: Buffer, fieldOffset: number, at: number, s: string): void {
  b.write(s + '\0', at, 'latin1');
  b.writeUInt32LE(((s.length + 1) << 16) | at, fieldOffset);
}

const packetRaw = (skb: bigint, hash: number, qm: number, dev: string): Buffer =>
  raw(2297, 88, (b) => {
    withString(b, 8, 80, dev);
    b.writeUInt16LE(qm, 16);
    b.writeBigUInt64LE(skb, 24);
    b.writeUInt32LE(hash, 44);
  });
const deliverRaw = (skb: bigint, dev: string): Buffer =>
  raw(2303, 32, (b) => {
    b.writeBigUInt64LE(skb, 8);
    withString(b, 20, 24, dev);
  });
const stateRaw = (sk: bigint, oldstate: number, newstate: number): Buffer =>
  raw(2287, 40, (b) => {
    b.writeBigUInt64LE(sk, 8);
    b.writeInt32LE(oldstate, 16);
    b.writeInt32LE(newstate, 20);
    b.writeUInt16LE(6, 30);
  });

// sample_type of perf record's tracepoint events: IP|TID|TIME|CPU|PERIOD|RAW|IDENTIFIER; its dummy event: IP|TID|TIME|CPU|IDENTIFIER.
const TRACEPOINT_SAMPLE = 0x1n | 0x2n | 0x4n | 0x80n | 0x100n | 0x400n | 0x10000n;
const DUMMY_SAMPLE = 0x1n | 0x2n | 0x4n | 0x80n | 0x10000n;

interface Attr {
  type: number;
  config: number;
  sampleType: bigint;
  ids: bigint[];
}

function header(type: number, size: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt16LE(size, 6);
  return h;
}

function sample(attr: Attr, time: number, cpu: number, rawRecord: Buffer | null): Buffer {
  const parts: Buffer[] = [];
  const u64 = (v: bigint): void => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    parts.push(b);
  };
  u64(attr.ids[cpu]); // IDENTIFIER
  u64(0xffffffff81000000n); // IP
  u64(0x0000002a0000002an); // TID: pid, tid
  u64(BigInt(time)); // TIME
  u64(BigInt(cpu)); // CPU, reserved
  if (attr.sampleType & 0x100n) u64(1n); // PERIOD
  if (rawRecord) {
    // RAW: u32 size, then the record, padded so the sample stays 8-byte aligned.
    const pad = (8 - ((4 + rawRecord.length) % 8)) % 8;
    const size = Buffer.alloc(4);
    size.writeUInt32LE(rawRecord.length + pad);
    parts.push(size, rawRecord, Buffer.alloc(pad));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([header(9, 8 + body.length), body]);
}

function lost(id: bigint, n: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(id, 0);
  b.writeBigUInt64LE(BigInt(n), 8);
  return Buffer.concat([header(2, 24), b]);
}

/** A perf.data file: header, attribute table (with id sections), data section. */
function perfData(attrs: Attr[], records: Buffer[], attrSize = 136): Buffer {
  const attrBytes = attrSize - 16;
  const idsOffset = 104;
  const idBlocks = attrs.map((a) => {
    const b = Buffer.alloc(8 * a.ids.length);
    a.ids.forEach((id, i) => b.writeBigUInt64LE(id, 8 * i));
    return b;
  });
  const idsBytes = idBlocks.reduce((n, b) => n + b.length, 0);
  const attrsOffset = idsOffset + idsBytes;
  const table = Buffer.alloc(attrSize * attrs.length);
  let idAt = idsOffset;
  attrs.forEach((a, i) => {
    const o = i * attrSize;
    table.writeUInt32LE(a.type, o);
    table.writeUInt32LE(attrBytes, o + 4);
    table.writeBigUInt64LE(BigInt(a.config), o + 8);
    table.writeBigUInt64LE(1n, o + 16);
    table.writeBigUInt64LE(a.sampleType, o + 24);
    table.writeBigUInt64LE(BigInt(idAt), o + attrBytes);
    table.writeBigUInt64LE(BigInt(idBlocks[i].length), o + attrBytes + 8);
    idAt += idBlocks[i].length;
  });
  const data = Buffer.concat(records);
  const dataOffset = attrsOffset + table.length;
  const h = Buffer.alloc(104);
  h.write('PERFILE2', 0, 'latin1');
  h.writeBigUInt64LE(104n, 8);
  h.writeBigUInt64LE(BigInt(attrSize), 16);
  h.writeBigUInt64LE(BigInt(attrsOffset), 24);
  h.writeBigUInt64LE(BigInt(table.length), 32);
  h.writeBigUInt64LE(BigInt(dataOffset), 40);
  h.writeBigUInt64LE(BigInt(data.length), 48);
  return Buffer.concat([h, ...idBlocks, table, data]);
}

const ENTRY: Attr = { type: 2, config: 2297, sampleType: TRACEPOINT_SAMPLE, ids: [12n, 13n] };
const DELIVER: Attr = { type: 2, config: 2303, sampleType: TRACEPOINT_SAMPLE, ids: [14n, 15n] };
const STATE: Attr = { type: 2, config: 2287, sampleType: TRACEPOINT_SAMPLE, ids: [16n, 17n] };
const DUMMY: Attr = { type: 1, config: 9, sampleType: DUMMY_SAMPLE, ids: [18n, 19n] };

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('tracepoint formats', () => {
  it('finds each field by name, with its offset and size, and the event id', () => {
    expect(rxEntry.id).toBe(2297);
    expect(fieldOf(rxEntry, 'queue_mapping')).toEqual({ offset: 16, size: 2, dynamic: null });
    expect(fieldOf(rxEntry, 'skbaddr')).toEqual({ offset: 24, size: 8, dynamic: null });
    expect(fieldOf(rxEntry, 'name')).toEqual({ offset: 8, size: 4, dynamic: 'data_loc' });
    expect(fieldOf(setState, 'saddr')).toEqual({ offset: 32, size: 4, dynamic: null });
    expect(() => fieldOf(receiveSkb, 'hash')).toThrow(/net:netif_receive_skb: no field hash/);
  });

  it('reads a __data_loc string from offset and length packed in the field', () => {
    expect(stringField(packetRaw(1n, 2, 3, 'vethB'), fieldOf(rxEntry, 'name'))).toBe('vethB');
  });
});

describe('readPerfData', () => {
  it("reads each sample's event, time, CPU and raw record, and sums lost samples", () => {
    const path = write(
      'a.data',
      perfData(
        [ENTRY, DELIVER, STATE, DUMMY],
        [
          sample(ENTRY, 1000, 1, packetRaw(0xffff888100000100n, 0x2d5c63c5, 2, 'vethB')),
          sample(DUMMY, 1001, 0, null),
          lost(13n, 7),
          sample(DELIVER, 1500, 0, deliverRaw(0xffff888100000100n, 'vethB')),
        ],
      ),
    );
    const seen: { config: number; time: number; cpu: number; size: number }[] = [];
    const r = readPerfData(path, (s) => seen.push({ config: s.config, time: s.time, cpu: s.cpu, size: s.raw.length }));
    // The dummy event's sample has no raw record: it is not a tracepoint sample and is skipped.
    expect(seen).toEqual([
      { config: 2297, time: 1000, cpu: 1, size: 92 },
      { config: 2303, time: 1500, cpu: 0, size: 36 },
    ]);
    expect(r.samples).toBe(2);
    expect(r.lost).toBe(7);
    expect(r.attrs.map((a) => a.config)).toEqual([2297, 2303, 2287, 9]);
  });

  it('reads records across its 8 MiB buffer boundary', () => {
    const records: Buffer[] = [];
    for (let i = 0; i < 120_000; i++) records.push(sample(ENTRY, 10 + i, i % 2, packetRaw(BigInt(i), i, 1, 'lo')));
    const path = write('big.data', perfData([ENTRY, DUMMY], records));
    let n = 0;
    let ordered = true;
    readPerfData(path, (s) => {
      ordered &&= s.time === 10 + n && s.raw.readUInt32LE(44) === n;
      n++;
    });
    expect(n).toBe(120_000);
    expect(ordered).toBe(true);
  });

  it('says which perf.data it cannot read, in one line', () => {
    const good = perfData([ENTRY, DUMMY], [sample(ENTRY, 1, 0, packetRaw(1n, 1, 1, 'lo'))]);
    expect(() => readPerfData(write('cut.data', good.subarray(0, good.length - 10)), () => {})).toThrow(/cut\.data: the perf\.data file ends early/);
    const notPerf = Buffer.from(good);
    notPerf.write('PERFFILE', 0, 'latin1');
    expect(() => readPerfData(write('x.data', notPerf), () => {})).toThrow(/does not start with PERFILE2/);
    const noIdentifier = perfData([{ ...ENTRY, sampleType: ENTRY.sampleType & ~0x10000n }, DUMMY], [lost(12n, 1)]);
    expect(() => readPerfData(write('noid.data', noIdentifier), () => {})).toThrow(/several events without PERF_SAMPLE_IDENTIFIER/);
  });
});

describe('decodePerfData', () => {
  const events: PerfEvent[] = [
    { format: rxEntry, kind: 'packet', src: 'x', filter: deviceFilter(['vethB']) },
    { format: receiveSkb, kind: 'deliver', src: '', filter: deviceFilter(['vethB']) },
    { format: setState, kind: 'state', src: '', filter: 'protocol == 6' },
  ];

  it('turns samples into packets, deliveries and state changes with the fields the capture uses', () => {
    const path = write(
      'd.data',
      perfData(
        [ENTRY, DELIVER, STATE, DUMMY],
        [
          sample(ENTRY, 1000, 1, packetRaw(0xffff888122b4e6e0n, 0x2d5c63c5, 3, 'vethB')),
          sample(DELIVER, 1500, 0, deliverRaw(0xffff888122b4e6e0n, 'vethB')),
          sample(STATE, 1600, 0, stateRaw(0xffff888109571bc0n, 2, 1)),
          lost(12n, 2),
        ],
      ),
    );
    const got: unknown[] = [];
    const r = decodePerfData(path, events, {
      packet: (e) => got.push(['packet', e]),
      deliver: (e) => got.push(['deliver', e]),
      state: (e) => got.push(['state', e]),
    });
    expect(got).toEqual([
      ['packet', { ts: 1000, cpu: 1, src: 'x', skb: '0xffff888122b4e6e0', hash: 0x2d5c63c5, queueMapping: 3, dev: 'vethB' }],
      ['deliver', { ts: 1500, cpu: 0, skb: '0xffff888122b4e6e0', dev: 'vethB' }],
      ['state', { ts: 1600, cpu: 0, socket: '0xffff888109571bc0', newState: 1 }],
    ]);
    expect(r).toEqual({ samples: 3, lost: 2 });
  });

  it('records every CPU on the monotonic clock, events enabled after a delay, one filter per event', () => {
    const args = perfRecordArgs(events, '/tmp/p.data', 2048, 1);
    expect(args.slice(0, 7)).toEqual(['record', '-a', '-k', 'CLOCK_MONOTONIC', '-D', '1', '-m']);
    expect(args.join(' ')).toContain(
      '-e net:netif_rx_entry --filter name == "vethB" -e net:netif_receive_skb --filter name == "vethB" -e sock:inet_sock_set_state --filter protocol == 6',
    );
  });

  it('filters several devices by name and refuses names a filter cannot quote', () => {
    expect(deviceFilter(['lo', 'eth0'])).toBe('name == "lo" || name == "eth0"');
    expect(() => deviceFilter(['a"b'])).toThrow(/contains a quote or backslash/);
  });
});
