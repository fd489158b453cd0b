/**
 * The memory plan of a bank: where each configuration's tables, CPUs and
 * counters go in the WebAssembly lanes' memory (lane-layout.ts names every
 * word), and which of the lanes' shared paths the bank can take. State whose
 * index does not depend on the configuration is lane-interleaved, so a row's
 * lanes share cache lines: the flow's pending packets, the per-queue flow
 * table entry (for lanes with the same per-queue sizes, as in a global-size
 * sweep, a row lands in the same entry), the deliver window.
 */
import {
  COLLISION_DETECTION,
  COUNTERS,
  CTL_PKT_QUEUE,
  CTL_QUEUE_STATS,
  CTL_QUEUES,
  QUEUE_STATS_WORDS,
  CTL_ANY_EXPLAIN,
  CTL_ANY_TIMELINE,
  CTL_ARRIVALS,
  CTL_BY_SIZE,
  CTL_CL_LANES,
  CTL_CL_NR,
  CTL_CL_RATE_HIGH,
  CTL_CL_REF,
  CTL_IDS,
  CTL_LANES,
  CTL_LOG,
  CTL_LOG_CAP,
  CTL_PKT,
  CTL_RESOLVE_IDS,
  CTL_SAME_LANES,
  CTL_VBY_SIZE,
  CTL_VCOUNTS,
  CTL_VFIRST,
  CTL_VLANES,
  DELETE_ON_CLOSE,
  DEV_FLOW_WORDS,
  FLOW_INFO_WORDS,
  HASHED_QUEUE_SLOT,
  IDS_EMIT,
  IDS_GIVEN,
  IDS_OWN,
  L_COUNTS,
  L_CPU_MASK,
  L_FIFO,
  L_FIFO_DONE,
  L_FIFO_NS,
  L_FLAGS,
  L_HASH_MASK,
  L_HASHES,
  L_HEAD,
  L_LOOP,
  L_LOOP_SLOT,
  L_NR,
  L_PATHS,
  L_PER_CPU,
  L_QFLOW,
  L_QSTRIDE,
  L_QUEUES,
  L_SLOTS,
  L_SOCK,
  L_SOCK_MASK,
  L_TABLE_LEAD,
  L_TAIL,
  L_TIMELINE,
  LANE_WORDS,
  LANES_AT,
  LOG_WORDS,
  LOOP_FOLLOW_HIGH,
  LOOP_FOLLOW_LOW,
  LOOP_OPEN,
  LOOP_REFERENCE,
  PACKET_WINDOW,
  PKT_WORDS,
  Q_FIRST,
  Q_LOG,
  Q_MAP,
  Q_SLOTS,
  QUEUE_WORDS,
  RECORD_ONLY_ESTABLISHED,
  RESET_ON_CLOSE_AND_REHASH,
  RPS_NO_CPU,
  RUN_WORDS,
  SOCK_SLOT_WORDS,
  TIMELINE_WORDS,
} from './lane-layout.js';
import type { LoopKind, ResolvedConfig } from './config.js';
import { initTimeline, WasmLanes } from './wasm-lanes.js';

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

/** A region of rps_dev_flow entries: lanes `lanes` (interleaved) with these per-queue table sizes, from word `origin`. */
export interface QueueRegion {
  origin: number;
  lanes: number[];
  slots: number[];
}

/** The lanes' memory, laid out for a bank's configurations. */
export interface LaneMemory {
  wasm: WasmLanes;
  /** Words per lane of each per-CPU region: the largest nr_cpu_ids. */
  cpuStride: number;
  queueRegions: QueueRegion[];
  /** The lanes differ only in their global table: packets take the shared path (wasm/lanes.ts packetSameLanes()). */
  sameLanes: boolean;
  /** The lanes whose packets take the vector path, four at a time (wasm/lanes.ts packetVector()); 0 lanes: none. */
  vectorLanes: { first: number; lanes: number };
}

/**
 * The table that numbers flows by hash starts with this many entries (8 MB,
 * written whole when placed), kept under half full: 512k flows before it
 * grows. A table that grows leaves its old copy behind, written; from 2^18
 * entries, the 100M-row bench trace's 316k flows grew it twice, 14 MB in all
 * against 6 MB at 10M rows, where memory must not grow with the rows
 * (bench/README.md, "Memory").
 */
