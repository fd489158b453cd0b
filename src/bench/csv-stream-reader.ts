/**
 * The csv-parse streaming baseline of `npm run bench` (run.ts, through
 * replay-baseline.ts): what a reader built on csv-parse alone achieves,
 * measured next to the fast byte scanner (issue 5: "a csv-parse-only reader
 * feeding the same model"). It is NOT the reference reader: that is
 * src/ingest/v1/reference.ts, which splits lines itself and is held to the
 * scanner on every input, hostile ones included. This one is held to the
 * others on valid traces only (same rows, same metrics; test/ingest). It is
 * no user option: the benchmark hands it to the replay as ReadOptions.reader.
 *
 * The `#` comment lines and the header row go through the shared
 * HeaderParser/headerColumns, as in the other readers. The whole rest of the
 * file then goes through ONE streaming csv-parse parser in its fastest mode
 * (`columns: false`, `relax_column_count`, no `cast`, no `on_record`, no
 * `info`), and each record array becomes a row through the same RowBuilder
 * the reference reader uses, feeding the same sink and batches. Only the
 * body goes to csv-parse: with relax_column_count it builds an error object
 * for every record whose field count differs from the first record's, so
 * feeding it the one-field `#` lines first makes it ~17x slower (measured on
 * the bench trace), which would flatter the fast path.
 *
 * Positions in messages: a record is one line (a valid v1 trace has no line
 * break inside a quoted field; a record that has one is rejected, and its
 * extra lines counted), so line numbers are exact. Columns are computed from
 * the field lengths, exact on rows without quoted fields (a quoted field
 * shifts the columns after it by its quotes). Quote damage csv-parse reports
 * (an unclosed quote, text after a closing quote, a quote inside a field) is
 * given at its line, column 1, and stops the replay even with --lenient
 * (csv-parse cannot resume after it).
 */
import { parse, type Parser } from 'csv-parse';
import { parse as parseCsvLine } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { extraFieldError, nameFields, RowBuilder, type TextColumns, type TextRow } from '../ingest/rows.js';
import { firstControl, LATIN1_BOM, MAX_LINE, overlongLineError } from '../ingest/v1/framing.js';
import { HeaderParser, headerColumns, type ColumnName } from '../ingest/v1/header.js';
import type { V1ReaderOptions } from '../ingest/v1/reader.js';

const BOM = LATIN1_BOM;

/** The header row's fields and their 1-based columns (a quoted header row is rare: csv-parse/sync splits it). */
function splitHeaderRow(file: string, line: string, lineNo: number): { fields: string[]; starts: number[] } {
  let fields: string[];
  if (line.indexOf('"') < 0) fields = line.split(',');
  else {
    try {
      fields = (parseCsvLine(line, { relax_column_count: true, relax_quotes: false }) as string[][])[0] ?? [''];
    } catch (e) {
      const detail = quoteDetail(e);
      if (detail === null) throw e;
      throw new InputError(file, lineNo, 1, detail, 'quote');
    }
  }
  const starts: number[] = [];
  for (let k = 0, col = 1; k < fields.length; col += fields[k].length + 1, k++) starts.push(col);
  return { fields, starts };
}

/** The message for a csv-parse quote error; null for any other error (a bug here, not bad input). */
function quoteDetail(e: unknown): string | null {
  const err = e as { code?: string; message?: string };
  return err.code === 'CSV_QUOTE_NOT_CLOSED'
    ? msg.unterminatedQuote()
    : err.code === 'CSV_INVALID_CLOSING_QUOTE'
      ? msg.charAfterQuote(/got "(.*?)" at line/.exec(err.message ?? '')?.[1] ?? '?')
      : err.code === 'INVALID_OPENING_QUOTE'
        ? msg.quoteInField()
        : null;
}

/** Only spaces and tabs (or nothing). */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** Reads a whole v1 trace from decompressed chunks; returns the number of rows. */
export async function readV1WithCsvParseStream(chunks: AsyncIterable<Buffer>, o: V1ReaderOptions): Promise<number> {
  const it = chunks[Symbol.asyncIterator]();
  try {
    return await read(it, o);
  } finally {
    await it.return?.(); // an error stops the read: close the source as a for-await loop would
  }
}

