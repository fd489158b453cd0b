/**
 * The replay thread of a sweep: it runs its configurations over the shared
 * batches the main thread has prepared (flow and socket ids, deliver rows'
 * packet ordinals), then frees each slot for the main thread, which reads the
 * trace into them. On an error it posts it, then marks the ring failed (the
 * main thread may be waiting for a slot); if it ends without one, its end of
 * the lifeline closes, which the main thread sees (replay-thread.ts). It
 * posts {type:'ready'} once its modules are loaded.
 * Messages: {type:'configs'} and {type:'slots'} once, {type:'batch'} in order,
 * {type:'finish'} → it answers with the finished configurations.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ResolvedConfig } from '../../model/config.js';
import { type BankTrace, FlowTableBank } from '../../model/flow-tables.js';
import { batchOnBuffer, type TraceBatch } from '../../ingest/trace.js';
import { laneResult, type LaneResult } from '../lane-result.js';
import { failRing, release } from './ring.js';
import { dieAsTold, type ThreadDeath } from './thread-death.js';

export interface ReplayWorkerData {
  /** Held for the thread's lifetime, never read: its closing tells the main thread that this thread ended. */
  lifeline: MessagePort;
  /** Tests only. */
  death?: ThreadDeath;
}

export type ReplayWorkerMessage =
  | { type: 'configs'; configs: ResolvedConfig[]; trace: BankTrace }
  | { type: 'slots'; buffers: SharedArrayBuffer[]; rows: number; state: SharedArrayBuffer }
  | { type: 'batch'; slot: number; length: number; delivers: boolean }
  | { type: 'finish' };

export type ReplayWorkerReply = { type: 'ready' } | { type: 'done'; results: LaneResult[] } | { type: 'error'; message: string; stack?: string };

const port = parentPort!;
// The lifeline stays in workerData, held as long as this thread runs.
const { death } = workerData as ReplayWorkerData;
let bank: FlowTableBank;
let batches: TraceBatch[] = [];
let state: Int32Array = new Int32Array(0);
let batchesSeen = 0;

let failed = false;

port.on('message', (m: ReplayWorkerMessage) => {
  if (m.type === 'slots') {
    batches = m.buffers.map((b) => batchOnBuffer(b, m.rows));
    state = new Int32Array(m.state);
    if (failed) failRing(state); // the configurations failed before the ring arrived
    return;
  }
  if (failed) return;
  try {
    if (m.type === 'configs') {
      bank = new FlowTableBank(m.configs, m.trace);
    } else if (m.type === 'batch') {
      if (death && ++batchesSeen === death.batches) dieAsTold(death);
      const b = batches[m.slot];
      b.length = m.length;
      bank.processBatch(b, m.delivers ? b.ordinal : null);
      release(state, m.slot);
    } else {
      const reply: ReplayWorkerReply = { type: 'done', results: bank.lanes.map(laneResult) };
      port.postMessage(reply);
    }
  } catch (e) {
    const err = e as Error;
    const reply: ReplayWorkerReply = { type: 'error', message: err?.message ?? String(e), stack: err?.stack };
    port.postMessage(reply);
    // After the message: the thread filling the ring stops, and asks for the reply.
    failed = true;
    failRing(state);
  }
});

// Running, with its modules loaded: the main thread may now wait for it to free slots (replay-thread.ts, pace).
port.postMessage({ type: 'ready' } satisfies ReplayWorkerReply);