const FIRST_FLOW_TABLE = 1 << 20;

/** Per-flow state reserved up front (pending packets and flow info), in bytes of address space. */
const RESERVE_BYTES = 128 << 20;

/** Where each lane's rps_dev_flow entries start, and the words from one of its entries to the next. */
interface QueueEntries {
  regions: QueueRegion[];
  qflowAt: Int32Array;
  qStride: Int32Array;
}

/**
 * Instantiates the lanes for `configs` and lays out their memory: lane blocks,
 * queue blocks and the rps_dev_flow regions, each lane's tables and per-CPU
 * state, the control block, and the growable regions at their first size.
 */
export function planLaneMemory(configs: ResolvedConfig[], trace: BankTrace): LaneMemory {
  const n = configs.length;
  const nq = n > 0 ? configs[0].queues.length : 0;
  if (configs.some((c) => c.queues.length !== nq)) throw new Error("every configuration of a bank has the trace's queues");
  const cpuStride = Math.max(1, ...configs.map((c) => c.nrCpuIds));
  const words =
    n * LANE_WORDS +
    n * nq * QUEUE_WORDS +
    configs.reduce((s, c) => s + SOCK_SLOT_WORDS * c.slots + c.queues.reduce((t, q) => t + DEV_FLOW_WORDS * q.slots + q.map.length + 1, 0), 0) +
    n * (3 * cpuStride + COUNTERS * Math.max(1, nq)) +
    PKT_WORDS * PACKET_WINDOW * n;
  const wasm = new WasmLanes(words);
  const lanesAt = wasm.alloc(n * LANE_WORDS);
  if (lanesAt !== LANES_AT) throw new Error('lane blocks must follow the control block');
  const queuesAt = wasm.alloc(n * nq * QUEUE_WORDS);
  const entries = placeQueueEntries(wasm, configs);
  writeLaneBlocks(wasm, configs, queuesAt, entries, cpuStride);
  wasm.place(CTL_PKT, PKT_WORDS * PACKET_WINDOW * n);
  wasm.i32[CTL_LANES] = n;
  wasm.i32[CTL_ANY_TIMELINE] = configs.some((c) => c.timeline) ? 1 : 0;
  wasm.i32[CTL_ANY_EXPLAIN] = configs.some((c) => c.explain) ? 1 : 0;
  const sameLanes = differOnlyInGlobalTable(wasm, configs);
  wasm.i32[CTL_SAME_LANES] = sameLanes ? 1 : 0;
  // A stable order: equal sizes keep theirs (the size-sweep record path, wasm/lanes.ts recordSameLanes(), relies on it being by size).
  const bySize = configs.map((_, l) => l).sort((a, b) => configs[a].slots - configs[b].slots || a - b);
  wasm.i32.set(bySize, wasm.place(CTL_BY_SIZE, Math.max(1, n)));
  let group = trace.vector === false ? { first: 0, lanes: 0 } : findVectorGroup(wasm, configs, entries);
  // A size sweep's group is all its lanes or none (its records resolve pending runs four lanes at a time).
  if (sameLanes && group.lanes !== n) group = { first: 0, lanes: 0 };
  placeGlobalTables(wasm, configs, sameLanes ? { first: 0, lanes: n } : group);
  if (group.lanes > 0) {
    wasm.place(CTL_VCOUNTS, COUNTERS * n * Math.max(1, nq));
    wasm.i32[CTL_VFIRST] = group.first;
    wasm.i32[CTL_VLANES] = group.lanes;
    const inGroup = bySize.filter((l) => l >= group.first && l < group.first + group.lanes);
    wasm.i32.set(inGroup, wasm.place(CTL_VBY_SIZE, group.lanes));
  }
  if (configs.some((c) => c.explain)) {
    const logEntries = trace.startSmall ? 4 * Math.max(1, n) : 4096;
    wasm.i32[CTL_LOG_CAP] = logEntries;
    wasm.place(CTL_LOG, LOG_WORDS * logEntries);
  }
  wasm.place(CTL_ARRIVALS, 2 * trace.traceCpus);
  // Per-queue counting (wasm/lanes.ts countQueue()) only for a trace with several RX queues.
  wasm.i32[CTL_QUEUES] = Math.max(1, nq);
  wasm.place(CTL_QUEUE_STATS, QUEUE_STATS_WORDS * Math.max(1, nq));
  if (nq > 1) wasm.place(CTL_PKT_QUEUE, PACKET_WINDOW);
  wasm.i32[CTL_RESOLVE_IDS] = trace.resolveIds ? 1 : 0;
  wasm.i32[CTL_IDS] = trace.ids === 'emit' ? IDS_EMIT : trace.ids === 'given' ? IDS_GIVEN : IDS_OWN;
  setUpClosedLoop(wasm, configs, trace.traceCpus);
  placeGrowableRegions(wasm, n, trace);
  return { wasm, cpuStride, queueRegions: entries.regions, sameLanes, vectorLanes: group };
}

