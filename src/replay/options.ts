/** What a caller asks the replay engine for. */
import type { ReadOptions } from '../ingest/read.js';
import type { ConfigRequest } from '../types/config-request.js';
import type { SamplingRule } from '../types/sampling.js';
import type { ThreadDeath } from './threads/thread-death.js';

export interface ReplayOptions {
  configs: ConfigRequest[];
  /** nr_cpu_ids to use when the trace header has none (the --cpus option). */
  cpus?: number;
  lenient?: boolean;
  /**
   * The reader of v1 text (ReadOptions.reader): 'fast' (byte scanner,
   * default), 'csv-parse' (the reference reader), or a V1Reader function (the
   * csv-parse-only baseline of `npm run bench`). Only the fast reader can run
   * in the parse worker.
   */
  reader?: ReadOptions['reader'];
  /**
   * Count only the rows of the flows this sampling rule keeps, while every
   * row is still replayed (docs/model.md#flow-sampling): a whole trace's
   * counters restricted to the flows a sampled capture would have kept.
   */
  keepSample?: SamplingRule;
  /** Model each CPU as a FIFO processing one packet every N ns instead of using deliver rows. */
  fifoNs?: number;
  /**
   * Replay each what-if also with threads that follow its packets (the closed
   * loop, replay/closed-loop.ts): two more lanes per what-if and a reference
   * lane; each ConfigResult then carries `closed_loop`, and the trace `follow`.
   */
  closedLoop?: boolean;
  /** Compute the trace file's sha256 for provenance (costs a hash pass over the bytes). */
  hash?: boolean;
  /**
   * Use the second core (default: for the fast reader on files of 4 MiB and more): a parse
   * worker reads for this thread, or, in a sweep of 4 or more configurations, this thread
   * reads and a replay thread replays (replay/threads/plan.ts).
   */
  parallel?: boolean;
  /** A sweep's ring of shared batches (default 16 of 32k rows); tests use a tiny one so this thread waits for slots. */
  sweepRing?: { slots: number; rows: number };
  /** Read chunk size in bytes (tests use tiny ones so rows straddle chunks). */
  chunkSize?: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** The command line, recorded in provenance. */
  command?: string[];
  /** Tests only: the replay thread of a sweep, or else the parse worker, dies as told (threads/thread-death.ts). */
  threadDeath?: ThreadDeath;
}
