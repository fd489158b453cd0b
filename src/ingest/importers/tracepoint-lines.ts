/**
 * A tracepoint importer's reader of lines (perf script, ftrace / trace-cmd):
 * the same lines as text, with every message, or as bytes, both into one
 * TracepointRows; and the importer's run() and readChunks() over it.
 */
import { forEachLine } from './chunk-lines.js';
import { CrFinder } from './line-bytes.js';
import { TracepointRows } from './tracepoint-text.js';
import type { ImportContext, Importer } from './types.js';

/** What each tracepoint format's reader holds: its rows, and the byte path's scratch (a CR finder, a parsed timestamp). */
export abstract class TracepointLines {
  readonly rows: TracepointRows;
  protected readonly cr = new CrFinder();
  protected readonly at = { ns: 0, end: 0 };

  constructor(
    protected readonly file: string,
    format: string,
  ) {
    this.rows = new TracepointRows(file, format);
  }

  /** A line as text: every line the byte path does not take, with every error message. */
  abstract text(text: string, lineNo: number): void;
  /** A line as bytes buf[s, e); lines it cannot take it hands to text(). */
  abstract bytes(buf: Buffer, s: number, e: number, lineNo: number): void;
}

/** An importer's run() and readChunks() over the lines that `open(file)` reads; the rows emitted at the end. */
export function tracepointReading(open: (file: string) => TracepointLines): Pick<Importer, 'run' | 'readChunks'> {
  return {
    async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
      const reader = open(ctx.file);
      let lineNo = 0;
      for await (const text of lines) reader.text(text, ++lineNo);
      reader.rows.emit(ctx);
    },
    async readChunks(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void> {
      const reader = open(ctx.file);
      await forEachLine(chunks, (buf, s, e, lineNo) => reader.bytes(buf, s, e, lineNo));
      reader.rows.emit(ctx);
    },
  };
}