/**
 * The rps_dev_flow entries [cpu, last_qtail, last hash, unused]. Lanes with
 * the same per-queue table sizes (a global-size sweep) share a region of them,
 * interleaved: a row lands in the same entry in each of them, one cache line.
 */
function placeQueueEntries(wasm: WasmLanes, configs: ResolvedConfig[]): QueueEntries {
  const bySizes = new Map<string, { lanes: number[]; entries: number }>();
  configs.forEach((c, l) => {
    const sizes = c.queues.map((q) => q.slots).join(',');
    const region = bySizes.get(sizes) ?? { lanes: [], entries: c.queues.reduce((s, q) => s + q.slots, 0) };
    region.lanes.push(l);
    bySizes.set(sizes, region);
  });
  const qflowAt = new Int32Array(configs.length);
  const qStride = new Int32Array(configs.length);
  const regions: QueueRegion[] = [];
  for (const { lanes, entries } of bySizes.values()) {
    const origin = wasm.alloc(DEV_FLOW_WORDS * entries * lanes.length);
    regions.push({ origin, lanes, slots: configs[lanes[0]].queues.map((q) => q.slots) });
    // rps_dev_flow_table alloc: every entry starts with cpu = RPS_NO_CPU.
    wasm.initBlocks(origin, entries * lanes.length, DEV_FLOW_WORDS, RPS_NO_CPU); // DEV_CPU: word 0
    lanes.forEach((l, i) => {
      qflowAt[l] = origin + DEV_FLOW_WORDS * i;
      qStride[l] = DEV_FLOW_WORDS * lanes.length;
    });
  }
  return { regions, qflowAt, qStride };
}

