/**
 * The replayed configurations of one pass: the kernel's RFS state (global sock
 * flow table, per-RX-queue flow tables, RPS maps, per-CPU backlog heads and
 * tails) and the contract's counters, for every configuration at once.
 *
 * A FlowTableBank keeps one lane per configuration and replays the trace row
 * by row, each row through every lane, in the WebAssembly lanes
 * (wasm/lanes.ts, where the kernel functions it mirrors are named next to
 * each rule). This class lays out their memory: every lane's counters,
 * tables and CPUs in one linear memory, and state whose index does not depend
 * on the configuration lane-interleaved, so a row's lanes share cache lines:
 * the flow's pending packets, the per-queue flow table entry (for lanes with
 * the same per-queue sizes, as in a global-size sweep, a row lands in the same
 * entry), the deliver window. What does not depend on the configuration (flow
 * and socket ids, the socket's TCP state and last rxhash, the trace's
 * statistics) is done once per row. FlowTableModel is one lane's view, for
 * its results.
 */
import { COUNTER_NAMES, Counters, deriveRatios, type Metrics } from '../types/metrics.js';
import { EVENT_NAMES, type TraceBatch } from '../ingest/trace.js';
import type { TimelineBin } from '../types/result.js';
import type { ResolvedConfig } from './config.js';
import {
  COLLISION_DETECTION, CTL_ACTIVE_SUM, CTL_ACTIVE_WINDOWS, CTL_ANY_EXPLAIN, CTL_ANY_TIMELINE, CTL_ARRIVALS, CTL_BACKWARDS, CTL_BY_SIZE,
  CTL_COL_CPU, CTL_COL_EVENT, CTL_COL_FLOW, CTL_COL_LINE, CTL_COL_ORDINAL, CTL_COL_QUEUE, CTL_COL_RXHASH, CTL_COL_SKB, CTL_COL_SOCK_HI,
  CTL_COL_SOCK_LO, CTL_COL_SOCKET, CTL_COL_STATE, CTL_COL_TS, CTL_DRAIN_HITS, CTL_DRAIN_PACKETS, CTL_EVENTS, CTL_FIRST_TS, CTL_FLOWS_SEEN,
  CTL_IDS, CTL_LANES, CTL_LAST_TS, CTL_LOG, CTL_LOG_CAP, CTL_LOG_USED, CTL_NODES_USED, CTL_PACKETS, CTL_PKT, CTL_RECORDS,
  CTL_RESOLVE_IDS, CTL_SAME_LANES, CTL_SOCKETS_SEEN, CTL_STOP, CTL_VBY_SIZE, CTL_VCOUNTS, CTL_VFIRST, CTL_VLANES, CTL_WINDOW_DISTINCT,
  DELETE_ON_CLOSE, ENDS_WORDS, FLOW_INFO_WORDS, DEV_FLOW_WORDS, DEV_LAST_HASH, HASHED_QUEUE_SLOT, HITS, HITS_ALIASED, HITS_OWN, HITS_UNRESOLVED, IDS_EMIT,
  IDS_GIVEN, IDS_OWN, L_COUNTS, L_CPU_MASK, L_FIFO, L_FIFO_DONE, L_FIFO_NS, L_FLAGS, L_HASH_MASK, L_HASHES, L_HEAD, L_NR, L_PATHS,
  L_PER_CPU, L_QFLOW, L_QSTRIDE, L_QUEUES, L_SLOTS, L_SOCK, L_SOCK_MASK, L_TAIL, L_TIMELINE, LANE_WORDS, LANES_AT, LOCAL_UNRESOLVED,
  LOG_KERNEL_CPU, LOG_LANE, LOG_LINE, LOG_MODEL_CPU, LOG_PATH, LOG_RXHASH, LOG_WORDS, LOOKUPS, MISSES_COLLISION, MISSES_EMPTY,
  MISSES_INVALID_CPU, NOT_STEERED, PACKET_WINDOW, PACKETS, PKT_WORDS, Q_FIRST, Q_LOG, Q_MAP, Q_SLOTS, QUEUE_WORDS, RECORD_ONLY_ESTABLISHED,
  RECORDS, RECORDS_NO_TABLE, RECORDS_STATE_SKIPPED, RECORDS_ZERO_HASH, RESET_ON_CLOSE_AND_REHASH, RPS_NO_CPU, RUN_WORDS, SOCK_ENT, SOCK_SLOT_WORDS,
  STEERED_RFS, STEERED_RPS, STOP_FLOW_TABLE, STOP_FLOWS, STOP_LOG, STOP_NODES, STOP_SOCK_TABLE, STOP_SOCKETS, TIMELINE_WORDS, WRITES,
  WRITES_AVOIDED,
} from './lane-layout.js';
import { PATH_CLASS } from './lane-names.js';
import { initTimeline, readTimeline, WasmLanes } from './wasm-lanes.js';

