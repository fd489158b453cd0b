/**
 * The replay engine: one pass over a trace drives any number of
 * configurations. A bank of every configuration replays each batch row by
 * row (model/flow-tables.ts), numbering flows and sockets and counting the
 * trace's statistics once for all of them; this thread matches deliver rows
 * to their packets first (TraceState).
 */
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { readTraceInWorker, workerExecArgv } from '../ingest/parallel.js';
import { readTrace } from '../ingest/read.js';
import { release, RING_FAILED, SlotRing } from '../ingest/ring.js';
import { DEFERRED_ID, EventKind, NONE, type TraceBatch } from '../ingest/trace.js';
import { Interner } from '../ingest/interner.js';
import { resolveConfig, tableMemoryBytes, type ResolvedConfig } from '../model/config.js';
import { type BankTrace, FlowTableBank, PACKET_WINDOW, PACKET_WINDOW_MASK, type TraceCounts } from '../model/flow-tables.js';
import { optMsg } from '../messages.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ReplayOptions } from './options.js';
import { modelResult, type ModelResult } from './model-result.js';
import type { ReplayWorkerMessage, ReplayWorkerReply } from './replay-worker.js';
import { RESULT_SCHEMA, RESULT_VERSION, type ConfigResult, type ReplayResult, type TraceSummary } from '../types/result.js';
import { agreementWhereKernelRan } from '../types/own-config.js';

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
function replayedHere(n: number): number {
  return Math.max(0, Math.floor((n - REPLAY_THREAD_ALONE) / 2));
}

/**
 * A sweep's ring of shared batches, from this thread to the replay thread: 16
 * of 32k rows (35 MB). It was sized when three threads shared the two cores
 * (with 8 of 8k the ring ran empty or full for 0.46 core-seconds of the
 * 10M-row bench, perf sched); with two, 8 or 16 of 8k, 8 of 32k and 32 of 4k
 * were all within noise of it.
 */
const SWEEP_RING = { slots: 16, rows: 1 << 15 };

const REPLAY_WORKER_URL = new URL('../../dist/replay/replay-worker.js', import.meta.url);

/**
 * The fewest bytes of input a row comes from: a v1 row has a timestamp digit, a
 * comma, an event name (the shortest, "state", has 5 letters) and its newline.
 * A chunk of n bytes completes at most n / 8 rows and the row pending before it.
 */
const MIN_ROW_BYTES = 8;

/**
 * The replay thread of a sweep, fed the shared batches in order. Each batch's
 * message is posted at once: this thread may block in SlotRing.take() until
 * the replay thread frees a slot, so a message held back would never arrive.
 * (The event loop still turns, for Ctrl-C, with every read of the file.)
 */
class ReplayThread {
  private readonly worker: Worker;
  private readonly done: Promise<ModelResult[]>;
  /** Resolves once the thread runs (its 'ready' message); rejects as `done` does if it fails first. */
  private readonly started: Promise<void>;
  private running = false;
  private slotsSent = false;

  /** Started before the trace's header is read, so its start-up overlaps the reading; configure() follows. */
  constructor() {
    this.worker = new Worker(REPLAY_WORKER_URL, { execArgv: workerExecArgv() });
    let ready = () => {};
    const running = new Promise<void>((resolve) => (ready = resolve));
    this.done = new Promise<ModelResult[]>((resolve, reject) => {
      this.worker.on('message', (m: ReplayWorkerReply) => {
        if (m.type === 'ready') {
          this.running = true;
          ready();
        } else if (m.type === 'done') resolve(m.results);
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      });
      this.worker.on('error', reject);
      this.worker.on('exit', (code) => reject(new Error(`replay worker exited with code ${code}`)));
    });
    this.done.catch(() => {}); // observed in finish(); a failed read terminates it first
    this.started = Promise.race([running, this.done.then(() => {})]);
    this.started.catch(() => {}); // awaited only by pace(); the failure is reported through `done`
  }

