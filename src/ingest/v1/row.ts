/**
 * The general path of the byte scanner: one row of any column layout, field
 * by field, quoted fields included. It reads every row the fast paths do not
 * take, and owns every error message: a row it rejects gets exactly the
 * reference reader's message and position (tested on every input).
 */
import { InputError } from '../../errors.js';
import { msg } from '../../messages.js';
import { BAD, MAX_CPU, MAX_TS, parseState, rxhashError as rxhashMessage, tsError } from '../fields.js';
import { hexDigit } from '../interner.js';
import { EVENT_NAMES, EventKind, NONE, type QueueConfig } from '../trace.js';
import type { BatchWriter } from './batch-writer.js';
import { csvSyntaxProblem, unquote } from './csv.js';
import { COLUMN_NAMES } from './header.js';

// Column roles.
const C_IGNORE = 0,
  C_TS = 1,
  C_EVENT = 2,
  C_CPU = 3,
  C_SOCKET = 4,
  C_STATE = 5,
  C_RXHASH = 6,
  C_QUEUE = 7,
  C_SKB = 8;
const ROLE_BY_NAME: Record<string, number> = {
  ts: C_TS,
  event: C_EVENT,
  cpu: C_CPU,
  socket: C_SOCKET,
  state: C_STATE,
  rxhash: C_RXHASH,
  queue: C_QUEUE,
  skb: C_SKB,
};

const EVENT_BYTES = EVENT_NAMES.map((s) => Buffer.from(s, 'latin1'));

// Module-local on purpose: V8 compiles these into the byte loops as immediates,
// but loads an imported binding from its module cell at every use.
const COMMA = 0x2c,
  QUOTE = 0x22,
  HASH = 0x23;

export class GeneralRow {
  /** Each field's role, by its index in the header row. */
  private readonly roles: Int8Array;
  private readonly queueNames = new Map<string, number>();
  private lastQueueBytes: Buffer = Buffer.alloc(0);
  private lastQueueIndex = 0;
  /** The row being read (for err()). */
  private lineNo = 0;
  private curBuf: Buffer = Buffer.alloc(0);
  private curStart = 0;
  private curEnd = 0;

  /**
   * `names`: the header row's column names (in file order), `headerRowText`
   * its text and `headerRowLine` its line (a row equal to it is a repeated
   * header row).
   */
  constructor(
    private readonly file: string,
    private readonly out: BatchWriter,
    names: string[],
    private readonly nrCpuIds: number,
    queues: QueueConfig[],
    private readonly headerRowText: string,
    private readonly headerRowLine: number,
  ) {
    const roles = new Int8Array(names.length);
    names.forEach((name, j) => {
      if ((COLUMN_NAMES as readonly string[]).includes(name)) roles[j] = ROLE_BY_NAME[name];
    });
    this.roles = roles;
    queues.forEach((q, i) => this.queueNames.set(q.name, i));
  }

