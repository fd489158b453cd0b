/**
 * The replayed configurations of one pass: the kernel's RFS state (global sock
 * flow table, per-RX-queue flow tables, RPS maps, per-CPU backlog heads and
 * tails) and the contract's counters, for every configuration at once.
 *
 * A FlowTableBank keeps one lane per configuration and replays the trace row
 * by row, each row through every lane, in the WebAssembly lanes
 * (wasm/lanes.ts, where the kernel functions it mirrors are named next to
 * each rule), in memory laid out by lane-memory.ts. What does not depend on
 * the configuration (flow and socket ids, the socket's TCP state and last
 * rxhash, the trace's statistics) is done once per row. FlowTableModel is one
 * lane's view, for its results.
 */
import { COUNTER_NAMES, Counters, deriveRatios, type Metrics, QUEUE_COUNTER_NAMES, type QueueCounterName, type QueueMetrics } from '../types/metrics.js';
import { EVENT_NAMES, type TraceBatch } from '../ingest/trace.js';
import type { FollowEvidence, TimelineBin } from '../types/result.js';
import type { ResolvedConfig } from './config.js';
import {
  CTL_ACTIVE_SUM,
  CTL_ACTIVE_WINDOWS,
  CTL_ARRIVALS,
  CTL_BACKWARDS,
  CTL_CL_ELSEWHERE,
  CTL_CL_FOLLOWED,
  CTL_CL_IN_PLACE,
  CTL_CL_LANES,
  CTL_CL_MOVED,
  CTL_CL_RATE,
  CTL_CL_RATE_HIGH,
  CTL_CL_RATE_LOW,
  CTL_CL_REF,
  CTL_CL_SOCKETS_ELSEWHERE,
  CTL_CL_SOCKETS_IN_PLACE,
  CTL_CL_SOCKETS_WOKEN,
  CTL_COL_CPU,
  CTL_COL_EVENT,
  CTL_COL_FLOW,
  CTL_COL_LINE,
  CTL_COL_ORDINAL,
  CTL_COL_QUEUE,
  CTL_COL_RXHASH,
  CTL_COL_SKB,
  CTL_COL_SOCKET,
  CTL_COL_SOCK_HI,
  CTL_COL_SOCK_LO,
  CTL_COL_STATE,
  CTL_COL_TS,
  CTL_DRAIN_HITS,
  CTL_DRAIN_PACKETS,
  CTL_EVENTS,
  CTL_FIRST_TS,
  CTL_FLOWS_SEEN,
  CTL_LAST_TS,
  CTL_LOG,
  CTL_LOG_USED,
  CTL_NODES_USED,
  CTL_PACKETS,
  CTL_QUEUE_CHANGES,
  CTL_QUEUE_STATS,
  CTL_RECORDS,
  CTL_SOCKETS_SEEN,
  CTL_STOP,
  CTL_WINDOW_DISTINCT,
  DEV_FLOW_WORDS,
  DEV_LAST_HASH,
  HITS,
  HITS_ALIASED,
  HITS_OWN,
  HITS_UNRESOLVED,
  LANES_AT,
  LANE_WORDS,
  LOCAL_UNRESOLVED,
  LOG_KERNEL_CPU,
  LOG_LANE,
  LOG_LINE,
  LOG_MODEL_CPU,
  LOG_PATH,
  LOG_RXHASH,
  LOG_WORDS,
  LOOKUPS,
  L_COUNTS,
  L_PER_CPU,
  L_SLOTS,
  L_SOCK,
  L_TIMELINE,
  MISSES_COLLISION,
  MISSES_EMPTY,
  MISSES_INVALID_CPU,
  NOT_STEERED,
  PACKETS,
  QS_DRAIN_HITS,
  QS_DRAIN_PACKETS,
  QS_FLOWS,
  QS_PACKETS,
  QUEUE_STATS_WORDS,
  RECORDS,
  RECORDS_NO_TABLE,
  RECORDS_STATE_SKIPPED,
  RECORDS_ZERO_HASH,
  RPS_NO_CPU,
  SOCK_ENT,
  SOCK_SLOT_WORDS,
  STEERED_RFS,
  STEERED_RPS,
  STOP_FLOWS,
  STOP_FLOW_TABLE,
  STOP_LOG,
  STOP_NODES,
  STOP_SOCKETS,
  STOP_SOCK_TABLE,
  WRITES,
  WRITES_AVOIDED,
} from './lane-layout.js';
import { PATH_CLASS } from './lane-names.js';
import { type BankTrace, planLaneMemory, type QueueRegion } from './lane-memory.js';
import { readTimeline, type WasmLanes } from './wasm-lanes.js';
import { KeptCounting } from './kept-counting.js';
import type { SamplingRule } from '../types/sampling.js';

