/**
 * A ring of batches in shared memory, filled in order by one thread and read
 * in place by others: the parse worker's hand-over to the main thread, and a
 * sweep's hand-over from the main thread to its replay thread.
 *
 * state[i] counts the threads still reading slot i: 0 means free (the filler
 * may take it), SLOT_FAILED means a reader gave up, and the filler stops.
 */
import { batchOnBuffer, sharedBatchBytes, type TraceBatch } from '../../ingest/trace.js';

/** A reader failed: every slot is marked so, and a filler waiting on one wakes up and stops. */
export const SLOT_FAILED = -1;

/** While take() waits for a slot, how often it asks SlotRing.readerAlive(). */
export const READER_CHECK_MS = 100;

/** The name of the error take() throws once a reader has marked the ring failed (kept across threads); the reader reports its own error. */
export const RING_FAILED = 'RingFailed';

export class RingFailed extends Error {
  constructor() {
    super('a thread reading the shared batches failed');
    this.name = RING_FAILED;
  }
}

/** The slots of the last ring done with (SlotRing.recycle()). */
let spare: SharedArrayBuffer[] | null = null;

export class SlotRing {
  readonly batches: TraceBatch[];
  readonly state: Int32Array;
  private next = 0;
  /** The slot the filler writes now (-1 before the first take()). */
  filling = -1;
  /**
   * Whether the thread that frees the slots still runs, asked every READER_CHECK_MS while take()
   * waits for one (null: never asked). A filler blocked in Atomics.wait has no event loop to learn
   * that it ended; when this says so, the ring fails and take() stops.
   */
  readerAlive: (() => boolean) | null = null;

  constructor(
    readonly buffers: SharedArrayBuffer[],
    stateBuffer: SharedArrayBuffer,
    readonly rows: number,
  ) {
    this.batches = buffers.map((b) => batchOnBuffer(b, rows));
    this.state = new Int32Array(stateBuffer);
  }

  static alloc(slots: number, rows: number): SlotRing {
    const bytes = sharedBatchBytes(rows);
    const kept = spare;
    let buffers: SharedArrayBuffer[];
    if (kept !== null && kept.length === slots && kept[0].byteLength === bytes) {
      spare = null;
      for (const b of kept) new Uint8Array(b).fill(0); // as new
      buffers = kept;
    } else {
      buffers = Array.from({ length: slots }, () => new SharedArrayBuffer(bytes));
    }
    return new SlotRing(buffers, new SharedArrayBuffer(4 * slots), rows);
  }

  /**
   * The ring's slots, for the next ring of the same size in this thread; only
   * once every thread that read them is done with them. A report replays
   * the trace several times in a row (analyze/sweep.ts nextReplayPart()): a
   * fresh ring of tens of megabytes each time left the old ones to the
   * allocator, whose heap grew with each replay (bench/README.md, "Memory").
   */
  recycle(): void {
    spare = this.buffers;
  }

  /** The next slot, empty; blocks (Atomics.wait) until its readers have freed it. */
  take(): TraceBatch {
    const slot = this.next;
    this.next = (slot + 1) % this.batches.length;
    const state = this.state;
    const alive = this.readerAlive;
    for (let v = Atomics.load(state, slot); v !== 0; v = Atomics.load(state, slot)) {
      if (v < 0) throw new RingFailed(); // SLOT_FAILED, or below it once a reader released a failed slot
      if (alive === null) Atomics.wait(state, slot, v);
      else if (Atomics.wait(state, slot, v, READER_CHECK_MS) === 'timed-out' && !alive()) failRing(state);
    }
    this.filling = slot;
    const b = this.batches[slot];
    b.length = 0;
    return b;
  }

  /** How many take() calls from now on will not wait: free slots from the next one on, in ring order, before the one being filled. */
  freeAhead(): number {
    const n = this.batches.length;
    const limit = this.filling < 0 ? n : n - 1;
    let k = 0;
    while (k < limit && Atomics.load(this.state, (this.next + k) % n) === 0) k++;
    return k;
  }

  /**
   * The slot being filled is full: `readers` threads will read it, and the last one frees it (release()).
   * Throws RingFailed if the ring failed while the slot was filled (a store would hide the mark).
   */
  hand(readers: number): number {
    if (Atomics.compareExchange(this.state, this.filling, 0, readers) !== 0) throw new RingFailed();
    return this.filling;
  }
}

/** A reader is done with `slot`: the last one frees it and wakes the filler. */
export function release(state: Int32Array, slot: number): void {
  if (Atomics.sub(state, slot, 1) === 1) Atomics.notify(state, slot);
}

/**
 * A reader failed: mark every slot, so the filler stops instead of waiting for one forever.
 * Every slot is marked before any waiter is woken, so a filler that stopped sees them all failed.
 */
export function failRing(state: Int32Array): void {
  for (let i = 0; i < state.length; i++) Atomics.store(state, i, SLOT_FAILED);
  for (let i = 0; i < state.length; i++) Atomics.notify(state, i);
}
