/**
 * What an importer of a foreign trace format (perf script, trace-cmd report,
 * bpftrace JSON, ...) does: turn text lines into the same rows a v1 trace has.
 * The reader validates rows and builds the columnar batches; importers never
 * touch typed arrays.
 */
import type { TextColumns, TextRow } from '../rows.js';
import type { TraceHeader } from '../trace.js';
import type { BatchWriter } from '../v1/batch-writer.js';

export interface ImportContext {
  /** Display name of the input, for messages. */
  file: string;
  /** Called once, before the first row: the configuration snapshot the format carries (or could infer). */
  header(header: TraceHeader): void;
  /** One row; `line` is the 1-based line of the source file it came from. */
  row(row: TextRow, line: number, columns: TextColumns): void;
  /**
   * Where an importer may write rows it has parsed and checked itself, as
   * numbers, into the same batches row() fills (in order with them): the
   * v1 reader's writer, set once header() has returned. Absent where only
   * text rows are taken (tests, the kernel release look-up).
   */
  parsed?: ParsedRows;
}

/** The reader's batch writer for rows already parsed, and the CPU bound they must be under (else they go through row(), which says why). */
export interface ParsedRows {
  out: BatchWriter | null;
  cpuBound: number;
}

export interface Importer {
  /** Format name as shown in provenance (e.g. "perf-script"). */
  format: string;
  /** True when the first bytes of the (decompressed) file look like this format. */
  sniff(head: string): boolean;
  /**
   * Reads every line (without line endings; `lineNo` is 1-based) and reports
   * rows in file order (or sorted by time, when the source is per-CPU).
   * Throws InputError for input it cannot read.
   */
  run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void>;
  /** The same as run(), from the decompressed bytes (latin1; the reader strips a leading BOM for run() only, so this does too). */
  readChunks?(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void>;
}

/**
 * A row collected before emission: tracepoint sources print per-CPU buffers
 * out of order, so importers gather rows and emit them sorted by time.
 */
export interface TimedRow {
  ts: number;
  /** Arrival order, so that equal timestamps keep the order the source printed them. */
  seq: number;
  row: TextRow;
  line: number;
  cols: TextColumns;
}

/** Time order, ties in arrival order. */
export function byTime(a: TimedRow, b: TimedRow): number {
  return a.ts - b.ts || a.seq - b.seq;
}
