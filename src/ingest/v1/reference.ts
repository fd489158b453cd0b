/**
 * The reference reader for v1 traces: an independent implementation the fast
 * byte scanner is held to (same rows, same metrics, same error message and
 * position on every input). csv-parse does the CSV of each row; rows go
 * through the string-level RowBuilder.
 *
 * A v1 trace is line-oriented (docs/format.md): one row per line, and a quoted
 * field cannot hold a line break. A streaming CSV parser would let a stray
 * quote swallow the following lines, so this reader splits lines itself and
 * hands csv-parse one line at a time — only the lines that contain a quote:
 * a line without one is exactly its comma-separated pieces. The lines before
 * the header row are not CSV at all (`# key=value` comments) and go to the
 * shared HeaderParser, as in the scanner. It frames lines itself, on latin1
 * text, rather than by framing.ts: the byte scanner's framing is held to it.
 */
import { parse as parseCsvLine } from 'csv-parse/sync';
import { InputError } from '../../errors.js';
import { msg } from '../../messages.js';
import { extraFieldError, nameFields, RowBuilder, type TextColumns, type TextRow } from '../rows.js';
import { firstControl, LATIN1_BOM, MAX_LINE, overlongLineError } from './framing.js';
import { HeaderParser, headerColumns, type ColumnName } from './header.js';
import type { V1ReaderOptions } from './reader.js';

const BOM = LATIN1_BOM;

/** Only commas, spaces and tabs: an empty row a spreadsheet left behind. */
function isBlankRow(line: string): boolean {
  return /^[, \t]*$/.test(line);
}

/** One line as CSV fields, with each field's 1-based column in the line. */
function splitLine(file: string, line: string, lineNo: number): { fields: string[]; starts: number[] } {
  if (line.indexOf('"') < 0) {
    const fields = line.split(',');
    const starts: number[] = [];
    for (let k = 0, col = 1; k < fields.length; col += fields[k].length + 1, k++) starts.push(col);
    return { fields, starts };
  }
  let records: string[][];
  try {
    // Strict quoting (RFC 4180): a stray quote is damage, never data.
    records = parseCsvLine(line, { relax_quotes: false, relax_column_count: true, bom: false, skip_empty_lines: false });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const at = locateQuoteProblem(line);
    const detail =
      code === 'CSV_QUOTE_NOT_CLOSED'
        ? msg.unterminatedQuote()
        : code === 'CSV_INVALID_CLOSING_QUOTE' && at
          ? msg.charAfterQuote(line[at - 1])
          : code === 'INVALID_OPENING_QUOTE'
            ? msg.quoteInField()
            : null;
    if (at && detail) throw new InputError(file, lineNo, at, detail, 'quote');
    throw e; // anything else from csv-parse is a bug here, not bad input
  }
  const fields = records[0] ?? [''];
  return { fields, starts: fieldStarts(line, fields.length) };
}

/**
 * Columns where the fields of a line csv-parse accepted begin. Positions only:
 * csv-parse has already decided what the fields are.
 */
function fieldStarts(line: string, count: number): number[] {
  const starts: number[] = [];
  let p = 0;
  while (starts.length < count) {
    starts.push(p + 1);
    if (line[p] === '"') {
      p++;
      while (p < line.length && !(line[p] === '"' && line[p + 1] !== '"')) p += line[p] === '"' ? 2 : 1;
      p++;
    }
    const comma = line.indexOf(',', p);
    if (comma < 0) break;
    p = comma + 1;
  }
  return starts;
}

/**
 * Column of the problem in a line csv-parse rejected: the opening quote of a
 * field that never closes, the character after a closing quote that is not
 * a comma, or a quote inside an unquoted field. Error path only.
 */