  /**
   * ReadOptions.pace for the ring: until the thread runs, the reading waits
   * (asynchronously, so its failure to start is seen) before a chunk whose rows
   * might fill the free slots, where SlotRing.take() would block this thread
   * for good if the thread never started; and after the last chunk, before the
   * importers, which hold their rows to the end, hand them over.
   */
  pace(ring: SlotRing, bytes: number | null): Promise<void> | undefined {
    if (this.running) return undefined;
    if (bytes !== null && ring.freeAhead() > Math.ceil(bytes / MIN_ROW_BYTES / ring.rows)) return undefined;
    return this.started;
  }

  /** The configurations it replays (messages arrive in order: before any batch). */
  configure(configs: ResolvedConfig[], trace: BankTrace): void {
    this.worker.postMessage({ type: 'configs', configs, trace } satisfies ReplayWorkerMessage);
  }

  /** Slot `slot` holds a prepared batch; `delivers`: it has deliver rows (their ordinals are in its ordinal column). */
  batch(ring: SlotRing, slot: number, length: number, delivers: boolean): void {
    if (!this.slotsSent) {
      const { buffers, rows, state } = ring;
      this.worker.postMessage({ type: 'slots', buffers, rows, state: state.buffer as SharedArrayBuffer } satisfies ReplayWorkerMessage);
      this.slotsSent = true;
    }
    this.worker.postMessage({ type: 'batch', slot, length, delivers } satisfies ReplayWorkerMessage);
  }

  async finish(): Promise<ModelResult[]> {
    this.worker.postMessage({ type: 'finish' } satisfies ReplayWorkerMessage);
    try {
      return await this.done;
    } finally {
      void this.worker.terminate();
    }
  }

  terminate(): void {
    void this.worker.terminate();
  }

  /**
   * The error the replay thread reported: it marks the ring failed only after posting it, so it
   * is on its way. `otherwise` if none comes within a second (a ring marked failed by a bug).
   */
  async failure(otherwise: unknown): Promise<unknown> {
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

/** Below this size a worker thread's start-up costs more than it saves. */
const PARALLEL_MIN_BYTES = 4 << 20;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports the missing file
  }
}

/** How far down an skb's stack of unmatched packets a deliver row looks for its packet. */
const MATCH_DEPTH = 8;


/**
 * The per-row work the bank leaves to this thread: matching deliver rows to
 * the packets they delivered (by skb identity), which takes per-skb stacks and
 * identity translation; the bank numbers flows and sockets and counts the
 * rest of the trace's statistics (FlowTableBank.traceCounts()).
 */
export class TraceState {
  rows = 0;
  packets = 0;
  deliverMatched = 0;
  deliverUnmatched = 0;
  sawDeliver = false;
  deliverPerCpu: Float64Array = new Float64Array(0);
  // skb id → most recent unmatched packet ordinal (-1 none); per packet, the one below it.
  private lastUnmatched: Float64Array = new Float64Array(1024).fill(-1);
  private readonly belowInStack = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly packetHash = new Uint32Array(PACKET_WINDOW);

  /**
   * When the reader leaves interning to its consumer (parallel replays), this
   * thread interns skb identities (the banks number sockets); ids the reader
   * did intern (text identities) are translated into the same id space.
   */
  resolveIds = false;
  readonly skbs = new Interner();
  private skbFromReader: Int32Array = new Int32Array(64).fill(-1);

  private translate(interner: Interner, id: number): number {
    let t = this.skbFromReader;
    if (id >= t.length) {
      let cap = t.length;
      while (cap <= id) cap *= 2;
      const grown = new Int32Array(cap).fill(-1);
      grown.set(t);
      this.skbFromReader = t = grown;
    }
    let mine = t[id];
    if (mine < 0) t[id] = mine = interner.internText(`\0worker:${id}`);
    return mine;
  }

  /** The skb id as this thread numbers it (tag = the batch's skb column value). */
  private skbId(tag: number, hi: number, lo: number): number {
    if (!this.resolveIds || tag === NONE) return tag;
    if (tag === DEFERRED_ID) return this.skbs.internHex(hi, lo);
    return this.translate(this.skbs, tag);
  }

