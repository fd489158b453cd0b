/**
 * The replay engine: one pass over a trace replays any number of
 * configurations, each a lane of a bank of flow tables (model/flow-tables.ts).
 */
import { totalmem } from 'node:os';
import { UsageError } from '../errors.js';
import { readTrace, type ReadOptions, type ReadResult } from '../ingest/read.js';
import type { TraceBatch, TraceHeader, TraceSink } from '../ingest/trace.js';
import { optMsg, replayMsg } from '../messages.js';
import { resolveConfig, type ResolvedConfig } from '../model/config.js';
import { FlowTableBank, type TraceCounts } from '../model/flow-tables.js';
import { agreementWhereKernelRan } from '../types/own-config.js';
import type { ReplayResult } from '../types/result.js';
import { configResults, replayResult, traceSummary } from './assemble.js';
import { type ClosedLoopBank, closedLoopBank, closedLoopResults, referenceConfig } from './closed-loop.js';
import { DeliverMatcher } from './deliver-matching.js';
import { laneResult, type LaneResult } from './lane-result.js';
import type { ReplayOptions } from './options.js';
import { checkKeepSample, planForKeptCounting, samplingOf, withSampling } from './sampling.js';
import { readTraceInWorker } from './threads/parse-thread.js';
import { chooseThreadingPlan, type ThreadingPlan } from './threads/plan.js';
import { ReplayThread } from './threads/replay-thread.js';

/**
 * Replays `path` once for every configuration in `options.configs`:
 *
 *   trace ─▶ batches of rows ─▶ match deliver rows ─▶ number flows ─▶ replay lanes ─▶ lane results ─▶ configuration results
 *                └─ header, skipped rows ───────────────────┴── trace counts ─────────────────────────▶ trace summary
 *
 * The trace is read by this thread, or for 1 to 3 configurations by a parse
 * worker; this thread matches deliver rows and numbers flows; the lanes run
 * here, or in a sweep mostly on a replay thread, which reads the batches in a
 * ring this thread fills (threads/plan.ts).
 */
export async function replayFile(path: string, options: ReplayOptions): Promise<ReplayResult> {
  checkRequest(options);
  // 1. Choose the threading plan: who reads the trace, who replays which configurations.
  const plan = planForKeptCounting(chooseThreadingPlan(path, options), options);
  // 2. Start the replay thread (sweeps): its start-up overlaps reading the header.
  const thread = plan.sweepRing ? new ReplayThread(plan.sweepRing, options.threadDeath) : null;
  // 3. Read the trace; at its header set up the lanes, then per batch: match deliver rows, number flows, replay lanes.
  const pass = new ReplayPass(options, plan, thread);
  const read = await readInto(path, pass, plan, thread, options);
  // 4. Collect the lane results, in configuration order: this thread's lanes, then the replay thread's;
  //    with the closed loop, each what-if's closed loop beside its open loop.
  const { open, closed, follow } = await collectLaneResults(pass, thread);
  // 5. Assemble the trace summary.
  const trace = traceSummary(path, read, pass.traceCounts(), pass.delivers, follow);
  // 6. Assemble the configuration results; agreement only where the kernel ran (the trace's own configuration).
  const configs = agreementWhereKernelRan(configResults(pass.configs, open, pass.delivers.sawDeliver, closed), trace);
  // With flow sampling: the rule, and which metrics are exact for the kept flows.
  return withSampling(replayResult(options.command ?? [], trace, configs), samplingOf(read.header, options));
}

/** The fewest CPUs a configuration asks for (`--cpus`); every row's CPU must exist there. */
function smallestCpuWhatIf(options: ReplayOptions): number | undefined {
  const asked = options.configs.map((c) => c.cpus).filter((n): n is number => n !== undefined);
  return asked.length > 0 ? Math.min(...asked) : undefined;
}

function checkRequest(options: ReplayOptions): void {
  if (options.configs.length === 0) throw new UsageError(replayMsg.noConfigs());
  if (options.fifoNs !== undefined && (!Number.isInteger(options.fifoNs) || options.fifoNs <= 0)) {
    throw new UsageError(optMsg.badFifo(String(options.fifoNs)));
  }
  checkKeepSample(options);
}

