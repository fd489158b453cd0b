/**
 * The replay engine: one pass over a trace drives any number of
 * configurations. Work that does not depend on the configuration (flow ids,
 * deliver↔packet matching, trace statistics) is done once per batch; then
 * a bank of every configuration replays the batch row by row (model/flow-tables.ts).
 */
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { FlowIndex } from '../ingest/flow-index.js';
import { readTraceInWorker } from '../ingest/parallel.js';
import { readTrace } from '../ingest/read.js';
import { DEFERRED_ID, EVENT_NAMES, EventKind, isRecordEvent, NONE, type TraceBatch } from '../ingest/trace.js';
import { Interner } from '../ingest/interner.js';
import { resolveConfig, tableMemoryBytes, type ResolvedConfig } from '../model/config.js';
import { FlowTableBank, PACKET_WINDOW, PACKET_WINDOW_MASK } from '../model/flow-tables.js';
import { optMsg } from '../messages.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ReplayOptions } from './options.js';
import { modelResult, type ModelResult } from './model-result.js';
import type { ReplayWorkerMessage, ReplayWorkerReply } from './replay-worker.js';
import { RESULT_SCHEMA, RESULT_VERSION, type ConfigResult, type ReplayResult, type TraceSummary } from './result.js';

/**
 * Up to this many configurations the main thread interns identities for the
 * parse worker; so it does for sweeps, which a replay thread replays while this
 * thread only prepares batches (profile of 8 sizes on 10M rows: this thread
 * waited 2.4 s of 5.1 s while the parse worker was the critical path).
 */
const DEFER_IDS_MAX_CONFIGS = 2;

/**
 * From this many configurations on, a replay thread replays them and this
 * thread prepares batches (identities, flow ids, deliver matching, trace
 * statistics) and hands them on: a three-stage pipeline. With 1 or 2
 * configurations the extra stage costs more than it saves (1.8 → 2.1 s).
 */
const SPLIT_MIN_CONFIGS = 4;

/**
 * How many of a sweep's configurations this thread replays itself: none up to
 * REPLAY_THREAD_ALONE, then half of the rest. Preparing a batch costs about as
 * much as replaying four configurations, and the cores are shared with the
 * parse worker, so up to 8 the replay thread keeps up alone (10M-row bench, 8
 * sizes: this thread taking 30%, 12.5% and none of them: 3.4, 3.3, 3.0 s);
 * beyond that it would become the bottleneck.
 */
const REPLAY_THREAD_ALONE = 8;
function replayedHere(n: number): number {
  return Math.max(0, Math.floor((n - REPLAY_THREAD_ALONE) / 2));
}

/** Longest stretch of batches handed on without letting the event loop (Ctrl-C) run. */
const YIELD_MS = 50;

const REPLAY_WORKER_URL = new URL('../../dist/replay/replay-worker.js', import.meta.url);

/**
 * The replay thread of a sweep, fed the shared batches in order. Every
 * YIELD_MS the hand-over waits for one event-loop turn: that fills the parse
 * worker's slots, pauses it, and lets this thread see signals (Ctrl-C).
 */
class ReplayThread {
  private readonly worker: Worker;
  private readonly done: Promise<ModelResult[]>;
  private slotsSent = false;
  private lastYield = performance.now();
  private holding = false;
  private readonly queue: ReplayWorkerMessage[] = [];

  /** Started before the trace's header is read, so its start-up overlaps the parse worker's; configure() follows. */
  constructor() {
    this.worker = new Worker(REPLAY_WORKER_URL);
    this.done = new Promise<ModelResult[]>((resolve, reject) => {
      this.worker.on('message', (m: ReplayWorkerReply) => {
        if (m.type === 'done') resolve(m.results);
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      });
      this.worker.on('error', reject);
      this.worker.on('exit', (code) => reject(new Error(`replay worker exited with code ${code}`)));
    });
    this.done.catch(() => {}); // observed in finish(); a failed read terminates it first
  }

  /** The configurations it replays (messages arrive in order: before any batch). */
  configure(configs: ResolvedConfig[]): void {
    this.worker.postMessage({ type: 'configs', configs } satisfies ReplayWorkerMessage);
  }

