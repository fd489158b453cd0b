/**
 * The fast reader for trace format v1: a byte scanner over decompressed
 * chunks that writes rows straight into columnar batches. It chains the
 * jobs of this folder: lines (framing.ts), the `#` lines and the header row
 * (header.ts, csv.ts), then each row by the first path that takes it: the
 * WebAssembly SIMD reader (simd.ts), in any column layout, the fused fast
 * row (fast-row.ts), in the canonical layout, the general row (row.ts),
 * which owns every error message. Its results must equal the csv-parse
 * reference reader's (reference.ts) on every input (tested).
 */
import { InputError } from '../../errors.js';
import { msg } from '../../messages.js';
import { BatchWriter } from './batch-writer.js';
import { csvSyntaxProblem, isBlankRow, splitFields } from './csv.js';
import { FastRow } from './fast-row.js';
import { LF, LineFramer } from './framing.js';
import { COLUMN_NAMES, HeaderParser, headerColumns } from './header.js';
import type { V1ReaderOptions } from './reader.js';
import { GeneralRow } from './row.js';
import { SimdRows } from './simd.js';

export interface ScannerOptions extends V1ReaderOptions {
  /** Leave hex identities uninterned (DEFERRED_ID + side columns) for the main thread. */
  deferIds?: boolean;
  /** Rows by the WebAssembly SIMD reader (simd.ts) first (default true; false: the JavaScript paths only). */
  simd?: boolean;
}

export class V1Scanner {
  private readonly lines: LineFramer;
  private readonly header: HeaderParser;
  private readonly out: BatchWriter;
  /** Set once the header row is read. */
  private general: GeneralRow | null = null;
  /** Columns exactly ts,event,cpu,socket,state,rxhash,queue,skb: the fast paths apply. */
  private fast: FastRow | null = null;
  private simd: SimdRows | null = null;
  private headerRowLine = 0;
  /** Of the rows, those the SIMD reader read (the others went by the fast row or the general path). */
  simdRows = 0;
  // The chunk being read, for the fast paths: its last newline (-2: not looked for yet),
  // where the SIMD reader's copy of it starts (-1: not copied yet) and ends, and a row
  // that reader refused (read by the other paths, once).
  private lastNl = -2;
  private simdFrom = -1;
  private simdTo = -1;
  private simdRefused = -1;

  constructor(private readonly o: ScannerOptions) {
    this.lines = new LineFramer(o.file);
    this.header = new HeaderParser(o.file);
    this.out = new BatchWriter(o.sink, o.takeBatch, o.ids, o.deferIds ?? false);
  }

  /** Rows read. */
  get rows(): number {
    return this.out.rows;
  }

  /** Feeds the next chunk of decompressed bytes. */
  push(chunk: Buffer): void {
    const lines = this.lines;
    lines.begin(chunk);
    this.lastNl = -2;
    this.simdFrom = -1;
    this.simdTo = -1;
    this.simdRefused = -1;
    for (;;) {
      if ((this.simd !== null || this.fast !== null) && !lines.carrying) this.fastRows(lines);
      if (!lines.next()) return;
      this.line(lines.buf, lines.start, lines.end);
    }
  }

