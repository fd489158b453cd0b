/**
 * The fast reader for trace format v1: a byte scanner over decompressed
 * chunks that writes rows straight into columnar batches. No string and no
 * object per row on the common path (numbers, hex ids, known event names);
 * quoted fields and unusual text take a slower per-field path. Its results
 * must equal the csv-parse reference reader's on every input (tested).
 */
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { BAD, parseState, rxhashError as rxhashMessage } from './fields.js';
import { HeaderParser } from './header.js';
import { Interner, hexDigit } from './interner.js';
import type { Identities, SkipLog } from './rows.js';
import { allocBatch, BATCH_ROWS, EventKind, NONE, type TraceBatch, type TraceHeader, type TraceSink } from './trace.js';

// Column roles.
const C_IGNORE = 0, C_TS = 1, C_EVENT = 2, C_CPU = 3, C_SOCKET = 4, C_STATE = 5, C_RXHASH = 6, C_QUEUE = 7, C_SKB = 8;
export const COLUMN_NAMES = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb'] as const;
export const REQUIRED_COLUMNS = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash'] as const;
const ROLE_BY_NAME: Record<string, number> = { ts: C_TS, event: C_EVENT, cpu: C_CPU, socket: C_SOCKET, state: C_STATE, rxhash: C_RXHASH, queue: C_QUEUE, skb: C_SKB };

const EVENT_BYTES = ['recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver'].map((s) => Buffer.from(s, 'latin1'));

const COMMA = 0x2c, CR = 0x0d, LF = 0x0a, QUOTE = 0x22, HASH = 0x23;

/** Header parsing outcome handed to the caller once the header row is read. */
export interface HeaderReady {
  header: TraceHeader;
  columns: string[];
}

export interface ScannerOptions {
  file: string;
  /** nr_cpu_ids when the header has none (--cpus). */
  cpusFallback?: number;
  skipLog: SkipLog | null;
  ids: Identities;
  /** Called when the header row is read; returns the nr_cpu_ids rows are checked against. */
  onHeader(ready: HeaderReady): number;
  sink: TraceSink;
}

export class V1Scanner {
  private phase: 0 | 1 | 2 = 0; // 0: magic line, 1: comments / header row, 2: rows
  private lineNo = 0;
  private leftover: Buffer | null = null;
  private headerParser: HeaderParser;
  private header: TraceHeader | null = null;
  private roles: Int8Array = new Int8Array(0);
  private nrCpuIds = 0;
  private queueNames = new Map<string, number>();
  private lastQueueBytes: Buffer = Buffer.alloc(0);
  private lastQueueIndex = 0;
  private batch: TraceBatch = allocBatch(BATCH_ROWS);
  private readonly sockets: Interner;
  private readonly skbs: Interner;
  private headerRowLine = 0;
  /** Columns exactly ts,event,cpu,socket,state,rxhash,queue,skb: the fast path applies. */
  private canonical = false;
  private queueBytes: Buffer[] = [];
  private lastFastQueue = 0;
  rows = 0;

  constructor(private readonly o: ScannerOptions) {
    this.headerParser = new HeaderParser(o.file);
    this.sockets = o.ids.sockets;
    this.skbs = o.ids.skbs;
  }