export { PACKET_WINDOW, PACKET_WINDOW_MASK } from './lane-layout.js';

export interface DisagreementExample {
  line: number;
  rxhash: string;
  model_cpu: number;
  kernel_cpu: number;
  class: string;
}

// A lane's counters are a row of the bank's counter array, at their lane-layout.ts indices (COUNTER_NAMES order).
const NC = COUNTER_NAMES.length;

/** Per-flow state reserved up front (pending packets and flow info), in bytes of address space. */
const RESERVE_BYTES = 128 << 20;

/** What a bank is told about the trace it replays. */
export interface BankTrace {
  /** The trace's nr_cpu_ids (rows' CPU ids are below it). */
  traceCpus: number;
  /**
   * Socket cells are DEFERRED_ID with the hex identity in the side columns, or
   * the reader's own ids (a reader that left interning to the banks,
   * ReadOptions.deferIds): the bank numbers them itself.
   */
  resolveIds: boolean;
  /**
   * 'own' (default): the bank numbers flows and sockets and counts the trace.
   * 'emit': so it does, and writes the flow and socket ids into the batch (its
   * flow and socket columns) for a bank in another thread, which takes them
   * with 'given' and leaves the trace's statistics to this one.
   */
  ids?: 'own' | 'emit' | 'given';
  /** For tests: growable regions start at their smallest, so that a short trace makes every one grow. */
  startSmall?: boolean;
  /** For tests: false keeps every lane on the scalar paths (no vector group: wasm/lanes.ts packetVector()). */
  vector?: boolean;
}

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
 * (wasm/lanes.ts): this class lays out their memory for the
 * configurations, copies each batch in, and reads the results out. Counters
 * and per-CPU packets count one batch as int32 in WebAssembly and are added to
 * float totals after it, so no count can wrap.
 */
export class FlowTableBank {
  readonly lanes: FlowTableModel[];
  private readonly n: number; // lanes
  private readonly nq: number; // RX queues (the trace's: the same in every lane)
  private readonly wasm: WasmLanes;
  private readonly cpuStride: number;
  private readonly counts: Float64Array; // totals, lane l's counter c at l * NC + c
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
  // The rps_dev_flow regions: lanes l (interleaved) with these per-queue table sizes, from word `origin`.
  private readonly queueRegions: { origin: number; lanes: number[]; slots: number[] }[];
  private occupancy: number[][] | null = null; // per lane, per queue: entries used

