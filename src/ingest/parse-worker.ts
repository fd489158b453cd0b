/** The parse worker's entry point (see parallel.ts for the protocol). */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors.js';
import type { WorkerJob, WorkerMessage } from './parallel.js';
import { readTrace } from './read.js';
import { batchOnBuffer, type TraceBatch } from './trace.js';

const job = workerData as WorkerJob;
const port = parentPort!;
const state = new Int32Array(job.state);
const batches = job.buffers.map((b) => batchOnBuffer(b, job.rows));
let next = 0; // the slot the scanner fills now
let filling = -1;

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

/** The next free slot, waiting for the main thread to release it. */
function takeBatch(): TraceBatch {
  const slot = next;
  next = (next + 1) % batches.length;
  // The slot's value counts the threads still reading it (the main thread, or the replay thread it handed the slot to).
  for (let v = Atomics.load(state, slot); v !== 0; v = Atomics.load(state, slot)) Atomics.wait(state, slot, v);
  filling = slot;
  const b = batches[slot];
  b.length = 0;
  return b;
}

try {
  const result = await readTrace(
    job.path,
    {
      header(header, nrCpuIds) {
        post({ type: 'header', header, nrCpuIds });
      },
      batch(b) {
        Atomics.store(state, filling, 1);
        post({ type: 'batch', slot: filling, length: b.length });
      },
    },
    {
      ...job.options,
      takeBatch,
      onProgress: job.options.progress ? (bytesRead, totalBytes) => post({ type: 'progress', bytesRead, totalBytes }) : undefined,
    },
  );
  const { skipped, ...rest } = result;
  post({ type: 'end', result: { ...rest, skipped: { total: skipped.total, byReason: skipped.byReason, examples: skipped.examples } } });
} catch (e) {
  const err = e as Error;
  if (err instanceof InputError) {
    post({ type: 'error', error: { name: 'InputError', message: err.message, file: err.file, line: err.line, column: err.column, detail: err.detail, reason: err.reason } });
  } else {
    post({ type: 'error', error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack } });
  }
}