  /** Puts packet `o` on top of its skb's stack of unmatched packets. */
  private pushPacket(o: number, skb: number): void {
    if (skb === NONE) return;
    if (skb >= this.lastUnmatched.length) this.lastUnmatched = grow(this.lastUnmatched, skb);
    const w = o & PACKET_WINDOW_MASK;
    this.belowInStack[w] = this.lastUnmatched[skb];
    this.lastUnmatched[skb] = o;
  }

  /**
   * At the first deliver row: index the packets still in the window. Until a
   * trace shows deliver rows, packets with an skb only leave it in the ring —
   * a trace without them (synthetic, or captured without the post-steering
   * probe) never pays for skb lookups.
   */
  private indexWindow(): void {
    for (let o = Math.max(0, this.packets - PACKET_WINDOW); o < this.packets; o++) {
      const w = o & PACKET_WINDOW_MASK;
      if (this.ringOrdinal[w] === o) this.pushPacket(o, this.skbId(this.ringSkb[w], this.ringSkbHi[w], this.ringSkbLo[w]));
    }
  }

  // Packets with an skb before the first deliver row: the skb, and the packet's ordinal (whose slot it is).
  private readonly ringOrdinal = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly ringSkb = new Int32Array(PACKET_WINDOW);
  private readonly ringSkbHi = new Uint32Array(PACKET_WINDOW);
  private readonly ringSkbLo = new Uint32Array(PACKET_WINDOW);

  /**
   * Per row of the last batch prepared: for a deliver row, the ordinal of the
   * packet it matched (-1: none); other rows' are left as they were. Null when
   * the batch had no deliver row.
   */
  ordinals: Float64Array | null = null;
  private ownOrdinals = new Float64Array(0);

  setCpus(nr: number): void {
    this.deliverPerCpu = new Float64Array(nr);
  }

  /** Matches the batch's deliver rows, writing their ordinals into `into` (default: an array of its own). */
  prepare(b: TraceBatch, into?: Float64Array): void {
    const n = b.length;
    if (!into && this.ownOrdinals.length < n) this.ownOrdinals = new Float64Array(n);
    const ordinals = into ?? this.ownOrdinals;
    const deliversBefore = this.deliverMatched + this.deliverUnmatched;
    this.rows += n;
    const event = b.event;
    const skb = b.skb;
    let packets = this.packets;
    // Most traces have neither skb identities nor deliver rows: then this loop only counts packets.
    for (let i = 0; i < n; i++) {
      const ev = event[i];
      if (ev === EventKind.Packet) {
        const o = packets++;
        if (skb[i] === NONE) continue;
        const w = o & PACKET_WINDOW_MASK;
        this.packetHash[w] = b.rxhash[i];
        if (this.sawDeliver) {
          this.pushPacket(o, this.skbId(skb[i], b.skbHi[i], b.skbLo[i]));
        } else {
          this.ringOrdinal[w] = o;
          this.ringSkb[w] = skb[i];
          this.ringSkbHi[w] = b.skbHi[i];
          this.ringSkbLo[w] = b.skbLo[i];
        }
      } else if (ev === EventKind.Deliver) {
        this.packets = packets;
        if (!this.sawDeliver) {
          this.sawDeliver = true;
          this.indexWindow();
        }
        this.deliverPerCpu[b.cpu[i]]++;
        const id = this.skbId(skb[i], b.skbHi[i], b.skbLo[i]);
        const o = id !== NONE && id < this.lastUnmatched.length ? this.matchDeliver(id, b.rxhash[i]) : -1;
        ordinals[i] = o;
        if (o >= 0) this.deliverMatched++;
        else this.deliverUnmatched++;
      }
    }
    this.packets = packets;
    this.ordinals = this.deliverMatched + this.deliverUnmatched > deliversBefore ? ordinals : null;
  }