  /** See BankTrace. */
  constructor(readonly configs: ResolvedConfig[], readonly trace: BankTrace) {
    const n = configs.length;
    this.n = n;
    this.nq = n > 0 ? configs[0].queues.length : 0;
    if (configs.some((c) => c.queues.length !== this.nq)) throw new Error('every configuration of a bank has the trace\'s queues');
    const nq = this.nq;
    const cpuStride = Math.max(1, ...configs.map((c) => c.nrCpuIds));
    this.cpuStride = cpuStride;

    // Lanes with the same per-queue table sizes (a global-size sweep) share a
    // region of rps_dev_flow entries [cpu, last_qtail, last hash, unused],
    // interleaved: a row lands in the same entry in each of them, one cache line.
    const regions = new Map<string, { lanes: number[]; entries: number }>();
    configs.forEach((c, l) => {
      const layout = c.queues.map((q) => q.slots).join(',');
      const region = regions.get(layout) ?? { lanes: [], entries: c.queues.reduce((s, q) => s + q.slots, 0) };
      region.lanes.push(l);
      regions.set(layout, region);
    });
    const words =
      n * LANE_WORDS + n * nq * QUEUE_WORDS + configs.reduce((s, c) => s + SOCK_SLOT_WORDS * c.slots + c.queues.reduce((t, q) => t + DEV_FLOW_WORDS * q.slots + q.map.length + 1, 0), 0) +
      n * (3 * cpuStride + NC) + PKT_WORDS * PACKET_WINDOW * n;
    const wasm = new WasmLanes(words);
    this.wasm = wasm;
    const lanesAt = wasm.alloc(n * LANE_WORDS);
    if (lanesAt !== LANES_AT) throw new Error('lane blocks must follow the control block');
    const queuesAt = wasm.alloc(n * nq * QUEUE_WORDS);
    const sharedQueues = new Map<string, number>();
    const qflowAt = new Int32Array(n);
    const qStride = new Int32Array(n);
    this.queueRegions = [];
    for (const { lanes, entries } of regions.values()) {
      const origin = wasm.alloc(DEV_FLOW_WORDS * entries * lanes.length);
      this.queueRegions.push({ origin, lanes, slots: configs[lanes[0]].queues.map((q) => q.slots) });
      // rps_dev_flow_table alloc: every entry starts with cpu = RPS_NO_CPU.
      wasm.initBlocks(origin, entries * lanes.length, DEV_FLOW_WORDS, RPS_NO_CPU); // DEV_CPU: word 0
      lanes.forEach((l, i) => {
        qflowAt[l] = origin + DEV_FLOW_WORDS * i;
        qStride[l] = DEV_FLOW_WORDS * lanes.length;
      });
    }

    configs.forEach((c, l) => {
      const o = LANES_AT + l * LANE_WORDS;
      wasm.i32[o + L_NR] = c.nrCpuIds;
      const p = c.kernel;
      wasm.i32[o + L_FLAGS] =
        (p.collisionDetection ? COLLISION_DETECTION : 0) |
        (p.hashedQueueSlot ? HASHED_QUEUE_SLOT : 0) |
        (p.recordOnlyEstablished ? RECORD_ONLY_ESTABLISHED : 0) |
        (p.deleteOnClose ? DELETE_ON_CLOSE : 0) |
        (p.resetOnCloseAndRehash ? RESET_ON_CLOSE_AND_REHASH : 0);
      wasm.i32[o + L_SLOTS] = c.slots;
      const sock = wasm.place(o + L_SOCK, SOCK_SLOT_WORDS * c.slots);
      // rps_sock_flow_table alloc: every slot starts with RPS_NO_CPU.
      wasm.initBlocks(sock, c.slots, SOCK_SLOT_WORDS, RPS_NO_CPU); // SOCK_ENT: word 0
      wasm.i32[o + L_SOCK_MASK] = c.slots > 0 ? c.slots - 1 : 0;
      wasm.i32[o + L_HASH_MASK] = ~c.cpuMask;
      wasm.i32[o + L_CPU_MASK] = c.cpuMask;
      wasm.i32[o + L_QFLOW] = qflowAt[l];
      wasm.i32[o + L_QSTRIDE] = qStride[l];
      wasm.place(o + L_HEAD, cpuStride);
      wasm.place(o + L_TAIL, cpuStride);
      wasm.place(o + L_PER_CPU, cpuStride);
      wasm.place(o + L_COUNTS, NC);
      wasm.i32[o + L_FIFO] = c.fifoNs > 0 ? 1 : 0;
      wasm.f64[wasm.place(o + L_FIFO_NS, 2) / 2] = c.fifoNs;
      if (c.fifoNs > 0) wasm.place(o + L_FIFO_DONE, 2 * cpuStride);
      else wasm.i32[o + L_FIFO_DONE] = -1;
      // Lanes with the same queues (tables and RPS maps) share their queue blocks: the
      // WebAssembly then works out a row's queue and per-queue entry once for all of them.
      const queues = c.queues.map((q) => `${q.slots}/${q.log}/${q.map.join(',')}`).join(';');
      const shared = sharedQueues.get(queues);
      if (shared !== undefined) {
        wasm.i32[o + L_QUEUES] = shared;
      } else {
        const at = queuesAt + l * nq * QUEUE_WORDS;
        sharedQueues.set(queues, at);
        wasm.i32[o + L_QUEUES] = at;
        let first = 0;
        c.queues.forEach((q, i) => {
          const qo = at + i * QUEUE_WORDS;
          const map = wasm.alloc(1 + q.map.length);
          wasm.i32[map] = q.map.length;
          wasm.i32.set(q.map, map + 1);
          wasm.i32[qo + Q_FIRST] = first;
          wasm.i32[qo + Q_SLOTS] = q.slots;
          wasm.i32[qo + Q_LOG] = q.log;
          wasm.i32[qo + Q_MAP] = map;
          first += q.slots;
        });
      }
      if (c.timeline) initTimeline(wasm, wasm.place(o + L_TIMELINE, TIMELINE_WORDS));
      else wasm.i32[o + L_TIMELINE] = -1;
      if (c.explain) {
        wasm.place(o + L_PATHS, PACKET_WINDOW / 4);
        wasm.place(o + L_HASHES, PACKET_WINDOW);
      } else {
        wasm.i32[o + L_PATHS] = -1;
        wasm.i32[o + L_HASHES] = -1;
      }
    });
    wasm.place(CTL_PKT, PKT_WORDS * PACKET_WINDOW * n);
    wasm.i32[CTL_LANES] = n;
    wasm.i32[CTL_ANY_TIMELINE] = configs.some((c) => c.timeline) ? 1 : 0;
    this.anyExplain = configs.some((c) => c.explain);
    wasm.i32[CTL_ANY_EXPLAIN] = this.anyExplain ? 1 : 0;
    // A size sweep: WebAssembly then works out what the lanes share once per packet.
    const same = (l: number) =>
      wasm.i32[LANES_AT + l * LANE_WORDS + L_NR] === wasm.i32[LANES_AT + L_NR] &&
      wasm.i32[LANES_AT + l * LANE_WORDS + L_FLAGS] === wasm.i32[LANES_AT + L_FLAGS] &&
      wasm.i32[LANES_AT + l * LANE_WORDS + L_QUEUES] === wasm.i32[LANES_AT + L_QUEUES];
    this.sameLanes = configs.every((c, l) => same(l) && c.fifoNs === 0 && !c.timeline && !c.explain);
    wasm.i32[CTL_SAME_LANES] = this.sameLanes ? 1 : 0;
    // A stable order: equal sizes keep theirs (the size-sweep record path, wasm/lanes.ts recordSameLanes(), relies on it being by size).
    const bySize = configs.map((_, l) => l).sort((a, b) => configs[a].slots - configs[b].slots || a - b);
    wasm.i32.set(bySize, wasm.place(CTL_BY_SIZE, Math.max(1, n)));
    // The vector group (wasm/lanes.ts packetVector()): consecutive lanes, a multiple of four,
    // that differ only in their global table, of a kernel with collision detection, with
    // their rps_dev_flow entries interleaved in lane order (lane l's at DEV_FLOW_WORDS * l past the
    // group's first). A size sweep is one; in a mixed bank (the report's sweep) the
    // longest such run of lanes is, and the other lanes take the scalar path.
    const key = (l: number) => {
      const c = configs[l];
      const o = LANES_AT + l * LANE_WORDS;
      if (c.fifoNs !== 0 || c.timeline || c.explain || !c.kernel.collisionDetection) return null;
      return `${wasm.i32[o + L_NR]}/${wasm.i32[o + L_FLAGS]}/${wasm.i32[o + L_QUEUES]}/${qStride[l]}`;
    };
    let group = { first: 0, lanes: 0 };
    if (trace.vector !== false) {
      for (let a = 0; a < n; ) {
        const ka = key(a);
        let b = a + 1;
        while (b < n && ka !== null && key(b) === ka && qflowAt[b] === qflowAt[a] + DEV_FLOW_WORDS * (b - a)) b++;
        const len = ka === null ? 0 : (b - a) & ~3;
        if (len > group.lanes) group = { first: a, lanes: len };
        a = b;
      }
    }
    // A size sweep's group is all its lanes or none (its records resolve pending runs four lanes at a time).
    if (this.sameLanes && group.lanes !== n) group = { first: 0, lanes: 0 };
    this.vector = group.lanes > 0;
    this.vectorLanes = group;
    if (this.vector) {
      wasm.place(CTL_VCOUNTS, NC * n);
      wasm.i32[CTL_VFIRST] = group.first;
      wasm.i32[CTL_VLANES] = group.lanes;
      const inGroup = bySize.filter((l) => l >= group.first && l < group.first + group.lanes);
      wasm.i32.set(inGroup, wasm.place(CTL_VBY_SIZE, group.lanes));
    }
    if (this.anyExplain) {
      const entries = trace.startSmall ? 4 * Math.max(1, n) : 4096;
      wasm.i32[CTL_LOG_CAP] = entries;
      wasm.place(CTL_LOG, LOG_WORDS * entries);
    }
    wasm.place(CTL_ARRIVALS, 2 * trace.traceCpus);
    wasm.i32[CTL_RESOLVE_IDS] = trace.resolveIds ? 1 : 0;
    wasm.i32[CTL_IDS] = trace.ids === 'emit' ? IDS_EMIT : trace.ids === 'given' ? IDS_GIVEN : IDS_OWN;
    this.resolveIds = trace.resolveIds && trace.ids !== 'given';
    this.needsTs = trace.ids !== 'given' || configs.some((c) => c.timeline || c.fifoNs > 0);
    // Growable regions start large: memory is only resident once written, and a
    // region that grows leaves its old copy behind, written.
    const small = trace.startSmall === true;
    if (small) {
      wasm.minRegion = 2;
      wasm.minTable = 4;
    }
    wasm.growFlows(small ? 1 : Math.max(1024, Math.floor(RESERVE_BYTES / (4 * ((RUN_WORDS + ENDS_WORDS) * Math.max(1, n) + FLOW_INFO_WORDS)))), n);
    wasm.growFlowTable();
    wasm.growNodes(small ? 1 : 1 << 16);
    wasm.growSockets(small ? 1 : 1 << 20);
    wasm.growSockTable();
    wasm.ensureColumns(8192);

    this.counts = new Float64Array(n * NC);
    this.perCpu = new Float64Array(n * cpuStride);
    this.lanes = configs.map((c, l) => new FlowTableModel(c, this, l));
  }