  /** Row `line`, buf[start, end) without its line ending; throws its InputError if it is not a valid row. */
  read(buf: Buffer, start: number, end: number, line: number): void {
    this.lineNo = line;
    // The row being read, for the error path (err() looks at the whole line). The buffer
    // is stored once per chunk: a young chunk stored into this old object takes V8's
    // write barrier's slow path.
    if (this.curBuf !== buf) this.curBuf = buf;
    this.curStart = start;
    this.curEnd = end;
    const roles = this.roles;
    const nroles = roles.length;
    // Comments belong before the header row (docs/format.md); one here is most likely a second trace appended.
    if (buf[start] === HASH) throw this.err(1, msg.lateComment(), 'late_comment');
    let ts = -1,
      event = -1,
      cpu: number = NONE,
      state = 0,
      rxhash = 0,
      queue = 0;
    // A field missing from a short row is reported where the next field would start (line length + 2),
    // so a field that is present but bad always comes first.
    let colTs = end - start + 2,
      colEvent = colTs,
      colCpu = colTs,
      colSocket = colTs,
      colState = colTs;
    let haveCpu = false,
      haveState = false;
    // Identities are interned only once the row is known good (a skipped row leaves none behind).
    let sockBuf: Buffer | null = null,
      sockP = 0,
      sockE = 0,
      sockCol = 0;
    let skbBuf: Buffer | null = null,
      skbP = 0,
      skbE = 0,
      skbCol = 0;
    let p = start;
    let j = 0;
    for (;;) {
      // One field: [p, e).
      let e = p;
      let quoted = false;
      if (p < end && buf[p] === QUOTE) {
        quoted = true;
        e = this.quotedEnd(buf, p, end, start);
      } else {
        while (e < end && buf[e] !== COMMA) e++;
      }
      const role = j < nroles ? roles[j] : -1;
      if (role === -1) {
        // An empty field ("" counts as empty) beyond the header's columns is a trailing comma: allowed.
        if (quoted ? e - p > 2 : e > p) throw this.err(p - start + 1, msg.tooManyFields(j + 1, nroles), 'extra_field');
      } else if (role === C_IGNORE) {
        // Ignored columns are not converted, but junk in them is still junk.
        for (let i = p; i < e; i++) {
          const b = buf[i];
          if ((b < 0x20 && b !== 0x09) || b === 0x7f) throw this.err(i - start + 1, msg.binaryJunk(b), 'binary');
          if (b === QUOTE && !quoted) throw this.err(i - start + 1, msg.quoteInField(), 'quote');
        }
      } else {
        const col = p - start + 1;
        if (quoted) {
          const text = unquote(buf.toString('latin1', p, e));
          if (role === C_SOCKET || role === C_SKB) {
            const tb = Buffer.from(text, 'latin1');
            if (role === C_SOCKET) {
              colSocket = col;
              if (tb.length > 0) (sockBuf = tb), (sockP = 0), (sockE = tb.length), (sockCol = -col);
            } else if (tb.length > 0) {
              (skbBuf = tb), (skbP = 0), (skbE = tb.length), (skbCol = -col);
            }
          } else {
            const r = this.textField(role, text, col);
            switch (role) {
              case C_TS:
                ts = r;
                colTs = col;
                break;
              case C_EVENT:
                event = r;
                colEvent = col;
                break;
              case C_CPU:
                cpu = r;
                colCpu = col;
                haveCpu = text.length > 0;
                break;
              case C_STATE:
                state = r;
                colState = col;
                haveState = text.length > 0;
                break;
              case C_RXHASH:
                rxhash = r;
                break;
              case C_QUEUE:
                queue = r;
                break;
            }
          }
        } else {
          switch (role) {
            case C_TS:
              ts = this.decimal(buf, p, e, MAX_TS);
              if (ts < 0 || ts > MAX_TS) throw this.err(col, tsError(buf.toString('latin1', p, e)), 'bad_ts');
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
                cpu = this.decimal(buf, p, e, MAX_CPU);
                if (cpu < 0) throw this.err(col, msg.badCpu(buf.toString('latin1', p, e)), 'bad_cpu');
                if (cpu >= this.nrCpuIds) throw this.err(col, msg.cpuOutOfRange(buf.toString('latin1', p, e), this.nrCpuIds), 'cpu_out_of_range');
              }
              break;
            case C_SOCKET:
              colSocket = col;
              if (e > p) (sockBuf = buf), (sockP = p), (sockE = e), (sockCol = col);
              break;
            case C_STATE:
              colState = col;
              if (e > p) {
                haveState = true;
                const c0 = buf[p];
                state = c0 >= 48 && c0 <= 57 ? this.decimal(buf, p, e, 255) : parseState(buf.toString('latin1', p, e));
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
              if (e > p) (skbBuf = buf), (skbP = p), (skbE = e), (skbCol = col);
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
    if (!haveCpu && event !== EventKind.State) throw this.err(colCpu, msg.missingCpu(), 'bad_cpu');
    if (event === EventKind.State && !haveState) throw this.err(colState, msg.missingState(), 'bad_state');
    if (event <= EventKind.State && sockBuf === null) throw this.err(colSocket, msg.missingSocket(), 'missing_socket');
    // Both identities are checked before either is interned, so a rejected row interns nothing.
    // (A quoted identity carries a negative column: its quotes are data.)
    let sockHex = false,
      sockHi = 0,
      sockLo = 0,
      skbHex = false,
      skbHi = 0,
      skbLo = 0;
    if (sockBuf !== null) {
      sockHex = this.hexId(sockBuf, sockP, sockE);
      if (sockHex) (sockHi = this.idHi), (sockLo = this.idLo);
      else this.checkIdentity(sockBuf, sockP, sockE, sockCol);
    }
    if (skbBuf !== null) {
      skbHex = this.hexId(skbBuf, skbP, skbE);
      if (skbHex) (skbHi = this.idHi), (skbLo = this.idLo);
      else this.checkIdentity(skbBuf, skbP, skbE, skbCol);
    }
    const out = this.out;
    const socket = sockBuf === null ? NONE : sockHex ? out.socketHex(sockHi, sockLo) : out.socketText(sockBuf.toString('latin1', sockP, sockE));
    const skb = skbBuf === null ? NONE : skbHex ? out.skbHex(skbHi, skbLo) : out.skbText(skbBuf.toString('latin1', skbP, skbE));
    out.append(ts, event, cpu, socket, state, rxhash, queue, skb, line);
  }

  /**
   * The error for the current row. Error path only, so it may look at the
   * whole line: a control byte anywhere wins over whatever else is wrong (the
   * line is junk, and the csv-parse reader checks lines the same way), and a
   * copy of the header row is named as such.
   */
  private err(col: number, detail: string, reason: string): InputError {
    const buf = this.curBuf;
    const start = this.curStart;
    const end = this.curEnd;
    const f = this.file;
    const line = this.lineNo;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) return new InputError(f, line, i - start + 1, msg.binaryJunk(b), 'binary');
    }
    // Same order as the csv-parse reader: line-level problems, then CSV syntax, then fields.
    if (buf[start] === HASH) return new InputError(f, line, 1, msg.lateComment(), 'late_comment');
    if (buf.toString('latin1', start, end) === this.headerRowText) {
      return new InputError(f, line, 1, msg.repeatedHeaderRow(this.headerRowLine), 'repeated_header');
    }
    const syntax = csvSyntaxProblem(buf, start, end);
    if (syntax) return new InputError(f, line, syntax.column, syntax.detail, 'quote');
    return new InputError(f, line, col, detail, reason);
  }

  /** Non-negative decimal, -1 if not one; max + 1 if above max. */
  private decimal(buf: Buffer, p: number, e: number, max: number): number {
    // Same rule as fields.parseDecimal: any number of digits (leading zeros are
    // harmless), -1 for a non-digit, max + 1 for a value above max.
    if (e === p) return -1;
    let v = 0;
    for (let i = p; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return -1;
      if (v <= max) v = v * 10 + d;
    }
    return v > max ? max + 1 : v;
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

  // hexId()'s result.
  private idHi = 0;
  private idLo = 0;

  /** True, with the value in idHi:idLo, when [p, e) is 0x + 1..16 hex digits (one address, whatever its leading zeros). */
  private hexId(buf: Buffer, p: number, e: number): boolean {
    const len = e - p;
    if (len <= 2 || len > 18 || buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return false;
    let hi = 0,
      lo = 0;
    for (let i = p + 2; i < e; i++) {
      const d = hexDigit(buf[i]);
      if (d < 0) return false;
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
    }
    this.idHi = hi;
    this.idLo = lo;
    return true;
  }

  /** Throws if an identity's bytes hold junk (a control byte, or a quote outside a quoted field: col > 0). */
  private checkIdentity(buf: Buffer, p: number, e: number, col: number): void {
    for (let i = p; i < e; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f || (b === QUOTE && col > 0)) throw this.err(Math.abs(col) + (i - p), msg.binaryJunk(b), 'binary');
    }
  }

  /** Id of a quoted socket (or skb) identity's text b[p, e): hex or any other text, but not junk. */
  private identity(socket: boolean, buf: Buffer, p: number, e: number, col: number): number {
    const len = e - p;
    if (len > 2 && len <= 18 && buf[p] === 48 && (buf[p + 1] | 0x20) === 0x78) {
      let hi = 0,
        lo = 0,
        ok = true;
      for (let i = p + 2; i < e; i++) {
        const d = hexDigit(buf[i]);
        if (d < 0) {
          ok = false;
          break;
        }
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
      }
      if (ok) return socket ? this.out.socketHex(hi, lo) : this.out.skbHex(hi, lo);
    }
    for (let i = p; i < e; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) throw this.err(col + (i - p), msg.binaryJunk(b), 'binary');
      // A quote is data only inside a quoted field (whose text arrives here unquoted, col < 0).
      if (b === QUOTE && col > 0) throw this.err(col + (i - p), msg.quoteInField(), 'quote');
    }
    const text = buf.toString('latin1', p, e);
    return socket ? this.out.socketText(text) : this.out.skbText(text);
  }

  /** Index of the declared queue named buf[p, e); throws if none is. */
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
        const v = this.decimal(b, 0, e, MAX_TS);
        if (v < 0 || v > MAX_TS) throw this.err(col, tsError(text), 'bad_ts');
        return v;
      }
      case C_EVENT: {
        const v = matchEvent(b, 0, e);
        if (v < 0) throw this.err(col, msg.unknownEvent(text), 'unknown_event');
        return v;
      }
      case C_CPU: {
        if (e === 0) return NONE;
        const v = this.decimal(b, 0, e, MAX_CPU);
        if (v < 0) throw this.err(col, msg.badCpu(text), 'bad_cpu');
        if (v >= this.nrCpuIds) throw this.err(col, msg.cpuOutOfRange(text, this.nrCpuIds), 'cpu_out_of_range');
        return v;
      }
      case C_SOCKET:
        return e === 0 ? NONE : this.identity(true, b, 0, e, col);
      case C_SKB:
        return e === 0 ? NONE : this.identity(false, b, 0, e, col);
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
  private quotedEnd(buf: Buffer, p: number, end: number, lineStart: number): number {
    let i = p + 1;
    for (;;) {
      if (i >= end) throw this.err(p - lineStart + 1, msg.unterminatedQuote(), 'quote');
      if (buf[i] === QUOTE) {
        if (i + 1 < end && buf[i + 1] === QUOTE) {
          i += 2;
          continue;
        }
        i++;
        if (i < end && buf[i] !== COMMA) throw this.err(i - lineStart + 1, msg.charAfterQuote(String.fromCharCode(buf[i])), 'quote');
        return i;
      }
      i++;
    }
  }
}

/** Event kind of the name buf[p, e), or -1. */
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
