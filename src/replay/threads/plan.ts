/**
 * The threading policy of a replay: which thread reads the trace and which
 * replays which configurations, on a machine of two cores. Measured numbers
 * behind the thresholds: bench/HISTORY.md.
 */
import { statSync } from 'node:fs';
import type { ReplayOptions } from '../options.js';

export interface ThreadingPlan {
  /** A parse worker reads the trace, and this thread replays every configuration (1 to 3 of them). */
  parseWorker: boolean;
  /** A sweep: this thread reads the trace into a ring of this size, and a replay thread replays; null: no replay thread. */
  sweepRing: { slots: number; rows: number } | null;
  /** The reader leaves hex identities to its consumer (ReadOptions.deferIds): the banks number them in WebAssembly, cheaper than the reader's interning. */
  deferIds: boolean;
  /** How many configurations this thread replays itself: the first ones; the replay thread replays the rest. */
  replayedHere: number;
}

/** Below this size a worker thread's start-up costs more than it saves. */
const PARALLEL_MIN_BYTES = 4 << 20;

/**
 * From this many configurations on, a replay thread replays them, and this
 * thread reads the trace itself (no parse worker), matches deliver rows and
 * numbers flows and sockets in a bank without lanes, and hands each batch on
 * in a shared slot. Two threads on the two cores, about evenly loaded: read
 * here, each batch is numbered while still in cache, and nothing waits for a
 * third thread's turn on a core (10M-row bench, 8 sizes, 8 rounds in turns:
 * 2.32 s with a parse worker feeding this thread, 2.07 s read here; the
 * report's 11 configurations 3.60 → 3.35 s). Fewer configurations keep the
 * parse worker, and this thread replays them: with one, 1.6–2.2 s against
 * 2.0–2.4 s read here and replayed there; with 2 or 3 either way is within
 * noise.
 */
const SPLIT_MIN_CONFIGS = 4;

/**
 * How many of a sweep's configurations this thread replays itself: none up to
 * REPLAY_THREAD_ALONE, then half of the rest. Up to 8 the replay thread keeps
 * up alone (10M-row bench, 8 sizes: this thread taking one of them, 2.5 s;
 * none, 2.2 s); beyond that it would become the bottleneck (the default
 * report's 28: this thread taking a third or a fifth of the rest instead of
 * half was slower).
 */
const REPLAY_THREAD_ALONE = 8;
function replayedHereInSweep(n: number): number {
  return Math.max(0, Math.floor((n - REPLAY_THREAD_ALONE) / 2));
}

/**
 * A sweep's ring of shared batches, from this thread to the replay thread: 16
 * of 8k rows (9 MB). 16 of 32k (35 MB) was sized when three threads shared
 * the two cores (with 8 of 8k the ring ran empty or full for 0.46
 * core-seconds of the 10M-row bench, perf sched); with two, 8 or 16 of 8k, 8
 * of 32k and 32 of 4k were all within noise of it, and the smaller ring keeps
 * 26 MB off the report's peak (bench/README.md, "Memory").
 */
const SWEEP_RING = { slots: 16, rows: 1 << 13 };

export function chooseThreadingPlan(path: string, options: ReplayOptions): ThreadingPlan {
  const n = options.configs.length;
  // Only the fast reader runs in the parse worker; the csv-parse readers are references and baselines.
  const parallel = options.parallel ?? ((options.reader === undefined || options.reader === 'fast') && fileSize(path) >= PARALLEL_MIN_BYTES);
  const sweep = parallel && n >= SPLIT_MIN_CONFIGS;
  return {
    parseWorker: parallel && !sweep,
    sweepRing: sweep ? (options.sweepRing ?? SWEEP_RING) : null,
    deferIds: parallel,
    replayedHere: sweep ? replayedHereInSweep(n) : n,
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports the missing file
  }
}