/** Each lane's block, its rps_sock_flow_table, per-CPU state, counters, queue blocks, timeline and explain regions. */
function writeLaneBlocks(wasm: WasmLanes, configs: ResolvedConfig[], queuesAt: number, entries: QueueEntries, cpuStride: number): void {
  const sharedQueues = new Map<string, number>();
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
    wasm.i32[o + L_LOOP] = LOOP_CODES[c.loop ?? 'open'];
    wasm.i32[o + L_LOOP_SLOT] = closedSlot(configs, l);
    wasm.i32[o + L_SOCK_MASK] = c.slots > 0 ? c.slots - 1 : 0;
    wasm.i32[o + L_HASH_MASK] = ~c.cpuMask;
    wasm.i32[o + L_CPU_MASK] = c.cpuMask;
    wasm.i32[o + L_QFLOW] = entries.qflowAt[l];
    wasm.i32[o + L_QSTRIDE] = entries.qStride[l];
    wasm.place(o + L_HEAD, cpuStride);
    wasm.place(o + L_TAIL, cpuStride);
    wasm.place(o + L_PER_CPU, cpuStride);
    wasm.place(o + L_COUNTS, COUNTERS * Math.max(1, c.queues.length));
    wasm.i32[o + L_FIFO] = c.fifoNs > 0 ? 1 : 0;
    wasm.f64[wasm.place(o + L_FIFO_NS, 2) / 2] = c.fifoNs;
    if (c.fifoNs > 0) wasm.place(o + L_FIFO_DONE, 2 * cpuStride);
    else wasm.i32[o + L_FIFO_DONE] = -1;
    // Lanes with the same queues (tables and RPS maps) share their queue blocks: the
    // lanes then work out a row's queue and per-queue entry once for all of them.
    const queues = c.queues.map((q) => `${q.slots}/${q.log}/${q.map.join(',')}`).join(';');
    const shared = sharedQueues.get(queues);
    if (shared !== undefined) {
      wasm.i32[o + L_QUEUES] = shared;
    } else {
      const at = queuesAt + l * c.queues.length * QUEUE_WORDS;
      sharedQueues.set(queues, at);
      wasm.i32[o + L_QUEUES] = at;
      writeQueueBlocks(wasm, c, at);
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
}

/**
 * Each lane's rps_sock_flow_table. Only records and deletes write a global
 * table, and they do so by the lane's size and record rules alone (kernel
 * profile, nr_cpu_ids: the CPU folded in and rps_cpu_mask), never by its
 * packets: lanes alike in those hold identical tables, so they share one (a
 * per-queue sweep's lanes at one global size: one table instead of 13). The
 * first of them writes it (L_TABLE_LEAD); the others count what its writes
 * did (wasm/lanes.ts recordAsLead()). A closed-loop lane records on the CPUs
 * its moved threads run on, so it keeps its own; so do lanes of a size sweep's shared paths
 * (`apart`: a bank whose lanes differ only in their global table, or its
 * vector group), which walk the tables by size, keep their own.
 */
function placeGlobalTables(wasm: WasmLanes, configs: ResolvedConfig[], apart: { first: number; lanes: number }): void {
  const leads = new Map<string, number>();
  configs.forEach((c, l) => {
    const o = LANES_AT + l * LANE_WORDS;
    wasm.i32[o + L_TABLE_LEAD] = -1;
    // A closed lane records where its threads would have followed its own packets: a table of its own.
    const own = (l >= apart.first && l < apart.first + apart.lanes) || isClosed(c);
    const key = `${c.slots}/${wasm.i32[o + L_FLAGS]}/${c.nrCpuIds}/${c.cpuMask}`;
    const lead = own || c.slots === 0 ? undefined : leads.get(key);
    if (lead !== undefined) {
      const lo = LANES_AT + lead * LANE_WORDS;
      wasm.i32[o + L_SOCK] = wasm.i32[lo + L_SOCK];
      wasm.i32[lo + L_TABLE_LEAD] = lead;
      wasm.i32[o + L_TABLE_LEAD] = lead;
      return;
    }
    if (!own) leads.set(key, l);
    const sock = wasm.place(o + L_SOCK, SOCK_SLOT_WORDS * c.slots);
    // rps_sock_flow_table alloc: every slot starts with RPS_NO_CPU.
    wasm.initBlocks(sock, c.slots, SOCK_SLOT_WORDS, RPS_NO_CPU); // SOCK_ENT: word 0
  });
}

/** A configuration's queue blocks from word `at`, with their RPS maps [len, cpus...]. */
function writeQueueBlocks(wasm: WasmLanes, c: ResolvedConfig, at: number): void {
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

/**
 * A size sweep: the lanes share nr_cpu_ids, kernel profile and queue blocks,
 * with no FIFO heads, timelines or explaining. The lanes then work out what
 * they share once per packet.
 */
function differOnlyInGlobalTable(wasm: WasmLanes, configs: ResolvedConfig[]): boolean {
  const m = wasm.i32;
  const same = (l: number) =>
    m[LANES_AT + l * LANE_WORDS + L_NR] === m[LANES_AT + L_NR] &&
    m[LANES_AT + l * LANE_WORDS + L_FLAGS] === m[LANES_AT + L_FLAGS] &&
    m[LANES_AT + l * LANE_WORDS + L_QUEUES] === m[LANES_AT + L_QUEUES];
  return configs.every((c, l) => same(l) && c.fifoNs === 0 && !c.timeline && !c.explain && !isClosed(c));
}

/**
 * The vector group (wasm/lanes.ts packetVector()): consecutive lanes, a
 * multiple of four, that differ only in their global table, of a kernel with
 * collision detection, with their rps_dev_flow entries interleaved in lane
 * order (lane l's at DEV_FLOW_WORDS * l past the group's first). A size sweep
 * is one; in a mixed bank (the report's sweep) the longest such run of lanes
 * is, and the other lanes take the scalar path.
 */
function findVectorGroup(wasm: WasmLanes, configs: ResolvedConfig[], { qflowAt, qStride }: QueueEntries): { first: number; lanes: number } {
  const n = configs.length;
  const key = (l: number) => {
    const c = configs[l];
    const o = LANES_AT + l * LANE_WORDS;
    // (A closed lane records its calls on CPUs of its own: the group's shared record path cannot serve it.)
    if (c.fifoNs !== 0 || c.timeline || c.explain || !c.kernel.collisionDetection || isClosed(c)) return null;
    return `${wasm.i32[o + L_NR]}/${wasm.i32[o + L_FLAGS]}/${wasm.i32[o + L_QUEUES]}/${qStride[l]}`;
  };
  let group = { first: 0, lanes: 0 };
  for (let a = 0; a < n; ) {
    const ka = key(a);
    let b = a + 1;
    while (b < n && ka !== null && key(b) === ka && qflowAt[b] === qflowAt[a] + DEV_FLOW_WORDS * (b - a)) b++;
    const len = ka === null ? 0 : (b - a) & ~3;
    if (len > group.lanes) group = { first: a, lanes: len };
    a = b;
  }
  return group;
}

/**
 * The regions that grow while a trace replays, at their first size. They
 * start large: memory is only resident once written, and a region that grows
 * leaves its old copy behind, written.
 */
function placeGrowableRegions(wasm: WasmLanes, lanes: number, trace: BankTrace): void {
  const small = trace.startSmall === true;
  if (small) {
    wasm.minRegion = 2;
    wasm.minTable = 4;
  }
  const bytesPerFlow = 4 * (RUN_WORDS * Math.max(1, lanes) + 1 + FLOW_INFO_WORDS + 1);
  wasm.growFlows(small ? 1 : Math.max(1024, Math.floor(RESERVE_BYTES / bytesPerFlow)), lanes);
  // The tables that number flows and sockets, where this bank numbers them: a bank given
  // the ids (a sweep's lanes) never reads them, and they are written whole when placed.
  if (trace.ids !== 'given') wasm.growFlowTable(small ? wasm.minTable : FIRST_FLOW_TABLE);
  wasm.growNodes(small ? 1 : 1 << 16);
  wasm.growSockets(small ? 1 : 1 << 20);
  if (trace.ids !== 'given' && trace.resolveIds) wasm.growSockTable();
  wasm.ensureColumns(8192);
}

const LOOP_CODES: Record<LoopKind, number> = {
  open: LOOP_OPEN,
  reference: LOOP_REFERENCE,
  'follow-low': LOOP_FOLLOW_LOW,
  'follow-high': LOOP_FOLLOW_HIGH,
};

function isClosed(c: ResolvedConfig): boolean {
  return c.loop === 'follow-low' || c.loop === 'follow-high';
}

/** Lane l's index among the bank's closed lanes (its word in a socket's closed-loop block); -1 for other lanes. */
function closedSlot(configs: ResolvedConfig[], l: number): number {
  return isClosed(configs[l]) ? configs.slice(0, l).filter(isClosed).length : -1;
}

/**
 * The closed loop's control words (wasm/lanes.ts closedLoopCall()): the
 * closed lanes, the reference lane (the trace's own configuration) whose
 * placement stands for the kernel's, the trace's CPUs, and the follow rate's
 * bounds before any evidence: 0 to 1.
 */
function setUpClosedLoop(wasm: WasmLanes, configs: ResolvedConfig[], traceCpus: number): void {
  const closed = configs.filter(isClosed).length;
  const ref = configs.findIndex((c) => c.loop === 'reference');
  if (closed > 0 && ref >= 0 && (configs[ref].timeline || configs[ref].explain)) throw new Error('the reference lane keeps no timeline');
  wasm.i32[CTL_CL_LANES] = closed;
  wasm.i32[CTL_CL_REF] = closed > 0 ? ref : -1;
  wasm.i32[CTL_CL_NR] = traceCpus;
  wasm.f64[CTL_CL_RATE_HIGH / 2] = 1;
}
