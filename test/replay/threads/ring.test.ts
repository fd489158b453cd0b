/**
 * The shared ring of batches between threads (src/replay/threads/ring.ts), with a real
 * second thread: slots are reused only after their reader freed them, in
 * order, and a failed or ended reader stops a filler that waits for a slot
 * instead of leaving it blocked forever.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { failRing, READER_CHECK_MS, release, RING_FAILED, SlotRing, SLOT_FAILED } from '../../../src/replay/threads/ring.js';

// The reader thread runs the built module (the suite builds first: npm test's pretest).
const RING_JS = new URL('../../../dist/replay/threads/ring.js', import.meta.url).href;

/**
 * A reader thread: for each message {slot, length} it sums the slot's rxhash
 * column and frees the slot (release()), after `delayMs`; {fail: true} makes it
 * call failRing() after `delayMs`; {end: true} posts back the sums in the order read.
 */
function reader(ring: SlotRing, delayMs: number): Worker {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.ringJs).then(({ release, failRing, SlotRing }) => {
      const ring = new SlotRing(workerData.buffers, workerData.state, workerData.rows);
      const sums = [];
      parentPort.on('message', (m) => {
        if (m.end) return parentPort.postMessage(sums);
        const until = Date.now() + workerData.delayMs;
        while (Date.now() < until);
        if (m.fail) return failRing(ring.state);
        let s = 0;
        for (let i = 0; i < m.length; i++) s += ring.batches[m.slot].rxhash[i];
        sums.push(s);
        release(ring.state, m.slot);
      });
      parentPort.postMessage('ready');
    });`;
  return new Worker(code, {
    eval: true,
    workerData: { ringJs: RING_JS, buffers: ring.buffers, state: ring.state.buffer, rows: ring.rows, delayMs },
  });
}

function ready(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
}

describe('SlotRing', () => {
  it('hands 12 batches through 2 slots to another thread, each slot reused only once freed', async () => {
    const ring = SlotRing.alloc(2, 8);
    const w = reader(ring, 5);
    await ready(w);
    const expected: number[] = [];
    for (let k = 0; k < 12; k++) {
      const b = ring.take();
      // The slot was freed by the reader before take() returned it: nobody else reads it now.
      expect(Atomics.load(ring.state, ring.filling)).toBe(0);
      expect(ring.filling).toBe(k % 2);
      // Rows k+1 .. k+3 (length 3 of 8): the reader's sum is 3k + 6.
      for (let i = 0; i < 3; i++) b.rxhash[i] = k + 1 + i;
      b.length = 3;
      expected.push(3 * k + 6);
      w.postMessage({ slot: ring.hand(1), length: b.length });
    }
    const sums = await new Promise<number[]>((resolve) => {
      w.once('message', resolve);
      w.postMessage({ end: true });
    });
    await w.terminate();
    // Every batch was read intact: a slot overwritten before its reader was done would change a sum.
    expect(sums).toEqual(expected);
  });

  it('freeAhead(): free slots from the next take() on, up to the first one still read', () => {
    const ring = SlotRing.alloc(4, 4);
    expect(ring.freeAhead()).toBe(4);
    ring.take(); // slot 0, being filled
    expect(ring.freeAhead()).toBe(3); // 1, 2, 3; not 0, whose count is 0 only until it is handed on
    ring.hand(1); // slot 0 now read by one thread
    ring.take(); // slot 1
    expect(ring.freeAhead()).toBe(2); // 2 and 3; then 0, still read
    release(ring.state, 0);
    expect(ring.freeAhead()).toBe(3); // 2, 3 and 0; not 1, being filled
  });

  it('release(): the last of two readers frees the slot', () => {
    const ring = SlotRing.alloc(1, 4);
    ring.take();
    const slot = ring.hand(2);
    release(ring.state, slot);
    expect(Atomics.load(ring.state, slot)).toBe(1);
    release(ring.state, slot);
    expect(Atomics.load(ring.state, slot)).toBe(0);
  });

  it('a filler blocked on a full slot stops with RingFailed when its reader fails', async () => {
    const ring = SlotRing.alloc(2, 4);
    const w = reader(ring, 100);
    await ready(w);
    // Both slots full and not handed to the reader: the next take() must wait for slot 0.
    ring.take();
    ring.hand(1);
    ring.take();
    ring.hand(1);
    // The reader fails 100 ms after the message, by when take() is waiting in Atomics.wait.
    w.postMessage({ fail: true });
    let err: unknown = null;
    try {
      ring.take();
    } catch (e) {
      err = e;
    }
    await w.terminate();
    expect((err as Error)?.name).toBe(RING_FAILED);
    expect(Array.from(ring.state)).toEqual([SLOT_FAILED, SLOT_FAILED]);
  });

  it('hand(): a slot whose ring failed while it was filled is not handed on (the mark stays)', () => {
    const ring = SlotRing.alloc(1, 4);
    ring.take();
    failRing(ring.state);
    expect(() => ring.hand(1)).toThrow(expect.objectContaining({ name: RING_FAILED }));
    expect(Array.from(ring.state)).toEqual([SLOT_FAILED]);
  });

  it('readerAlive(): a filler waiting for a slot stops once it says the reader has ended', () => {
    const ring = SlotRing.alloc(2, 4);
    ring.take();
    ring.hand(1);
    ring.take();
    ring.hand(1);
    // Nobody will free slot 0: without the check, take() would wait for ever.
    let asked = 0;
    ring.readerAlive = () => ++asked < 3;
    const started = Date.now();
    expect(() => ring.take()).toThrow(expect.objectContaining({ name: RING_FAILED }));
    expect(asked).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * READER_CHECK_MS);
    expect(Array.from(ring.state)).toEqual([SLOT_FAILED, SLOT_FAILED]);
  });

  it('readerAlive(): a reader slower than the check interval is waited for, and not asked while slots are free', async () => {
    const ring = SlotRing.alloc(1, 4);
    let asked = 0;
    ring.readerAlive = () => (asked++, true);
    ring.take(); // free: not asked
    expect(asked).toBe(0);
    const w = reader(ring, 3.5 * READER_CHECK_MS);
    await ready(w);
    w.postMessage({ slot: ring.hand(1), length: 0 });
    ring.take(); // the reader frees it 350 ms after the message
    await w.terminate();
    expect(asked).toBeGreaterThanOrEqual(2);
  });

  it('a slot released after the ring failed still stops the filler', () => {
    const ring = SlotRing.alloc(1, 4);
    ring.take();
    const slot = ring.hand(2);
    failRing(ring.state);
    // The other reader finishing its batch must not make the slot look free.
    release(ring.state, slot);
    expect(() => ring.take()).toThrow(expect.objectContaining({ name: RING_FAILED }));
  });
});

describe('SlotRing.recycle()', () => {
  it('hands its slots, zeroed as new, to the next ring of the same size only', () => {
    const a = SlotRing.alloc(2, 64);
    a.batches[1].rxhash[5] = 7;
    a.batches[0].ts[0] = 1.5;
    a.recycle();
    const other = SlotRing.alloc(3, 64);
    expect(other.buffers.some((b) => a.buffers.includes(b))).toBe(false);
    const b = SlotRing.alloc(2, 64);
    expect(b.buffers).toBe(a.buffers);
    expect(b.batches[1].rxhash[5]).toBe(0);
    expect(b.batches[0].ts[0]).toBe(0);
    expect(Array.from(b.state)).toEqual([0, 0]);
    // Taken once: the ring after it gets slots of its own.
    expect(SlotRing.alloc(2, 64).buffers.some((x) => a.buffers.includes(x))).toBe(false);
  });
});
