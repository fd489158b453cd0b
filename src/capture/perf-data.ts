/**
 * A reader of the perf.data files `perf record` writes (file mode,
 * little-endian, uncompressed): the event attributes, then every sample's
 * time, CPU and raw tracepoint record, and the samples perf itself lost.
 * Only what the capture records is supported: tracepoint samples, no
 * call chains or read values (see tools/perf/Documentation/perf.data-file-format.txt
 * and include/uapi/linux/perf_event.h for the layout).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { captureMsg } from '../messages.js';

/** "PERFILE2" read as a little-endian u64. */
const MAGIC = 0x32454c4946524550n;
const FILE_HEADER_BYTES = 104;

// perf_event_attr.sample_type bits, in the order perf_output_sample() writes their fields.
const S_IP = 1n << 0n;
const S_TID = 1n << 1n;
const S_TIME = 1n << 2n;
const S_ADDR = 1n << 3n;
const S_READ = 1n << 4n;
const S_CALLCHAIN = 1n << 5n;
const S_ID = 1n << 6n;
const S_CPU = 1n << 7n;
const S_PERIOD = 1n << 8n;
const S_STREAM_ID = 1n << 9n;
const S_RAW = 1n << 10n;
const S_IDENTIFIER = 1n << 16n;

const RECORD_LOST = 2;
const RECORD_SAMPLE = 9;
const RECORD_LOST_SAMPLES = 13;
const RECORD_COMPRESSED = 81;

export interface PerfAttr {
  /** PERF_TYPE_TRACEPOINT is 2; `config` is then the tracepoint id. */
  type: number;
  config: number;
  sampleType: bigint;
  ids: bigint[];
}

export interface PerfSample {
  /** The sample's event: its perf type (2 = tracepoint) and config (the tracepoint id). */
  type: number;
  config: number;
  /** PERF_SAMPLE_TIME: nanoseconds of the clock perf was given (-k). */
  time: number;
  cpu: number;
  /** The raw tracepoint record (struct trace_entry first); a view into a reused buffer, valid during the callback only. */
  raw: Buffer;
}

export interface PerfDataSummary {
  attrs: PerfAttr[];
  samples: number;
  /** Samples the kernel could not write because perf's ring buffer was full (PERF_RECORD_LOST and PERF_RECORD_LOST_SAMPLES). */
  lost: number;
}

/** Where each field of a sample of one attribute sits; null when absent. */
interface SampleLayout {
  identifier: boolean;
  /** Offsets from the start of the sample body, valid up to the call chain. */
  time: number | null;
  cpu: number | null;
  /** Offset of the call chain (variable length) or of the raw size when there is no call chain. */
  afterFixed: number;
  callchain: boolean;
  raw: boolean;
}

function layoutOf(sampleType: bigint, path: string): SampleLayout {
  if (sampleType & S_READ) throw new UsageError(captureMsg.perfDataUnsupported(path, 'samples with read values (PERF_SAMPLE_READ)'));
  let pos = 0;
  const identifier = (sampleType & S_IDENTIFIER) !== 0n;
  if (identifier) pos += 8;
  if (sampleType & S_IP) pos += 8;
  if (sampleType & S_TID) pos += 8;
  let time: number | null = null;
  if (sampleType & S_TIME) {
    time = pos;
    pos += 8;
  }
  if (sampleType & S_ADDR) pos += 8;
  if (sampleType & S_ID) pos += 8;
  if (sampleType & S_STREAM_ID) pos += 8;
  let cpu: number | null = null;
  if (sampleType & S_CPU) {
    cpu = pos;
    pos += 8;
  }
  if (sampleType & S_PERIOD) pos += 8;
  return { identifier, time, cpu, afterFixed: pos, callchain: (sampleType & S_CALLCHAIN) !== 0n, raw: (sampleType & S_RAW) !== 0n };
}

/** Reads `length` bytes at `position`, failing with the file's name when it ends early. */
function readAt(fd: number, path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new UsageError(captureMsg.perfDataTruncated(path));
    got += n;
  }
  return buf;
}

/**
 * Calls `onSample` for every sample, in file order (per-CPU buffers are
 * flushed in rounds, so times are not globally sorted), and returns the
 * attributes and the lost-sample count.
 */
