/**
 * The byte scanner's fused fast path: one row of the canonical layout
 * (ts,event,cpu,socket,state,rxhash,queue,skb), each field scanned and
 * converted in one pass, no string and no object per row. It takes only rows
 * it fully recognises as valid; the general path (row.ts) reads any other,
 * and owns every error message. The SIMD reader (simd.ts) takes a stricter
 * subset of these rows, with the same values.
 */
import { MAX_TS } from '../fields.js';
import { EventKind, NONE } from '../trace.js';
import type { BatchWriter } from './batch-writer.js';
import { MAX_LINE } from './framing.js';

// Module-local on purpose: V8 compiles these into the byte loops as immediates,
// but loads an imported binding from its module cell at every use.
const COMMA = 0x2c,
  LF = 0x0a,
  CR = 0x0d;

export class FastRow {
  /** The queue the last row named (rows of one queue often come in runs). */
  private lastFastQueue = 0;

  /** `queueBytes`: the declared queue names, in header order. */
  constructor(
    private readonly out: BatchWriter,
    private readonly nrCpuIds: number,
    private readonly queueBytes: Buffer[],
  ) {}

  /**
   * Row `line` of the canonical layout, from `start`, scanning and converting
   * each field in a single pass. The row ends at `end` or at a newline before
   * it (LF or CR LF); returns the position after that newline (`end` when
   * there is none). Returns -1, having changed nothing, for any row it does
   * not fully recognise as valid; the general path then reads it again.
   */
  read(buf: Buffer, start: number, end: number, line: number): number {
    let p = start;
    let c = 0;
    let d = 0;
    // ts: 1..16 decimal digits
    let ts = 0;
    const tsStart = p;
    while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
      ts = ts * 10 + d;
      p++;
    }
    if (p === tsStart || p - tsStart > 16 || ts > MAX_TS || p >= end || buf[p] !== COMMA) return -1;
    p++;
    // event: a known name
    let event = -1;
    c = buf[p];
    const evStart = p;
    while (p < end && buf[p] !== COMMA && buf[p] !== LF) p++;
    event = eventAt(buf, evStart, p - evStart, c);
    if (event < 0 || p >= end || buf[p] !== COMMA) return -1;
    p++;
    // cpu: empty (state rows only) or 1..5 digits below nr_cpu_ids
    let cpu: number = NONE;
    if (buf[p] !== COMMA) {
      cpu = 0;
      const s = p;
      while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
        cpu = cpu * 10 + d;
        p++;
      }
      if (p === s || p - s > 5 || cpu >= this.nrCpuIds) return -1;
    } else if (event !== EventKind.State) {
      return -1;
    }
    if (p >= end || buf[p] !== COMMA) return -1;
    p++;
    // socket: empty or 0x + 1..16 hex digits
    // Interned at the end: a row this path gives up on must leave no identity behind.
    let haveSocket = false;
    let sockHi = 0;
    let sockLo = 0;
    if (buf[p] !== COMMA) {
      if (buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return -1;
      p += 2;
      const s = p;
      let hi = 0;
      let lo = 0;
      while (p < end && (d = HEX[buf[p]]) >= 0) {
        hi = (hi << 4) | (lo >>> 28);
        lo = (lo << 4) | d;
        p++;
      }
      hi >>>= 0;
      lo >>>= 0;
      if (p === s || p - s > 16) return -1;
      haveSocket = true;
      sockHi = hi;
      sockLo = lo;
    } else if (event <= EventKind.State) {
      return -1;
    }
    if (p >= end || buf[p] !== COMMA) return -1;
    p++;
    // state: empty or 1..12 as digits
    let state = 0;
    if (buf[p] !== COMMA) {
      const s = p;
      while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
        state = state * 10 + d;
        p++;
      }
      if (p === s || p - s > 2 || state < 1 || state > 12) return -1;
    } else if (event === EventKind.State) {
      return -1;
    }
    if (p >= end || buf[p] !== COMMA) return -1;
    p++;
    // rxhash: empty, 0x + 1..8 hex digits, or decimal below 2^32
    let rxhash = 0;
    if (buf[p] !== COMMA) {
      if (buf[p] === 48 && (buf[p + 1] | 0x20) === 0x78) {
        p += 2;
        const s = p;
        let v = 0;
        while (p < end && (d = HEX[buf[p]]) >= 0) {
          v = (v << 4) | d;
          p++;
        }
        // More than 8 digits (leading zeros, or too large) is left to the general path.
        if (p === s || p - s > 8) return -1;
        rxhash = v >>> 0;
      } else {
        const s = p;
        while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
          rxhash = rxhash * 10 + d;
          p++;
        }
        if (p === s || p - s > 10 || rxhash > 0xffffffff) return -1;
      }
    }
    if (p >= end || buf[p] !== COMMA) return -1;
    p++;
    // queue: empty (the first queue) or a declared name
    let queue = 0;
    if (p < end && buf[p] !== COMMA && !isRowEnd(buf, p)) {
      const s = p;
      while (p < end && buf[p] !== COMMA && buf[p] !== LF) p++;
      queue = this.queueFast(buf, s, p);
      if (queue < 0) return -1;
    }
    // skb: the last field, empty or 0x + 1..16 hex digits
    let skb: number = NONE;
    if (p < end && !isRowEnd(buf, p)) {
      if (buf[p] !== COMMA) return -1;
      p++;
      if (p < end && !isRowEnd(buf, p)) {
        if (buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return -1;
        p += 2;
        const s = p;
        let hi = 0;
        let lo = 0;
        // int32 arithmetic in the loop (>>> 0 per digit would make doubles); unsigned at the end.
        while (p < end && (d = HEX[buf[p]]) >= 0) {
          hi = (hi << 4) | (lo >>> 28);
          lo = (lo << 4) | d;
          p++;
        }
        hi >>>= 0;
        lo >>>= 0;
        if (p === s || p - s > 16 || (p !== end && !isRowEnd(buf, p))) return -1;
        skb = this.out.skbHex(hi, lo);
      }
    }
    // The row's end: `end`, or its newline (a line longer than MAX_LINE is the framer's to reject).
    let next = end;
    if (p < end) {
      if (buf[p] === LF) next = p + 1;
      else if (buf[p] === CR && buf[p + 1] === LF) next = p + 2;
      else return -1;
      if (next - 1 - start > MAX_LINE) return -1;
    }
    const socket = haveSocket ? this.out.socketHex(sockHi, sockLo) : NONE;

    this.out.append(ts, event, cpu, socket, state, rxhash, queue, skb, line);
    return next;
  }

  /** Index of a declared queue named by these bytes, or -1. */
  private queueFast(buf: Buffer, s: number, e: number): number {
    const len = e - s;
    const last = this.queueBytes[this.lastFastQueue];
    if (last !== undefined && last.length === len && bytesEqual(buf, s, last, len)) return this.lastFastQueue;
    const names = this.queueBytes;
    for (let q = 0; q < names.length; q++) {
      const name = names[q];
      if (name.length === len && bytesEqual(buf, s, name, len)) {
        this.lastFastQueue = q;
        return q;
      }
    }
    return -1;
  }
}