  /**
   * Rows from the framer's position, up to the chunk's last newline, by the
   * SIMD reader (delimiters first, 2-2.5x faster than the byte loop) and, for
   * a row it refuses in the canonical layout, the fast row, which finds its
   * own line end (a native indexOf() per line cost more than scanning the
   * row: perf put 18% of the parse worker's time there). Stops at a row
   * neither takes; the framer then hands that line to line().
   */
  private fastRows(lines: LineFramer): void {
    const chunk = lines.chunk;
    if (this.lastNl === -2) this.lastNl = chunk.lastIndexOf(LF);
    const lastNl = this.lastNl;
    const fast = this.fast;
    const simd = this.simd;
    let pos = lines.pos;
    while (pos <= lastNl) {
      if (simd !== null && pos !== this.simdRefused) {
        // The SIMD reader's input: the chunk's complete lines from simdFrom (up to its
        // capacity), copied in once; the rest when it has read those.
        if (this.simdFrom < 0 || pos >= this.simdTo) {
          this.simdFrom = pos;
          this.simdTo = simd.load(chunk, pos, lastNl + 1);
        }
        if (this.simdTo > pos) {
          const n = simd.readRows(this.out, pos - this.simdFrom, lines.lineNo + 1);
          lines.lineNo += n;
          this.simdRows += n;
          pos = this.simdFrom + simd.stop;
          if (pos > lastNl) break;
          if (pos >= this.simdTo) continue;
        }
        this.simdRefused = pos;
      }
      if (fast === null) break;
      const next = fast.read(chunk, pos, lastNl + 1, lines.lineNo + 1);
      if (next < 0) break;
      lines.lineNo++;
      pos = next;
    }
    lines.pos = pos;
  }

  /** End of input: the last line may lack its newline. */
  end(): void {
    const lines = this.lines;
    if (lines.last()) this.line(lines.buf, lines.start, lines.end);
    if (this.general === null) this.header.endOfInput(lines.lineNo);
    this.out.flush();
    if (this.out.rows === 0) {
      // Lenient mode may skip every row; a replay of nothing would look like a result, so it is an error too.
      const skipped = this.o.skipLog;
      if (skipped && skipped.total > 0)
        throw new InputError(this.o.file, this.headerRowLine, 1, msg.allRowsSkipped(skipped.total, skipped.examples[0].line), 'header');
      throw new InputError(this.o.file, this.headerRowLine, 1, msg.headerOnly(), 'header');
    }
  }

  /** One whole line, buf[start, end) without its line ending. */
  private line(buf: Buffer, start: number, end: number): void {
    const general = this.general;
    if (general === null) {
      this.headerLine(buf, start, end);
      return;
    }
    if (end === start || isBlankRow(buf, start, end)) return; // blank lines (or bare commas) are allowed anywhere
    const lineNo = this.lines.lineNo;
    // The canonical layout takes the fused fast path; anything it does not
    // recognise (quotes, names, errors) is read again by the general path.
    if (this.fast !== null && this.fast.read(buf, start, end, lineNo) >= 0) return;
    const skipLog = this.o.skipLog;
    if (skipLog) {
      try {
        general.read(buf, start, end, lineNo);
      } catch (e) {
        if (e instanceof InputError) skipLog.add(e);
        else throw e;
      }
    } else {
      general.read(buf, start, end, lineNo);
    }
  }

  /** A line before the rows: the magic, a `#` line, a blank line, or the header row. */
  private headerLine(buf: Buffer, start: number, end: number): void {
    const lineNo = this.lines.lineNo;
    const text = buf.toString('latin1', start, end);
    if (this.header.preamble(text, lineNo)) return;
    // The header row: CSV, with the same quoting rules as rows.
    const problem = csvSyntaxProblem(buf, start, end);
    if (problem) throw new InputError(this.o.file, lineNo, problem.column, problem.detail, 'quote');
    const { fields, starts } = splitFields(buf, start, end);
    const { names } = headerColumns(this.o.file, fields, starts, lineNo);
    const parser = this.header;
    const header = parser.finish();
    const nrCpuIds = this.o.onHeader({ header, columns: names, checkCpus: (nr) => parser.checkMasks(nr) });
    this.headerRowLine = lineNo;
    this.general = new GeneralRow(this.o.file, this.out, names, nrCpuIds, header.queues, text, lineNo);
    const queueBytes = header.queues.map((q) => Buffer.from(q.name, 'latin1'));
    if (names.length === COLUMN_NAMES.length && COLUMN_NAMES.every((n, k) => names[k] === n)) this.fast = new FastRow(this.out, nrCpuIds, queueBytes);
    if (this.o.simd !== false) {
      this.simd = SimdRows.forColumns(nrCpuIds, names, queueBytes);
      if (this.simd !== null) this.out.numberTextsIn(this.simd);
    }
  }
}