/** Step 3: the reader the plan chose, writing into the sweep's ring when there is one. */
function readInto(path: string, pass: ReplayPass, plan: ThreadingPlan, thread: ReplayThread | null, options: ReplayOptions): Promise<ReadResult> {
  const read: ReadOptions = {
    cpus: options.cpus,
    cpusWhatIf: smallestCpuWhatIf(options),
    deferIds: plan.deferIds,
    takeBatch: thread ? () => thread.takeBatch() : undefined,
    pace: thread ? (bytes) => thread.pace(bytes) : undefined,
    lenient: options.lenient,
    reader: options.reader,
    chunkSize: options.chunkSize,
    hash: options.hash,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  if (plan.parseWorker) return readTraceInWorker(path, pass, read, options.threadDeath);
  const reading = readTrace(path, pass, read);
  return thread ? thread.whileReading(reading) : reading;
}

/** Step 4. */
async function collectLaneResults(pass: ReplayPass, thread: ReplayThread | null): Promise<ReturnType<typeof closedLoopResults>> {
  const theirs = thread ? await thread.finish() : [];
  const here = closedLoopResults(pass.banks.here, pass.laneResults());
  const there = closedLoopResults(pass.banks.there, theirs);
  return { open: [...here.open, ...there.open], closed: [...here.closed, ...there.closed], follow: here.follow ?? there.follow };
}

/**
 * This thread's part of the pass. At the header: the configurations resolved
 * and their lanes set up (the first plan.replayedHere in this thread's bank,
 * the rest on the replay thread). Per batch: deliver rows matched, flows and
 * sockets numbered and the lanes replayed; in a sweep a lane-less bank here
 * numbers flows and sockets into the batch, and hands it, in its ring slot,
 * to the replay thread's lanes, which take those ids (the three stages cost
 * about the same that way).
 */
class ReplayPass implements TraceSink {
  readonly delivers: DeliverMatcher;
  configs: ResolvedConfig[] = [];
  /** The lanes of this thread's bank and the replay thread's: the configurations, and with the closed loop their closed lanes. */
  banks: { here: ClosedLoopBank; there: ClosedLoopBank } = { here: { configs: [], closed: [] }, there: { configs: [], closed: [] } };
  /** This thread's lanes, or null (a sweep the replay thread replays alone). */
  private bank: FlowTableBank | null = null;
  /** In a sweep: the lane-less bank that numbers flows and sockets, and counts the trace. */
  private numbering: FlowTableBank | null = null;

  constructor(
    private readonly options: ReplayOptions,
    private readonly plan: ThreadingPlan,
    private readonly thread: ReplayThread | null,
  ) {
    this.delivers = new DeliverMatcher(plan.deferIds);
  }

  header(h: TraceHeader, nr: number): void {
    const { options, plan, thread } = this;
    this.configs = options.configs.map((req) => resolveConfig(h, nr, req, options.fifoNs ?? 0));
    // With the closed loop, each bank's what-ifs get their closed lanes and the bank a reference lane (closed-loop.ts).
    const ref = options.closedLoop ? referenceConfig(h, nr) : null;
    const lanesOf = (configs: ResolvedConfig[]): ClosedLoopBank =>
      options.closedLoop ? closedLoopBank(configs, ref) : { configs, closed: configs.map(() => null) };
    this.banks = { here: lanesOf(this.configs.slice(0, plan.replayedHere)), there: lanesOf(this.configs.slice(plan.replayedHere)) };
    checkModelMemory([...this.banks.here.configs, ...this.banks.there.configs]);
    const trace = { traceCpus: nr, resolveIds: plan.deferIds };
    const here = this.banks.here.configs;
    if (thread) {
      this.numbering = new FlowTableBank([], { ...trace, ids: 'emit' });
      this.bank = here.length > 0 ? new FlowTableBank(here, { ...trace, ids: 'given' }) : null;
      thread.configure(this.banks.there.configs, { ...trace, ids: 'given' });
    } else {
      this.bank = new FlowTableBank(here, trace);
      // replay --keep-sample: counts only the kept flows' rows (a sampled trace cannot be restricted again).
      if (samplingOf(h, options)?.applied === 'replay') this.bank.countOnlyKept(options.keepSample!);
    }
    this.delivers.setCpus(nr);
  }

  batch(b: TraceBatch): void {
    const { delivers, thread, bank } = this;
    if (thread) {
      // A sweep: b is the ring's slot being filled. Deliver ordinals go into its own column.
      delivers.match(b, b.ordinal);
      this.numbering!.processBatch(b, null);
      // Readers: the replay thread, and this one if it replays some configurations;
      // whichever finishes last frees the slot for the reader (this thread, in take()).
      const slot = thread.hand(b.length, delivers.ordinals !== null, bank ? 1 : 0);
      if (bank) {
        bank.processBatch(b, delivers.ordinals);
        thread.release(slot);
      }
    } else {
      delivers.match(b);
      bank!.processBatch(b, delivers.ordinals);
    }
    const signal = this.options.signal;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }

  /** The trace's statistics, from the bank that numbered flows and sockets. */
  traceCounts(): TraceCounts {
    return (this.numbering ?? this.bank)!.traceCounts();
  }

  /** The results of this thread's lanes (the first plan.replayedHere configurations, and their closed lanes). */
  laneResults(): LaneResult[] {
    return this.bank?.lanes.map(laneResult) ?? [];
  }
}

/**
 * Legal but enormous tables (2^29 global slots, 2^30 per queue) would take
 * minutes and gigabytes before failing: refuse them up front, in one line.
 * The model keeps 8 bytes per global slot and 16 per per-queue slot, in the
 * lane kernel's memory: 4 GiB at most (32-bit WebAssembly), some of it for
 * per-flow state and batches.
 */
function checkModelMemory(configs: ResolvedConfig[]): void {
  const bytes = configs.reduce((s, c) => s + c.slots * 8 + c.queues.reduce((q, x) => q + x.slots * 16, 0), 0);
  const limit = Math.min(totalmem() * 0.5, 3 * 2 ** 30);
  if (bytes > limit) throw new UsageError(optMsg.tablesTooLarge(bytes, limit));
}