export { PACKET_WINDOW, PACKET_WINDOW_MASK } from './lane-layout.js';
export type { BankTrace } from './lane-memory.js';

export interface DisagreementExample {
  line: number;
  rxhash: string;
  model_cpu: number;
  kernel_cpu: number;
  class: string;
}

// A lane's counters are a row of the bank's counter array, at their lane-layout.ts indices (COUNTER_NAMES order).
const NC = COUNTER_NAMES.length;

/** The trace's own statistics, counted by a bank as it replays. */
export interface TraceCounts {
  /** Rows per event kind, in EVENT_NAMES order. */
  events: number[];
  firstTs: number;
  lastTs: number;
  /** Rows earlier than the row before them. */
  timeBackwards: number;
  packets: number;
  arrivalPerCpu: number[];
  distinctFlows: number;
  /** Sockets the bank numbered itself (null: the reader did). */
  distinctSockets: number | null;
  /** Distinct flows with record events per 100 ms window, averaged over windows. */
  activeFlows: number;
}

/**
 * Counters WebAssembly leaves out because they follow from others: every lane
 * sees every packet; a lookup ends in exactly one of hit (own or aliased),
 * invalid CPU, empty slot or collision; and every packet is steered by RFS,
 * by RPS, or not at all.
 */
function derivePacketCounters(counts: Float64Array, packets: number): void {
  counts[PACKETS] = packets;
  counts[HITS] = counts[HITS_OWN] + counts[HITS_ALIASED];
  counts[LOOKUPS] = counts[HITS] + counts[MISSES_INVALID_CPU] + counts[MISSES_EMPTY] + counts[MISSES_COLLISION];
  counts[STEERED_RFS] = packets - counts[STEERED_RPS] - counts[NOT_STEERED];
}

/** One lane of a bank: its configuration and, at the end, its results. */
export class FlowTableModel {
  readonly disagreements: Record<string, number> = {};
  readonly disagreementPairs: Record<string, number> = {};
  readonly disagreementExamples: DisagreementExample[] = [];

  constructor(
    readonly cfg: ResolvedConfig,
    private readonly bank: FlowTableBank,
    readonly lane: number,
  ) {}

  /** Counters at the end of the trace, with what never got resolved. */
  finish(): Metrics {
    return this.bank.finishLane(this.lane);
  }

  queueOccupancy(): { queue: string; slots: number; used: number }[] {
    return this.bank.queueOccupancy(this.lane);
  }

  sockTableOccupancy(): { slots: number; used: number } {
    return this.bank.sockTableOccupancy(this.lane);
  }

  timelineBins(): { bin_ns: number; bins: TimelineBin[] } | undefined {
    return this.bank.timelineBins(this.lane);
  }

  /** A multi-queue trace's counters per RX queue (after finish()); null with one queue. */
  perQueue(): { queues: QueueMetrics[]; changesWaiting: number } | null {
    return this.bank.perQueue(this.lane);
  }

  /** The bank's closed-loop evidence (FlowTableBank.followEvidence()). */
  followEvidence(): FollowEvidence | null {
    return this.bank.followEvidence();
  }

  noteDisagreement(path: number, modelCpu: number, cpu: number, line: number, h: number): void {
    const cls = PATH_CLASS[path];
    this.disagreements[cls] = (this.disagreements[cls] ?? 0) + 1;
    const pair = `${modelCpu}>${cpu}`;
    this.disagreementPairs[pair] = (this.disagreementPairs[pair] ?? 0) + 1;
    if (this.disagreementExamples.length < 20) {
      this.disagreementExamples.push({ line, rxhash: `0x${h.toString(16).padStart(8, '0')}`, model_cpu: modelCpu, kernel_cpu: cpu, class: cls });
    }
  }
}

