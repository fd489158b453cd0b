/** What a reader of v1 text is given, and what it hands back once the header row is read. */
import type { Identities, SkipLog } from '../rows.js';
import type { TraceBatch, TraceHeader, TraceSink } from '../trace.js';

/** Header parsing outcome handed to the caller once the header row is read. */
export interface HeaderReady {
  header: TraceHeader;
  columns: string[];
  /** Checks the declared rps_cpus masks against an nr_cpu_ids from elsewhere (--cpus), with their positions. */
  checkCpus?: (nr: number) => void;
}

export interface V1ReaderOptions {
  file: string;
  /** Where lenient mode counts the rows it skips; null: the first bad row stops the read. */
  skipLog: SkipLog | null;
  ids: Identities;
  /** Called when the header row is read; returns the nr_cpu_ids rows are checked against. */
  onHeader(ready: HeaderReady): number;
  sink: TraceSink;
  /** A fresh batch to fill after each one handed to the sink (default: reuse it; ReadOptions.takeBatch). */
  takeBatch?: () => TraceBatch;
}

/** Reads a whole v1 trace from its decompressed chunks into `o.sink`; returns the number of rows. */
export type V1Reader = (chunks: AsyncIterable<Buffer>, o: V1ReaderOptions) => Promise<number>;
