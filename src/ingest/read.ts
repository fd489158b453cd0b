/**
 * Reading a trace, whatever its format, into the one internal model: sniff
 * the decompressed head, then hand the chunks to the matching reader.
 */
import { InputError, UsageError } from '../errors.js';
import { msg } from '../messages.js';
import type { ImportContext, ParsedRows } from './importers/types.js';
import { newIdentities, RowBuilder, SkipLog } from './rows.js';
import { sniffFormat } from './sniff.js';
import { openSource } from './source.js';
import type { SourceInfo, TraceBatch, TraceHeader, TraceSink } from './trace.js';
import { BatchWriter } from './v1/batch-writer.js';
import { readV1Header } from './v1/header.js';
import type { HeaderReady, V1Reader } from './v1/reader.js';
import { readV1WithCsvParse } from './v1/reference.js';
import { V1Scanner } from './v1/scanner.js';

export interface ReadOptions {
  /** nr_cpu_ids when the header has none. */
  cpus?: number;
  /**
   * The smallest nr_cpu_ids a what-if asks for (`--cpus`): a row on a CPU at or
   * beyond it is bad input, at its position, as a CPU beyond the header's
   * nr_cpu_ids is. A machine without that CPU cannot have run it; folding it
   * onto another would give numbers for a trace that never happened.
   */
  cpusWhatIf?: number;
  lenient?: boolean;
  /**
   * The reader of v1 text: 'fast' (the byte scanner, default), 'csv-parse'
   * (the reference reader), or any other V1Reader (the benchmark's
   * csv-parse-only baseline, src/bench/csv-stream-reader.ts).
   */
  reader?: 'fast' | 'csv-parse' | V1Reader;
  chunkSize?: number;
  hash?: boolean;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Where the reader writes its next batch after handing one to the sink
   * (a SlotRing's shared slots, which another thread reads); default: reuse the same one.
   */
  takeBatch?: () => TraceBatch;
  /**
   * Called with each chunk's size before it becomes rows, and with null after
   * the last; a returned promise is awaited first. A consumer on another thread
   * that frees the takeBatch() slots uses it to hold the reading, without
   * blocking this thread's event loop, until it is known to be running.
   */
  pace?: (bytes: number | null) => Promise<void> | undefined;
  /**
   * Leave hex socket/skb identities uninterned (DEFERRED_ID + raw halves in the
   * batch's side columns); the consumer interns them (the replay banks number sockets, DeliverMatcher skbs).
   */
  deferIds?: boolean;
  /** Canonical rows by the WebAssembly SIMD reader first (default true; false: the JavaScript byte scanner alone, which tests compare it with). */
  simd?: boolean;
}

export interface ReadResult {
  source: SourceInfo;
  header: TraceHeader;
  nrCpuIds: number;
  columns: string[];
  rows: number;
  /** Of those, rows the WebAssembly SIMD reader read (0 for other readers and formats; tests check it takes the common rows). */
  simdRows: number;
  skipped: SkipLog;
  distinctSockets: number;
}

/** Reads `path` and streams it into `sink`; `onHeader` fires before the first batch. */
export async function readTrace(path: string, sink: TraceSink, opts: ReadOptions = {}): Promise<ReadResult> {
  // csv-parse keeps views of earlier chunks: they must stay as they are.
  const csvParse = opts.reader !== undefined && opts.reader !== 'fast';
  const src = openSource(path, { chunkSize: opts.chunkSize, hash: opts.hash, signal: opts.signal, reuseBuffers: !csvParse });
  const skipped = new SkipLog();
  const ids = newIdentities();
  let ready: HeaderReady | null = null;
  let nrCpuIds = 0;
  let whatIfBound = 0;
  const onHeader = (r: HeaderReady): number => {
    ready = r;
    const nr = r.header.nrCpuIds ?? opts.cpus;
    if (nr === undefined) throw new InputError(path, 1, 1, msg.missingNrCpuIds(), 'header');
    if (r.header.nrCpuIds === undefined) {
      // The masks could not be checked against the header's nr_cpu_ids; check them against --cpus, at their own positions.
      if (r.checkCpus) r.checkCpus(nr);
      else {
        for (const q of r.header.queues) {
          const beyond = q.rpsCpus.find((c) => c >= nr);
          if (beyond !== undefined) throw new InputError(path, 1, 1, msg.maskBeyondCpus(q.rpsCpusMask, beyond, nr), 'header');
        }
      }
    }
    nrCpuIds = nr;
    sink.header(r.header, nr);
    // The readers check every row's CPU against this bound.
    if (opts.cpusWhatIf !== undefined && opts.cpusWhatIf < nr) {
      if (opts.lenient) throw new UsageError(msg.cpusWhatIfLenient(opts.cpusWhatIf, nr));
      whatIfBound = opts.cpusWhatIf;
      return whatIfBound;
    }
    return nr;
  };
  const progress = opts.onProgress;
  let chunks: AsyncIterable<Buffer> = src.chunks;
  if (progress) {
    chunks = (async function* () {
      let last = 0;
      for await (const c of src.chunks) {
        yield c;
        const now = src.bytesRead();
        if (now - last >= 1 << 22) {
          last = now;
          progress(now, src.bytes);
        }
      }
      progress(src.bytes, src.bytes);
    })();
  }

  // Format sniffing happens here, once, on the first 64 KiB of decompressed text.
  const peeked = await peek(chunks, SNIFF_BYTES);
  chunks = opts.pace ? paced(peeked.chunks, opts.pace) : peeked.chunks;
  const format = sniffFormat(peeked.head.toString('latin1'));

  let rows = 0;
  let simdRows = 0;
  try {
    const skipLog = opts.lenient ? skipped : null;
    if (format !== 'rfs-v1') {
      let builder: RowBuilder | null = null;
      // Rows an importer has parsed itself go to the same batches, in order, as those it hands over as text.
      const parsed: ParsedRows = { out: null, cpuBound: 0 };
      const ctx: ImportContext = {
        file: path,
        header(h) {
          h.format = format.format;
          const nr = onHeader({ header: h, columns: [] });
          parsed.out = new BatchWriter(sink, opts.takeBatch, ids, opts.deferIds ?? false);
          parsed.cpuBound = nr;
          builder = new RowBuilder(path, h, nr, sink, ids, skipLog, opts.takeBatch, parsed.out);
        },
        row(r, line, cols) {
          if (!builder) throw new InputError(path, line, 1, msg.noHeaderRow(), 'header');
          builder.add(r, line, cols);
        },
        parsed,
      };
      await (format.readChunks ? format.readChunks(chunks, ctx) : format.run(lines(chunks), ctx));
      if (!parsed.out) throw new InputError(path, 1, 1, msg.emptyFile(), 'header');
      parsed.out.flush();
      rows = parsed.out.rows;
    } else if (opts.reader !== undefined && opts.reader !== 'fast') {
      const reader = opts.reader === 'csv-parse' ? readV1WithCsvParse : opts.reader;
      rows = await reader(chunks, { file: path, skipLog, ids, onHeader, sink, takeBatch: opts.takeBatch });
    } else {
      const scanner = new V1Scanner({ file: path, skipLog, ids, onHeader, sink, takeBatch: opts.takeBatch, deferIds: opts.deferIds, simd: opts.simd });
      for await (const chunk of chunks) scanner.push(chunk);
      scanner.end();
      rows = scanner.rows;
      simdRows = scanner.simdRows;
    }
  } catch (e) {
    // A row on a CPU that a --cpus what-if does not have: say so, at the row's position.
    if (whatIfBound > 0 && e instanceof InputError && e.reason === 'cpu_out_of_range') {
      throw new InputError(
        e.file,
        e.line,
        e.column,
        msg.cpuBeyondWhatIf(/^cpu (.*) is out of range/.exec(e.detail)?.[1] ?? '?', whatIfBound),
        'cpu_beyond_what_if',
      );
    }
    throw e;
  }
  const r = ready as HeaderReady | null;
  return {
    source: { path, bytes: src.bytes, gzip: src.gzip, sha256: src.sha256(), format: r?.header.format ?? 'rfs-trace v1' },
    header: r!.header,
    nrCpuIds,
    columns: r!.columns,
    rows,
    simdRows,
    skipped,
    distinctSockets: ids.sockets.size,
  };
}

const SNIFF_BYTES = 64 * 1024;

/**
 * The header of a v1 trace, read as readTrace() reads it, without its rows
 * (`validate` reports the capture losses its `#` lines record); null for the
 * other formats, whose importers build a header only as they read the rows.
 */
export async function readHeader(path: string): Promise<TraceHeader | null> {
  const src = openSource(path);
  const peeked = await peek(src.chunks, SNIFF_BYTES);
  if (sniffFormat(peeked.head.toString('latin1')) !== 'rfs-v1') {
    await src.chunks[Symbol.asyncIterator]().return?.(); // close the file
    return null;
  }
  return readV1Header(peeked.chunks, path);
}

/**
 * The kernel release a trace names, whatever its format: a v1 header's
 * `kernel=`, or the header an importer builds before its first row (the
 * capture program's configuration line); null when it names none, or when
 * the trace cannot be read that far (the replay then reports why).
 */
export async function readKernelRelease(path: string): Promise<string | null> {
  const src = openSource(path);
  try {
    const peeked = await peek(src.chunks, SNIFF_BYTES);
    const format = sniffFormat(peeked.head.toString('latin1'));
    if (format === 'rfs-v1') return (await readV1Header(peeked.chunks, path)).kernel ?? null;
    let kernel: string | null = null;
    const found = new Error('header found');
    await format
      .run(lines(peeked.chunks), {
        file: path,
        header(h) {
          kernel = h.kernel ?? null;
          throw found;
        },
        row() {
          throw found;
        },
      })
      .catch((e) => {
        if (e !== found) throw e;
      });
    return kernel;
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) return null;
    throw e;
  }
}

/** The chunks, with `pace` awaited before each and after the last (ReadOptions.pace). */
async function* paced(chunks: AsyncIterable<Buffer>, pace: NonNullable<ReadOptions['pace']>): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    const wait = pace(c.length);
    if (wait) await wait;
    yield c;
  }
  const wait = pace(null);
  if (wait) await wait;
}

/** The first `n` bytes (or all, if shorter), and the chunks again from the start. */
async function peek(chunks: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    first.push(Buffer.from(r.value)); // held while the source reads on, which may reuse its buffers
    size += r.value.length;
  }
  const head = Buffer.concat(first).subarray(0, n);
  async function* again(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      // A reader that stops early (an error, or readHeader() at the header row) closes the source.
      await it.return?.();
    }
  }
  return { head, chunks: again() };
}

/** Lines of text (latin1, without line endings or a leading BOM) from byte chunks. */
async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = '';
  let first = true;
  for await (const chunk of chunks) {
    let text = rest + chunk.toString('latin1');
    if (first) {
      if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3);
      first = false;
    }
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}
