/**
 * Reading a trace, whatever its format, into the one internal model: sniff
 * the decompressed head, then hand the chunks to the matching reader.
 */
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { readV1WithCsvParse } from './csv-reader.js';
import { newIdentities, SkipLog, type Identities } from './rows.js';
import { openSource } from './source.js';
import type { SourceInfo, TraceHeader, TraceSink } from './trace.js';
import { V1Scanner, type HeaderReady } from './v1-scanner.js';

export interface ReadOptions {
  /** nr_cpu_ids when the header has none. */
  cpus?: number;
  lenient?: boolean;
  reader?: 'fast' | 'csv-parse';
  chunkSize?: number;
  hash?: boolean;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface ReadResult {
  source: SourceInfo;
  header: TraceHeader;
  nrCpuIds: number;
  columns: string[];
  rows: number;
  skipped: SkipLog;
  ids: Identities;
}

/** Reads `path` and streams it into `sink`; `onHeader` fires before the first batch. */
export async function readTrace(
  path: string,
  sink: TraceSink,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  const src = openSource(path, { chunkSize: opts.chunkSize, hash: opts.hash, signal: opts.signal });
  const skipped = new SkipLog();
  const ids = newIdentities();
  let ready: HeaderReady | null = null;
  let nrCpuIds = 0;
  const onHeader = (r: HeaderReady): number => {
    ready = r;
    const nr = r.header.nrCpuIds ?? opts.cpus;
    if (nr === undefined) throw new InputError(path, 1, 1, msg.missingNrCpuIds(), 'header');
    if (r.header.nrCpuIds === undefined) {
      for (const q of r.header.queues) {
        const beyond = q.rpsCpus.find((c) => c >= nr);
        if (beyond !== undefined) throw new InputError(path, 1, 1, msg.maskBeyondCpus(q.rpsCpusMask, beyond, nr), 'header');
      }
    }
    nrCpuIds = nr;
    sink.header(r.header, nr);
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

  let rows: number;
  const skipLog = opts.lenient ? skipped : null;
  if (opts.reader === 'csv-parse') {
    rows = await readV1WithCsvParse(chunks, { file: path, skipLog, ids, onHeader, sink });
  } else {
    const scanner = new V1Scanner({ file: path, cpusFallback: opts.cpus, skipLog, ids, onHeader, sink });
    for await (const chunk of chunks) scanner.push(chunk);
    scanner.end();
    rows = scanner.rows;
  }
  const r = ready as HeaderReady | null;
  return {
    source: { path, bytes: src.bytes, gzip: src.gzip, sha256: src.sha256(), format: r?.header.format ?? 'rfs-trace v1' },
    header: r!.header,
    nrCpuIds,
    columns: r!.columns,
    rows,
    skipped,
    ids,
  };
}