  /**
   * Replays one batch in every lane, numbering flows and sockets and counting
   * the trace's statistics on the way. `ordinal[i]` is, for a deliver row, the
   * ordinal of the packet it matched (-1 when unmatched); other rows' are not read,
   * and a batch without deliver rows may pass null.
   */
  processBatch(b: TraceBatch, ordinal: Float64Array | null): void {
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
    const ids = this.trace.ids;
    if (ids === 'given') wasm.i32.set(b.flow.subarray(0, n), c[CTL_COL_FLOW]);
    wasm.u8.set(b.event.subarray(0, n), 4 * c[CTL_COL_EVENT]);
    let from = 0;
    for (;;) {
      from = wasm.exports.run(from, n);
      if (this.anyExplain) this.readDisagreements();
      if (from >= n) break;
      // A region is full at row `from`: grow it and go on from there.
      const stop = wasm.i32[CTL_STOP];
      if (stop === STOP_FLOWS) wasm.growFlows((ids === 'given' ? b.flow[from] : wasm.i32[CTL_FLOWS_SEEN]) + 1, this.n);
      else if (stop === STOP_FLOW_TABLE) wasm.growFlowTable();
      else if (stop === STOP_NODES) wasm.growNodes(wasm.i32[CTL_NODES_USED] + this.n);
      else if (stop === STOP_SOCKETS) wasm.growSockets(this.resolveIds ? wasm.i32[CTL_SOCKETS_SEEN] + 1 : b.socket[from] + 1);
      else if (stop === STOP_SOCK_TABLE) wasm.growSockTable();
      else if (stop !== STOP_LOG) throw new Error(`WebAssembly lanes stopped at row ${from} for no reason (${stop})`);
    }
    if (ids === 'emit') {
      // (wasm.i32, not c: growing a region may have replaced the views.)
      const m = wasm.i32;
      b.flow.set(m.subarray(m[CTL_COL_FLOW], m[CTL_COL_FLOW] + n));
      b.socket.set(m.subarray(m[CTL_COL_SOCKET], m[CTL_COL_SOCKET] + n));
    }
    this.flushCounts();
  }