  /**
   * The most recent unmatched packet of this skb whose hash equals the deliver
   * row's, removed from the skb's stack; -1 if none. Slab reuse gives many
   * packets the same skb address, so after a lost deliver the top of the stack
   * can be an older, different packet: the hash tells them apart.
   */
  private matchDeliver(skb: number, h: number): number {
    let o = this.lastUnmatched[skb];
    let above = -1;
    for (let depth = 0; o >= 0 && depth < MATCH_DEPTH; depth++) {
      if (this.packets - o > PACKET_WINDOW) break; // this and everything below has left the window
      const w = o & PACKET_WINDOW_MASK;
      const ph = this.packetHash[w];
      if (h === 0 || ph === 0 || ph === h) {
        const below = this.belowInStack[w];
        if (above < 0) this.lastUnmatched[skb] = below;
        else this.belowInStack[above & PACKET_WINDOW_MASK] = below;
        return o;
      }
      above = o;
      o = this.belowInStack[w];
    }
    if (o >= 0 && this.packets - o > PACKET_WINDOW) {
      if (above < 0) this.lastUnmatched[skb] = -1;
      else this.belowInStack[above & PACKET_WINDOW_MASK] = -1;
    }
    return -1;
  }

}

function grow(a: Float64Array, index: number): Float64Array<ArrayBuffer> {
  let cap = a.length;
  while (cap <= index) cap *= 2;
  const b = new Float64Array(cap).fill(-1);
  b.set(a);
  return b;
}