/**
 * Every lane of one pass, replayed by the WebAssembly lanes
 * (wasm/lanes.ts): this class has their memory laid out for the
 * configurations, copies each batch in, and reads the results out. Counters
 * and per-CPU packets count one batch as int32 in WebAssembly and are added to
 * float totals after it, so no count can wrap.
 */
export class FlowTableBank {
  readonly lanes: FlowTableModel[];
  private readonly n: number; // lanes
  private readonly wasm: WasmLanes;
  private readonly cpuStride: number;
  private readonly counts: Float64Array; // totals, lane l's queue q's counter c at (l * nq + q) * NC + c
  private readonly nq: number; // RX queues: counter blocks per lane (L_COUNTS)
  private readonly queueResults: (QueueMetrics[] | null)[] = [];
  private readonly perCpu: Float64Array; // totals, lane l's CPU t at l * cpuStride + t
  private readonly anyExplain: boolean;
  private readonly resolveIds: boolean;
  private readonly needsTs: boolean;
  /** The lanes differ only in their global table: packets take the lanes' shared path (wasm/lanes.ts packetSameLanes()). */
  readonly sameLanes: boolean;
  /** Some of its lanes' packets take the vector path, four lanes at a time (wasm/lanes.ts packetVector()). */
  readonly vector: boolean;
  /** Which: lanes first .. first + lanes - 1. */
  readonly vectorLanes: { first: number; lanes: number };
  private readonly queueRegions: QueueRegion[];
  private occupancy: number[][] | null = null; // per lane, per queue: entries used
  /** Counting only the kept flows' rows (countOnlyKept()); null: every row. */
  private counting: KeptCounting | null = null;

  /** See BankTrace. */
  constructor(
    readonly configs: ResolvedConfig[],
    readonly trace: BankTrace,
  ) {
    const n = configs.length;
    this.n = n;
    const memory = planLaneMemory(configs, trace);
    this.wasm = memory.wasm;
    this.cpuStride = memory.cpuStride;
    this.queueRegions = memory.queueRegions;
    this.sameLanes = memory.sameLanes;
    this.vectorLanes = memory.vectorLanes;
    this.vector = memory.vectorLanes.lanes > 0;
    this.anyExplain = configs.some((c) => c.explain);
    this.resolveIds = trace.resolveIds && trace.ids !== 'given';
    this.needsTs = trace.ids !== 'given' || configs.some((c) => c.timeline || c.fifoNs > 0);
    this.nq = Math.max(1, configs[0]?.queues.length ?? 1);
    this.counts = new Float64Array(n * this.nq * NC);
    this.perCpu = new Float64Array(n * this.cpuStride);
    this.lanes = configs.map((c, l) => new FlowTableModel(c, this, l));
  }

  /**
   * Replays one batch in every lane, numbering flows and sockets and counting
   * the trace's statistics on the way. `ordinal[i]` is, for a deliver row, the
   * ordinal of the packet it matched (-1 when unmatched); other rows' are not read,
   * and a batch without deliver rows may pass null.
   */
  processBatch(b: TraceBatch, ordinal: Float64Array | null): void {
    if (this.counting) return this.counting.processBatch(b, ordinal);
    const n = b.length;
    this.loadColumns(b, ordinal);
    this.runRows(b, 0, n, true);
    if (this.trace.ids === 'emit') {
      // (wasm.i32, not c: growing a region may have replaced the views.)
      const m = this.wasm.i32;
      b.flow.set(m.subarray(m[CTL_COL_FLOW], m[CTL_COL_FLOW] + n));
      b.socket.set(m.subarray(m[CTL_COL_SOCKET], m[CTL_COL_SOCKET] + n));
    }
    this.flushCounts();
  }