  /** Disagreements the lanes logged for explaining, in row order. */
  private readDisagreements(): void {
    const wasm = this.wasm;
    const log = wasm.i32[CTL_LOG];
    const used = wasm.i32[CTL_LOG_USED];
    for (let e = 0; e < used; e++) {
      const w = log + LOG_WORDS * e;
      const m = wasm.i32;
      this.lanes[m[w + LOG_LANE]].noteDisagreement(m[w + LOG_PATH], m[w + LOG_MODEL_CPU], m[w + LOG_KERNEL_CPU], wasm.f64[(w + LOG_LINE) / 2], m[w + LOG_RXHASH] >>> 0);
    }
    wasm.i32[CTL_LOG_USED] = 0;
  }

  /** Adds the batch's counters and per-CPU packets to the totals and zeroes them. */
  private flushCounts(): void {
    const m = this.wasm.i32;
    for (let l = 0; l < this.n; l++) {
      const o = LANES_AT + l * LANE_WORDS;
      const c = m[o + L_COUNTS];
      for (let i = 0; i < NC; i++) {
        this.counts[l * NC + i] += m[c + i];
        m[c + i] = 0;
      }
      const p = m[o + L_PER_CPU];
      for (let t = 0; t < this.cpuStride; t++) {
        this.perCpu[l * this.cpuStride + t] += m[p + t];
        m[p + t] = 0;
      }
    }
  }

