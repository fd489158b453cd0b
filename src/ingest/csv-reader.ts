/**
 * The reference reader for v1 traces: csv-parse does the CSV (quotes, CRLF,
 * BOM); rows go through the string-level RowBuilder. About 0.5 M rows/s —
 * the fast byte scanner must produce exactly what this produces.
 */
import { parse } from 'csv-parse';
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { HeaderParser } from './header.js';
import { RowBuilder, type Identities, type SkipLog, type TextColumns, type TextRow } from './rows.js';
import type { TraceSink } from './trace.js';
import { REQUIRED_COLUMNS, type HeaderReady } from './v1-scanner.js';

const FIELDS: (keyof TextRow)[] = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb'];

export interface CsvReaderOptions {
  file: string;
  skipLog: SkipLog | null;
  ids: Identities;
  onHeader(ready: HeaderReady): number;
  sink: TraceSink;
}

function firstControl(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return i;
  }
  return -1;
}

/** Reads a whole v1 trace from decompressed chunks; returns the number of rows. */
export async function readV1WithCsvParse(chunks: AsyncIterable<Buffer>, o: CsvReaderOptions): Promise<number> {
  const parser = parse({
    relax_column_count: true,
    relax_quotes: false,
    skip_empty_lines: true,
    bom: true,
    info: true,
    encoding: 'latin1',
  });
  const header = new HeaderParser(o.file);
  let phase = 0; // 0 magic, 1 comments/header row, 2 rows
  let index: Record<keyof TextRow, number> = { ts: -1, event: -1, cpu: -1, socket: -1, state: -1, rxhash: -1, queue: -1, skb: -1 };
  let ncols = 0;
  let builder: RowBuilder | null = null;
  let lastLine = 0;
  let headerRowLine = 0;

  const feed = (async () => {
    try {
      for await (const chunk of chunks) {
        if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();

  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      const line = info.lines;
      lastLine = line;
      for (let k = 0, col = 1; k < record.length; col += record[k].length + 1, k++) {
        const bad = firstControl(record[k]);
        if (bad >= 0) throw new InputError(o.file, line, col + bad, msg.binaryJunk(record[k].charCodeAt(bad)), 'binary');
      }
      if (phase === 0) {
        if (line !== 1) throw new InputError(o.file, 1, 1, msg.emptyFile(), 'header');
        header.magic(record.join(','));
        phase = 1;
        continue;
      }
      if (phase === 1) {
        const text = record.join(',');
        if (text.trim().length === 0) continue;
        if (text.startsWith('#')) {
          header.comment(text, line);
          continue;
        }
        const names = record.map((s) => s.trim());
        while (names.length > 0 && names[names.length - 1] === '') names.pop();
        const seen = new Set<string>();
        let col = 1;
        names.forEach((name, j) => {
          if ((FIELDS as string[]).includes(name)) {
            if (seen.has(name)) throw new InputError(o.file, line, col, msg.duplicateColumn(name), 'header');
            seen.add(name);
            index[name as keyof TextRow] = j;
          }
          col += name.length + 1;
        });
        for (const req of REQUIRED_COLUMNS) {
          if (!seen.has(req)) throw new InputError(o.file, line, 1, msg.missingColumn(req), 'header');
        }
        ncols = names.length;
        headerRowLine = line;
        const h = header.finish();
        const nr = o.onHeader({ header: h, columns: names });
        builder = new RowBuilder(o.file, h, nr, o.sink, o.ids, o.skipLog);
        phase = 2;
        continue;
      }
      if (record.every((f) => f.trim() === '')) continue; // bare commas: an empty row
      // Columns of each field, for messages (exact for unquoted fields).
      const starts: number[] = [];
      for (let k = 0, col = 1; k < record.length; col += record[k].length + 1, k++) starts.push(col);
      try {
        for (let k = ncols; k < record.length; k++) {
          if (record[k] !== '') throw new InputError(o.file, line, starts[k], msg.tooManyFields(k + 1, ncols), 'extra_field');
        }
      } catch (e) {
        if (o.skipLog && e instanceof InputError) {
          o.skipLog.add(e);
          continue;
        }
        throw e;
      }
      const row = {} as TextRow;
      const cols = {} as TextColumns;
      for (const f of FIELDS) {
        const k = index[f];
        row[f] = k >= 0 && k < record.length ? record[k] : '';
        cols[f] = k >= 0 ? (starts[k] ?? starts[starts.length - 1] + record[record.length - 1].length + 1) : 1;
      }
      builder!.add(row, line, cols);
    }
  } catch (e) {
    const err = e as { code?: string; lines?: number; message: string };
    if (err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_INVALID_CLOSING_QUOTE' || err.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
      throw new InputError(o.file, err.lines ?? lastLine + 1, 1, msg.unterminatedQuote(), 'quote');
    }
    throw e;
  } finally {
    await feed;
  }
  if (phase === 0) throw new InputError(o.file, 1, 1, msg.emptyFile(), 'header');
  if (phase === 1) throw new InputError(o.file, lastLine + 1, 1, msg.noHeaderRow(), 'header');
  builder!.flush();
  if (builder!.rows === 0 && (o.skipLog?.total ?? 0) === 0) throw new InputError(o.file, headerRowLine, 1, msg.headerOnly(), 'header');
  return builder!.rows;
}
