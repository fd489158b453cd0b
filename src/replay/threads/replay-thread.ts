/**
 * The replay thread of a sweep, from the main thread's side: the ring of
 * shared batches the main thread fills and the replay thread reads
 * (replay-worker.ts), and the messages between them.
 *
 * A replay thread that fails must not leave the main thread waiting in
 * SlotRing.take() for a slot it will never free. An error it catches, it
 * reports and marks the ring failed itself; an end without one (process.exit(),
 * out of memory, terminate()) its 'exit' event reports, and marks the ring
 * failed — but only once this thread's event loop turns, which it does not
 * while waiting in Atomics.wait. So the waiting take() also asks, every
 * READER_CHECK_MS, whether the replay thread's end of a lifeline is still
 * open (otherEndOpen()): that end closes when the thread ends, however it ends.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { TraceBatch } from '../../ingest/trace.js';
import { replayMsg } from '../../messages.js';
import type { ResolvedConfig } from '../../model/config.js';
import type { BankTrace } from '../../model/flow-tables.js';
import type { LaneResult } from '../lane-result.js';
import { workerExecArgv } from './exec-argv.js';
import type { ReplayWorkerData, ReplayWorkerMessage, ReplayWorkerReply } from './replay-worker.js';
import { failRing, release, RING_FAILED, SlotRing } from './ring.js';
import { resourceLimitsFor, type ThreadDeath } from './thread-death.js';

const REPLAY_WORKER_URL = new URL('../../../dist/replay/threads/replay-worker.js', import.meta.url);

/**
 * The fewest bytes of input a row comes from: a v1 row has a timestamp digit, a
 * comma, an event name (the shortest, "state", has 5 letters) and its newline.
 * A chunk of n bytes completes at most n / 8 rows and the row pending before it.
 */
const MIN_ROW_BYTES = 8;

/**
 * Each batch's message is posted at once: the main thread may block in
 * SlotRing.take() until the replay thread frees a slot, so a message held back
 * would never arrive. (The event loop still turns, for Ctrl-C, with every read
 * of the file.)
 */
export class ReplayThread {
  readonly ring: SlotRing;
  private readonly worker: Worker;
  private readonly done: Promise<LaneResult[]>;
  /** Resolves once the thread runs (its 'ready' message); rejects as `done` does if it fails first. */
  private readonly started: Promise<void>;
  private running = false;
  private slotsSent = false;
  /** This thread's end of the lifeline; the other end is the replay thread's, for as long as it runs. */
  private readonly lifeline: MessagePort;

  /**
   * Started before the trace's header is read, so its start-up overlaps the reading; configure() follows.
   * `death`: tests only (ThreadDeath).
   */
  constructor(ring: { slots: number; rows: number }, death?: ThreadDeath) {
    this.ring = SlotRing.alloc(ring.slots, ring.rows);
    const { port1, port2 } = new MessageChannel();
    this.lifeline = port1;
    this.worker = new Worker(REPLAY_WORKER_URL, {
      execArgv: workerExecArgv(),
      workerData: { lifeline: port2, death } satisfies ReplayWorkerData,
      transferList: [port2],
      resourceLimits: resourceLimitsFor(death),
    });
    let ready = () => {};
    const running = new Promise<void>((resolve) => (ready = resolve));
    this.done = new Promise<LaneResult[]>((resolve, reject) => {
      this.worker.on('message', (m: ReplayWorkerReply) => {
        if (m.type === 'ready') {
          this.running = true;
          ready();
        } else if (m.type === 'done') resolve(m.results);
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      });
      this.worker.on('error', reject);
      this.worker.on('exit', (code) => {
        failRing(this.ring.state); // after the results, the ring is no longer used
        reject(new Error(replayMsg.threadExited('replay', code)));
      });
    });
    this.done.catch(() => {}); // observed in finish(); a failed read terminates it first
    this.started = Promise.race([running, this.done.then(() => {})]);
    this.started.catch(() => {}); // awaited only by pace(); the failure is reported through `done`
    this.ring.readerAlive = () => otherEndOpen(this.lifeline);
  }