function locateQuoteProblem(line: string): number | null {
  let p = 0;
  for (;;) {
    if (line[p] === '"') {
      const open = p;
      p++;
      for (;;) {
        if (p >= line.length) return open + 1;
        if (line[p] === '"') {
          if (line[p + 1] === '"') {
            p += 2;
            continue;
          }
          p++;
          break;
        }
        p++;
      }
      if (p < line.length && line[p] !== ',') return p + 1;
    } else {
      while (p < line.length && line[p] !== ',') {
        if (line[p] === '"') return p + 1;
        p++;
      }
    }
    if (p >= line.length) return null;
    p++;
  }
}

/** Reads a whole v1 trace from decompressed chunks; returns the number of rows. */
export async function readV1WithCsvParse(chunks: AsyncIterable<Buffer>, o: V1ReaderOptions): Promise<number> {
  const header = new HeaderParser(o.file);
  let inRows = false;
  let index: Record<ColumnName, number> | null = null;
  let ncols = 0;
  let builder: RowBuilder | null = null;
  let headerRowLine = 0;
  let headerRowText = '';
  let lineNo = 0;

  const bad = (line: number, column: number, detail: string, reason: string) => new InputError(o.file, line, column, detail, reason);

  const onLine = (raw: string): void => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!inRows) {
      const text = lineNo === 1 && line.startsWith(BOM) ? line.slice(BOM.length) : line;
      if (header.preamble(text, lineNo)) return;
      const { fields, starts } = splitLine(o.file, text, lineNo);
      const cols = headerColumns(o.file, fields, starts, lineNo);
      index = cols.index;
      ncols = cols.names.length;
      headerRowLine = lineNo;
      headerRowText = text;
      const h = header.finish();
      const nr = o.onHeader({ header: h, columns: cols.names, checkCpus: (n) => header.checkMasks(n) });
      builder = new RowBuilder(o.file, h, nr, o.sink, o.ids, o.skipLog, o.takeBatch);
      inRows = true;
      return;
    }
    if (isBlankRow(line)) return; // blank lines (or bare commas) are allowed anywhere
    try {
      row(line);
    } catch (e) {
      if (o.skipLog && e instanceof InputError) o.skipLog.add(e);
      else throw e;
    }
  };

  const row = (line: string): void => {
    // Whole-line checks first: junk bytes, a comment out of place, the header row again.
    const ctl = firstControl(line);
    if (ctl >= 0) throw bad(lineNo, ctl + 1, msg.binaryJunk(line.charCodeAt(ctl)), 'binary');
    if (line.startsWith('#')) throw bad(lineNo, 1, msg.lateComment(), 'late_comment');
    if (line === headerRowText) throw bad(lineNo, 1, msg.repeatedHeaderRow(headerRowLine), 'repeated_header');
    const { fields, starts } = splitLine(o.file, line, lineNo);
    const extra = extraFieldError(o.file, lineNo, fields, starts, ncols);
    const r = {} as TextRow;
    const cols = {} as TextColumns;
    nameFields(fields, starts, index!, line.length + 2, r, cols);
    builder!.add(r, lineNo, cols, extra);
  };

  // Line splitting: latin1 keeps one character per byte, so columns are byte columns.
  let rest = '';
  const tooLong = (head: string): never => {
    throw overlongLineError(o.file, lineNo + 1, head);
  };
  for await (const chunk of chunks) {
    const text = rest + chunk.toString('latin1');
    let p = 0;
    for (;;) {
      const nl = text.indexOf('\n', p);
      if (nl < 0) break;
      if (nl - p > MAX_LINE) tooLong(text.slice(p, nl));
      onLine(text.slice(p, nl));
      p = nl + 1;
    }
    rest = text.slice(p);
    if (rest.length > MAX_LINE) tooLong(rest);
  }
  if (rest.length > 0) onLine(rest);

  if (!inRows) header.endOfInput(lineNo);
  const b = builder as RowBuilder | null;
  b!.flush();
  if (b!.rows === 0) {
    const skipped = o.skipLog;
    if (skipped && skipped.total > 0) throw bad(headerRowLine, 1, msg.allRowsSkipped(skipped.total, skipped.examples[0].line), 'header');
    throw bad(headerRowLine, 1, msg.headerOnly(), 'header');
  }
  return b!.rows;
}
