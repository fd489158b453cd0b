/**
 * The fast reader for trace format v1: a byte scanner over decompressed
 * chunks that writes rows straight into columnar batches. No string and no
 * object per row on the common path (numbers, hex ids, known event names);
 * quoted fields and unusual text take a slower per-field path. Canonical rows
 * are read first by a WebAssembly SIMD reader (v1-simd.ts), which leaves any
 * row it does not accept to the paths here. Its results must equal the
 * csv-parse reference reader's on every input (tested).
 */
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { BAD, MAX_CPU, MAX_TS, parseState, rxhashError as rxhashMessage, tsError } from './fields.js';
import { COLUMN_NAMES, HeaderParser, headerColumns, MAX_LINE, REQUIRED_COLUMNS } from './header.js';
import { Interner, hexDigit } from './interner.js';
import type { Identities, SkipLog } from './rows.js';
import { allocBatch, appendRow, BATCH_ROWS, DEFERRED_ID, EventKind, NONE, type TraceBatch, type TraceHeader, type TraceSink } from './trace.js';
import { OUT_ROWS, SimdRows } from './v1-simd.js';

// Column roles.
const C_IGNORE = 0, C_TS = 1, C_EVENT = 2, C_CPU = 3, C_SOCKET = 4, C_STATE = 5, C_RXHASH = 6, C_QUEUE = 7, C_SKB = 8;
// Defined with the header rules; re-exported for the readers that import them from here.
export { COLUMN_NAMES, REQUIRED_COLUMNS };
const ROLE_BY_NAME: Record<string, number> = { ts: C_TS, event: C_EVENT, cpu: C_CPU, socket: C_SOCKET, state: C_STATE, rxhash: C_RXHASH, queue: C_QUEUE, skb: C_SKB };

const EVENT_BYTES = ['recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver'].map((s) => Buffer.from(s, 'latin1'));

const COMMA = 0x2c, CR = 0x0d, LF = 0x0a, QUOTE = 0x22, HASH = 0x23;

/** Header parsing outcome handed to the caller once the header row is read. */
export interface HeaderReady {
  header: TraceHeader;
  columns: string[];
  /** Checks the declared rps_cpus masks against an nr_cpu_ids from elsewhere (--cpus), with their positions. */
  checkCpus?: (nr: number) => void;
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
  /** Leave hex identities uninterned (DEFERRED_ID + side columns) for the main thread. */
  deferIds?: boolean;
  /** A fresh batch to fill after each one handed to the sink (default: reuse it). */
  takeBatch?: () => TraceBatch;
  /** Canonical rows by the WebAssembly SIMD reader (v1-simd.ts) first (default true; false: rowFast() only). */
  simd?: boolean;
}

/** A row's end inside a chunk: its newline, LF or CR LF. */
function isRowEnd(buf: Buffer, p: number): boolean {
  const c = buf[p];
  return c === LF || (c === CR && buf[p + 1] === LF);
}

export class V1Scanner {
  private phase: 0 | 1 | 2 = 0; // 0: magic line, 1: comments / header row, 2: rows
  private lineNo = 0;
  private headerParser: HeaderParser;
  private header: TraceHeader | null = null;
  private roles: Int8Array = new Int8Array(0);
  private nrCpuIds = 0;
  private queueNames = new Map<string, number>();
  private lastQueueBytes: Buffer = Buffer.alloc(0);
  private lastQueueIndex = 0;
  private batch: TraceBatch;
  /** Rows the batch holds (the parse worker's slots may be larger than BATCH_ROWS). */
  private batchRows: number;
  private readonly sockets: Interner;
  private readonly skbs: Interner;
  private headerRowLine = 0;
  /** Columns exactly ts,event,cpu,socket,state,rxhash,queue,skb: the fast path applies. */
  private canonical = false;
  private queueBytes: Buffer[] = [];
  private lastFastQueue = 0;
  private simd: SimdRows | null = null;
  rows = 0;
  /** Rows of those the SIMD reader read (the others went by rowFast() or the general path). */
  simdRows = 0;

  constructor(private readonly o: ScannerOptions) {
    this.headerParser = new HeaderParser(o.file);
    this.batch = o.takeBatch ? o.takeBatch() : allocBatch(BATCH_ROWS);
    this.batchRows = this.batch.ts.length;
    this.sockets = o.ids.sockets;
    this.skbs = o.ids.skbs;
  }