export function readPerfData(path: string, onSample: (s: PerfSample) => void): PerfDataSummary {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < FILE_HEADER_BYTES) throw new UsageError(captureMsg.perfDataTruncated(path));
    const h = readAt(fd, path, 0, FILE_HEADER_BYTES);
    if (h.readBigUInt64LE(0) !== MAGIC)
      throw new UsageError(captureMsg.perfDataUnsupported(path, 'a file that does not start with PERFILE2 (little-endian, file mode)'));
    const attrSize = Number(h.readBigUInt64LE(16));
    const attrsOffset = Number(h.readBigUInt64LE(24));
    const attrsBytes = Number(h.readBigUInt64LE(32));
    const dataOffset = Number(h.readBigUInt64LE(40));
    const dataBytes = Number(h.readBigUInt64LE(48));
    // Each entry: a perf_event_attr of attr_size - 16 bytes, then the file section of its sample ids.
    const attrBytes = attrSize - 16;
    if (attrBytes < 64 || attrsBytes % attrSize !== 0) throw new UsageError(captureMsg.perfDataUnsupported(path, `attribute entries of ${attrSize} bytes`));
    if (dataBytes === 0 || dataOffset + dataBytes > size) throw new UsageError(captureMsg.perfDataTruncated(path));

    const attrs: PerfAttr[] = [];
    const layouts: SampleLayout[] = [];
    const byId = new Map<bigint, number>();
    const table = readAt(fd, path, attrsOffset, attrsBytes);
    for (let off = 0; off < attrsBytes; off += attrSize) {
      const sampleType = table.readBigUInt64LE(off + 24);
      const idsOffset = Number(table.readBigUInt64LE(off + attrBytes));
      const idsBytes = Number(table.readBigUInt64LE(off + attrBytes + 8));
      const idBuf = idsBytes > 0 ? readAt(fd, path, idsOffset, idsBytes) : Buffer.alloc(0);
      const ids: bigint[] = [];
      for (let i = 0; i + 8 <= idsBytes; i += 8) {
        ids.push(idBuf.readBigUInt64LE(i));
        byId.set(idBuf.readBigUInt64LE(i), attrs.length);
      }
      attrs.push({ type: table.readUInt32LE(off), config: Number(table.readBigUInt64LE(off + 8)), sampleType, ids });
      layouts.push(layoutOf(sampleType, path));
    }
    if (attrs.length === 0) throw new UsageError(captureMsg.perfDataUnsupported(path, 'a file without events'));
    // With several events perf puts PERF_SAMPLE_IDENTIFIER first in every sample; that is how a sample finds its event.
    if (attrs.length > 1 && !layouts.every((l) => l.identifier)) {
      throw new UsageError(captureMsg.perfDataUnsupported(path, 'several events without PERF_SAMPLE_IDENTIFIER'));
    }

    let samples = 0;
    let lost = 0;
    const CHUNK = 8 << 20;
    const buf = Buffer.alloc(CHUNK);
    let bufStart = 0; // data-section offset of buf[0]
    let bufLen = 0;
    let pos = 0; // next record, as a data-section offset
    /** Makes bytes [pos, pos + need) of the data section available in buf (a record is at most 64 KiB: its size is 16 bits). */
    const ensure = (need: number): void => {
      if (pos + need <= bufStart + bufLen) return;
      const keep = bufStart + bufLen - pos;
      buf.copy(buf, 0, pos - bufStart, pos - bufStart + keep);
      const want = Math.min(CHUNK - keep, dataBytes - pos - keep);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, keep + got, want - got, dataOffset + pos + keep + got);
        if (n === 0) break;
        got += n;
      }
      bufStart = pos;
      bufLen = keep + got;
      if (need > bufLen) throw new UsageError(captureMsg.perfDataTruncated(path));
    };
    const sample: PerfSample = { type: 0, config: 0, time: 0, cpu: 0, raw: buf };
    while (pos < dataBytes) {
      ensure(8);
      const recSize = buf.readUInt16LE(pos - bufStart + 6);
      if (recSize < 8) throw new UsageError(captureMsg.perfDataUnsupported(path, `a record of ${recSize} bytes at data offset ${pos}`));
      if (pos + recSize > dataBytes) throw new UsageError(captureMsg.perfDataTruncated(path));
      ensure(recSize);
      const at = pos - bufStart;
      const type = buf.readUInt32LE(at);
      const body = at + 8;
      if (type === RECORD_SAMPLE) {
        let attr = 0;
        if (attrs.length > 1) {
          const found = byId.get(buf.readBigUInt64LE(body));
          if (found === undefined) throw new UsageError(captureMsg.perfDataUnsupported(path, `a sample of an unknown event id at data offset ${pos}`));
          attr = found;
        }
        const l = layouts[attr];
        if (l.raw && l.time !== null && l.cpu !== null) {
          let p = body + l.afterFixed;
          if (l.callchain) p += 8 + 8 * Number(buf.readBigUInt64LE(p));
          const rawSize = buf.readUInt32LE(p);
          if (p + 4 + rawSize > at + recSize)
            throw new UsageError(captureMsg.perfDataUnsupported(path, `a raw record overrunning its sample at data offset ${pos}`));
          sample.type = attrs[attr].type;
          sample.config = attrs[attr].config;
          sample.time = Number(buf.readBigUInt64LE(body + l.time));
          sample.cpu = buf.readUInt32LE(body + l.cpu);
          sample.raw = buf.subarray(p + 4, p + 4 + rawSize);
          samples++;
          onSample(sample);
        }
      } else if (type === RECORD_LOST) {
        lost += Number(buf.readBigUInt64LE(body + 8));
      } else if (type === RECORD_LOST_SAMPLES) {
        lost += Number(buf.readBigUInt64LE(body));
      } else if (type === RECORD_COMPRESSED) {
        throw new UsageError(captureMsg.perfDataUnsupported(path, 'compressed records (perf record -z)'));
      }
      pos += recSize;
    }
    return { attrs, samples, lost };
  } finally {
    closeSync(fd);
  }
}