  /** Feeds the next chunk of decompressed bytes. */
  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    if (this.leftover) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.leftover = Buffer.concat([this.leftover, chunk]);
        return;
      }
      const line = Buffer.concat([this.leftover, chunk.subarray(0, nl)]);
      this.leftover = null;
      this.line(line, 0, line.length);
      pos = nl + 1;
    }
    while (pos < n) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.leftover = Buffer.from(chunk.subarray(pos));
        return;
      }
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /** End of input: the last line may lack its newline. */
  end(): void {
    if (this.leftover) {
      const l = this.leftover;
      this.leftover = null;
      this.line(l, 0, l.length);
    }
    if (this.phase === 0) throw new InputError(this.o.file, 1, 1, msg.emptyFile(), 'header');
    if (this.phase === 1) throw new InputError(this.o.file, this.lineNo + 1, 1, msg.noHeaderRow(), 'header');
    this.flush();
    if (this.rows === 0 && (this.o.skipLog?.total ?? 0) === 0) {
      throw new InputError(this.o.file, this.headerRowLine, 1, msg.headerOnly(), 'header');
    }
  }

  flush(): void {
    if (this.batch.length > 0) {
      this.o.sink.batch(this.batch);
      this.batch.length = 0;
    }
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    if (this.phase === 2) {
      if (end === start || isBlankRow(buf, start, end)) return; // blank lines (or bare commas) are allowed anywhere
      // The canonical layout takes the fused fast path; anything it does not
      // recognise (quotes, names, errors) is re-read by the general path, which
      // owns every error message.
      if (this.canonical && this.rowFast(buf, start, end)) return;
      if (this.o.skipLog) {
        try {
          this.row(buf, start, end);
        } catch (e) {
          if (e instanceof InputError) this.o.skipLog.add(e);
          else throw e;
        }
      } else {
        this.row(buf, start, end);
      }
      return;
    }
    this.headerLine(buf, start, end);
  }

  private headerLine(buf: Buffer, start: number, end: number): void {
    let s = start;
    if (this.lineNo === 1 && end - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3; // UTF-8 BOM
    this.checkText(buf, s, end);
    const text = buf.toString('latin1', s, end);
    if (this.phase === 0) {
      this.headerParser.magic(text);
      this.phase = 1;
      return;
    }
    if (text.trim().length === 0) return;
    if (buf[s] === HASH) {
      this.headerParser.comment(text, this.lineNo);
      return;
    }
    this.headerRow(text);
  }

  private checkText(buf: Buffer, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
        throw new InputError(this.o.file, this.lineNo, i - start + 1, msg.binaryJunk(b), 'binary');
      }
    }
  }

  private headerRow(text: string): void {
    const names = text.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    while (names.length > 0 && names[names.length - 1] === '') names.pop(); // trailing commas
    const roles = new Int8Array(names.length);
    const seen = new Set<string>();
    let col = 1;
    names.forEach((name, j) => {
      const role = ROLE_BY_NAME[name] ?? C_IGNORE;
      if (role !== C_IGNORE) {
        if (seen.has(name)) throw new InputError(this.o.file, this.lineNo, col, msg.duplicateColumn(name), 'header');
        seen.add(name);
      }
      roles[j] = role;
      col += name.length + 1;
    });
    for (const req of REQUIRED_COLUMNS) {
      if (!seen.has(req)) throw new InputError(this.o.file, this.lineNo, 1, msg.missingColumn(req), 'header');
    }
    this.roles = roles;
    this.canonical = names.length === COLUMN_NAMES.length && COLUMN_NAMES.every((n, k) => names[k] === n);
    this.headerRowLine = this.lineNo;
    this.header = this.headerParser.finish();
    this.header.queues.forEach((q, i) => this.queueNames.set(q.name, i));
    this.queueBytes = this.header.queues.map((q) => Buffer.from(q.name, 'latin1'));
    this.nrCpuIds = this.o.onHeader({ header: this.header, columns: names });
    this.phase = 2;
  }

  private err(col: number, detail: string, reason: string): InputError {
    return new InputError(this.o.file, this.lineNo, col, detail, reason);
  }

  private row(buf: Buffer, start: number, end: number): void {
    const roles = this.roles;
    const nroles = roles.length;
    let ts = -1, event = -1, cpu: number = NONE, socket: number = NONE, state = 0, rxhash = 0, queue = 0, skb: number = NONE;
    let colTs = 1, colEvent = 1, colCpu = 1, colSocket = 1, colState = 1;
    let haveCpu = false, haveState = false;
    let p = start;
    let j = 0;
    for (;;) {
      // One field: [p, e).
      let e = p;
      let quoted = false;
      if (p < end && buf[p] === QUOTE) {
        quoted = true;
        e = this.quotedEnd(buf, p, end);
      } else {
        while (e < end && buf[e] !== COMMA) e++;
      }
      const role = j < nroles ? roles[j] : -1;
      if (role === -1) {
        if (e > p) throw this.err(p - start + 1, msg.tooManyFields(j + 1, nroles), 'extra_field');
      } else if (role !== C_IGNORE) {
        const col = p - start + 1;
        if (quoted) {
          const text = unquote(buf.toString('latin1', p, e));
          const r = this.textField(role, text, col);
          switch (role) {
            case C_TS: ts = r; colTs = col; break;
            case C_EVENT: event = r; colEvent = col; break;
            case C_CPU: cpu = r; colCpu = col; haveCpu = text.length > 0; break;
            case C_SOCKET: socket = r; colSocket = col; break;
            case C_STATE: state = r; colState = col; haveState = text.length > 0; break;
            case C_RXHASH: rxhash = r; break;
            case C_QUEUE: queue = r; break;
            case C_SKB: skb = r; break;
          }
        } else {
          switch (role) {
            case C_TS:
              ts = this.decimal(buf, p, e, 16);
              if (ts < 0) throw this.err(col, msg.badTs(buf.toString('latin1', p, e)), 'bad_ts');
              colTs = col;
              break;
            case C_EVENT:
              event = matchEvent(buf, p, e);
              if (event < 0) throw this.err(col, msg.unknownEvent(buf.toString('latin1', p, e)), 'unknown_event');
              colEvent = col;
              break;
            case C_CPU:
              colCpu = col;
              if (e > p) {
                haveCpu = true;
                cpu = this.decimal(buf, p, e, 5);
                if (cpu < 0 || cpu > 65535) throw this.err(col, msg.badCpu(buf.toString('latin1', p, e)), 'bad_cpu');
              }
              break;
            case C_SOCKET:
              colSocket = col;
              if (e > p) socket = this.identity(this.sockets, buf, p, e, col);
              break;
            case C_STATE:
              colState = col;
              if (e > p) {
                haveState = true;
                const c0 = buf[p];
                state = c0 >= 48 && c0 <= 57 ? this.decimal(buf, p, e, 2) : parseState(buf.toString('latin1', p, e));
                if (state < 1 || state > 12) throw this.err(col, msg.badState(buf.toString('latin1', p, e)), 'bad_state');
              }
              break;
            case C_RXHASH:
              if (e > p) {
                rxhash = this.u32(buf, p, e);
                if (rxhash < 0) throw this.err(col, rxhashMessage(buf.toString('latin1', p, e)), 'bad_rxhash');
              }
              break;
            case C_QUEUE:
              if (e > p) queue = this.queueIndex(buf, p, e, col);
              break;
            case C_SKB:
              if (e > p) skb = this.identity(this.skbs, buf, p, e, col);
              break;
          }
        }
      }
      j++;
      if (e >= end) break;
      p = e + 1;
    }
    // A row shorter than the header leaves the missing fields empty.
    if (ts < 0) throw this.err(colTs, msg.badTs(''), 'bad_ts');
    if (event < 0) throw this.err(colEvent, msg.unknownEvent(''), 'unknown_event');
    if (haveCpu) {
      if (cpu >= this.nrCpuIds) throw this.err(colCpu, msg.cpuOutOfRange(cpu, this.nrCpuIds), 'cpu_out_of_range');
    } else if (event !== EventKind.State) {
      throw this.err(colCpu, msg.missingCpu(), 'bad_cpu');
    }
    if (event === EventKind.State && !haveState) throw this.err(colState, msg.missingState(), 'bad_state');
    if (event <= EventKind.State && socket === NONE) throw this.err(colSocket, msg.missingSocket(), 'missing_socket');

    const b = this.batch;
    const i = b.length;
    b.ts[i] = ts;
    b.event[i] = event;
    b.cpu[i] = cpu;
    b.socket[i] = socket;
    b.state[i] = state;
    b.rxhash[i] = rxhash;
    b.queue[i] = queue;
    b.skb[i] = skb;
    b.line[i] = this.lineNo;
    b.length = i + 1;
    this.rows++;
    if (i + 1 === BATCH_ROWS) this.flush();
  }

  /**
   * One row of the canonical layout, scanning and converting each field in a
   * single pass. Returns false, having changed nothing, for any row it does
   * not fully recognise as valid; the general path then reads it again.
   */
  private rowFast(buf: Buffer, start: number, end: number): boolean {
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
    if (p === tsStart || p - tsStart > 16 || p >= end || buf[p] !== COMMA) return false;
    p++;
    // event: a known name
    let event = -1;
    c = buf[p];
    const evStart = p;
    while (p < end && buf[p] !== COMMA) p++;
    const evLen = p - evStart;
    for (let k = 0; k < EVENT_BYTES.length; k++) {
      const name = EVENT_BYTES[k];
      if (name.length !== evLen || name[0] !== c) continue;
      let i = 1;
      while (i < evLen && name[i] === buf[evStart + i]) i++;
      if (i === evLen) {
        event = k;
        break;
      }
    }
    if (event < 0 || p >= end) return false;
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
      if (p === s || p - s > 5 || cpu >= this.nrCpuIds) return false;
    } else if (event !== EventKind.State) {
      return false;
    }
    if (p >= end || buf[p] !== COMMA) return false;
    p++;
    // socket: empty or 0x + 1..16 hex digits
    let socket: number = NONE;
    if (buf[p] !== COMMA) {
      if (buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return false;
      p += 2;
      const s = p;
      let hi = 0;
      let lo = 0;
      while (p < end && (d = HEX[buf[p]]) >= 0) {
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
        p++;
      }
      if (p === s || p - s > 16) return false;
      socket = this.sockets.internHex(hi, lo);
    } else if (event <= EventKind.State) {
      return false;
    }
    if (p >= end || buf[p] !== COMMA) return false;
    p++;
    // state: empty or 1..12 as digits
    let state = 0;
    if (buf[p] !== COMMA) {
      const s = p;
      while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
        state = state * 10 + d;
        p++;
      }
      if (p === s || p - s > 2 || state < 1 || state > 12) return false;
    } else if (event === EventKind.State) {
      return false;
    }
    if (p >= end || buf[p] !== COMMA) return false;
    p++;
    // rxhash: empty, 0x + 1..8 hex digits, or decimal below 2^32
    let rxhash = 0;
    if (buf[p] !== COMMA) {
      if (buf[p] === 48 && (buf[p + 1] | 0x20) === 0x78) {
        p += 2;
        const s = p;
        while (p < end && (d = HEX[buf[p]]) >= 0) {
          rxhash = rxhash * 16 + d;
          p++;
        }
        if (p === s || rxhash > 0xffffffff) return false;
      } else {
        const s = p;
        while (p < end && (d = buf[p] - 48) >= 0 && d <= 9) {
          rxhash = rxhash * 10 + d;
          p++;
        }
        if (p === s || p - s > 10 || rxhash > 0xffffffff) return false;
      }
    }
    if (p >= end || buf[p] !== COMMA) return false;
    p++;
    // queue: empty (the first queue) or a declared name
    let queue = 0;
    if (p < end && buf[p] !== COMMA) {
      const s = p;
      while (p < end && buf[p] !== COMMA) p++;
      queue = this.queueFast(buf, s, p);
      if (queue < 0) return false;
    }
    // skb: the last field, empty or 0x + 1..16 hex digits
    let skb: number = NONE;
    if (p < end) {
      if (buf[p] !== COMMA) return false;
      p++;
      if (p < end) {
        if (buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return false;
        p += 2;
        const s = p;
        let hi = 0;
        let lo = 0;
        while (p < end && (d = HEX[buf[p]]) >= 0) {
          hi = ((hi << 4) | (lo >>> 28)) >>> 0;
          lo = ((lo << 4) | d) >>> 0;
          p++;
        }
        if (p === s || p - s > 16 || p !== end) return false;
        skb = this.skbs.internHex(hi, lo);
      }
    }

    const b = this.batch;
    const i = b.length;
    b.ts[i] = ts;
    b.event[i] = event;
    b.cpu[i] = cpu;
    b.socket[i] = socket;
    b.state[i] = state;
    b.rxhash[i] = rxhash;
    b.queue[i] = queue;
    b.skb[i] = skb;
    b.line[i] = this.lineNo;
    b.length = i + 1;
    this.rows++;
    if (i + 1 === BATCH_ROWS) this.flush();
    return true;
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

  /** Non-negative decimal of at most `maxDigits` digits, -1 if not one. */
  private decimal(buf: Buffer, p: number, e: number, maxDigits: number): number {
    if (e === p || e - p > maxDigits) return -1;
    let v = 0;
    for (let i = p; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }

  /** Unsigned 32-bit, decimal or 0x hex; -1 if not one or too large. */
  private u32(buf: Buffer, p: number, e: number): number {
    if (e - p > 2 && buf[p] === 48 && (buf[p + 1] | 0x20) === 0x78) {
      let v = 0;
      for (let i = p + 2; i < e; i++) {
        const d = hexDigit(buf[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
        if (v > 0xffffffff) return -1;
      }
      return v;
    }
    let v = 0;
    for (let i = p; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
      if (v > 0xffffffff) return -1;
    }
    return v;
  }

  private identity(interner: Interner, buf: Buffer, p: number, e: number, col: number): number {
    const len = e - p;
    if (len > 2 && len <= 18 && buf[p] === 48 && (buf[p + 1] | 0x20) === 0x78) {
      let hi = 0, lo = 0, ok = true;
      for (let i = p + 2; i < e; i++) {
        const d = hexDigit(buf[i]);
        if (d < 0) {
          ok = false;
          break;
        }
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
      }
      if (ok) return interner.internHex(hi, lo);
    }
    for (let i = p; i < e; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) throw this.err(col + (i - p), msg.binaryJunk(b), 'binary');
    }
    return interner.internText(buf.toString('latin1', p, e));
  }

  private queueIndex(buf: Buffer, p: number, e: number, col: number): number {
    const last = this.lastQueueBytes;
    const len = e - p;
    if (len === last.length) {
      let same = true;
      for (let k = 0; k < len; k++) {
        if (buf[p + k] !== last[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastQueueIndex;
    }
    const name = buf.toString('latin1', p, e);
    const q = this.queueNames.get(name);
    if (q === undefined) throw this.err(col, msg.unknownQueue(name, [...this.queueNames.keys()]), 'unknown_queue');
    this.lastQueueBytes = Buffer.from(buf.subarray(p, e));
    this.lastQueueIndex = q;
    return q;
  }

  /** A quoted field's value, through the same conversions as the unquoted path. */
  private textField(role: number, text: string, col: number): number {
    const b = Buffer.from(text, 'latin1');
    const e = b.length;
    switch (role) {
      case C_TS: {
        const v = this.decimal(b, 0, e, 16);
        if (v < 0) throw this.err(col, msg.badTs(text), 'bad_ts');
        return v;
      }
      case C_EVENT: {
        const v = matchEvent(b, 0, e);
        if (v < 0) throw this.err(col, msg.unknownEvent(text), 'unknown_event');
        return v;
      }
      case C_CPU: {
        if (e === 0) return NONE;
        const v = this.decimal(b, 0, e, 5);
        if (v < 0 || v > 65535) throw this.err(col, msg.badCpu(text), 'bad_cpu');
        return v;
      }
      case C_SOCKET:
        return e === 0 ? NONE : this.identity(this.sockets, b, 0, e, col);
      case C_SKB:
        return e === 0 ? NONE : this.identity(this.skbs, b, 0, e, col);
      case C_STATE: {
        if (e === 0) return 0;
        const v = parseState(text);
        if (v === BAD) throw this.err(col, msg.badState(text), 'bad_state');
        return v;
      }
      case C_RXHASH: {
        if (e === 0) return 0;
        const v = this.u32(b, 0, e);
        if (v < 0) throw this.err(col, rxhashMessage(text), 'bad_rxhash');
        return v;
      }
      case C_QUEUE:
        return e === 0 ? 0 : this.queueIndex(b, 0, e, col);
    }
    return 0;
  }

  /** End of a quoted field starting at p (its closing quote + 1); "" is an escaped quote. */
  private quotedEnd(buf: Buffer, p: number, end: number): number {
    let i = p + 1;
    for (;;) {
      if (i >= end) throw this.err(p + 1, msg.unterminatedQuote(), 'quote');
      if (buf[i] === QUOTE) {
        if (i + 1 < end && buf[i + 1] === QUOTE) {
          i += 2;
          continue;
        }
        i++;
        if (i < end && buf[i] !== COMMA) throw this.err(i + 1, msg.unterminatedQuote(), 'quote');
        return i;
      }
      i++;
    }
  }
}

/** Only commas, spaces and tabs: an empty row a spreadsheet left behind. */
function isBlankRow(buf: Buffer, start: number, end: number): boolean {
  const c = buf[start];
  if (c !== COMMA && c !== 0x20 && c !== 0x09) return false;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== COMMA && b !== 0x20 && b !== 0x09) return false;
  }
  return true;
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

function unquote(s: string): string {
  return s.slice(1, -1).replace(/""/g, '"');
}

function matchEvent(buf: Buffer, p: number, e: number): number {
  const len = e - p;
  for (let k = 0; k < EVENT_BYTES.length; k++) {
    const name = EVENT_BYTES[k];
    if (name.length !== len || name[0] !== buf[p]) continue;
    let ok = true;
    for (let i = 1; i < len; i++) {
      if (name[i] !== buf[p + i]) {
        ok = false;
        break;
      }
    }
    if (ok) return k;
  }
  return -1;
}
