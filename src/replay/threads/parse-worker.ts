/** The parse worker's entry point (see parallel.ts for the protocol). */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../errors.js';
import type { WorkerJob, WorkerMessage } from './parse-thread.js';
import { readTrace } from '../../ingest/read.js';
import { SlotRing } from './ring.js';
import { dieAsTold } from './thread-death.js';

const job = workerData as WorkerJob;
const port = parentPort!;
const ring = new SlotRing(job.buffers, job.state, job.rows);
let batches = 0;

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

try {
  const result = await readTrace(
    job.path,
    {
      header(header, nrCpuIds) {
        post({ type: 'header', header, nrCpuIds });
      },
      batch(b) {
        if (job.death && ++batches === job.death.batches) dieAsTold(job.death);
        post({ type: 'batch', slot: ring.hand(1), length: b.length });
      },
    },
    {
      ...job.options,
      takeBatch: () => ring.take(),
      onProgress: job.options.progress ? (bytesRead, totalBytes) => post({ type: 'progress', bytesRead, totalBytes }) : undefined,
    },
  );
  const { skipped, ...rest } = result;
  post({ type: 'end', result: { ...rest, skipped: { total: skipped.total, byReason: skipped.byReason, examples: skipped.examples } } });
} catch (e) {
  const err = e as Error;
  if (err instanceof InputError) {
    post({
      type: 'error',
      error: { name: 'InputError', message: err.message, file: err.file, line: err.line, column: err.column, detail: err.detail, reason: err.reason },
    });
  } else {
    post({ type: 'error', error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack } });
  }
}