  /** Lane l's counters at the end of the trace, with what never got resolved. */
  finishLane(l: number): Metrics {
    const cb = l * NC;
    const wasm = this.wasm;
    wasm.exports.drain(l);
    const counts = this.counts;
    counts[cb + LOCAL_UNRESOLVED] += wasm.f64[CTL_DRAIN_PACKETS / 2];
    counts[cb + HITS_UNRESOLVED] += wasm.f64[CTL_DRAIN_HITS / 2];
    const packets = wasm.f64[CTL_PACKETS / 2];
    // Counters WebAssembly leaves out because they follow from others: every lane sees
    // every row; a lookup ends in exactly one of hit (own or aliased), invalid CPU, empty
    // slot or collision; ...
    counts[cb + PACKETS] = packets;
    counts[cb + RECORDS] = wasm.f64[CTL_RECORDS / 2];
    // A record ends in exactly one of: state skipped, zero hash, no table, a write, or a write avoided.
    counts[cb + WRITES_AVOIDED] =
      counts[cb + RECORDS] - counts[cb + RECORDS_STATE_SKIPPED] - counts[cb + RECORDS_ZERO_HASH] - counts[cb + RECORDS_NO_TABLE] - counts[cb + WRITES];
    counts[cb + HITS] = counts[cb + HITS_OWN] + counts[cb + HITS_ALIASED];
    counts[cb + LOOKUPS] = counts[cb + HITS] + counts[cb + MISSES_INVALID_CPU] + counts[cb + MISSES_EMPTY] + counts[cb + MISSES_COLLISION];
    // ... and every packet is steered by RFS, by RPS, or not at all.
    counts[cb + STEERED_RFS] = packets - counts[cb + STEERED_RPS] - counts[cb + NOT_STEERED];
    const counters = new Counters();
    COUNTER_NAMES.forEach((name, i) => (counters[name] = counts[cb + i]));
    const c = { ...counters };
    const nr = this.configs[l].nrCpuIds;
    const perCpu = Array.from(this.perCpu.subarray(l * this.cpuStride, l * this.cpuStride + nr));
    return { ...c, ...deriveRatios(c), per_cpu: perCpu };
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
}