  batch(slot: number, length: number, state: Int32Array, buffers: SharedArrayBuffer[]): void {
    if (!this.slotsSent) {
      this.worker.postMessage({ type: 'slots', buffers, state: state.buffer as SharedArrayBuffer } satisfies ReplayWorkerMessage);
      this.slotsSent = true;
    }
    this.send({ type: 'batch', slot, length });
  }

  private send(m: ReplayWorkerMessage): void {
    if (this.holding) {
      this.queue.push(m);
      return;
    }
    if (performance.now() - this.lastYield < YIELD_MS) {
      this.worker.postMessage(m);
      return;
    }
    this.holding = true;
    this.queue.push(m);
    setImmediate(() => {
      this.lastYield = performance.now();
      this.holding = false;
      for (const q of this.queue.splice(0)) this.worker.postMessage(q);
    });
  }

  async finish(): Promise<ModelResult[]> {
    this.send({ type: 'finish' });
    try {
      return await this.done;
    } finally {
      void this.worker.terminate();
    }
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

/**
 * Legal but enormous tables (2^29 global slots, 2^30 per queue) would take
 * minutes and gigabytes before failing: refuse them up front, in one line.
 * The model keeps 8 bytes per global slot and 16 per per-queue slot.
 */
function checkModelMemory(configs: ResolvedConfig[]): void {
  const bytes = configs.reduce((s, c) => s + c.slots * 8 + c.queues.reduce((q, x) => q + x.slots * 16, 0), 0);
  const limit = Math.min(totalmem() * 0.5, 8 * 2 ** 30);
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

/** Window for counting concurrently active flows. */
const ACTIVE_WINDOW_NS = 100e6;

/** Config-independent per-row work and trace statistics. */
export class TraceState {
  readonly flows = new FlowIndex();
  readonly events = new Float64Array(EVENT_NAMES.length);
  rows = 0;
  firstTs = NaN;
  lastTs = NaN;
  timeBackwards = 0;
  packets = 0;
  deliverMatched = 0;
  deliverUnmatched = 0;
  sawDeliver = false;
  arrivalPerCpu: Float64Array = new Float64Array(0);
  deliverPerCpu: Float64Array = new Float64Array(0);
  // skb id → most recent unmatched packet ordinal (-1 none); per packet, the one below it.
  private lastUnmatched: Float64Array = new Float64Array(1024).fill(-1);
  private readonly belowInStack = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly packetHash = new Uint32Array(PACKET_WINDOW);
  // Active flows: distinct flows with record events per window.
  // Per flow, the ordinal (from 1) of the last window it was active in: 4 bytes, 0 = never.
  private flowWindow: Int32Array = new Int32Array(1024);
  private window = NaN;
  private windowOrdinal = 0;
  private windowDistinct = 0;
  private activeSum = 0;
  private activeWindows = 0;

  /**
   * With a parse worker that defers interning (see DEFER_IDS_MAX_CONFIGS),
   * this thread interns socket and skb identities; ids the worker did intern
   * (text identities, importer rows) are translated into the same id space.
   */
  resolveIds = false;
  readonly sockets = new Interner();
  readonly skbs = new Interner();
  private socketFromWorker: Int32Array = new Int32Array(64).fill(-1);
  private skbFromWorker: Int32Array = new Int32Array(64).fill(-1);

  private translate(table: 'socketFromWorker' | 'skbFromWorker', interner: Interner, id: number): number {
    let t = this[table];
    if (id >= t.length) {
      let cap = t.length;
      while (cap <= id) cap *= 2;
      const grown = new Int32Array(cap).fill(-1);
      grown.set(t);
      this[table] = t = grown;
    }
    let mine = t[id];
    if (mine < 0) t[id] = mine = interner.internText(`\0worker:${id}`);
    return mine;
  }

  private internSockets(b: TraceBatch): void {
    const n = b.length;
    const sockets = this.sockets;
    for (let i = 0; i < n; i++) {
      const s = b.socket[i];
      if (s === DEFERRED_ID) b.socket[i] = sockets.internHex(b.sockHi[i], b.sockLo[i]);
      else if (s >= 0) b.socket[i] = this.translate('socketFromWorker', sockets, s);
    }
  }

  /** The skb id as this thread numbers it (tag = the batch's skb column value). */
  private skbId(tag: number, hi: number, lo: number): number {
    if (!this.resolveIds || tag === NONE) return tag;
    if (tag === DEFERRED_ID) return this.skbs.internHex(hi, lo);
    return this.translate('skbFromWorker', this.skbs, tag);
  }

  /** Puts packet `o` on top of its skb's stack of unmatched packets. */
  private pushPacket(o: number, skb: number): void {
    if (skb === NONE) return;
    if (skb >= this.lastUnmatched.length) this.lastUnmatched = grow(this.lastUnmatched, skb);
    this.belowInStack[o & PACKET_WINDOW_MASK] = this.lastUnmatched[skb];
    this.lastUnmatched[skb] = o;
  }

  /**
   * At the first deliver row: index the packets still in the window. Until a
   * trace shows deliver rows, packets only leave their skb in the ring — a
   * trace without them (synthetic, or captured without the post-steering
   * probe) never pays for skb lookups.
   */
  private indexWindow(): void {
    for (let o = Math.max(0, this.packets - PACKET_WINDOW); o < this.packets; o++) {
      const w = o & PACKET_WINDOW_MASK;
      this.pushPacket(o, this.skbId(this.ringSkb[w], this.ringSkbHi[w], this.ringSkbLo[w]));
    }
  }

  private readonly ringSkb = new Int32Array(PACKET_WINDOW);
  private readonly ringSkbHi = new Uint32Array(PACKET_WINDOW);
  private readonly ringSkbLo = new Uint32Array(PACKET_WINDOW);

  flowIds = new Int32Array(0);
  ordinals = new Float64Array(0);

  setCpus(nr: number): void {
    this.arrivalPerCpu = new Float64Array(nr);
    this.deliverPerCpu = new Float64Array(nr);
  }

  prepare(b: TraceBatch): void {
    if (this.resolveIds) this.internSockets(b);
    const n = b.length;
    if (this.flowIds.length < n) {
      this.flowIds = new Int32Array(n);
      this.ordinals = new Float64Array(n);
    }
    const flowIds = this.flowIds;
    const ordinals = this.ordinals;
    const events = this.events;
    for (let i = 0; i < n; i++) {
      const ev = b.event[i];
      const ts = b.ts[i];
      if (ts < this.lastTs) this.timeBackwards++;
      else if (Number.isNaN(this.firstTs)) this.firstTs = ts;
      this.lastTs = ts;
      events[ev]++;
      const h = b.rxhash[i];
      flowIds[i] = h !== 0 && ev !== EventKind.State && ev !== EventKind.Deliver ? this.flows.id(h) : -1;
      ordinals[i] = -1;
      if (ev === EventKind.Packet) {
        const o = this.packets++;
        ordinals[i] = o;
        this.arrivalPerCpu[b.cpu[i]]++;
        const w = o & PACKET_WINDOW_MASK;
        this.packetHash[w] = h;
        if (this.sawDeliver) {
          this.pushPacket(o, this.skbId(b.skb[i], b.skbHi[i], b.skbLo[i]));
        } else {
          this.ringSkb[w] = b.skb[i];
          this.ringSkbHi[w] = b.skbHi[i];
          this.ringSkbLo[w] = b.skbLo[i];
        }
      } else if (ev === EventKind.Deliver) {
        if (!this.sawDeliver) {
          this.sawDeliver = true;
          this.indexWindow();
        }
        this.deliverPerCpu[b.cpu[i]]++;
        const skb = this.skbId(b.skb[i], b.skbHi[i], b.skbLo[i]);
        const o = skb !== NONE && skb < this.lastUnmatched.length ? this.matchDeliver(skb, b.rxhash[i]) : -1;
        ordinals[i] = o;
        if (o >= 0) this.deliverMatched++;
        else this.deliverUnmatched++;
      } else if (isRecordEvent(ev) && flowIds[i] >= 0) {
        this.countActive(flowIds[i], ts);
      }
    }
    this.rows += n;
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

  private countActive(flow: number, ts: number): void {
    const w = Math.floor(ts / ACTIVE_WINDOW_NS);
    if (w !== this.window) {
      if (this.windowDistinct > 0) {
        this.activeSum += this.windowDistinct;
        this.activeWindows++;
      }
      this.window = w;
      this.windowOrdinal++;
      this.windowDistinct = 0;
    }
    if (flow >= this.flowWindow.length) {
      const grown = new Int32Array(2 * Math.max(flow, this.flowWindow.length));
      grown.set(this.flowWindow);
      this.flowWindow = grown;
    }
    if (this.flowWindow[flow] !== this.windowOrdinal) {
      this.flowWindow[flow] = this.windowOrdinal;
      this.windowDistinct++;
    }
  }

  activeFlows(): number {
    const sum = this.activeSum + this.windowDistinct;
    const windows = this.activeWindows + (this.windowDistinct > 0 ? 1 : 0);
    return windows > 0 ? sum / windows : 0;
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
  let bank: FlowTableBank | null = null;
  let configs: ResolvedConfig[] = [];

  // Only the fast reader runs in the parse worker; the csv-parse readers are references and baselines.
  const parallel = options.parallel ?? ((options.reader === undefined || options.reader === 'fast') && fileSize(path) >= PARALLEL_MIN_BYTES);
  // Sweeps: a replay thread replays the configurations (see replayedHere).
  const split = parallel && options.configs.length >= SPLIT_MIN_CONFIGS;
  // The worker parses; this thread replays, or with a replay thread prepares.
  // With few configurations, or with a replay thread, this thread has time to
  // spare, so it also takes the identity interning off the worker.
  state.resolveIds = parallel && (options.configs.length <= DEFER_IDS_MAX_CONFIGS || split);
  const helper: ReplayThread | null = split ? new ReplayThread() : null;
  const reading = (parallel ? readTraceInWorker : readTrace)(
    path,
    {
      header(h, nr) {
        configs = options.configs.map((req) => resolveConfig(h, nr, req, options.fifoNs ?? 0));
        checkModelMemory(configs);
        const here = split ? replayedHere(configs.length) : configs.length;
        bank = here > 0 ? new FlowTableBank(configs.slice(0, here)) : null;
        helper?.configure(configs.slice(here));
        state.setCpus(nr);
      },
      batch(b) {
        state.prepare(b);
        bank!.processBatch(b, state.flowIds, state.ordinals);
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      },
      batchInSlot: split
        ? (b, slot, slotState, buffers) => {
            state.prepare(b);
            b.flow.set(state.flowIds.subarray(0, b.length));
            b.ordinal.set(state.ordinals.subarray(0, b.length));
            // Readers: the replay thread, and this one if it replays some configurations;
            // whichever finishes last frees the slot for the parse worker.
            Atomics.store(slotState, slot, bank ? 2 : 1);
            helper!.batch(slot, b.length, slotState, buffers);
            if (bank) {
              bank.processBatch(b, state.flowIds, state.ordinals);
              if (Atomics.sub(slotState, slot, 1) === 1) Atomics.notify(slotState, slot);
            }
            if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
            return true;
          }
        : undefined,
    },
    {
      cpus: options.cpus,
      deferIds: state.resolveIds,
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
    (helper as ReplayThread | null)?.terminate();
    throw e;
  }


  const theirs = helper ? await (helper as ReplayThread).finish() : [];

  const h = read.header;
  const ev = (k: number) => state.events[k];
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
    first_ts: Number.isNaN(state.firstTs) ? null : state.firstTs,
    last_ts: Number.isNaN(state.lastTs) ? null : state.lastTs,
    time_backwards: state.timeBackwards,
    packets_undelivered: state.sawDeliver ? state.packets - state.deliverMatched : 0,
    deliver_unmatched: state.deliverUnmatched,
    distinct_flows: state.flows.size,
    distinct_sockets: state.resolveIds ? state.sockets.size : read.distinctSockets,
    active_flows: state.activeFlows(),
    arrival_per_cpu: Array.from(state.arrivalPerCpu),
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
    configs: results,
  };
}