/** Replays `path` once for every configuration in `options.configs`. */
export async function replayFile(path: string, options: ReplayOptions): Promise<ReplayResult> {
  if (options.configs.length === 0) throw new UsageError('no configuration to replay');
  if (options.fifoNs !== undefined && (!Number.isInteger(options.fifoNs) || options.fifoNs <= 0)) {
    throw new UsageError(optMsg.badFifo(String(options.fifoNs)));
  }
  const state = new TraceState();
  // This thread's bank; in a sweep, with the replay thread's lanes given the ids that
  // `numbering` (no lanes) assigns here: the three stages cost about the same that way.
  let bank: FlowTableBank | null = null;
  let numbering: FlowTableBank | null = null;
  let configs: ResolvedConfig[] = [];

  // Only the fast reader runs in the parse worker; the csv-parse readers are references and baselines.
  const parallel = options.parallel ?? ((options.reader === undefined || options.reader === 'fast') && fileSize(path) >= PARALLEL_MIN_BYTES);
  // Sweeps: this thread reads, a replay thread replays the configurations (see replayedHere).
  const split = parallel && options.configs.length >= SPLIT_MIN_CONFIGS;
  // The reader leaves hex identities to the banks, which number them in WebAssembly (cheaper than the reader's interning).
  state.resolveIds = parallel;
  const ringSize = options.sweepRing ?? SWEEP_RING;
  const ring = split ? SlotRing.alloc(ringSize.slots, ringSize.rows) : null;
  const helper: ReplayThread | null = split ? new ReplayThread() : null;
  const reading = (parallel && !split ? readTraceInWorker : readTrace)(
    path,
    {
      header(h, nr) {
        configs = options.configs.map((req) => resolveConfig(h, nr, req, options.fifoNs ?? 0));
        checkModelMemory(configs);
        const trace = { traceCpus: nr, resolveIds: state.resolveIds };
        if (split) {
          numbering = new FlowTableBank([], { ...trace, ids: 'emit' });
          const here = replayedHere(configs.length);
          bank = here > 0 ? new FlowTableBank(configs.slice(0, here), { ...trace, ids: 'given' }) : null;
          helper!.configure(configs.slice(here), { ...trace, ids: 'given' });
        } else {
          bank = new FlowTableBank(configs, trace);
        }
        state.setCpus(nr);
      },
      batch(b) {
        if (ring) {
          // A sweep: b is the ring's slot being filled. Deliver ordinals go into its own column.
          state.prepare(b, b.ordinal);
          numbering!.processBatch(b, null);
          // Readers: the replay thread, and this one if it replays some configurations;
          // whichever finishes last frees the slot for the reader (this thread, in take()).
          const slot = ring.hand(bank ? 2 : 1);
          helper!.batch(ring, slot, b.length, state.ordinals !== null);
          if (bank) {
            bank.processBatch(b, state.ordinals);
            release(ring.state, slot);
          }
        } else {
          state.prepare(b);
          bank!.processBatch(b, state.ordinals);
        }
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      },
    },
    {
      cpus: options.cpus,
      deferIds: state.resolveIds,
      takeBatch: ring ? () => ring.take() : undefined,
      pace: ring ? (bytes) => helper!.pace(ring, bytes) : undefined,
      lenient: options.lenient,
      reader: options.reader,
      chunkSize: options.chunkSize,
      hash: options.hash,
      signal: options.signal,
      onProgress: options.onProgress,
    },
  );  let read: Awaited<typeof reading>;
  try {
    read = await reading;
  } catch (e) {
    const h = helper as ReplayThread | null;
    // The replay thread failed first and stopped the reading: its own error is the one to report.
    const cause = h && (e as Error)?.name === RING_FAILED ? await h.failure(e) : e;
    h?.terminate();
    throw cause;
  }


  const theirs = helper ? await (helper as ReplayThread).finish() : [];
  // The bank that numbered flows and sockets counted the trace.
  const counts: TraceCounts = ((numbering as FlowTableBank | null) ?? (bank as FlowTableBank | null))!.traceCounts();

  const h = read.header;
  const ev = (k: number) => counts.events[k];
  const trace: TraceSummary = {
    path,
    file: basename(path),
    bytes: read.source.bytes,
    gzip: read.source.gzip,
    sha256: read.source.sha256,
    format: read.source.format,
    header: {
      nr_cpu_ids: h.nrCpuIds ?? null,
      rps_sock_flow_entries: h.rpsSockFlowEntries ?? null,
      kernel: h.kernel ?? null,
      queues: h.queues.map((q) => ({ name: q.name, rps_cpus: q.rpsCpus, rps_flow_cnt: q.rpsFlowCnt })),
      implicit_queue: h.implicitQueue,
    },
    rows: state.rows,
    events: {
      recvmsg: ev(EventKind.Recvmsg),
      sendmsg: ev(EventKind.Sendmsg),
      accept: ev(EventKind.Accept),
      splice: ev(EventKind.Splice),
      state: ev(EventKind.State),
      packet: ev(EventKind.Packet),
      deliver: ev(EventKind.Deliver),
    },
    first_ts: Number.isNaN(counts.firstTs) ? null : counts.firstTs,
    last_ts: Number.isNaN(counts.lastTs) ? null : counts.lastTs,
    time_backwards: counts.timeBackwards,
    packets_undelivered: state.sawDeliver ? state.packets - state.deliverMatched : 0,
    deliver_unmatched: state.deliverUnmatched,
    distinct_flows: counts.distinctFlows,
    distinct_sockets: counts.distinctSockets ?? read.distinctSockets,
    active_flows: counts.activeFlows,
    arrival_per_cpu: counts.arrivalPerCpu,
    deliver_per_cpu: state.sawDeliver ? Array.from(state.deliverPerCpu) : [],
    skipped: { total: read.skipped.total, by_reason: read.skipped.byReason, examples: read.skipped.examples },
  };

  const finished: ModelResult[] = [...((bank as FlowTableBank | null)?.lanes.map(modelResult) ?? []), ...theirs];
  const results: ConfigResult[] = configs.map((c, i) => {
    const r: ConfigResult = {
      label: c.label,
      role: c.role,
      rps_sock_flow_entries: c.entries,
      entries_effective: c.slots,
      kernel: c.kernel.name,
      nr_cpu_ids: c.nrCpuIds,
      rps_flow_cnt: c.queues.map((q) => q.flowCnt),
      flow_cnt_effective: c.queues.map((q) => q.slots),
      rps_cpus: c.queues.map((q) => Array.from(q.map)),
      head_model: c.fifoNs > 0 ? `fifo:${c.fifoNs}ns` : state.sawDeliver ? 'deliver' : 'instant',
      memory_bytes: tableMemoryBytes(c),
      ...finished[i],
    };
    return r;
  });

  return {
    schema: RESULT_SCHEMA,
    version: RESULT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    command: options.command ?? [],
    trace,
    configs: agreementWhereKernelRan(results, trace),
  };
}
