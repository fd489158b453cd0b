/**
 * Tests only (ReplayOptions.threadDeath): a worker thread that dies without
 * reporting an error, as a killed one would, so tests can check that the
 * main thread stops with a clear error instead of waiting for it for ever.
 */

export interface ThreadDeath {
  /** The thread dies at this batch (counted from 1), after a pause in which the main thread fills the ring and waits for a slot. */
  batches: number;
  /** 'exit': process.exit() (its own 'exit' handlers still run); 'out-of-memory': it fills a small heap, and V8 stops it with no JavaScript run after. */
  how: 'exit' | 'out-of-memory';
}

const PAUSE_MS = 200;

/** The Worker's resourceLimits for a thread told to run out of memory: a heap small enough to fill quickly. */
export function resourceLimitsFor(death: ThreadDeath | undefined): { maxOldGenerationSizeMb: number } | undefined {
  return death?.how === 'out-of-memory' ? { maxOldGenerationSizeMb: 48 } : undefined;
}

/** In the worker, at its batch `death.batches`: pauses, then dies as told. */
export function dieAsTold(death: ThreadDeath): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
  if (death.how === 'exit') process.exit(1);
  const hog: number[][] = [];
  for (;;) hog.push(new Array<number>(1 << 16).fill(hog.length));
}