  /** Copies the columns of the batch the WebAssembly lanes read into their memory. */
  loadColumns(b: TraceBatch, ordinal: Float64Array | null): void {
    const n = b.length;
    const wasm = this.wasm;
    wasm.ensureColumns(n);
    const c = wasm.i32;
    // Same-typed copies, so each is a memory copy, of the columns WebAssembly will
    // read: timestamps for the trace's statistics, FIFO heads and timelines; lines
    // for explaining; the rest but sockets only for lanes (a bank without lanes numbers).
    const lanes = this.n > 0;
    if (this.needsTs) wasm.f64.set(b.ts.subarray(0, n), c[CTL_COL_TS] / 2);
    if (this.anyExplain) wasm.f64.set(b.line.subarray(0, n), c[CTL_COL_LINE] / 2);
    if (ordinal && lanes) wasm.f64.set(ordinal.subarray(0, n), c[CTL_COL_ORDINAL] / 2);
    wasm.u32.set(b.rxhash.subarray(0, n), c[CTL_COL_RXHASH]);
    wasm.i32.set(b.cpu.subarray(0, n), c[CTL_COL_CPU]);
    wasm.i32.set(b.socket.subarray(0, n), c[CTL_COL_SOCKET]);
    if (lanes) {
      wasm.i32.set(b.queue.subarray(0, n), c[CTL_COL_QUEUE]);
      wasm.i32.set(b.skb.subarray(0, n), c[CTL_COL_SKB]);
      wasm.u8.set(b.state.subarray(0, n), 4 * c[CTL_COL_STATE]);
    }
    if (this.resolveIds) {
      wasm.u32.set(b.sockHi.subarray(0, n), c[CTL_COL_SOCK_HI]);
      wasm.u32.set(b.sockLo.subarray(0, n), c[CTL_COL_SOCK_LO]);
    }
    if (this.trace.ids === 'given') wasm.i32.set(b.flow.subarray(0, n), c[CTL_COL_FLOW]);
    wasm.u8.set(b.event.subarray(0, n), 4 * c[CTL_COL_EVENT]);
  }

  /**
   * Replays rows [from, to) of the loaded batch in every lane, growing regions
   * as the lanes ask. `explain`: note the disagreements they log (else they are
   * dropped).
   */
  runRows(b: TraceBatch, from: number, to: number, explain: boolean): void {
    const wasm = this.wasm;
    const ids = this.trace.ids;
    for (;;) {
      from = wasm.exports.run(from, to);
      if (this.anyExplain) {
        if (explain) this.readDisagreements();
        else wasm.i32[CTL_LOG_USED] = 0;
      }
      if (from >= to) break;
      // A region is full at row `from`: grow it and go on from there.
      const stop = wasm.i32[CTL_STOP];
      if (stop === STOP_FLOWS) wasm.growFlows((ids === 'given' ? b.flow[from] : wasm.i32[CTL_FLOWS_SEEN]) + 1, this.n);
      else if (stop === STOP_FLOW_TABLE) wasm.growFlowTable();
      else if (stop === STOP_NODES) wasm.growNodes(wasm.i32[CTL_NODES_USED] + this.n);
      else if (stop === STOP_SOCKETS) wasm.growSockets(this.resolveIds ? wasm.i32[CTL_SOCKETS_SEEN] + 1 : b.socket[from] + 1);
      else if (stop === STOP_SOCK_TABLE) wasm.growSockTable();
      else if (stop !== STOP_LOG) throw new Error(`WebAssembly lanes stopped at row ${from} for no reason (${stop})`);
    }
  }

  /** Disagreements the lanes logged for explaining, in row order. */
  private readDisagreements(): void {
    const wasm = this.wasm;
    const log = wasm.i32[CTL_LOG];
    const used = wasm.i32[CTL_LOG_USED];
    for (let e = 0; e < used; e++) {
      const w = log + LOG_WORDS * e;
      const m = wasm.i32;
      this.lanes[m[w + LOG_LANE]].noteDisagreement(
        m[w + LOG_PATH],
        m[w + LOG_MODEL_CPU],
        m[w + LOG_KERNEL_CPU],
        wasm.f64[(w + LOG_LINE) / 2],
        m[w + LOG_RXHASH] >>> 0,
      );
    }
    wasm.i32[CTL_LOG_USED] = 0;
  }

  /** Adds the batch's counters and per-CPU packets to the totals and zeroes them. */
  flushCounts(): void {
    const m = this.wasm.i32;
    for (let l = 0; l < this.n; l++) {
      const o = LANES_AT + l * LANE_WORDS;
      const c = m[o + L_COUNTS];
      const total = l * this.nq * NC;
      for (let i = 0; i < this.nq * NC; i++) {
        this.counts[total + i] += m[c + i];
        m[c + i] = 0;
      }
      const p = m[o + L_PER_CPU];
      for (let t = 0; t < this.cpuStride; t++) {
        this.perCpu[l * this.cpuStride + t] += m[p + t];
        m[p + t] = 0;
      }
    }
  }

