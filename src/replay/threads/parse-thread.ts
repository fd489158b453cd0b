/**
 * Parsing on the second core: a worker thread reads, decompresses and scans
 * the trace into batches in shared memory while the main thread replays the
 * previous ones. Batches are never copied or cloned (measured: cloning row
 * objects to a worker costs seconds; shared typed arrays cost nothing).
 *
 * Protocol: a SlotRing (ring.ts) of SLOTS shared batches; state[i] is 0
 * (free, the worker may fill it) or 1 (full, the main thread owns it). The
 * worker posts {slot, length} for each full slot, in order; the main thread
 * replays it, then frees it with Atomics.store + notify. The worker blocks in
 * Atomics.wait when the next slot is still full, which bounds memory to SLOTS
 * batches.
 */
import { Worker } from 'node:worker_threads';
import { InputError, UsageError } from '../../errors.js';
import { SkipLog } from '../../ingest/rows.js';
import type { ReadOptions, ReadResult } from '../../ingest/read.js';
import { BATCH_ROWS, type TraceSink } from '../../ingest/trace.js';
import { replayMsg } from '../../messages.js';
import { workerExecArgv } from './exec-argv.js';
import { SlotRing } from './ring.js';
import { resourceLimitsFor, type ThreadDeath } from './thread-death.js';

export const SLOTS = 8;
/** Longest stretch the main thread replays batches without letting the event loop (signals, timers) run. */
const YIELD_MS = 50;

/** Everything the worker needs, cloneable. */
export interface WorkerJob {
  path: string;
  options: Omit<ReadOptions, 'signal' | 'onProgress' | 'takeBatch' | 'pace'> & { progress: boolean };
  buffers: SharedArrayBuffer[];
  /** Rows each buffer holds. */
  rows: number;
  state: SharedArrayBuffer;
  death?: ThreadDeath;
}

export type WorkerMessage =
  | { type: 'header'; header: ReadResult['header']; nrCpuIds: number }
  | { type: 'batch'; slot: number; length: number }
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'end'; result: Omit<ReadResult, 'skipped'> & { skipped: { total: number; byReason: Record<string, number>; examples: SkipLog['examples'] } } }
  | {
      type: 'error';
      error: { name: string; message: string; file?: string; line?: number; column?: number; detail?: string; reason?: string; stack?: string };
    };

/** Where the compiled worker lives: dist/replay/threads/parse-worker.js, from src/ or dist/ alike. */
const WORKER_URL = new URL('../../../dist/replay/threads/parse-worker.js', import.meta.url);

/**
 * Reads `path` as readTrace() does, in a parse worker. The main thread never
 * waits for the worker's slots, so its event loop sees the worker end, however
 * it ends. `death`: tests only (ThreadDeath).
 */
export async function readTraceInWorker(path: string, sink: TraceSink, opts: ReadOptions = {}, death?: ThreadDeath): Promise<ReadResult> {
  // The worker builds the same views on the same buffers.
  const { buffers, batches, state } = SlotRing.alloc(SLOTS, BATCH_ROWS);
  const { signal, onProgress, takeBatch: _unused, pace: _none, ...rest } = opts;
  const job: WorkerJob = {
    path,
    options: { ...rest, progress: onProgress !== undefined },
    buffers,
    rows: BATCH_ROWS,
    state: state.buffer as SharedArrayBuffer,
    death,
  };
  const worker = new Worker(WORKER_URL, { workerData: job, execArgv: workerExecArgv(), resourceLimits: resourceLimitsFor(death) });

  return new Promise<ReadResult>((resolve, reject) => {
    let settled = false;
    let lastYield = performance.now();
    const finish = (err: unknown, result?: ReadResult) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(result!);
    };
    const onAbort = () => finish(signal!.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      try {
        switch (m.type) {
          case 'header':
            sink.header(m.header, m.nrCpuIds);
            break;
          case 'batch': {
            const b = batches[m.slot];
            b.length = m.length;
            const slot = m.slot;
            sink.batch(b);
            const release = () => {
              Atomics.store(state, slot, 0);
              Atomics.notify(state, slot);
            };
            // Node delivers queued worker messages in one go; while the worker keeps
            // up, this handler would run for the whole file and starve the event
            // loop, so Ctrl-C (SIGINT -> abort) could not be handled until the end.
            // Every YIELD_MS, hold the slot back until the loop has turned once.
            if (performance.now() - lastYield < YIELD_MS) release();
            else {
              setImmediate(() => {
                lastYield = performance.now();
                release();
              });
            }
            break;
          }
          case 'progress':
            onProgress?.(m.bytesRead, m.totalBytes);
            break;
          case 'end': {
            const skipped = new SkipLog();
            skipped.total = m.result.skipped.total;
            Object.assign(skipped.byReason, m.result.skipped.byReason);
            skipped.examples.push(...m.result.skipped.examples);
            finish(null, { ...m.result, skipped });
            break;
          }
          case 'error':
            finish(reviveError(m.error));
            break;
        }
      } catch (e) {
        finish(e);
      }
    });
    worker.on('error', (e) => finish(e));
    worker.on('exit', (code) => finish(new Error(replayMsg.threadExited('parse', code))));
  });
}

function reviveError(e: Extract<WorkerMessage, { type: 'error' }>['error']): Error {
  if (e.name === 'InputError') return new InputError(e.file!, e.line!, e.column!, e.detail!, e.reason);
  if (e.name === 'UsageError') return new UsageError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