async function read(it: AsyncIterator<Buffer>, o: V1ReaderOptions): Promise<number> {
  const header = new HeaderParser(o.file);
  const bad = (line: number, column: number, detail: string, reason: string) => new InputError(o.file, line, column, detail, reason);
  let lineNo = 0;

  // 1. The comment lines and the header row, split into lines here (they are not CSV).
  let headerFields: string[] | null = null;
  let index: Record<ColumnName, number> | null = null;
  let ncols = 0;
  let builder: RowBuilder | null = null;
  let body: Buffer | null = null; // the bytes after the header row in the chunk that held it
  let rest = '';
  const tooLong = (head: string): never => {
    throw overlongLineError(o.file, lineNo + 1, head);
  };
  /** One preamble line; true once it was the header row. */
  const preambleLine = (raw: string): boolean => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = lineNo === 1 && line.startsWith(BOM) ? line.slice(BOM.length) : line;
    if (header.preamble(text, lineNo)) return false;
    const { fields, starts } = splitHeaderRow(o.file, text, lineNo);
    const cols = headerColumns(o.file, fields, starts, lineNo);
    headerFields = fields;
    ncols = cols.names.length;
    index = cols.index;
    const h = header.finish();
    const nr = o.onHeader({ header: h, columns: cols.names, checkCpus: (n) => header.checkMasks(n) });
    builder = new RowBuilder(o.file, h, nr, o.sink, o.ids, o.skipLog, o.takeBatch);
    return true;
  };
  scan: for (;;) {
    const r = await it.next();
    if (r.done) {
      if (rest.length > 0 && preambleLine(rest)) body = Buffer.alloc(0);
      break;
    }
    const text = rest + r.value.toString('latin1');
    let p = 0;
    for (;;) {
      const nl = text.indexOf('\n', p);
      if (nl < 0) break;
      if (nl - p > MAX_LINE) tooLong(text.slice(p, nl));
      const isHeader = preambleLine(text.slice(p, nl));
      p = nl + 1;
      if (isHeader) {
        // latin1: one character per byte, so the text offset is the byte offset.
        body = Buffer.from(text.slice(p), 'latin1');
        break scan;
      }
    }
    rest = text.slice(p);
    if (rest.length > MAX_LINE) tooLong(rest);
  }
  if (!builder) header.endOfInput(lineNo);
  const b = builder as unknown as RowBuilder;
  const headerRowLine = lineNo;
  const hdr = headerFields as unknown as string[];

  // 2. The body: every remaining byte through one csv-parse stream.
  const parser: Parser = parse({ columns: false, relax_column_count: true, encoding: 'latin1' });
  parser.on('error', () => {}); // surfaced below, from parser.errored or the iterator
  /**
   * Quote damage, once the records before it are replayed: it is on the next
   * line (csv-parse's own `lines` names the line where it gave up, which for
   * a quote left open is the last line the quote swallowed).
   */
  const quoteError = (e: unknown): unknown => {
    const detail = quoteDetail(e);
    if (detail === null) return e; // anything else from csv-parse is a bug here, not bad input
    return bad(lineNo + 1, 1, detail, 'quote');
  };

  // One row object and one column object, refilled for every record (RowBuilder keeps neither).
  const row: TextRow = { ts: '', event: '', cpu: '', socket: '', state: '', rxhash: '', queue: '', skb: '' };
  const cols: TextColumns = { ts: 0, event: 0, cpu: 0, socket: 0, state: 0, rxhash: 0, queue: 0, skb: 0 };
  const starts: number[] = [];

  const record = (rec: string[]): void => {
    lineNo++;
    const n = rec.length;
    // csv-parse picks the record delimiter from the first body line; a later CRLF line leaves its CR behind.
    const last = rec[n - 1];
    if (last.length > 0 && last.charCodeAt(last.length - 1) === 0x0d) rec[n - 1] = last.slice(0, -1);
    let col = 1;
    for (let k = 0; k < n; k++) {
      starts[k] = col;
      col += rec[k].length + 1;
    }
    const missing = col; // where a field missing from a short row is reported: line length + 2
    // Whole-line checks first, as the reference reader: junk bytes (or a line break a quoted field swallowed),
    // a blank row, a comment out of place, the header row again.
    for (let k = 0; k < n; k++) {
      const ctl = firstControl(rec[k]);
      if (ctl < 0) continue;
      let spans = 0;
      for (const f of rec) for (let q = f.indexOf('\n'); q >= 0; q = f.indexOf('\n', q + 1)) spans++;
      const at = lineNo;
      lineNo += spans; // the record's other lines
      if (rec[k].charCodeAt(ctl) === 0x0a) throw bad(at, starts[k], msg.unterminatedQuote(), 'quote');
      throw bad(at, starts[k] + ctl, msg.binaryJunk(rec[k].charCodeAt(ctl)), 'binary');
    }
    const f0 = rec[0];
    if (f0.length === 0 || f0.charCodeAt(0) === 0x20 || f0.charCodeAt(0) === 0x09) {
      let blank = true;
      for (let k = 0; k < n && blank; k++) blank = isBlank(rec[k]);
      if (blank) return; // blank lines (or bare commas) are allowed anywhere
    } else if (f0.charCodeAt(0) === 0x23 /* # */) {
      throw bad(lineNo, 1, msg.lateComment(), 'late_comment');
    } else if (f0 === hdr[0] && n === hdr.length && rec.every((f, k) => f === hdr[k])) {
      throw bad(lineNo, 1, msg.repeatedHeaderRow(headerRowLine), 'repeated_header');
    }
    const extra = extraFieldError(o.file, lineNo, rec, starts, ncols);
    nameFields(rec, starts, index!, missing, row, cols);
    b.add(row, lineNo, cols, extra);
  };
  const onRecord =
    o.skipLog === null
      ? record
      : (rec: string[]): void => {
          try {
            record(rec);
          } catch (e) {
            if (e instanceof InputError) o.skipLog!.add(e);
            else throw e;
          }
        };

  try {
    // write() parses synchronously; the records are drained before the next chunk, which keeps memory flat.
    const feed = (chunk: Buffer): void => {
      parser.write(chunk);
      let rec: string[] | null;
      while ((rec = parser.read() as string[] | null) !== null) onRecord(rec);
      if (parser.errored) throw quoteError(parser.errored);
    };
    if (body!.length > 0) feed(body!);
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      feed(r.value);
    }
    parser.end();
    try {
      for await (const rec of parser) onRecord(rec as string[]);
    } catch (e) {
      throw quoteError(e);
    }
  } finally {
    parser.destroy();
  }

  b.flush();
  if (b.rows === 0) {
    const skipped = o.skipLog;
    if (skipped && skipped.total > 0) throw bad(headerRowLine, 1, msg.allRowsSkipped(skipped.total, skipped.examples[0].line), 'header');
    throw bad(headerRowLine, 1, msg.headerOnly(), 'header');
  }
  return b.rows;
}