  /** Zeroes the counters and per-CPU packets the lanes counted since the last flush, without adding them. */
  discardCounts(): void {
    const m = this.wasm.i32;
    for (let l = 0; l < this.n; l++) {
      const o = LANES_AT + l * LANE_WORDS;
      m.fill(0, m[o + L_COUNTS], m[o + L_COUNTS] + this.nq * NC);
      m.fill(0, m[o + L_PER_CPU], m[o + L_PER_CPU] + this.cpuStride);
    }
  }

  /**
   * From now on, count only the rows of the flows `rule` keeps (replay
   * --keep-sample); the lanes still replay every row. Call before the first
   * batch, on a bank that numbers its own flows (see kept-counting.ts).
   */
  countOnlyKept(rule: SamplingRule): void {
    this.counting = new KeptCounting(this, rule);
  }

  /** Lane l's counters at the end of the trace, with what never got resolved. */
  finishLane(l: number): Metrics {
    const wasm = this.wasm;
    if (this.counting) wasm.exports.drainKept(l, this.counting.mask);
    else wasm.exports.drain(l);
    const f = (at: number) => wasm.f64[at / 2];
    // The lane's totals: its queues' blocks summed (integers: exact in any order).
    const counts = new Float64Array(NC);
    const blocks = this.counts.subarray(l * this.nq * NC, (l + 1) * this.nq * NC);
    for (let i = 0; i < blocks.length; i++) counts[i % NC] += blocks[i];
    counts[LOCAL_UNRESOLVED] += f(CTL_DRAIN_PACKETS);
    counts[HITS_UNRESOLVED] += f(CTL_DRAIN_HITS);
    counts[RECORDS] = this.counting ? this.counting.records : f(CTL_RECORDS);
    // A record ends in exactly one of: state skipped, zero hash, no table, a write, or a write avoided.
    counts[WRITES_AVOIDED] = counts[RECORDS] - counts[RECORDS_STATE_SKIPPED] - counts[RECORDS_ZERO_HASH] - counts[RECORDS_NO_TABLE] - counts[WRITES];
    derivePacketCounters(counts, this.counting ? this.counting.packets : f(CTL_PACKETS));
    const counters = new Counters();
    COUNTER_NAMES.forEach((name, i) => (counters[name] = counts[i]));
    const c = { ...counters };
    const nr = this.configs[l].nrCpuIds;
    const perCpu = Array.from(this.perCpu.subarray(l * this.cpuStride, l * this.cpuStride + nr));
    // Per queue only for a whole replay: the queues' packet counts (CTL_QUEUE_STATS) are the trace's, not the kept flows'.
    this.queueResults[l] = this.nq > 1 && !this.counting ? this.queueMetrics(l, blocks) : null;
    return { ...c, ...deriveRatios(c), per_cpu: perCpu };
  }

  /** Lane l's per-queue counters, right after its drain() (which left each queue's waiting packets in CTL_QUEUE_STATS). */
  private queueMetrics(l: number, blocks: Float64Array): QueueMetrics[] {
    const wasm = this.wasm;
    const stats = wasm.i32[CTL_QUEUE_STATS];
    return this.configs[l].queues.map((queue, q) => {
      const s = (k: number) => wasm.f64[(stats + QUEUE_STATS_WORDS * q + k) / 2];
      const counts = blocks.slice(q * NC, (q + 1) * NC);
      counts[LOCAL_UNRESOLVED] += s(QS_DRAIN_PACKETS);
      counts[HITS_UNRESOLVED] += s(QS_DRAIN_HITS);
      derivePacketCounters(counts, s(QS_PACKETS));
      const c = Object.fromEntries(QUEUE_COUNTER_NAMES.map((name) => [name, counts[COUNTER_NAMES.indexOf(name)]])) as Record<QueueCounterName, number>;
      return { queue: queue.name, flows: s(QS_FLOWS), ...c, ...deriveRatios(c) };
    });
  }

  /** Lane l's per-queue counters (finishLane() first); null for a trace with one queue. */
  perQueue(l: number): { queues: QueueMetrics[]; changesWaiting: number } | null {
    const queues = this.queueResults[l];
    return queues ? { queues, changesWaiting: this.wasm.f64[CTL_QUEUE_CHANGES / 2] } : null;
  }