/** Event kind of the name at buf[s, s+len) whose first byte is c, or -1: unrolled, no loop over names. */
function eventAt(buf: Buffer, s: number, len: number, c: number): number {
  switch (c) {
    case 0x70: // packet
      return len === 6 && buf[s + 1] === 0x61 && buf[s + 2] === 0x63 && buf[s + 3] === 0x6b && buf[s + 4] === 0x65 && buf[s + 5] === 0x74
        ? EventKind.Packet
        : -1;
    case 0x72: // recvmsg
      return len === 7 && buf[s + 1] === 0x65 && buf[s + 2] === 0x63 && buf[s + 3] === 0x76 && buf[s + 4] === 0x6d && buf[s + 5] === 0x73 && buf[s + 6] === 0x67
        ? EventKind.Recvmsg
        : -1;
    case 0x73: // sendmsg, splice, state
      if (len === 7)
        return buf[s + 1] === 0x65 && buf[s + 2] === 0x6e && buf[s + 3] === 0x64 && buf[s + 4] === 0x6d && buf[s + 5] === 0x73 && buf[s + 6] === 0x67
          ? EventKind.Sendmsg
          : -1;
      if (len === 6)
        return buf[s + 1] === 0x70 && buf[s + 2] === 0x6c && buf[s + 3] === 0x69 && buf[s + 4] === 0x63 && buf[s + 5] === 0x65 ? EventKind.Splice : -1;
      if (len === 5) return buf[s + 1] === 0x74 && buf[s + 2] === 0x61 && buf[s + 3] === 0x74 && buf[s + 4] === 0x65 ? EventKind.State : -1;
      return -1;
    case 0x64: // deliver
      return len === 7 && buf[s + 1] === 0x65 && buf[s + 2] === 0x6c && buf[s + 3] === 0x69 && buf[s + 4] === 0x76 && buf[s + 5] === 0x65 && buf[s + 6] === 0x72
        ? EventKind.Deliver
        : -1;
    case 0x61: // accept
      return len === 6 && buf[s + 1] === 0x63 && buf[s + 2] === 0x63 && buf[s + 3] === 0x65 && buf[s + 4] === 0x70 && buf[s + 5] === 0x74
        ? EventKind.Accept
        : -1;
  }
  return -1;
}

/** A row's end inside a chunk: its newline, LF or CR LF. */
function isRowEnd(buf: Buffer, p: number): boolean {
  const c = buf[p];
  return c === LF || (c === CR && buf[p + 1] === LF);
}

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

function bytesEqual(buf: Buffer, s: number, name: Buffer, len: number): boolean {
  for (let k = 0; k < len; k++) if (buf[s + k] !== name[k]) return false;
  return true;
}