  /** ReadOptions.takeBatch: the ring's next slot to fill (SlotRing.take(): it may wait for the replay thread to free it). */
  takeBatch(): TraceBatch {
    return this.ring.take();
  }

  /**
   * ReadOptions.pace for the ring: until the thread runs, the reading waits
   * (asynchronously, so its failure to start is seen) before a chunk whose rows
   * might fill the free slots, where SlotRing.take() would wait for a thread
   * that never started; and after the last chunk, before the
   * importers, which hold their rows to the end, hand them over.
   */
  pace(bytes: number | null): Promise<void> | undefined {
    if (this.running) return undefined;
    const ring = this.ring;
    if (bytes !== null && ring.freeAhead() > Math.ceil(bytes / MIN_ROW_BYTES / ring.rows)) return undefined;
    return this.started;
  }

  /** The configurations it replays (messages arrive in order: before any batch). */
  configure(configs: ResolvedConfig[], trace: BankTrace): void {
    this.worker.postMessage({ type: 'configs', configs, trace } satisfies ReplayWorkerMessage);
  }

  /**
   * The slot being filled holds a prepared batch of `length` rows: the replay thread reads it, and
   * `readersHere` more on this thread, each of which calls release() when done. `delivers`: it has
   * deliver rows (their ordinals are in its ordinal column). Returns the slot.
   */
  hand(length: number, delivers: boolean, readersHere: number): number {
    const ring = this.ring;
    const slot = ring.hand(1 + readersHere);
    if (!this.slotsSent) {
      const { buffers, rows, state } = ring;
      this.worker.postMessage({ type: 'slots', buffers, rows, state: state.buffer as SharedArrayBuffer } satisfies ReplayWorkerMessage);
      this.slotsSent = true;
    }
    this.worker.postMessage({ type: 'batch', slot, length, delivers } satisfies ReplayWorkerMessage);
    return slot;
  }

  /** A reader on this thread is done with `slot` (hand()). */
  release(slot: number): void {
    release(this.ring.state, slot);
  }

  /**
   * The reading's result; if it fails, the thread is ended, and if it failed because the replay
   * thread failed first and stopped it (RingFailed), the replay thread's own error is the one thrown.
   */
  async whileReading<T>(reading: Promise<T>): Promise<T> {
    try {
      return await reading;
    } catch (e) {
      const cause = (e as Error)?.name === RING_FAILED ? await this.failure(e) : e;
      this.terminate();
      throw cause;
    }
  }

  /** The results of its configurations, once it has replayed every batch handed to it. */
  async finish(): Promise<LaneResult[]> {
    this.worker.postMessage({ type: 'finish' } satisfies ReplayWorkerMessage);
    try {
      const results = await this.done;
      // It posts its results after its last batch, and reads no slot after them.
      this.ring.recycle();
      return results;
    } finally {
      this.terminate();
    }
  }

  private terminate(): void {
    void this.worker.terminate();
    this.lifeline.close();
  }

  /**
   * The error the replay thread reported: it marks the ring failed only after posting it, so it
   * is on its way; or the 'exit' of a thread that ended without one (this thread found the
   * lifeline closed). `otherwise` if none comes within a second (a ring marked failed by a bug).
   */
  private async failure(otherwise: unknown): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<unknown>((resolve) => (timer = setTimeout(() => resolve(otherwise), 1000)));
    const reported = this.done.then(
      () => otherwise,
      (e: unknown) => e,
    );
    try {
      return await Promise.race([reported, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Whether the other end of `port` is still open, asked synchronously, without an event loop:
 * Node's MessagePort.postMessage() returns true while a port at the other end is entangled
 * with it, and false (undefined once this end saw the close) after that end closed. Node does
 * not document the return value; test/replay/threads/thread-death.test.ts fails, rather than
 * hangs, if it ever stops holding. The other end never reads the (rare) messages.
 */
function otherEndOpen(port: MessagePort): boolean {
  return (port.postMessage as (value: unknown) => unknown).call(port, 0) === true;
}