  queueOccupancy(l: number): { queue: string; slots: number; used: number }[] {
    const used = (this.occupancy ??= this.countQueueEntriesUsed())[l];
    return this.configs[l].queues.map((q, i) => ({ queue: q.name, slots: q.slots, used: used[i] }));
  }

  /**
   * Every lane's used rps_dev_flow entries, per queue, in one pass over each
   * lane-interleaved region (lane by lane, each pass would touch every line). An
   * entry is used once a lookup matched through it: its last hash (DEV_LAST_HASH) is set.
   */
  private countQueueEntriesUsed(): number[][] {
    const m = this.wasm.i32;
    const used = this.configs.map((c) => c.queues.map(() => 0));
    for (const { origin, lanes, slots } of this.queueRegions) {
      const n = lanes.length;
      const count = new Int32Array(n);
      let w = origin + DEV_LAST_HASH;
      for (let q = 0; q < slots.length; q++) {
        count.fill(0);
        for (let end = w + DEV_FLOW_WORDS * n * slots[q]; w < end; ) {
          for (let i = 0; i < n; i++, w += DEV_FLOW_WORDS) if (m[w] !== 0) count[i]++;
        }
        lanes.forEach((l, i) => (used[l][q] = count[i]));
      }
    }
    return used;
  }

  sockTableOccupancy(l: number): { slots: number; used: number } {
    const m = this.wasm.i32;
    const o = LANES_AT + l * LANE_WORDS;
    let used = 0;
    const slots = m[o + L_SLOTS];
    for (let w = m[o + L_SOCK] + SOCK_ENT, end = w + SOCK_SLOT_WORDS * slots; w < end; w += SOCK_SLOT_WORDS) if (m[w] !== RPS_NO_CPU) used++;
    return { slots, used };
  }

  /** What the bank counted of the trace itself (the same in every lane). */
  traceCounts(): TraceCounts {
    const wasm = this.wasm;
    const f = (at: number) => wasm.f64[at / 2];
    const arrivals = wasm.i32[CTL_ARRIVALS] / 2;
    const activeSum = f(CTL_ACTIVE_SUM) + wasm.i32[CTL_WINDOW_DISTINCT];
    const activeWindows = f(CTL_ACTIVE_WINDOWS) + (wasm.i32[CTL_WINDOW_DISTINCT] > 0 ? 1 : 0);
    return {
      events: EVENT_NAMES.map((_, e) => f(CTL_EVENTS + 2 * e)),
      firstTs: f(CTL_FIRST_TS),
      lastTs: f(CTL_LAST_TS),
      timeBackwards: f(CTL_BACKWARDS),
      packets: f(CTL_PACKETS),
      arrivalPerCpu: Array.from(wasm.f64.subarray(arrivals, arrivals + this.trace.traceCpus)),
      distinctFlows: wasm.i32[CTL_FLOWS_SEEN],
      distinctSockets: this.resolveIds ? wasm.i32[CTL_SOCKETS_SEEN] : null,
      activeFlows: activeWindows > 0 ? activeSum / activeWindows : 0,
    };
  }

  timelineBins(l: number): { bin_ns: number; bins: TimelineBin[] } | undefined {
    const at = this.wasm.i32[LANES_AT + l * LANE_WORDS + L_TIMELINE];
    return at >= 0 ? readTimeline(this.wasm, at) : undefined;
  }

  /** The closed loop's evidence, counted against the reference lane (null: the bank has no closed lanes or no reference). */
  followEvidence(): FollowEvidence | null {
    const wasm = this.wasm;
    if (wasm.i32[CTL_CL_LANES] === 0 || wasm.i32[CTL_CL_REF] < 0) return null;
    const f = (at: number) => wasm.f64[at / 2];
    return {
      wakeups_elsewhere: f(CTL_CL_ELSEWHERE),
      followed: f(CTL_CL_FOLLOWED),
      sockets_elsewhere: f(CTL_CL_SOCKETS_ELSEWHERE),
      wakeups_in_place: f(CTL_CL_IN_PLACE),
      moved: f(CTL_CL_MOVED),
      sockets_in_place: f(CTL_CL_SOCKETS_IN_PLACE),
      sockets_woken: f(CTL_CL_SOCKETS_WOKEN),
      rate: f(CTL_CL_RATE),
      rate_low: f(CTL_CL_RATE_LOW),
      rate_high: f(CTL_CL_RATE_HIGH),
    };
  }
}