  /** Bytes of an unfinished line, kept as pieces (concatenated once, when its newline comes). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Feeds the next chunk of decompressed bytes. */
  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    if (this.pendingBytes > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0 || this.pendingBytes + nl > MAX_LINE) {
        this.keep(chunk, 0, nl < 0 ? n : nl);
        if (nl < 0) return;
      }
      this.pending.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.line(line, 0, line.length);
      pos = nl + 1;
    }
    // Rows of the canonical layout, up to the chunk's last newline, go to the SIMD
    // reader (v1-simd.ts: delimiters first, 2-2.5x faster than the byte loop); a
    // row it refuses goes to rowFast(), which finds its own line end (a native
    // indexOf() per line cost more than scanning the row: perf put 18% of the
    // parse worker's time there), and then to the per-line path.
    let lastNl = -2;
    // The SIMD reader's input: the chunk's complete lines from simdFrom, copied in once.
    let simdFrom = -1;
    // A row it stopped at goes by the paths below, once.
    let simdRefused = -1;
    while (pos < n) {
      if (this.canonical && this.phase === 2) {
        if (lastNl === -2) lastNl = chunk.lastIndexOf(LF);
        if (pos <= lastNl && this.simd !== null && pos !== simdRefused) {
          if (simdFrom < 0) {
            simdFrom = pos;
            this.simd.load(chunk, pos, lastNl + 1);
          }
          pos = this.readSimd(pos, simdFrom);
          if (pos > lastNl) continue;
          simdRefused = pos;
        }
        if (pos <= lastNl) {
          this.lineNo++;
          const next = this.rowFast(chunk, pos, lastNl + 1);
          if (next >= 0) {
            pos = next;
            continue;
          }
          this.lineNo--; // read again below, by line()
        }
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0 || nl - pos > MAX_LINE) {
        this.keep(chunk, pos, nl < 0 ? n : nl);
        return;
      }
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /**
   * Rows read by the SIMD reader from chunk position `pos` (its input starts
   * at `from`), into batches. Returns where it stopped: the end of
   * its input, or a row it did not accept.
   */
  private readSimd(pos: number, from: number): number {
    const simd = this.simd!;
    for (;;) {
      const room = this.batchRows - this.batch.length;
      const max = room < OUT_ROWS ? room : OUT_ROWS;
      const n = simd.rows(pos - from, max, this.lineNo + 1);
      pos = from + simd.stop;
      if (n > 0) {
        const b = this.batch;
        const at = b.length;
        simd.copyOut(b, n);
        if (!this.o.deferIds) this.internRows(b, at, at + n);
        this.rows += n;
        this.simdRows += n;
        this.lineNo += n;
        if (b.length === this.batchRows) this.flush();
      }
      if (n < max) return pos;
    }
  }

  /** Interns the deferred hex identities of rows [from, to), socket then skb per row (the order rowFast() interns them in). */
  private internRows(b: TraceBatch, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (b.socket[i] === DEFERRED_ID) b.socket[i] = this.sockets.internHex(b.sockHi[i], b.sockLo[i]);
      if (b.skb[i] === DEFERRED_ID) b.skb[i] = this.skbs.internHex(b.skbHi[i], b.skbLo[i]);
    }
  }

  /** Keeps [p, e) of a line whose newline has not come yet; a line longer than MAX_LINE bytes is rejected. */
  private keep(chunk: Buffer, p: number, e: number): void {
    this.pending.push(Buffer.from(chunk.subarray(p, e)));
    this.pendingBytes += e - p;
    if (this.pendingBytes > MAX_LINE) {
      const head = Buffer.concat(this.pending).subarray(0, MAX_LINE + 1);
      this.lineTooLong(head);
    }
  }

  /**
   * Both readers: a line of more than MAX_LINE bytes (before its LF) stops the
   * read even in lenient mode, reporting its first control byte if it has one.
   */
  private lineTooLong(head: Buffer): never {
    const line = this.lineNo + 1;
    let s = 0;
    if (line === 1 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) s = 3;
    for (let i = s; i < head.length; i++) {
      const b = head[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) throw new InputError(this.o.file, line, i - s + 1, msg.binaryJunk(b), 'binary');
    }
    throw new InputError(this.o.file, line, 1, msg.lineTooLong(MAX_LINE), 'line_too_long');
  }

  /** End of input: the last line may lack its newline. */
  end(): void {
    if (this.pendingBytes > 0) {
      const l = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.line(l, 0, l.length);
    }
    if (this.phase < 2) this.headerParser.endOfInput(this.lineNo);
    this.flush();
    if (this.rows === 0) {
      // Lenient mode may skip every row; a replay of nothing would look like a result, so it is an error too.
      const skipped = this.o.skipLog;
      if (skipped && skipped.total > 0) throw new InputError(this.o.file, this.headerRowLine, 1, msg.allRowsSkipped(skipped.total, skipped.examples[0].line), 'header');
      throw new InputError(this.o.file, this.headerRowLine, 1, msg.headerOnly(), 'header');
    }
  }

  flush(): void {
    if (this.batch.length > 0) {
      this.o.sink.batch(this.batch);
      if (this.o.takeBatch) {
        this.batch = this.o.takeBatch();
        this.batchRows = this.batch.ts.length;
      }
      this.batch.length = 0;
    }
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    // The line being read, for the error path (err() looks at the whole line). The
    // buffer is stored once per chunk: a young chunk stored into this old object
    // takes V8's write barrier's slow path (perf: about 2% of the parse worker's time).
    if (this.curBuf !== buf) this.curBuf = buf;
    this.curStart = start;
    this.curEnd = end;
    if (this.phase === 2) {
      if (end === start || isBlankRow(buf, start, end)) return; // blank lines (or bare commas) are allowed anywhere
      // The canonical layout takes the fused fast path; anything it does not
      // recognise (quotes, names, errors) is re-read by the general path, which
      // owns every error message.
      if (this.canonical && this.rowFast(buf, start, end) >= 0) return;
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

  private curBuf: Buffer = Buffer.alloc(0);
  private curStart = 0;
  private curEnd = 0;
  private headerRowText = '';

  private headerLine(buf: Buffer, start: number, end: number): void {
    let s = start;
    if (this.lineNo === 1 && end - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3; // UTF-8 BOM
    const text = buf.toString('latin1', s, end);
    if (this.headerParser.preamble(text, this.lineNo)) {
      this.phase = 1;
      return;
    }
    this.headerRow(text);
  }

  private headerRow(text: string): void {
    const { fields, starts } = this.splitHeaderRow(text);
    const { names, index } = headerColumns(this.o.file, fields, starts, this.lineNo);
    const roles = new Int8Array(names.length);
    for (const c of COLUMN_NAMES) if (index[c] >= 0) roles[index[c]] = ROLE_BY_NAME[c];
    this.roles = roles;
    this.canonical = names.length === COLUMN_NAMES.length && COLUMN_NAMES.every((n, k) => names[k] === n);
    this.headerRowLine = this.lineNo;
    this.headerRowText = text;
    const parser = this.headerParser;
    this.header = parser.finish();
    this.header.queues.forEach((q, i) => this.queueNames.set(q.name, i));
    this.queueBytes = this.header.queues.map((q) => Buffer.from(q.name, 'latin1'));
    this.nrCpuIds = this.o.onHeader({ header: this.header, columns: names, checkCpus: (nr) => parser.checkMasks(nr) });
    if (this.canonical && this.o.simd !== false) this.simd = new SimdRows(this.nrCpuIds, this.queueBytes);
    this.phase = 2;
  }

  /** The header row as CSV fields (same quoting rules as rows), with each field's 1-based column. */
  private splitHeaderRow(text: string): { fields: string[]; starts: number[] } {
    const b = Buffer.from(text, 'latin1');
    const fields: string[] = [];
    const starts: number[] = [];
    let p = 0;
    for (;;) {
      let e = p;
      if (p < b.length && b[p] === QUOTE) {
        e = this.quotedEnd(b, p, b.length, 0);
        fields.push(unquote(text.slice(p, e)));
      } else {
        while (e < b.length && b[e] !== COMMA) {
          if (b[e] === QUOTE) throw this.err(e + 1, msg.quoteInField(), 'quote');
          e++;
        }
        fields.push(text.slice(p, e));
      }
      starts.push(p + 1);
      if (e >= b.length) break;
      p = e + 1;
    }
    return { fields, starts };
  }

  /**
   * The error for the current line. Error path only, so it may look at the
   * whole line: a control byte anywhere wins over whatever else is wrong (the
   * line is junk, and the csv-parse reader checks lines the same way), and a
   * copy of the header row is named as such.
   */
  private err(col: number, detail: string, reason: string): InputError {
    const buf = this.curBuf;
    const start = this.curStart;
    const end = this.curEnd;
    const f = this.o.file;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) return new InputError(f, this.lineNo, i - start + 1, msg.binaryJunk(b), 'binary');
    }
    if (this.phase === 2) {
      // Same order as the csv-parse reader: line-level problems, then CSV syntax, then fields.
      if (buf[start] === HASH) return new InputError(f, this.lineNo, 1, msg.lateComment(), 'late_comment');
      if (buf.toString('latin1', start, end) === this.headerRowText) {
        return new InputError(f, this.lineNo, 1, msg.repeatedHeaderRow(this.headerRowLine), 'repeated_header');
      }
    }
    const syntax = csvSyntaxProblem(buf, start, end);
    if (syntax) return new InputError(f, this.lineNo, syntax.column, syntax.detail, 'quote');
    return new InputError(f, this.lineNo, col, detail, reason);
  }

  private row(buf: Buffer, start: number, end: number): void {
    const roles = this.roles;
    const nroles = roles.length;
    // Comments belong before the header row (docs/format.md); one here is most likely a second trace appended.
    if (buf[start] === HASH) throw this.err(1, msg.lateComment(), 'late_comment');
    let ts = -1, event = -1, cpu: number = NONE, state = 0, rxhash = 0, queue = 0;
    // A field missing from a short row is reported where the next field would start (line length + 2),
    // so a field that is present but bad always comes first.
    let colTs = end - start + 2, colEvent = colTs, colCpu = colTs, colSocket = colTs, colState = colTs;
    let haveCpu = false, haveState = false;
    // Identities are interned only once the row is known good (a skipped row leaves none behind).
    let sockBuf: Buffer | null = null, sockP = 0, sockE = 0, sockCol = 0;
    let skbBuf: Buffer | null = null, skbP = 0, skbE = 0, skbCol = 0;
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
              case C_TS: ts = r; colTs = col; break;
              case C_EVENT: event = r; colEvent = col; break;
              case C_CPU: cpu = r; colCpu = col; haveCpu = text.length > 0; break;
              case C_STATE: state = r; colState = col; haveState = text.length > 0; break;
              case C_RXHASH: rxhash = r; break;
              case C_QUEUE: queue = r; break;
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
    let sockHex = false, sockHi = 0, sockLo = 0, skbHex = false, skbHi = 0, skbLo = 0;
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
    const socket = sockBuf === null ? NONE : sockHex ? this.socketHex(sockHi, sockLo) : this.sockets.internText(sockBuf.toString('latin1', sockP, sockE));
    const skb = skbBuf === null ? NONE : skbHex ? this.skbHex(skbHi, skbLo) : this.skbs.internText(skbBuf.toString('latin1', skbP, skbE));

    this.rows++;
    if (appendRow(this.batch, ts, event, cpu, socket, state, rxhash, queue, skb, this.lineNo) === this.batchRows) this.flush();
  }

  /**
   * One row of the canonical layout, scanning and converting each field in a
   * single pass. The row ends at `end` or at a newline before it (LF or CR LF);
   * returns the position after that newline (`end` when there is none). Returns
   * -1, having changed nothing, for any row it does not fully recognise as
   * valid; the general path then reads it again.
   */
  private rowFast(buf: Buffer, start: number, end: number): number {
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
        skb = this.skbHex(hi, lo);
      }
    }
    // The row's end: `end`, or its newline (a line longer than MAX_LINE is push()'s to reject).
    let next = end;
    if (p < end) {
      if (buf[p] === LF) next = p + 1;
      else if (buf[p] === CR && buf[p + 1] === LF) next = p + 2;
      else return -1;
      if (next - 1 - start > MAX_LINE) return -1;
    }
    const socket = haveSocket ? this.socketHex(sockHi, sockLo) : NONE;

    this.rows++;
    if (appendRow(this.batch, ts, event, cpu, socket, state, rxhash, queue, skb, this.lineNo) === this.batchRows) this.flush();
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

  /** Non-negative decimal of at most `maxDigits` digits, -1 if not one. */
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

  private idHi = 0;
  private idLo = 0;

  /** True, with the value in idHi:idLo, when [p, e) is 0x + 1..16 hex digits (one address, whatever its leading zeros). */
  private hexId(buf: Buffer, p: number, e: number): boolean {
    const len = e - p;
    if (len <= 2 || len > 18 || buf[p] !== 48 || (buf[p + 1] | 0x20) !== 0x78) return false;
    let hi = 0, lo = 0;
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

  /**
   * Id of a hex socket identity for the row being written. With deferIds the
   * reader leaves interning to the replay banks (DEFERRED_ID + the raw halves in
   * side columns), which number sockets in WebAssembly, for less than the
   * reader's interning here would cost.
   */
  private socketHex(hi: number, lo: number): number {
    if (!this.o.deferIds) return this.sockets.internHex(hi, lo);
    const b = this.batch;
    b.sockHi[b.length] = hi;
    b.sockLo[b.length] = lo;
    return DEFERRED_ID;
  }

  private skbHex(hi: number, lo: number): number {
    if (!this.o.deferIds) return this.skbs.internHex(hi, lo);
    const b = this.batch;
    b.skbHi[b.length] = hi;
    b.skbLo[b.length] = lo;
    return DEFERRED_ID;
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
      if (ok) return interner === this.sockets ? this.socketHex(hi, lo) : this.skbHex(hi, lo);
    }
    for (let i = p; i < e; i++) {
      const b = buf[i];
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) throw this.err(col + (i - p), msg.binaryJunk(b), 'binary');
      // A quote is data only inside a quoted field (whose text arrives here unquoted, col < 0).
      if (b === QUOTE && col > 0) throw this.err(col + (i - p), msg.quoteInField(), 'quote');
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

/**
 * The first quoting error in a line, scanning left to right (error path only):
 * a quote inside an unquoted field, a quoted field not closed on its line, or
 * something other than a comma after a closing quote.
 */
function csvSyntaxProblem(buf: Buffer, start: number, end: number): { column: number; detail: string } | null {
  let p = start;
  for (;;) {
    if (p < end && buf[p] === QUOTE) {
      const open = p;
      p++;
      for (;;) {
        if (p >= end) return { column: open - start + 1, detail: msg.unterminatedQuote() };
        if (buf[p] === QUOTE) {
          if (p + 1 < end && buf[p + 1] === QUOTE) {
            p += 2;
            continue;
          }
          p++;
          break;
        }
        p++;
      }
      if (p < end && buf[p] !== COMMA) return { column: p - start + 1, detail: msg.charAfterQuote(String.fromCharCode(buf[p])) };
    } else {
      while (p < end && buf[p] !== COMMA) {
        if (buf[p] === QUOTE) return { column: p - start + 1, detail: msg.quoteInField() };
        p++;
      }
    }
    if (p >= end) return null;
    p++;
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

/** Event kind of the name at buf[s, s+len) whose first byte is c, or -1: unrolled, no loop over names. */
function eventAt(buf: Buffer, s: number, len: number, c: number): number {
  switch (c) {
    case 0x70: // packet
      return len === 6 && buf[s + 1] === 0x61 && buf[s + 2] === 0x63 && buf[s + 3] === 0x6b && buf[s + 4] === 0x65 && buf[s + 5] === 0x74 ? EventKind.Packet : -1;
    case 0x72: // recvmsg
      return len === 7 && buf[s + 1] === 0x65 && buf[s + 2] === 0x63 && buf[s + 3] === 0x76 && buf[s + 4] === 0x6d && buf[s + 5] === 0x73 && buf[s + 6] === 0x67 ? EventKind.Recvmsg : -1;
    case 0x73: // sendmsg, splice, state
      if (len === 7) return buf[s + 1] === 0x65 && buf[s + 2] === 0x6e && buf[s + 3] === 0x64 && buf[s + 4] === 0x6d && buf[s + 5] === 0x73 && buf[s + 6] === 0x67 ? EventKind.Sendmsg : -1;
      if (len === 6) return buf[s + 1] === 0x70 && buf[s + 2] === 0x6c && buf[s + 3] === 0x69 && buf[s + 4] === 0x63 && buf[s + 5] === 0x65 ? EventKind.Splice : -1;
      if (len === 5) return buf[s + 1] === 0x74 && buf[s + 2] === 0x61 && buf[s + 3] === 0x74 && buf[s + 4] === 0x65 ? EventKind.State : -1;
      return -1;
    case 0x64: // deliver
      return len === 7 && buf[s + 1] === 0x65 && buf[s + 2] === 0x6c && buf[s + 3] === 0x69 && buf[s + 4] === 0x76 && buf[s + 5] === 0x65 && buf[s + 6] === 0x72 ? EventKind.Deliver : -1;
    case 0x61: // accept
      return len === 6 && buf[s + 1] === 0x63 && buf[s + 2] === 0x63 && buf[s + 3] === 0x65 && buf[s + 4] === 0x70 && buf[s + 5] === 0x74 ? EventKind.Accept : -1;
  }
  return -1;
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
