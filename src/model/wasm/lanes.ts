/**
 * The WebAssembly lanes (AssemblyScript, compiled by `npm run build`): every
 * configuration of a pass replays each trace row here, as one lane of a
 * bank. The rules are those of the kernel, named next to each (Linux 6.18
 * sources: include/net/rps.h, net/core/dev.c); ../lane-memory.ts lays out the
 * memory, ../flow-tables.ts copies batches in and reads results out.
 *
 * Why WebAssembly: per row and lane the model does a few dozen loads and
 * stores into tables. Compiled JavaScript checks each typed array's shape,
 * base and bounds on every access; here an access is one instruction (see
 * bench/HISTORY.md for what it bought).
 *
 * Memory is addressed in 32-bit words from address 0: the control block
 * (CTL_*), lane blocks after it, then regions the TypeScript side
 * (../lane-memory.ts, ../wasm-lanes.ts) allocates; ../lane-layout.ts defines
 * every word of it. All values are i32: hashes and queue positions wrap as
 * the kernel's u32 do, and are only compared for equality or by their
 * difference.
 */

import {
  AGREE, COLLISION_DETECTION, CROSS_CPU, CTL_ACTIVE_SUM, CTL_ACTIVE_WINDOWS, CTL_ANY_EXPLAIN, CTL_ANY_TIMELINE, CTL_ARRIVALS,
  CTL_BACKWARDS, CTL_BY_SIZE, CTL_COL_CPU, CTL_COL_EVENT, CTL_COL_FLOW, CTL_COL_LINE, CTL_COL_ORDINAL, CTL_COL_QUEUE, CTL_COL_RXHASH,
  CTL_COL_SKB, CTL_COL_SOCK_HI, CTL_COL_SOCK_LO, CTL_COL_SOCKET, CTL_COL_STATE, CTL_COL_TS, CTL_DRAIN_HITS, CTL_DRAIN_PACKETS, CTL_FLOW_LISTS,
  CTL_LIST_BLOCKS, CTL_BLOCKS_USED, CTL_FREE_BLOCK, LIST_BLOCK_WORDS,
  CTL_EVENTS, CTL_FIRST_TS, CTL_FLOW_CAP, CTL_FLOW_INFO, CTL_FLOW_MASK, CTL_FLOW_TABLE, CTL_FLOWS_SEEN, CTL_FLOWS_WRITTEN, CTL_FREE_NODE,
  CTL_IDS, CTL_LANES, CTL_LAST_TS, CTL_LOG, CTL_LOG_CAP, CTL_LOG_USED, CTL_NODE_CAP, CTL_NODE_TS, CTL_NODES, CTL_NODES_USED, CTL_PACKETS,
  CTL_PKT, CTL_RECORDS, CTL_RESOLVE_IDS, CTL_RESOLVED_HITS, CTL_RESOLVED_LOCAL, CTL_RESOLVED_STALE, CTL_RUNS, CTL_SAME_LANES,
  CTL_SAW_DELIVER, CTL_SOCK_CAP, CTL_SOCK_MASK, CTL_SOCK_TABLE, CTL_SOCKETS_SEEN, CTL_SOCKETS_WRITTEN, CTL_SOCKS, CTL_STOP, CTL_TOUCHED,
  CTL_FLOW_QUEUE, CTL_PKT_QUEUE, CTL_QUEUE_CHANGES, CTL_QUEUE_STATS, CTL_QUEUES, COUNTERS, FQ_QUEUE, FQ_WAITING, QS_DRAIN_HITS,
  QS_DRAIN_PACKETS, QS_FLOWS, QS_PACKETS, QUEUE_STATS_WORDS, CTL_VBY_SIZE, CTL_VCOUNTS, CTL_VFIRST, CTL_VLANES, CTL_WINDOW, CTL_WINDOW_DISTINCT, CTL_WINDOW_ORDINAL, DELETE_ON_CLOSE, DELETES,
  DELIVER_MATCHED, DELIVER_UNMATCHED, DEV_CPU, DEV_FLOW_WORDS, DEV_LAST_HASH, DEV_LAST_QTAIL, ENDS_WORDS, EVICTIONS, FLOW_ENTRY_WORDS,
  FLOW_INFO_WORDS, GOLDEN_RATIO_32, HASHED_QUEUE_SLOT, HITS_ALIASED, HITS_OWN, HITS_STALE, IDS_EMIT, IDS_GIVEN, L_COUNTS, L_CPU_MASK,
  L_FIFO, L_FIFO_DONE, L_FIFO_NS, L_FLAGS, L_HASH_MASK, L_HASHES, L_HEAD, L_NR, L_PATHS, L_PER_CPU, L_QFLOW, L_QSTRIDE, L_QUEUES, L_SLOTS,
  L_SOCK, L_SOCK_MASK, L_TAIL, L_TIMELINE, LANE_WORDS, LANES_AT, LOCAL, LOCAL_UNRESOLVED, LOG_KERNEL_CPU, LOG_LANE, LOG_LINE,
  LOG_MODEL_CPU, LOG_PATH, LOG_RXHASH, LOG_WORDS, MAX_BINS, MISSES_COLLISION, MISSES_EMPTY, MISSES_INVALID_CPU, NODE_WORDS, NOT_STEERED,
  OOO_HOLDS, PACKET_WINDOW_MASK, PATH_NOT_STEERED, PATH_RFS_FOLLOWED_HINT, PATH_RFS_HELD_BY_ORDERING_GUARD, PATH_RFS_SWITCHED_SLOT,
  PATH_RPS_INVALID_CPU, PATH_RPS_NO_HINT, PKT_WORDS, Q_FIRST, Q_LOG, Q_MAP, Q_SLOTS, QUEUE_WORDS, RECORD_ONLY_ESTABLISHED,
  RECORDS_NO_TABLE, RECORDS_STATE_SKIPPED, RECORDS_ZERO_HASH, REHASH_CLEARS, RESET_ON_CLOSE_AND_REHASH, RPS_NO_CPU, RUN_WORDS,
  SLOT_CONFLICTS, SLOT_SWITCHES, SOCK_ENT, SOCK_ENTRY_WORDS, SOCK_OWNER, SOCK_SLOT_WORDS, SOCKET_STATE_WORDS, STEERED_RPS, STOP_FLOW_TABLE,
  STOP_FLOWS, STOP_LOG, STOP_NODES, STOP_SOCK_TABLE, STOP_SOCKETS, T_BIN_NS, T_DATA, T_T0, T_USED, TIMELINE_FIELD_COUNT, TL_AGREE,
  TL_DELIVER_MATCHED, TL_HITS, TL_HITS_RESOLVED, TL_HITS_STALE, TL_LOOKUPS, TL_MISSES_COLLISION, TL_PACKETS, WRITES,
} from '../lane-layout';
import {
  CL_COUNTED_ELSEWHERE, CL_COUNTED_IN_PLACE, CL_COUNTED_WOKEN, CL_FLAGS, CTL_CL_SOCKETS_WOKEN, CL_PREV_CPU, CL_SOCK_FIXED, CTL_CL_ELSEWHERE, CTL_CL_FOLLOWED, CTL_CL_IN_PLACE,
  CTL_CL_LANES, CTL_CL_MOVED, CTL_CL_NR, CTL_CL_RATE, CTL_CL_RATE_HIGH, CTL_CL_RATE_LOW, CTL_CL_REF, CTL_CL_SOCKETS_ELSEWHERE,
  CTL_CL_SOCKETS_IN_PLACE, CTL_CL_SOCKS, L_LOOP, L_LOOP_SLOT, LOOP_FOLLOW_HIGH, LOOP_FOLLOW_LOW,
} from '../lane-layout';
import {
  DEFERRED_ID, EV_DELIVER, EV_PACKET, EV_STATE, NONE, TCP_CLOSE, TCP_CLOSING, TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_SYN_RECV,
  TCP_SYN_SENT,
} from '../../ingest/trace-codes';
import { L_TABLE_DID, L_TABLE_LEAD, TABLE_DID_DELETE, TABLE_DID_EVICT, TABLE_DID_REHASH_CLEAR, TABLE_DID_WRITE } from '../lane-layout';

// Every layout constant, also as an exported global: test/model/lane-layout.test.ts
// compares them with ../lane-layout.ts as TypeScript sees it (a stale build fails).
export * from '../lane-layout';
export * from '../../ingest/trace-codes';

// ---- Values of the lanes' own ----

const ACTIVE_WINDOW_NS: f64 = 100e6;
/** Fields per timeline bin. */
const NF = TIMELINE_FIELD_COUNT;
/** A pending run word's bit: the key also has a node list (its ENDS words). */
const HAS_LIST: i32 = <i32>0x80000000;

// ---- Memory access ----

@inline function ld(w: i32): i32 {
  return load<i32>(<usize>w << 2);
}
@inline function st(w: i32, v: i32): void {
  store<i32>(<usize>w << 2, v);
}
@inline function inc(w: i32): void {
  store<i32>(<usize>w << 2, load<i32>(<usize>w << 2) + 1);
}
@inline function addTo(w: i32, v: i32): void {
  store<i32>(<usize>w << 2, load<i32>(<usize>w << 2) + v);
}
@inline function ldf(w: i32): f64 {
  return load<f64>(<usize>w << 2);
}
@inline function stf(w: i32, v: f64): void {
  store<f64>(<usize>w << 2, v);
}
// Fields of a block at byte address p: the constant field offset folds into the
// load or store instruction, where a word index would cost an add and a shift.
@inline function wp(w: i32): usize {
  return <usize>w << 2;
}
@inline function fld(p: usize, f: i32): i32 {
  return load<i32>(p + (<usize>f << 2));
}
@inline function fst(p: usize, f: i32, v: i32): void {
  store<i32>(p + (<usize>f << 2), v);
}
@inline function finc(p: usize, f: i32): void {
  store<i32>(p + (<usize>f << 2), load<i32>(p + (<usize>f << 2)) + 1);
}
@inline function fadd(p: usize, f: i32, v: i32): void {
  store<i32>(p + (<usize>f << 2), load<i32>(p + (<usize>f << 2)) + v);
}
@inline function ldb(w: i32, i: i32): i32 {
  return <i32>load<u8>((<usize>w << 2) + <usize>i);
}
@inline function stb(w: i32, i: i32, v: i32): void {
  store<u8>((<usize>w << 2) + <usize>i, <u8>v);
}

// The control block's hot words, in globals for the length of one run().
let lanes = 0;
let runs = 0;
let flowLists = 0;
let listBlocks = 0;
let blocksUsed = 0;
let freeBlock = -1;
let nodes = 0;
let nodeTs = 0;
let nodesUsed = 0;
let freeNode = -1;
let packets: f64 = 0;
let records: f64 = 0;
let sawDeliver = false;
let anyTimeline = false;
let anyExplain = false;
let pkt = 0;
let touched = 0;
let flowsWritten = 0;
let socketsWritten = 0;
let logUsed = 0;
// resolve()'s results.
let resolvedLocal = 0;
let resolvedHits = 0;
let resolvedStale = 0;
let vcounts = 0;
let vFirst = 0;
let vEnd = 0;
/** RX queues (counter blocks per lane). */
let queues = 1;
/** packetVector()'s counters for the current row's queue: vcounts + queue * COUNTERS * lanes. */
let vq = 0;
/** The queue whose counter block a record's resolved packets go to (its flow's waiting packets' queue). */
let recordQueue = 0;
// The closed loop's words (closedLoopCall()), for the length of one run().
let clLanes = 0;
let clRef = -1;
let clSocks = 0;
let clWords = 0;

function enter(): void {
  lanes = ld(CTL_LANES);
  runs = ld(CTL_RUNS);
  flowLists = ld(CTL_FLOW_LISTS);
  listBlocks = ld(CTL_LIST_BLOCKS);
  blocksUsed = ld(CTL_BLOCKS_USED);
  freeBlock = ld(CTL_FREE_BLOCK);
  nodes = ld(CTL_NODES);
  nodeTs = ld(CTL_NODE_TS);
  nodesUsed = ld(CTL_NODES_USED);
  freeNode = ld(CTL_FREE_NODE);
  packets = ldf(CTL_PACKETS);
  records = ldf(CTL_RECORDS);
  sawDeliver = ld(CTL_SAW_DELIVER) != 0;
  anyTimeline = ld(CTL_ANY_TIMELINE) != 0;
  anyExplain = ld(CTL_ANY_EXPLAIN) != 0;
  pkt = ld(CTL_PKT);
  logUsed = ld(CTL_LOG_USED);
  flowsWritten = ld(CTL_FLOWS_WRITTEN);
  socketsWritten = ld(CTL_SOCKETS_WRITTEN);
  vcounts = ld(CTL_VCOUNTS);
  vFirst = ld(CTL_VFIRST);
  vEnd = vcounts != 0 ? vFirst + ld(CTL_VLANES) : 0;
  queues = ld(CTL_QUEUES);
  clLanes = ld(CTL_CL_LANES);
  clRef = ld(CTL_CL_REF);
  clSocks = ld(CTL_CL_SOCKS);
  clWords = CL_SOCK_FIXED + clLanes;
}

function leave(stop: i32): void {
  if (vcounts != 0) flushVectorCounts();
  st(CTL_NODES_USED, nodesUsed);
  st(CTL_FREE_NODE, freeNode);
  st(CTL_BLOCKS_USED, blocksUsed);
  st(CTL_FREE_BLOCK, freeBlock);
  stf(CTL_PACKETS, packets);
  stf(CTL_RECORDS, records);
  st(CTL_SAW_DELIVER, sawDeliver ? 1 : 0);
  st(CTL_TOUCHED, touched);
  st(CTL_LOG_USED, logUsed);
  st(CTL_FLOWS_WRITTEN, flowsWritten);
  st(CTL_SOCKETS_WRITTEN, socketsWritten);
  st(CTL_STOP, stop);
}

// ---- Kernel arithmetic (../kernel.ts has the same, for the rest of the tool) ----

/** hash_32(val, bits) (include/linux/hash.h); bits = 0 is the contract's one-slot table. */
@inline function hash32(val: i32, bits: i32): i32 {
  return bits == 0 ? 0 : (val * GOLDEN_RATIO_32) >>> (32 - bits);
}

/** reciprocal_scale(hash, len) (include/linux/kernel.h): (u64)hash * len >> 32. */
@inline function reciprocalScale(hash: i32, len: i32): i32 {
  return <i32>((<u64><u32>hash * <u64>len) >> 32);
}

// ---- Timeline: bins start 1 ms wide and double (merging pairs) when they would exceed MAX_BINS ----

function timelineBin(t: i32, ts: f64): i32 {
  let t0 = ldf(t + T_T0);
  if (isNaN(t0)) {
    t0 = ts;
    stf(t + T_T0, ts);
  }
  let b = Math.floor((ts - t0) / ldf(t + T_BIN_NS));
  if (b < 0) return 0; // time stepping back before the first row
  while (b >= MAX_BINS) {
    timelineMerge(t);
    b = Math.floor((ts - t0) / ldf(t + T_BIN_NS));
  }
  const bin = <i32>b;
  if (bin >= ld(t + T_USED)) st(t + T_USED, bin + 1);
  return bin;
}

function timelineMerge(t: i32): void {
  const d = t + T_DATA;
  for (let b = 0; b < MAX_BINS / 2; b++) {
    for (let f = 0; f < NF; f++) stf(d + 2 * (b * NF + f), ldf(d + 2 * (2 * b * NF + f)) + ldf(d + 2 * ((2 * b + 1) * NF + f)));
  }
  for (let k = (MAX_BINS / 2) * NF; k < MAX_BINS * NF; k++) stf(d + 2 * k, 0);
  stf(t + T_BIN_NS, ldf(t + T_BIN_NS) * 2);
  const used = ld(t + T_USED);
  st(t + T_USED, (used + 1) >> 1);
}

@inline function timelineAdd(t: i32, bin: i32, field: i32, v: f64): void {
  const w = t + T_DATA + 2 * (bin * NF + field);
  stf(w, ldf(w) + v);
}

function timelineSameBin(t: i32, a: f64, b: f64): bool {
  const t0 = ldf(t + T_T0);
  const binNs = ldf(t + T_BIN_NS);
  return Math.floor((a - t0) / binNs) == Math.floor((b - t0) / binNs);
}

function timelinePacket(t: i32, ts: f64, lookup: bool, hit: bool, collision: bool): void {
  const b = timelineBin(t, ts);
  timelineAdd(t, b, TL_PACKETS, 1);
  if (lookup) timelineAdd(t, b, TL_LOOKUPS, 1);
  if (hit) timelineAdd(t, b, TL_HITS, 1);
  if (collision) timelineAdd(t, b, TL_MISSES_COLLISION, 1);
}

/** Hits from the bin of `ts` resolved by a later record event; `stale` of them pointed elsewhere. */
function timelineResolvedHits(t: i32, ts: f64, count: i32, stale: i32): void {
  const b = timelineBin(t, ts);
  timelineAdd(t, b, TL_HITS_RESOLVED, <f64>count);
  timelineAdd(t, b, TL_HITS_STALE, <f64>stale);
}

function timelineDeliver(t: i32, ts: f64, agree: bool): void {
  const b = timelineBin(t, ts);
  timelineAdd(t, b, TL_DELIVER_MATCHED, 1);
  if (agree) timelineAdd(t, b, TL_AGREE, 1);
}

// ---- Pending packets ----
// Packets waiting for their flow's next record event, which decides whether
// they were processed "locally" and whether their hint was stale. Per key
// (flow * lanes + lane) a run-length list of (processed CPU, desired CPU or -1
// for no hit, count): within one wait a flow's packets mostly share one
// placement, so the first run lives inline in the key's 8 bytes (a bank of 8
// lanes finds a flow's runs in one cache line) and further runs go to a node
// pool. With a timeline every run goes to the pool, and runs also break at bin
// edges so resolved hits land in their own bin.

/** One more packet of `key`, processed on `cpu`; `desired` is the hint's CPU for a hit, else -1. */
@inline function pendingAdd(key: i32, cpu: i32, desired: i32, ts: f64, timeline: i32): void {
  const f = wp(runs + RUN_WORDS * key);
  if (timeline < 0) {
    // Without a timeline the order of runs within a wait does not matter: cpu < 2^16, desired + 1 < 2^15.
    const run = cpu | ((desired + 1) << 16);
    const k = fld(f, 0);
    if (k == 0) {
      fst(f, 0, 1);
      fst(f, 1, run | (fld(f, 1) & HAS_LIST));
      return;
    }
    if ((fld(f, 1) & ~HAS_LIST) == run) {
      fst(f, 0, k + 1);
      return;
    }
  }
  pendingAddToList(key, cpu, desired, ts, timeline);
}

/** The first word of list block `b` (LIST_BLOCK_WORDS, then ENDS_WORDS per lane). */
@inline function listBlock(b: i32): i32 {
  return listBlocks + (LIST_BLOCK_WORDS + ENDS_WORDS * lanes) * b;
}

/** The address of `key`'s list ends, in its flow's list block (which it must have: HAS_LIST). */
@inline function listEnds(key: i32): i32 {
  const flow = key / lanes;
  return listBlock(ld(flowLists + flow) - 1) + LIST_BLOCK_WORDS + ENDS_WORDS * (key - flow * lanes);
}

/** listEnds() of a key about to get a list: its flow takes a block (zeroed) if it has none; one more list in it. */
function newListEnds(key: i32): i32 {
  const flow = key / lanes;
  let b = ld(flowLists + flow) - 1;
  if (b < 0) {
    // run() keeps the node pool `lanes` nodes ahead; blocks in use never outnumber nodes in use.
    if (freeBlock >= 0) {
      b = freeBlock;
      freeBlock = ld(listBlock(b));
    } else {
      b = blocksUsed++;
    }
    const at = listBlock(b);
    for (let k = 0; k < LIST_BLOCK_WORDS + ENDS_WORDS * lanes; k++) st(at + k, 0);
    st(flowLists + flow, b + 1);
  }
  const at = listBlock(b);
  st(at, ld(at) + 1);
  return listEnds(key);
}

/** `key`'s list is gone: its ends `e` are zeroed, and its flow's block goes back to the pool with its last list. */
function endList(key: i32, e: i32): void {
  st(e, 0);
  st(e + 1, 0);
  const flow = key / lanes;
  const b = ld(flowLists + flow) - 1;
  const at = listBlock(b);
  const left = ld(at) - 1;
  if (left > 0) {
    st(at, left);
    return;
  }
  st(at, freeBlock);
  freeBlock = b;
  st(flowLists + flow, 0);
}

function pendingAddToList(key: i32, cpu: i32, desired: i32, ts: f64, timeline: i32): void {
  // A key without HAS_LIST has no list, and its flow may have no block.
  const listed = (ld(runs + RUN_WORDS * key + 1) & HAS_LIST) != 0;
  let e = listed ? listEnds(key) : -1;
  const t = listed ? ld(e + 1) - 1 : -1;
  if (t >= 0) {
    const o = nodes + NODE_WORDS * t;
    if (ld(o) == cpu && ld(o + 1) == desired && (timeline < 0 || timelineSameBin(timeline, ldf(nodeTs + 2 * t), ts))) {
      inc(o + 2);
      return;
    }
  }
  // run() keeps `lanes` nodes free for every packet row.
  let n: i32;
  if (freeNode >= 0) {
    n = freeNode;
    freeNode = ld(nodes + NODE_WORDS * n + 3);
  } else {
    n = nodesUsed++;
  }
  const o = nodes + NODE_WORDS * n;
  st(o, cpu);
  st(o + 1, desired);
  st(o + 2, 1);
  st(o + 3, -1);
  stf(nodeTs + 2 * n, ts);
  if (t >= 0) st(nodes + NODE_WORDS * t + 3, n);
  else {
    e = newListEnds(key);
    st(e, n + 1);
  }
  st(e + 1, n + 1);
  const f = runs + RUN_WORDS * key;
  st(f + 1, ld(f + 1) | HAS_LIST);
}

/**
 * The flow's next record event ran on `cpu`: sets resolvedLocal (waiting
 * packets processed on it), resolvedHits and resolvedStale (hits whose CPU was
 * not it), and forgets them.
 */
@inline function pendingResolve(key: i32, cpu: i32, timeline: i32): void {
  resolvedLocal = 0;
  resolvedHits = 0;
  resolvedStale = 0;
  const f = wp(runs + RUN_WORDS * key);
  const k = fld(f, 0);
  const word = fld(f, 1);
  if (k > 0) {
    if ((word & 0xffff) == cpu) resolvedLocal = k;
    const desired = ((word & ~HAS_LIST) >>> 16) - 1;
    if (desired >= 0) {
      resolvedHits = k;
      if (desired != cpu) resolvedStale = k;
    }
    fst(f, 0, 0);
  }
  if ((word & HAS_LIST) != 0) {
    fst(f, 1, word & ~HAS_LIST);
    pendingResolveList(key, cpu, timeline);
  }
}

function pendingResolveList(key: i32, cpu: i32, timeline: i32): void {
  const e = listEnds(key);
  let n = ld(e) - 1;
  while (n >= 0) {
    const o = nodes + NODE_WORDS * n;
    const k = ld(o + 2);
    if (ld(o) == cpu) resolvedLocal += k;
    const desired = ld(o + 1);
    if (desired >= 0) {
      resolvedHits += k;
      const stale = desired != cpu ? k : 0;
      resolvedStale += stale;
      if (timeline >= 0) timelineResolvedHits(timeline, ldf(nodeTs + 2 * n), k, stale);
    }
    const next = ld(o + 3);
    st(o + 3, freeNode);
    freeNode = n;
    n = next;
  }
  endList(key, e);
}

// ---- The model, per row and lane ----

/**
 * recvmsg/sendmsg/accept/splice → sock_rps_record_flow() → rps_record_sock_flow(),
 * in every lane. `state` is the socket's TCP state at the event (the row's,
 * else the last known); `oldHash` the rxhash of its previous record event.
 */
function record(h: i32, rowCpu: i32, state: i32, flow: i32, oldHash: i32): void {
  // Lanes outside the vector group, if the bank has one (recordGroup() records for those).
  if (vEnd == 0) {
    recordLanes(h, rowCpu, state, flow, oldHash, 0, lanes);
  } else {
    if (vFirst > 0) recordLanes(h, rowCpu, state, flow, oldHash, 0, vFirst);
    if (vEnd < lanes) recordLanes(h, rowCpu, state, flow, oldHash, vEnd, lanes);
  }
}

@inline function recordLanes(h: i32, rowCpu: i32, state: i32, flow: i32, oldHash: i32, from: i32, to: i32): void {
  const closed = clLanes > 0;
  for (let l = from; l < to; l++) {
    const o = wp(LANES_AT + l * LANE_WORDS);
    const nr = fld(o, L_NR);
    let cpu = rowCpu < nr ? rowCpu : rowCpu % nr; // a smaller what-if nr_cpu_ids folds CPU ids
    // A closed lane's thread runs where it would have followed this lane's packets (before they resolve).
    if (closed && fld(o, L_LOOP) >= LOOP_FOLLOW_LOW) cpu = closedLoopCpu(o, l, flow, cpu);
    const flags = fld(o, L_FLAGS);
    const cb = wp(fld(o, L_COUNTS));
    // RECORDS: counted once per row for every lane.

    // The flow's next record event (any state) resolves its waiting packets.
    if (flow >= 0) {
      pendingResolve(flow * lanes + l, cpu, anyTimeline ? fld(o, L_TIMELINE) : -1);
      const cq = wp(fld(o, L_COUNTS) + recordQueue * COUNTERS);
      fadd(cq, LOCAL, resolvedLocal);
      fadd(cq, HITS_STALE, resolvedStale);
    }
    const slots = fld(o, L_SLOTS);
    const base = fld(o, L_SOCK);
    const mask = fld(o, L_SOCK_MASK);
    // A lane whose global table another lane writes counts what that lane's write did.
    const lead = fld(o, L_TABLE_LEAD);
    if (lead >= 0 && lead != l) {
      recordAsLead(cb, flags, h, state, oldHash, slots, fld(wp(LANES_AT + lead * LANE_WORDS), L_TABLE_DID));
      continue;
    }
    let did = 0;

    // 3.19 sock_rps_save_rxhash(): a changed rxhash first resets the old slot (rps_reset_sock_flow()).
    if ((flags & RESET_ON_CLOSE_AND_REHASH) != 0 && h != 0 && oldHash != 0 && oldHash != h && slots > 0) {
      const s = wp(base + SOCK_SLOT_WORDS * (oldHash & mask));
      if (fld(s, SOCK_ENT) != RPS_NO_CPU) {
        finc(cb, REHASH_CLEARS);
        did = TABLE_DID_REHASH_CLEAR;
      }
      fst(s, SOCK_ENT, RPS_NO_CPU);
      fst(s, SOCK_OWNER, 0);
    }
    if (lead == l) fst(o, L_TABLE_DID, did);

    // sock_rps_record_flow(): the state is tested before the hash is even read.
    if ((flags & RECORD_ONLY_ESTABLISHED) != 0 && state != TCP_ESTABLISHED) {
      finc(cb, RECORDS_STATE_SKIPPED);
      continue;
    }
    // sock_rps_record_flow_hash(): if (!hash) return;
    if (h == 0) {
      finc(cb, RECORDS_ZERO_HASH);
      continue;
    }
    if (slots == 0) {
      finc(cb, RECORDS_NO_TABLE);
      continue;
    }
    // rps_record_sock_flow(): index = hash & mask; val = (hash & ~rps_cpu_mask) | cpu;
    // 3.19 stores the CPU alone.
    const s = wp(base + SOCK_SLOT_WORDS * (h & mask));
    const val = (flags & COLLISION_DETECTION) != 0 ? (h & fld(o, L_HASH_MASK)) | cpu : cpu;
    const owner = fld(s, SOCK_OWNER);
    if (fld(s, SOCK_ENT) != val) {
      fst(s, SOCK_ENT, val);
      finc(cb, WRITES);
      did |= TABLE_DID_WRITE;
      if (owner != 0 && owner != h) {
        finc(cb, EVICTIONS);
        did |= TABLE_DID_EVICT;
      }
    } // else WRITES_AVOIDED: derived at the end
    fst(s, SOCK_OWNER, h); // who last targeted the slot, for the metrics
    if (lead == l) fst(o, L_TABLE_DID, did);
  }
}

/**
 * recordLanes() for a lane that shares the global table of a lane before it
 * (its lead, whose write of this record did `did`): the same rules, the
 * same counts, and the table left to the lead.
 */
function recordAsLead(cb: usize, flags: i32, h: i32, state: i32, oldHash: i32, slots: i32, did: i32): void {
  if ((flags & RESET_ON_CLOSE_AND_REHASH) != 0 && h != 0 && oldHash != 0 && oldHash != h && slots > 0 && (did & TABLE_DID_REHASH_CLEAR) != 0) {
    finc(cb, REHASH_CLEARS);
  }
  if ((flags & RECORD_ONLY_ESTABLISHED) != 0 && state != TCP_ESTABLISHED) finc(cb, RECORDS_STATE_SKIPPED);
  else if (h == 0) finc(cb, RECORDS_ZERO_HASH);
  else if (slots == 0) finc(cb, RECORDS_NO_TABLE);
  else {
    if ((did & TABLE_DID_WRITE) != 0) finc(cb, WRITES);
    if ((did & TABLE_DID_EVICT) != 0) finc(cb, EVICTIONS);
  }
}

/**
 * record() for a size sweep (CTL_SAME_LANES, and no 3.19 rehash reset): lanes
 * whose global tables differ only in size, a power of two each.
 *
 * Every hash that indexes a slot of a larger table indexes the matching slot
 * of a smaller one (hash & mask), so every record and delete that reaches a
 * larger table's slot reaches the smaller table's too. The owner word is set
 * by each of them (to the recording flow, or 0 by a delete). So when a lane's
 * slot is owned by this flow, the last event there was this flow's own record,
 * and no later event reached the larger tables' slots either: they hold the
 * same value, owned by this flow. Walking the lanes from the smallest table
 * (CTL_BY_SIZE), the loads stop at the first such lane; the larger tables,
 * the ones that miss the cache, are then written without being read, or not
 * touched at all when the value is unchanged (WRITES_AVOIDED, which is derived
 * at the end).
 */
function recordSameLanes(h: i32, rowCpu: i32, state: i32, flow: i32): void {
  recordInOrder(h, rowCpu, state, flow, 0, lanes, ld(CTL_BY_SIZE));
}

/** recordSameLanes() for the vector group of a mixed bank (lanes vFirst .. vEnd - 1). */
function recordGroup(h: i32, rowCpu: i32, state: i32, flow: i32): void {
  recordInOrder(h, rowCpu, state, flow, vFirst, vEnd, ld(CTL_VBY_SIZE));
}

/** recordSameLanes() for lanes first .. end - 1, listed by table size at word `bySize`. */
@inline function recordInOrder(h: i32, rowCpu: i32, state: i32, flow: i32, first: i32, end: i32, bySize: i32): void {
  const o0 = wp(LANES_AT + first * LANE_WORDS);
  const nr = fld(o0, L_NR);
  const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
  const flags = fld(o0, L_FLAGS);
  // RECORDS: counted once per row for every lane.

  // The flow's next record event (any state) resolves its waiting packets (no timelines here).
  if (flow >= 0 && vcounts != 0) {
    pendingResolveVector(flow, cpu);
  } else if (flow >= 0) {
    for (let l = first; l < end; l++) {
      const cb = wp(fld(wp(LANES_AT + l * LANE_WORDS), L_COUNTS) + recordQueue * COUNTERS);
      pendingResolve(flow * lanes + l, cpu, -1);
      fadd(cb, LOCAL, resolvedLocal);
      fadd(cb, HITS_STALE, resolvedStale);
    }
  }
  // sock_rps_record_flow(): the state is tested before the hash is even read;
  // sock_rps_record_flow_hash(): if (!hash) return.
  let skipped = -1;
  if ((flags & RECORD_ONLY_ESTABLISHED) != 0 && state != TCP_ESTABLISHED) skipped = RECORDS_STATE_SKIPPED;
  else if (h == 0) skipped = RECORDS_ZERO_HASH;
  if (skipped >= 0) {
    for (let l = first; l < end; l++) finc(wp(fld(wp(LANES_AT + l * LANE_WORDS), L_COUNTS)), skipped);
    return;
  }
  // rps_record_sock_flow(): val = (hash & ~rps_cpu_mask) | cpu; 3.19 stores the CPU alone.
  const val = (flags & COLLISION_DETECTION) != 0 ? (h & fld(o0, L_HASH_MASK)) | cpu : cpu;
  // What the larger tables' slots are known to hold: 0 unknown (load it), 1 val
  // owned by h, 2 another value owned by h.
  let known = 0;
  for (let j = 0; j < end - first; j++) {
    const o = wp(LANES_AT + ld(bySize + j) * LANE_WORDS);
    const cb = wp(fld(o, L_COUNTS));
    if (fld(o, L_SLOTS) == 0) {
      finc(cb, RECORDS_NO_TABLE);
      continue;
    }
    // The smaller tables come first, RFS off (no table) before them all.
    if (known == 1) break;
    // index = hash & rps_sock_flow_table->mask
    const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
    if (known == 2) {
      fst(s, SOCK_ENT, val);
      finc(cb, WRITES);
      continue;
    }
    const ident = fld(s, SOCK_ENT);
    const owner = fld(s, SOCK_OWNER);
    if (ident != val) {
      fst(s, SOCK_ENT, val);
      finc(cb, WRITES);
      if (owner != 0 && owner != h) finc(cb, EVICTIONS);
    } // else WRITES_AVOIDED: derived at the end
    if (owner == h) known = ident == val ? 1 : 2;
    else fst(s, SOCK_OWNER, h); // who last targeted the slot, for the metrics
  }
}

/**
 * inet_sock_set_state, in every lane: 6.16+ inet_unhash() → sock_rps_delete_flow();
 * 3.19 rps_reset_sock_flow() on close. `prev` is the socket's state before it.
 */
function stateChange(h: i32, state: i32, prev: i32): void {
  if (state != TCP_CLOSE || h == 0) return;
  for (let l = 0; l < lanes; l++) {
    const o = wp(LANES_AT + l * LANE_WORDS);
    const flags = fld(o, L_FLAGS);
    let clears = false;
    if ((flags & DELETE_ON_CLOSE) != 0) {
      // FIN_WAIT1/FIN_WAIT2/CLOSING end in TIME_WAIT, whose unhash skips the delete.
      clears = prev != TCP_FIN_WAIT1 && prev != TCP_FIN_WAIT2 && prev != TCP_CLOSING;
    } else if ((flags & RESET_ON_CLOSE_AND_REHASH) != 0) {
      clears = true;
    }
    if (!clears || fld(o, L_SLOTS) == 0) continue;
    // A lane whose global table another lane clears counts what that lane's clear did.
    const lead = fld(o, L_TABLE_LEAD);
    if (lead >= 0 && lead != l) {
      if ((fld(wp(LANES_AT + lead * LANE_WORDS), L_TABLE_DID) & TABLE_DID_DELETE) != 0) inc(fld(o, L_COUNTS) + DELETES);
      continue;
    }
    const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
    const deletes = fld(s, SOCK_ENT) != RPS_NO_CPU;
    if (deletes) {
      fst(s, SOCK_ENT, RPS_NO_CPU);
      inc(fld(o, L_COUNTS) + DELETES);
    }
    fst(s, SOCK_OWNER, 0);
    if (lead == l) fst(o, L_TABLE_DID, deletes ? TABLE_DID_DELETE : 0);
  }
}

// ---- The closed loop: threads that follow their packets ----
// A socket call after a wake-up runs where try_to_wake_up() put the thread:
// select_task_rq() → select_task_rq_fair(p, prev_cpu, wake_flags) with this_cpu
// the CPU whose softirq processed the packet and woke it (sock_def_readable(),
// a WF_SYNC wake-up). With this_cpu == prev_cpu the thread stays unless
// select_idle_sibling() moves it to an idle CPU; otherwise wake_affine()
// chooses this_cpu (the thread follows its packet) or prev_cpu, by idle state
// and load (wake_affine_idle(), wake_affine_weight()), which no trace records.
// So per wake-up the thread follows or not, as a coin: the capture shows the
// coin wherever the kernel processed the wake-up packet off the thread's last
// CPU, and a closed lane replays that outcome against its own placement;
// elsewhere it draws the coin with the follow rate estimated from the capture
// so far. docs/model.md "Closed loop" has the rule and the estimate.

// This call's context (closedLoopCall()), read by each closed lane.
/** The socket's closed-loop block, -1: no socket. */
let clSockAt = -1;
/** The socket's previous call's CPU in the trace (-1: none since it was born). */
let clPrevCpu = -1;
/** This call's CPU in the trace. */
let clCpu = -1;
/** Where the reference lane processed the flow's wake-up packet (its first since the last call), -1: none or unknown. */
let clWakeCpu = -1;
/** The reference lane steered that packet by a hint (RFS), not by the RPS map or not at all. */
let clWakeByHint = false;
/** The call's coin in [0, 1): the same in every closed lane, so their draws differ only by the rate. */
let clCoin: f64 = 0;

/** fmix32 of MurmurHash3: a fixed, well-mixed function of the call's ordinal and hash (no random numbers: replays repeat). */
@inline function mix32(x: i32): i32 {
  x ^= x >>> 16;
  x *= <i32>0x85ebca6b;
  x ^= x >>> 13;
  x *= <i32>0xc2b2ae35;
  return x ^ (x >>> 16);
}

/**
 * A socket call (record row) in a bank with closed lanes, before any lane
 * records it: its context for closedLoopCpu(), and the trace's evidence of
 * how often threads follow their packets (the reference lane's placement of
 * the wake-up packet against the thread's previous CPU and this call's).
 */
function closedLoopCall(h: i32, cpu: i32, flow: i32, sock: i32): void {
  clCpu = cpu;
  clSockAt = sock >= 0 ? clSocks + clWords * sock : -1;
  clPrevCpu = clSockAt >= 0 ? ld(clSockAt + CL_PREV_CPU) - 1 : -1;
  clWakeCpu = -1;
  clWakeByHint = false;
  if (clRef >= 0 && flow >= 0) {
    // The reference lane's first pending packet of the flow is its inline run (it keeps no timeline):
    // its CPU, and desired + 1 (0: no hit) above it (pendingAdd()).
    const run = wp(runs + RUN_WORDS * (flow * lanes + clRef));
    if (fld(run, 0) > 0) {
      const word = fld(run, 1);
      clWakeCpu = word & 0xffff;
      clWakeByHint = (word & ~HAS_LIST) >>> 16 != 0;
    }
  }
  clCoin = <f64><u32>mix32(<i32>(<i64>records) * <i32>0x9e3779b1 ^ h) / 4294967296.0;
  if (clWakeCpu < 0 || clPrevCpu < 0) return;
  let flags = ld(clSockAt + CL_FLAGS);
  if ((flags & CL_COUNTED_WOKEN) == 0) {
    stf(CTL_CL_SOCKETS_WOKEN, ldf(CTL_CL_SOCKETS_WOKEN) + 1);
    flags |= CL_COUNTED_WOKEN;
    st(clSockAt + CL_FLAGS, flags);
  }
  if (clWakeCpu != clPrevCpu) {
    // this_cpu != prev_cpu: wake_affine() decided, and the call shows which way (on a third CPU: neither, not counted).
    // Counted only where the packet's CPU owed nothing to the thread (RPS map, or not steered), as a what-if's are:
    // a hint that names another CPU than the thread's last is the ordering guard holding the flow, or another
    // socket's call, and the threads' answers to those say little about packets sent elsewhere.
    if ((cpu != clWakeCpu && cpu != clPrevCpu) || clWakeByHint) {
      followRates();
      return;
    }
    stf(CTL_CL_ELSEWHERE, ldf(CTL_CL_ELSEWHERE) + 1);
    if (cpu == clWakeCpu) stf(CTL_CL_FOLLOWED, ldf(CTL_CL_FOLLOWED) + 1);
    if ((flags & CL_COUNTED_ELSEWHERE) == 0) {
      stf(CTL_CL_SOCKETS_ELSEWHERE, ldf(CTL_CL_SOCKETS_ELSEWHERE) + 1);
      st(clSockAt + CL_FLAGS, flags | CL_COUNTED_ELSEWHERE);
    }
  } else {
    // this_cpu == prev_cpu: a move now is select_idle_sibling() or balancing, not the packet.
    stf(CTL_CL_IN_PLACE, ldf(CTL_CL_IN_PLACE) + 1);
    if (cpu != clPrevCpu) stf(CTL_CL_MOVED, ldf(CTL_CL_MOVED) + 1);
    if ((flags & CL_COUNTED_IN_PLACE) == 0) {
      stf(CTL_CL_SOCKETS_IN_PLACE, ldf(CTL_CL_SOCKETS_IN_PLACE) + 1);
      st(clSockAt + CL_FLAGS, flags | CL_COUNTED_IN_PLACE);
    }
  }
  followRates();
}

/** After every lane recorded the call: the socket's thread ran on `cpu` in the trace. */
function closedLoopCalled(cpu: i32): void {
  if (clSockAt >= 0) st(clSockAt + CL_PREV_CPU, cpu + 1);
}

/**
 * A TCP state change: a socket that closes, or a new one (SYN_SENT,
 * SYN_RECV), starts without a previous CPU. Socket identities are kernel
 * addresses, which the slab hands to the next socket: that socket's first
 * call says nothing about this one's thread.
 */
function closedLoopStateChange(sock: i32, state: i32): void {
  if (sock < 0 || (state != TCP_CLOSE && state != TCP_SYN_SENT && state != TCP_SYN_RECV)) return;
  for (let k = 0; k < clWords; k++) st(clSocks + clWords * sock + k, 0);
}

/**
 * Where a closed lane (block at `o`, lane `l`) runs this call, whose CPU in
 * the trace is `cpu` (folded to the lane's nr_cpu_ids): the lane's
 * thread was on its own previous CPU, and the lane processed the wake-up
 * packet on its own CPU; the trace's coin, or a drawn one, says whether the
 * thread follows it. Before the flow's pending packets resolve.
 */
function closedLoopCpu(o: usize, l: i32, flow: i32, cpu: i32): i32 {
  if (clSockAt < 0) return cpu;
  const at = clSockAt + CL_SOCK_FIXED + fld(o, L_LOOP_SLOT);
  const prevPlus1 = ld(at);
  let lane = cpu;
  if (clPrevCpu >= 0 && prevPlus1 != 0) {
    const prev = prevPlus1 - 1;
    const run = wp(runs + RUN_WORDS * (flow * lanes + l));
    if (flow < 0 || fld(run, 0) == 0) {
      // No wake-up packet: the thread is where it was, unless the trace shows it moved.
      lane = clCpu == clPrevCpu ? prev : cpu;
    } else {
      const packetCpu = fld(run, 1) & 0xffff; // the lane's first pending packet: its wake-up
      if (clWakeCpu >= 0 && clWakeCpu != clPrevCpu) {
        // The trace shows wake_affine()'s choice: followed (this_cpu), or stayed (prev_cpu).
        lane = clCpu == clWakeCpu ? packetCpu : clCpu == clPrevCpu ? prev : cpu;
      } else if (clCpu != clPrevCpu) {
        // Moved off its packet's CPU in the trace (select_idle_sibling(), balancing): so here.
        lane = cpu;
      } else {
        // The trace cannot show the choice (its packet was on the thread's CPU): the coin, at this lane's rate.
        const rate = fld(o, L_LOOP) == LOOP_FOLLOW_HIGH ? ldf(CTL_CL_RATE_HIGH) : ldf(CTL_CL_RATE_LOW);
        lane = clCoin < rate ? packetCpu : prev;
      }
    }
  }
  st(at, lane + 1);
  return lane;
}

/**
 * A closed lane's packet that the kernel processed (its deliver row) where
 * the lane did not place it: the lane's CPU has processed it by now too. A
 * closed lane moves threads, and with them its hints, off the trace's
 * placement far more than its open twin; were its heads to wait for deliver
 * rows on its own CPUs, as an open lane's do, the ordering guard would hold
 * its flows for packets long processed, and the difference between the two
 * would be that, not the threads.
 */
function closedLoopDelivered(o: usize, modelCpu: i32, pos: i32): void {
  const k = fld(o, L_HEAD) + modelCpu;
  if (pos - ld(k) > 0) st(k, pos);
}

/** Two-sided 95% normal quantile (analyze/noise.ts Z_95). */
const Z95: f64 = 1.959963984540054;

/** Wilson score bound (sign -1: lower, +1: upper) of a share p over n draws; no draw: 0 or 1. */
function wilson(p: f64, n: f64, sign: f64): f64 {
  if (n <= 0) return sign < 0 ? 0 : 1;
  const z2 = Z95 * Z95;
  const b = (p + z2 / (2 * n) + sign * Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return Math.min(1, Math.max(0, b));
}

/**
 * The follow rate phi from f, the share of wake-ups elsewhere whose call ran
 * on the packet's CPU, and mu, the share of wake-ups in place whose call ran
 * elsewhere: a thread follows with phi, and otherwise moves anyway with mu,
 * to one of the other n - 1 CPUs (m = mu / (n - 1) of them the packet's), so
 * f = (phi + (1 - phi) m) / (phi + (1 - phi) m + (1 - phi)(1 - mu)).
 */
function followRate(f: f64, mu: f64, n: f64): f64 {
  if (n < 2) return 0;
  const m = mu / (n - 1);
  const a = m + 1 - mu;
  const den = 1 - m - f * (1 - a);
  const r = den > 0 ? (f * a - m) / den : f * a > m ? 1 : 0;
  return Math.min(1, Math.max(0, r));
}

/**
 * The rate and its 95% bounds from the counts so far. Each socket counts as
 * one draw (its thread's habits are one sample, as a flow is in
 * analyze/noise.ts): f's lower bound with mu's upper, and the reverse. Those
 * hold for the sockets that showed a wake-up elsewhere; of the others (a
 * share 1 - s of the sockets woken) the trace says nothing, so the lower
 * bound takes them as never following and the upper as always:
 * low = s phi(f-, mu+), high = s phi(f+, mu-) + 1 - s. Without evidence: 0 to 1.
 */
function followRates(): void {
  const elsewhere = ldf(CTL_CL_ELSEWHERE);
  const inPlace = ldf(CTL_CL_IN_PLACE);
  const f = elsewhere > 0 ? ldf(CTL_CL_FOLLOWED) / elsewhere : 0;
  const mu = inPlace > 0 ? ldf(CTL_CL_MOVED) / inPlace : 0;
  const nf = Math.min(elsewhere, ldf(CTL_CL_SOCKETS_ELSEWHERE));
  const nm = Math.min(inPlace, ldf(CTL_CL_SOCKETS_IN_PLACE));
  const n = <f64>ld(CTL_CL_NR);
  const woken = ldf(CTL_CL_SOCKETS_WOKEN);
  const shown = woken > 0 ? Math.min(1, ldf(CTL_CL_SOCKETS_ELSEWHERE) / woken) : 0;
  stf(CTL_CL_RATE, elsewhere > 0 ? followRate(f, mu, n) : 0);
  stf(CTL_CL_RATE_LOW, shown * followRate(wilson(f, nf, -1), wilson(mu, nm, 1), n));
  stf(CTL_CL_RATE_HIGH, shown * followRate(wilson(f, nf, 1), wilson(mu, nm, -1), n) + 1 - shown);
}

/** Current head of a lane's CPU t backlog, as get_rps_cpu() reads it (`same`: no FIFO heads in the bank). */
@inline function headOf(o: usize, t: i32, ts: f64, same: bool): i32 {
  if (!same && fld(o, L_FIFO) != 0) {
    // One packet every fifoNs: the ones still queued at ts are those finishing after ts.
    const backlog = Math.max(0, Math.ceil((ldf(fld(o, L_FIFO_DONE) + 2 * t) - ts) / ldf(fld(o, L_FIFO_NS))));
    return <i32>(<i64>(<f64>ld(fld(o, L_TAIL) + t) - backlog));
  }
  return ld(fld(o, L_HEAD) + t);
}

/**
 * A received packet in every lane: get_rps_cpu() + set_rps_cpu() +
 * enqueue_to_backlog() (netif_rx path). `w` is its place in the deliver
 * window, -1 when no deliver row can match it.
 */
function packet(h: i32, q: i32, rowCpu: i32, flow: i32, w: i32, ts: f64): void {
  // Lanes outside the vector group, if the bank has one (packetVector() replays those).
  if (vEnd == 0) {
    packetInLanes(h, q, rowCpu, flow, w, ts, false, 0, lanes);
  } else {
    if (vFirst > 0) packetInLanes(h, q, rowCpu, flow, w, ts, false, 0, vFirst);
    if (vEnd < lanes) packetInLanes(h, q, rowCpu, flow, w, ts, false, vEnd, lanes);
  }
}

/**
 * packet() for a bank whose lanes differ only in their global table (a size
 * sweep: same nr_cpu_ids, kernel profile and queues, no FIFO heads, timelines
 * or explaining; CTL_SAME_LANES): the same code, compiled again with what the
 * lanes share worked out once per row and the per-lane checks folded away.
 */
function packetSameLanes(h: i32, q: i32, rowCpu: i32, flow: i32, w: i32, ts: f64): void {
  packetInLanes(h, q, rowCpu, flow, w, ts, true, 0, lanes);
}

// walkBySize()'s results.
let walkedFrom = 0;
let walkedIdent = 0;

/**
 * A size sweep's packet (hash `h`, non-zero) reads the lanes' global-table
 * slots from the smallest table up (the `n` lanes listed at word `bySize`),
 * only until a slot owned by its flow: the larger tables' slots then hold the
 * same (see recordSameLanes()). Sets
 * walkedFrom to that table's size (0x7fffffff: none) and walkedIdent to the
 * slot's value.
 */
@inline function walkBySize(h: i32, bySize: i32, n: i32): void {
  walkedFrom = 0x7fffffff;
  walkedIdent = 0;
  for (let j = 0; j < n; j++) {
    const o = wp(LANES_AT + ld(bySize + j) * LANE_WORDS);
    const slots = fld(o, L_SLOTS);
    if (slots == 0) continue;
    const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
    // (The owner test itself keeps each load: nothing to gather into `touched`.)
    if (fld(s, SOCK_OWNER) == h) {
      walkedFrom = slots;
      walkedIdent = fld(s, SOCK_ENT);
      break;
    }
  }
}

// ---- A size sweep's packets, four lanes at a time (WebAssembly SIMD) ----

/** Counter `c` + 1 in the lanes of `mask` (all ones: true) among lanes g..g+3. */
@inline function vcount(c: i32, g: i32, mask: v128): void {
  const p = wp(vq + c * lanes + g);
  v128.store(p, i32x4.sub(v128.load(p), mask));
}

/** Adds packetVector()'s counters into the lanes' own (L_COUNTS) and zeroes them. */
function flushVectorCounts(): void {
  for (let l = 0; l < lanes; l++) {
    const counts = fld(wp(LANES_AT + l * LANE_WORDS), L_COUNTS);
    for (let q = 0; q < queues; q++) {
      const cb = counts + q * COUNTERS;
      const vb = vcounts + q * COUNTERS * lanes;
      for (let c = 0; c <= LOCAL_UNRESOLVED; c++) {
        const v = vb + c * lanes + l;
        const x = ld(v);
        if (x != 0) {
          addTo(cb + c, x);
          st(v, 0);
        }
      }
    }
  }
}

/**
 * packetSameLanes() four lanes at a time, for the bank's vector group
 * (CTL_VCOUNTS set): lanes vFirst .. vEnd - 1, a multiple of four, that differ
 * only in their global table, of a kernel with collision detection, their
 * rps_dev_flow entries interleaved in lane order. A size sweep is one; in a
 * mixed bank packet() replays the other lanes. The same rules, as masks:
 * what the scalar path decides by a branch per lane (hit or miss, switch or
 * hold, RFS or RPS) the vector path computes for four lanes at once and
 * selects, and a lane's four rps_dev_flow words and its pending run are
 * loaded and stored for four lanes together. Per lane remain the global
 * slot's load, the backlog's head and tail (a CPU index each), and a pending
 * run that changes placement (the node list).
 */
function packetVector(h: i32, q: i32, rowCpu: i32, flow: i32, w: i32, ts: f64): void {
  const o0 = wp(LANES_AT + vFirst * LANE_WORDS);
  const qo = wp(fld(o0, L_QUEUES) + q * QUEUE_WORDS);
  const qSlots = fld(qo, Q_SLOTS);
  // get_rps_cpu(): no hash, or no rps_dev_flow table: the group's lanes do the same, by the scalar path.
  if (h == 0 || qSlots == 0) {
    packetInLanes(h, q, rowCpu, flow, w, ts, false, vFirst, vEnd);
    return;
  }
  const nr = fld(o0, L_NR);
  const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
  vq = vcounts + q * COUNTERS * lanes;
  // rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before.
  const entry = fld(qo, Q_FIRST) + ((fld(o0, L_FLAGS) & HASHED_QUEUE_SLOT) != 0 ? hash32(h, fld(qo, Q_LOG)) : h & (qSlots - 1));
  // try_rps: map->cpus[reciprocal_scale(hash, map->len)], the same map in every lane.
  const mapAt = fld(qo, Q_MAP);
  const len = ld(mapAt);
  const rpsTarget = len > 0 ? ld(mapAt + 1 + reciprocalScale(h, len)) : cpu;
  const notRfs = len > 0 ? STEERED_RPS : NOT_STEERED;
  const pktAt = w >= 0 ? pkt + PKT_WORDS * w * lanes : -1;
  // Lane l's rps_dev_flow entry [cpu, last_qtail, last hash, unused] is at qAt + DEV_FLOW_WORDS * (l - vFirst).
  const qAt = fld(o0, L_QFLOW) + entry * fld(o0, L_QSTRIDE) - DEV_FLOW_WORDS * vFirst;
  walkBySize(h, ld(CTL_VBY_SIZE), vEnd - vFirst);
  const ownedFrom = walkedFrom;
  const ownedIdent = walkedIdent;
  const zero = i32x4.splat(0);
  const one = i32x4.splat(1);
  const H = i32x4.splat(h);
  const NR = i32x4.splat(nr);
  const CPU = i32x4.splat(cpu);
  const hashMask = i32x4.splat(fld(o0, L_HASH_MASK));
  const cpuMask = i32x4.splat(fld(o0, L_CPU_MASK));
  const hasList = i32x4.splat(HAS_LIST);
  // Per-lane steps below are written out four times: a SIMD lane index must be a constant.
  for (let g = vFirst; g < vEnd; g += 4) {
    // rps_sock_flow_table: ident = ents[hash & mask], with who last targeted the slot.
    let ident = zero;
    let owner = zero;
    let table = zero;
    {
      const o = wp(LANES_AT + (g + 0) * LANE_WORDS);
      const slots = fld(o, L_SLOTS);
      let id = ownedIdent;
      let ow = h;
      if (slots < ownedFrom) {
        id = 0;
        ow = 0;
        if (slots > 0) {
          const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
          id = fld(s, SOCK_ENT);
          ow = fld(s, SOCK_OWNER);
        }
      }
      ident = i32x4.replace_lane(ident, 0, id);
      owner = i32x4.replace_lane(owner, 0, ow);
      table = i32x4.replace_lane(table, 0, slots);
    }
    {
      const o = wp(LANES_AT + (g + 1) * LANE_WORDS);
      const slots = fld(o, L_SLOTS);
      let id = ownedIdent;
      let ow = h;
      if (slots < ownedFrom) {
        id = 0;
        ow = 0;
        if (slots > 0) {
          const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
          id = fld(s, SOCK_ENT);
          ow = fld(s, SOCK_OWNER);
        }
      }
      ident = i32x4.replace_lane(ident, 1, id);
      owner = i32x4.replace_lane(owner, 1, ow);
      table = i32x4.replace_lane(table, 1, slots);
    }
    {
      const o = wp(LANES_AT + (g + 2) * LANE_WORDS);
      const slots = fld(o, L_SLOTS);
      let id = ownedIdent;
      let ow = h;
      if (slots < ownedFrom) {
        id = 0;
        ow = 0;
        if (slots > 0) {
          const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
          id = fld(s, SOCK_ENT);
          ow = fld(s, SOCK_OWNER);
        }
      }
      ident = i32x4.replace_lane(ident, 2, id);
      owner = i32x4.replace_lane(owner, 2, ow);
      table = i32x4.replace_lane(table, 2, slots);
    }
    {
      const o = wp(LANES_AT + (g + 3) * LANE_WORDS);
      const slots = fld(o, L_SLOTS);
      let id = ownedIdent;
      let ow = h;
      if (slots < ownedFrom) {
        id = 0;
        ow = 0;
        if (slots > 0) {
          const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
          id = fld(s, SOCK_ENT);
          ow = fld(s, SOCK_OWNER);
        }
      }
      ident = i32x4.replace_lane(ident, 3, id);
      owner = i32x4.replace_lane(owner, 3, ow);
      table = i32x4.replace_lane(table, 3, slots);
    }
    const lookup = i32x4.gt_s(table, zero);
    // if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps; next_cpu = ident & rps_cpu_mask;
    const match = v128.and(lookup, i32x4.eq(v128.and(v128.xor(ident, H), hashMask), zero));
    const next = v128.and(ident, cpuMask);
    const valid = i32x4.lt_s(next, NR);
    const hit = v128.and(match, valid);
    const own = i32x4.eq(owner, H);
    vcount(HITS_OWN, g, v128.and(hit, own));
    vcount(HITS_ALIASED, g, v128.andnot(hit, own));
    vcount(MISSES_INVALID_CPU, g, v128.andnot(match, valid));
    const miss = v128.andnot(lookup, match);
    const empty = i32x4.eq(owner, zero);
    vcount(MISSES_EMPTY, g, v128.and(miss, empty));
    vcount(MISSES_COLLISION, g, v128.andnot(miss, empty));

    // The rps_dev_flow entries, read only when a lane's hint matched.
    const anyMatch = v128.any_true(match);
    let tcpu = zero;
    let qtail = zero;
    let last = zero;
    let unused = zero;
    let steered = zero;
    if (anyMatch) {
      const qp = wp(qAt + DEV_FLOW_WORDS * g);
      const r0 = v128.load(qp);
      const r1 = v128.load(qp, 16);
      const r2 = v128.load(qp, 32);
      const r3 = v128.load(qp, 48);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      tcpu = i32x4.shuffle(t0, t1, 0, 1, 4, 5);
      qtail = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
      last = i32x4.shuffle(t2, t3, 0, 1, 4, 5);
      unused = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
      vcount(SLOT_CONFLICTS, g, v128.and(match, v128.andnot(i32x4.ne(last, zero), i32x4.eq(last, H))));
      last = v128.bitselect(H, last, match);
      // Switch if the current CPU is unset, or its backlog has passed the last
      // packet this entry enqueued there (in-order delivery).
      const differs = v128.and(match, i32x4.ne(tcpu, next));
      const tcpuValid = i32x4.lt_s(tcpu, NR);
      let headT = zero;
      if (v128.any_true(v128.and(differs, tcpuValid))) {
        const at = v128.and(tcpu, tcpuValid);
        headT = i32x4.replace_lane(headT, 0, ld(fld(wp(LANES_AT + (g + 0) * LANE_WORDS), L_HEAD) + i32x4.extract_lane(at, 0)));
        headT = i32x4.replace_lane(headT, 1, ld(fld(wp(LANES_AT + (g + 1) * LANE_WORDS), L_HEAD) + i32x4.extract_lane(at, 1)));
        headT = i32x4.replace_lane(headT, 2, ld(fld(wp(LANES_AT + (g + 2) * LANE_WORDS), L_HEAD) + i32x4.extract_lane(at, 2)));
        headT = i32x4.replace_lane(headT, 3, ld(fld(wp(LANES_AT + (g + 3) * LANE_WORDS), L_HEAD) + i32x4.extract_lane(at, 3)));
      }
      const canSwitch = v128.or(v128.not(tcpuValid), i32x4.ge_s(i32x4.sub(headT, qtail), zero));
      const sw = v128.and(differs, canSwitch);
      // set_rps_cpu(): rflow->cpu = next_cpu (its last_qtail is this packet's tail, below).
      vcount(SLOT_SWITCHES, g, v128.and(sw, valid));
      vcount(OOO_HOLDS, g, v128.andnot(differs, canSwitch)); // a held entry's CPU is valid: steered
      tcpu = v128.bitselect(next, tcpu, sw);
      steered = v128.and(match, i32x4.lt_s(tcpu, NR));
    }
    const target = v128.bitselect(tcpu, i32x4.splat(rpsTarget), steered);
    vcount(notRfs, g, v128.not(steered));
    vcount(CROSS_CPU, g, i32x4.ne(target, CPU));

    // enqueue_to_backlog(): ++input_queue_tail, per lane.
    let pos = zero;
    const tgt0 = i32x4.extract_lane(target, 0);
    {
      const o = wp(LANES_AT + (g + 0) * LANE_WORDS);
      const tk = fld(o, L_TAIL) + tgt0;
      const p = ld(tk) + 1;
      st(tk, p);
      if (!sawDeliver) st(fld(o, L_HEAD) + tgt0, p);
      if (pktAt >= 0) {
        st(pktAt + PKT_WORDS * (g + 0), tgt0);
        st(pktAt + PKT_WORDS * (g + 0) + 1, p);
      }
      inc(fld(o, L_PER_CPU) + tgt0);
      pos = i32x4.replace_lane(pos, 0, p);
    }
    const tgt1 = i32x4.extract_lane(target, 1);
    {
      const o = wp(LANES_AT + (g + 1) * LANE_WORDS);
      const tk = fld(o, L_TAIL) + tgt1;
      const p = ld(tk) + 1;
      st(tk, p);
      if (!sawDeliver) st(fld(o, L_HEAD) + tgt1, p);
      if (pktAt >= 0) {
        st(pktAt + PKT_WORDS * (g + 1), tgt1);
        st(pktAt + PKT_WORDS * (g + 1) + 1, p);
      }
      inc(fld(o, L_PER_CPU) + tgt1);
      pos = i32x4.replace_lane(pos, 1, p);
    }
    const tgt2 = i32x4.extract_lane(target, 2);
    {
      const o = wp(LANES_AT + (g + 2) * LANE_WORDS);
      const tk = fld(o, L_TAIL) + tgt2;
      const p = ld(tk) + 1;
      st(tk, p);
      if (!sawDeliver) st(fld(o, L_HEAD) + tgt2, p);
      if (pktAt >= 0) {
        st(pktAt + PKT_WORDS * (g + 2), tgt2);
        st(pktAt + PKT_WORDS * (g + 2) + 1, p);
      }
      inc(fld(o, L_PER_CPU) + tgt2);
      pos = i32x4.replace_lane(pos, 2, p);
    }
    const tgt3 = i32x4.extract_lane(target, 3);
    {
      const o = wp(LANES_AT + (g + 3) * LANE_WORDS);
      const tk = fld(o, L_TAIL) + tgt3;
      const p = ld(tk) + 1;
      st(tk, p);
      if (!sawDeliver) st(fld(o, L_HEAD) + tgt3, p);
      if (pktAt >= 0) {
        st(pktAt + PKT_WORDS * (g + 3), tgt3);
        st(pktAt + PKT_WORDS * (g + 3) + 1, p);
      }
      inc(fld(o, L_PER_CPU) + tgt3);
      pos = i32x4.replace_lane(pos, 3, p);
    }
    if (anyMatch) {
      // rps_input_queue_tail_save(&rflow->last_qtail, tail) when steered by RFS.
      qtail = v128.bitselect(pos, qtail, steered);
      const u0 = i32x4.shuffle(tcpu, qtail, 0, 4, 1, 5);
      const u1 = i32x4.shuffle(last, unused, 0, 4, 1, 5);
      const u2 = i32x4.shuffle(tcpu, qtail, 2, 6, 3, 7);
      const u3 = i32x4.shuffle(last, unused, 2, 6, 3, 7);
      const qp = wp(qAt + DEV_FLOW_WORDS * g);
      v128.store(qp, i32x4.shuffle(u0, u1, 0, 1, 4, 5));
      v128.store(qp, i32x4.shuffle(u0, u1, 2, 3, 6, 7), 16);
      v128.store(qp, i32x4.shuffle(u2, u3, 0, 1, 4, 5), 32);
      v128.store(qp, i32x4.shuffle(u2, u3, 2, 3, 6, 7), 48);
    }

    // pendingAdd() in four lanes: [count, run] per key, the run cpu | (desired + 1) << 16.
    if (flow >= 0) {
      const key = flow * lanes + g;
      const pp = wp(runs + RUN_WORDS * key);
      const a = v128.load(pp);
      const b = v128.load(pp, 16);
      const count = i32x4.shuffle(a, b, 0, 2, 4, 6);
      const word = i32x4.shuffle(a, b, 1, 3, 5, 7);
      const run = v128.or(target, i32x4.shl(v128.and(i32x4.add(next, one), hit), 16));
      const fresh = i32x4.eq(count, zero);
      const inline = v128.or(fresh, i32x4.eq(v128.andnot(word, hasList), run));
      const newCount = v128.bitselect(v128.bitselect(one, i32x4.add(count, one), fresh), count, inline);
      const newWord = v128.bitselect(v128.or(run, v128.and(word, hasList)), word, fresh);
      v128.store(pp, i32x4.shuffle(newCount, newWord, 0, 4, 1, 5));
      v128.store(pp, i32x4.shuffle(newCount, newWord, 2, 6, 3, 7), 16);
      const rest = i32x4.bitmask(v128.not(inline));
      if (rest != 0) {
        const desired = v128.bitselect(next, i32x4.splat(-1), hit);
        if ((rest & (1 << 0)) != 0) pendingAddToList(key + 0, tgt0, i32x4.extract_lane(desired, 0), ts, -1);
        if ((rest & (1 << 1)) != 0) pendingAddToList(key + 1, tgt1, i32x4.extract_lane(desired, 1), ts, -1);
        if ((rest & (1 << 2)) != 0) pendingAddToList(key + 2, tgt2, i32x4.extract_lane(desired, 2), ts, -1);
        if ((rest & (1 << 3)) != 0) pendingAddToList(key + 3, tgt3, i32x4.extract_lane(desired, 3), ts, -1);
      }
    } else {
      vcount(LOCAL_UNRESOLVED, g, i32x4.splat(-1));
    }
  }
}

/** Counter `c` + `v` in lanes g..g+3. */
@inline function vadd(c: i32, g: i32, v: v128): void {
  const p = wp(vq + c * lanes + g);
  v128.store(p, i32x4.add(v128.load(p), v));
}

/**
 * pendingResolve() in the lanes of the vector group (packetVector()), four at
 * a time: the inline runs as masks, a key's node list by the scalar path.
 */
function pendingResolveVector(flow: i32, cpu: i32): void {
  const zero = i32x4.splat(0);
  const C = i32x4.splat(cpu);
  const hasList = i32x4.splat(HAS_LIST);
  vq = vcounts + recordQueue * COUNTERS * lanes;
  for (let g = vFirst; g < vEnd; g += 4) {
    const key = flow * lanes + g;
    const pp = wp(runs + RUN_WORDS * key);
    const a = v128.load(pp);
    const b = v128.load(pp, 16);
    const count = i32x4.shuffle(a, b, 0, 2, 4, 6);
    const word = i32x4.shuffle(a, b, 1, 3, 5, 7);
    const listed = v128.and(word, hasList);
    if (!v128.any_true(v128.or(count, listed))) continue;
    // A run's packets were processed on its CPU (word & 0xffff); a hit's hint was desired + 1 (bits 16..30).
    const local = i32x4.eq(v128.and(word, i32x4.splat(0xffff)), C);
    const desired = i32x4.sub(i32x4.shr_u(v128.andnot(word, hasList), 16), i32x4.splat(1));
    const stale = v128.and(i32x4.ge_s(desired, zero), i32x4.ne(desired, C));
    vadd(LOCAL, g, v128.and(count, local));
    vadd(HITS_STALE, g, v128.and(count, stale));
    const cleared = v128.andnot(word, hasList);
    v128.store(pp, i32x4.shuffle(zero, cleared, 0, 4, 1, 5));
    v128.store(pp, i32x4.shuffle(zero, cleared, 2, 6, 3, 7), 16);
    const lists = i32x4.bitmask(listed);
    if (lists != 0) {
        if ((lists & (1 << 0)) != 0) resolveListInLane(key + 0, g + 0, cpu);
        if ((lists & (1 << 1)) != 0) resolveListInLane(key + 1, g + 1, cpu);
        if ((lists & (1 << 2)) != 0) resolveListInLane(key + 2, g + 2, cpu);
        if ((lists & (1 << 3)) != 0) resolveListInLane(key + 3, g + 3, cpu);
    }
  }
}

/** pendingResolveList() of `key` in lane `l`, counted into packetVector()'s counters. */
function resolveListInLane(key: i32, l: i32, cpu: i32): void {
  resolvedLocal = 0;
  resolvedHits = 0;
  resolvedStale = 0;
  pendingResolveList(key, cpu, -1);
  addTo(vq + LOCAL * lanes + l, resolvedLocal);
  addTo(vq + HITS_STALE * lanes + l, resolvedStale);
}

@inline function packetInLanes(h: i32, q: i32, rowCpu: i32, flow: i32, w: i32, ts: f64, same: bool, from: i32, to: i32): void {
  const qOff = q * QUEUE_WORDS;
  const qCounts = q * COUNTERS;
  const pktAt = w >= 0 ? pkt + PKT_WORDS * w * lanes : -1;
  // The lanes' global-table slots are independent loads: issued together here,
  // their cache misses overlap instead of each waiting behind the previous lane's branches.
  // In a size sweep, from the smallest table up, only until a slot owned by this
  // flow: the larger tables' slots then hold the same (see recordSameLanes()).
  let ownedFrom = 0x7fffffff; // the smallest table size whose slot this flow owns
  let ownedIdent = 0;
  if (same) {
    if (h != 0) {
      walkBySize(h, ld(CTL_BY_SIZE), lanes);
      ownedFrom = walkedFrom;
      ownedIdent = walkedIdent;
    }
  } else {
    let early = 0;
    for (let l = from; l < to; l++) {
      const o = wp(LANES_AT + l * LANE_WORDS);
      if (fld(o, L_SLOTS) > 0) early |= ld(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
    }
    touched = early;
  }
  // What a lane works out from its nr_cpu_ids and its queues, kept for the next lane:
  // in a global-size sweep every lane has the same (they share queue blocks).
  let lastNr = -1;
  let cpu = rowCpu;
  let lastQueue = -1;
  let lastHashed = -1;
  let qSlots = 0;
  let mapAt = 0;
  let entry = 0; // the row's rps_dev_flow entry in the lane's tables
  for (let l = from; l < to; l++) {
    const o = wp(LANES_AT + l * LANE_WORDS);
    const cb = wp(fld(o, L_COUNTS) + qCounts);
    const nr = fld(o, L_NR);
    if (nr != lastNr && (!same || l == from)) {
      cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
      lastNr = nr;
    }
    const flags = fld(o, L_FLAGS);
    const queue = fld(o, L_QUEUES) + qOff;
    const hashed = flags & HASHED_QUEUE_SLOT;
    if ((queue != lastQueue || hashed != lastHashed) && (!same || l == from)) {
      const qo = wp(queue);
      qSlots = fld(qo, Q_SLOTS);
      mapAt = fld(qo, Q_MAP);
      // rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before.
      if (qSlots > 0) entry = fld(qo, Q_FIRST) + (hashed != 0 ? hash32(h, fld(qo, Q_LOG)) : h & (qSlots - 1));
      lastQueue = queue;
      lastHashed = hashed;
    }
    let target = cpu;
    let path = PATH_NOT_STEERED;
    let qi = -1; // the rps_dev_flow entry's word when steered by RFS
    let qe: usize = 0; // its byte address
    let desired = -1; // the hint's CPU on a hit
    let lookup = false;
    let collision = false;
    let invalidCpu = false;

    // get_rps_cpu(): no map and no flow table, or no hash: not steered.
    if (h != 0 && (qSlots > 0 || ld(mapAt) > 0)) {
      if (qSlots > 0 && fld(o, L_SLOTS) > 0) {
        lookup = true; // LOOKUPS: derived at the end
        let ident: i32;
        let owner: i32;
        if (same && fld(o, L_SLOTS) >= ownedFrom) {
          ident = ownedIdent;
          owner = h;
        } else {
          const s = wp(fld(o, L_SOCK) + SOCK_SLOT_WORDS * (h & fld(o, L_SOCK_MASK)));
          ident = fld(s, SOCK_ENT);
          owner = fld(s, SOCK_OWNER);
        }
        let match: bool;
        let next: i32;
        if ((flags & COLLISION_DETECTION) != 0) {
          // if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps;
          match = ((ident ^ h) & fld(o, L_HASH_MASK)) == 0;
          next = ident & fld(o, L_CPU_MASK);
        } else {
          // 3.19: next_cpu = ents[hash & mask]; RPS_NO_CPU is the only "no".
          match = ident != RPS_NO_CPU;
          next = ident;
        }
        if (match) {
          if (next < nr) {
            desired = next; // HITS: derived at the end
            if (owner == h) finc(cb, HITS_OWN);
            else finc(cb, HITS_ALIASED);
          } else {
            finc(cb, MISSES_INVALID_CPU);
            invalidCpu = true;
          }
        } else if (owner == 0) {
          finc(cb, MISSES_EMPTY);
        } else {
          finc(cb, MISSES_COLLISION);
          collision = true;
        }
        // 3.19 consults the queue table even for an empty slot (next_cpu = RPS_NO_CPU).
        if (match || (flags & COLLISION_DETECTION) == 0) {
          qi = fld(o, L_QFLOW) + entry * fld(o, L_QSTRIDE);
          qe = wp(qi);
          if (match) {
            const last = fld(qe, DEV_LAST_HASH);
            if (last != 0 && last != h) finc(cb, SLOT_CONFLICTS);
            fst(qe, DEV_LAST_HASH, h);
          }
          let tcpu = fld(qe, DEV_CPU);
          path = PATH_RFS_FOLLOWED_HINT;
          if (tcpu != next) {
            // Switch if the current CPU is unset, or its backlog has passed the
            // last packet this entry enqueued there (in-order delivery).
            if (tcpu >= nr || headOf(o, tcpu, ts, same) - fld(qe, DEV_LAST_QTAIL) >= 0) {
              // set_rps_cpu(): last_qtail = head of the new CPU; rflow->cpu = next_cpu.
              if (next < nr) {
                fst(qe, DEV_LAST_QTAIL, headOf(o, next, ts, same));
                finc(cb, SLOT_SWITCHES);
              }
              fst(qe, DEV_CPU, next);
              tcpu = next;
              path = PATH_RFS_SWITCHED_SLOT;
            } else {
              path = PATH_RFS_HELD_BY_ORDERING_GUARD;
            }
          }
          if (tcpu < nr) {
            target = tcpu; // STEERED_RFS: derived at the end
            if (path == PATH_RFS_HELD_BY_ORDERING_GUARD) finc(cb, OOO_HOLDS);
          } else {
            qi = -1;
            path = PATH_NOT_STEERED;
          }
        }
      }
      if (qi < 0) {
        // try_rps: map->cpus[reciprocal_scale(hash, map->len)].
        const len = ld(mapAt);
        if (len > 0) {
          target = ld(mapAt + 1 + reciprocalScale(h, len));
          path = invalidCpu ? PATH_RPS_INVALID_CPU : PATH_RPS_NO_HINT;
          finc(cb, STEERED_RPS);
        } else {
          finc(cb, NOT_STEERED);
        }
      }
    } else {
      finc(cb, NOT_STEERED);
    }

    // enqueue_to_backlog(): ++input_queue_tail, saved into rflow->last_qtail when steered by RFS.
    const tk = fld(o, L_TAIL) + target;
    const pos = ld(tk) + 1;
    st(tk, pos);
    if (qi >= 0) fst(qe, DEV_LAST_QTAIL, pos);
    if (!same && fld(o, L_FIFO) != 0) {
      const k = fld(o, L_FIFO_DONE) + 2 * target;
      stf(k, Math.max(ldf(k), ts) + ldf(fld(o, L_FIFO_NS)));
    } else if (!sawDeliver) {
      // Before the trace's first deliver row every packet counts as processed at once.
      st(fld(o, L_HEAD) + target, pos);
    }
    if (pktAt >= 0) {
      const pw = pktAt + PKT_WORDS * l;
      st(pw, target);
      st(pw + 1, pos);
    }
    inc(fld(o, L_PER_CPU) + target);
    if (target != cpu) finc(cb, CROSS_CPU);
    const timeline = !same && anyTimeline ? fld(o, L_TIMELINE) : -1;
    if (flow >= 0) pendingAdd(flow * lanes + l, target, desired, ts, timeline);
    else finc(cb, LOCAL_UNRESOLVED);
    if (!same && anyExplain && w >= 0) {
      const paths = fld(o, L_PATHS);
      if (paths >= 0) {
        stb(paths, w, path);
        st(fld(o, L_HASHES) + w, h);
      }
    }
    if (timeline >= 0) timelinePacket(timeline, ts, lookup, desired >= 0, collision);
  }
}

/**
 * The kernel's own decision (net:netif_receive_skb on `rowCpu`), checked in
 * every lane; `w` is the matched packet's place in the deliver window, -1 for none.
 */
function deliver(rowCpu: i32, w: i32, ts: f64, line: f64): void {
  sawDeliver = true;
  const qCounts = queues > 1 && w >= 0 ? ld(ld(CTL_PKT_QUEUE) + w) * COUNTERS : 0;
  for (let l = 0; l < lanes; l++) {
    const o = wp(LANES_AT + l * LANE_WORDS);
    const cb = wp(fld(o, L_COUNTS) + qCounts);
    const nr = fld(o, L_NR);
    const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
    if (w < 0) {
      finc(cb, DELIVER_UNMATCHED);
      continue;
    }
    finc(cb, DELIVER_MATCHED);
    const pw = pkt + PKT_WORDS * (w * lanes + l);
    const modelCpu = ld(pw);
    const agree = modelCpu == cpu;
    if (agree) {
      finc(cb, AGREE);
      // process_backlog() has dequeued up to this packet on this CPU.
      if (fld(o, L_FIFO) == 0) {
        const pos = ld(pw + 1);
        const k = fld(o, L_HEAD) + cpu;
        if (pos - ld(k) > 0) st(k, pos);
      }
    } else {
      if (fld(o, L_LOOP) >= LOOP_FOLLOW_LOW && fld(o, L_FIFO) == 0) closedLoopDelivered(o, modelCpu, ld(pw + 1));
      const paths = fld(o, L_PATHS);
      if (paths >= 0) {
        // run() keeps `lanes` log entries free for every deliver row.
        const e = ld(CTL_LOG) + LOG_WORDS * logUsed++;
        st(e + LOG_LANE, l);
        st(e + LOG_PATH, ldb(paths, w));
        st(e + LOG_MODEL_CPU, modelCpu);
        st(e + LOG_KERNEL_CPU, cpu);
        st(e + LOG_RXHASH, ld(fld(o, L_HASHES) + w));
        stf(e + LOG_LINE, line);
      }
    }
    const timeline = fld(o, L_TIMELINE);
    if (timeline >= 0) timelineDeliver(timeline, ts, agree);
  }
}

// ---- Per row, whatever the configuration: identities and trace statistics ----

// Where a flow hash's and a socket identity's probes start (before the table's mask).
@inline function flowSlot(h: i32): i32 {
  return h * <i32>0x9e3779b1;
}
@inline function socketSlot(hi: i32, lo: i32, kind: i32): i32 {
  return (lo ^ (hi * <i32>0x9e3779b1) ^ kind) * <i32>0x85ebca6b;
}

/** Dense id of flow hash `h` (non-zero), given on first sight; run() keeps the table under half full. */
@inline function flowId(h: i32): i32 {
  const table = ld(CTL_FLOW_TABLE);
  const mask = ld(CTL_FLOW_MASK);
  let i = flowSlot(h) & mask;
  for (;;) {
    const k = ld(table + FLOW_ENTRY_WORDS * i);
    if (k == h) return ld(table + FLOW_ENTRY_WORDS * i + 1);
    if (k == 0) break;
    i = (i + 1) & mask;
  }
  const id = ld(CTL_FLOWS_SEEN);
  st(CTL_FLOWS_SEEN, id + 1);
  st(table + FLOW_ENTRY_WORDS * i, h);
  st(table + FLOW_ENTRY_WORDS * i + 1, id);
  return id;
}

/** Dense id of a socket identity: a key of its kind (socketOfFlow()). */
function socketId(hi: i32, lo: i32, kind: i32): i32 {
  const table = ld(CTL_SOCK_TABLE);
  const mask = ld(CTL_SOCK_MASK);
  let i = socketSlot(hi, lo, kind) & mask;
  for (;;) {
    const o = table + SOCK_ENTRY_WORDS * i;
    const idPlus1 = ld(o + 2);
    if (idPlus1 == 0) break;
    if (ld(o + 1) == lo && ld(o) == hi && ld(o + 3) == kind) return idPlus1 - 1;
    i = (i + 1) & mask;
  }
  const id = ld(CTL_SOCKETS_SEEN);
  st(CTL_SOCKETS_SEEN, id + 1);
  const o = table + SOCK_ENTRY_WORDS * i;
  st(o, hi);
  st(o + 1, lo);
  st(o + 2, id + 1);
  st(o + 3, kind);
  return id;
}

/** The kind of socket identity a reader numbered itself (its id in lo), beside the keys' kinds (ingest/id-keys.ts). */
const READER_ID = 7;

/**
 * The socket id of an identity (a kind of ingest/id-keys.ts and its 64-bit
 * key hi:lo, or READER_ID and a reader's id in lo) on a row of `flow` (-1:
 * none). A flow's record rows nearly always come from one socket: its last
 * one is kept with the flow (its id + 1, the kind in the top 4 bits), and most
 * rows skip the table.
 */
@inline function socketOfFlow(hi: i32, lo: i32, kind: i32, flow: i32): i32 {
  if (flow < 0) return socketId(hi, lo, kind);
  const f = ld(CTL_FLOW_INFO) + FLOW_INFO_WORDS * flow;
  const tagged = ld(f + 3);
  if (tagged != 0 && <u32>tagged >> 28 == <u32>kind && ld(f + 2) == lo && ld(f + 1) == hi) return (tagged & 0x0fffffff) - 1;
  const id = socketId(hi, lo, kind);
  st(f + 1, hi);
  st(f + 2, lo);
  st(f + 3, (id + 1) | (kind << 28));
  return id;
}

/** Active flows: distinct flows with record events per 100 ms window, averaged over windows. */
@inline function countActive(flow: i32, ts: f64): void {
  const w = Math.floor(ts / ACTIVE_WINDOW_NS);
  if (w != ldf(CTL_WINDOW)) {
    const distinct = ld(CTL_WINDOW_DISTINCT);
    if (distinct > 0) {
      stf(CTL_ACTIVE_SUM, ldf(CTL_ACTIVE_SUM) + <f64>distinct);
      stf(CTL_ACTIVE_WINDOWS, ldf(CTL_ACTIVE_WINDOWS) + 1);
    }
    stf(CTL_WINDOW, w);
    st(CTL_WINDOW_ORDINAL, ld(CTL_WINDOW_ORDINAL) + 1);
    st(CTL_WINDOW_DISTINCT, 0);
  }
  const f = ld(CTL_FLOW_INFO) + FLOW_INFO_WORDS * flow;
  const ordinal = ld(CTL_WINDOW_ORDINAL);
  if (ld(f) != ordinal) {
    st(f, ordinal);
    st(CTL_WINDOW_DISTINCT, ld(CTL_WINDOW_DISTINCT) + 1);
  }
}

/**
 * A multi-queue trace's packet on queue `q`: counts it per queue, remembers
 * its queue for a deliver row (window place `w`) and for its flow's next
 * record, whose resolved packets are counted under the queue they came on.
 */
@inline function countQueue(q: i32, flow: i32, w: i32): void {
  const stats = ld(CTL_QUEUE_STATS) + QUEUE_STATS_WORDS * q;
  stf(stats + QS_PACKETS, ldf(stats + QS_PACKETS) + 1);
  if (w >= 0) st(ld(CTL_PKT_QUEUE) + w, q);
  if (flow < 0) return;
  const fq = ld(CTL_FLOW_QUEUE) + flow;
  const old = ld(fq);
  if ((old & FQ_QUEUE) != q + 1) {
    stf(stats + QS_FLOWS, ldf(stats + QS_FLOWS) + 1);
    // Its waiting packets came on another queue: all of them count under this one.
    if ((old & FQ_WAITING) != 0) stf(CTL_QUEUE_CHANGES, ldf(CTL_QUEUE_CHANGES) + 1);
  }
  st(fq, (q + 1) | FQ_WAITING);
}

/** The queue of `flow`'s waiting packets (0 when none wait), which its record now resolves. */
@inline function waitingQueue(flow: i32): i32 {
  const fq = ld(CTL_FLOW_QUEUE) + flow;
  const word = ld(fq);
  if ((word & FQ_WAITING) == 0) return 0;
  st(fq, word & FQ_QUEUE);
  return (word & FQ_QUEUE) - 1;
}

/**
 * Writes zeros over the per-flow state (pending runs; flow info where this
 * bank numbers) of flows first seen, ids flowsWritten..flow. The words are
 * zero already, but their pages are fresh, and the lanes read them before
 * they write them: a fresh page read first is mapped to the shared zero page, and the
 * write after it replaces that mapping, which in a process running on both
 * cores costs a TLB shootdown, an IPI to the other core. A 10M-row sweep took
 * about 9,000 (perf: exceptions:page_fault_user with error code 7; 2.8% of
 * its cpu-clock samples sending the IPIs, under flush_tlb_mm_range). Regions
 * are reserved large and only touched as ids reach them, so they are written
 * here, id by id, not when allocated.
 */
function writeFlows(flow: i32, numbering: bool): void {
  for (let f = flowsWritten; f <= flow; f++) {
    const r = runs + RUN_WORDS * f * lanes;
    for (let k = 0; k < RUN_WORDS * lanes; k++) st(r + k, 0);
    st(ld(CTL_FLOW_QUEUE) + f, 0);
    st(flowLists + f, 0);
    if (numbering) {
      const info = ld(CTL_FLOW_INFO) + FLOW_INFO_WORDS * f;
      for (let k = 0; k < FLOW_INFO_WORDS; k++) st(info + k, 0);
    }
  }
  flowsWritten = flow + 1;
}

/** writeFlows() for the per-socket state (socket ids socketsWritten..sock). */
function writeSockets(sock: i32): void {
  const socks = ld(CTL_SOCKS);
  for (let s = socketsWritten; s <= sock; s++) {
    st(socks + SOCKET_STATE_WORDS * s, 0);
    st(socks + SOCKET_STATE_WORDS * s + 1, 0);
    for (let k = 0; k < (clLanes > 0 ? clWords : 0); k++) st(clSocks + clWords * s + k, 0);
  }
  socketsWritten = sock + 1;
}

/**
 * Replays rows [from, to) of the batch columns in every lane. Returns the row
 * it stopped at: `to`, or earlier when a growable region is full (CTL_STOP
 * says which); the caller grows it and calls again from there.
 */
export function run(from: i32, to: i32): i32 {
  enter();
  const colTs = ld(CTL_COL_TS);
  const colLine = ld(CTL_COL_LINE);
  const colOrdinal = ld(CTL_COL_ORDINAL);
  const colRxhash = ld(CTL_COL_RXHASH);
  const colCpu = ld(CTL_COL_CPU);
  const colQueue = ld(CTL_COL_QUEUE);
  const colSocket = ld(CTL_COL_SOCKET);
  const colSockHi = ld(CTL_COL_SOCK_HI);
  const colSockLo = ld(CTL_COL_SOCK_LO);
  const colSkb = ld(CTL_COL_SKB);
  const colEvent = ld(CTL_COL_EVENT);
  const colState = ld(CTL_COL_STATE);
  const flowCap = ld(CTL_FLOW_CAP);
  const nodeCap = ld(CTL_NODE_CAP);
  const sockCap = ld(CTL_SOCK_CAP);
  const socks = ld(CTL_SOCKS);
  const logCap = ld(CTL_LOG_CAP);
  const resolveIds = ld(CTL_RESOLVE_IDS) != 0;
  const ids = ld(CTL_IDS);
  const colFlow = ld(CTL_COL_FLOW);
  const sameLanes = ld(CTL_SAME_LANES) != 0;
  const sameRecord = sameLanes && lanes > 0 && (fld(wp(LANES_AT), L_FLAGS) & RESET_ON_CLOSE_AND_REHASH) == 0;
  const arrivals = ld(CTL_ARRIVALS);
  let lastTs = ldf(CTL_LAST_TS);
  let flowsSeen = ld(CTL_FLOWS_SEEN);
  if (ids != IDS_GIVEN) {
    // The rows' flow-table slots, loaded up front: independent loads overlap their
    // cache misses, where the lookups one by one would wait for each in turn.
    const table = ld(CTL_FLOW_TABLE);
    const mask = ld(CTL_FLOW_MASK);
    let early = 0;
    for (let i = from; i < to; i++) early |= ld(table + FLOW_ENTRY_WORDS * (flowSlot(ld(colRxhash + i)) & mask));
    touched = early;
  }
  for (let i = from; i < to; i++) {
    const ev = ldb(colEvent, i);
    const h = ld(colRxhash + i);
    const ts = ldf(colTs + 2 * i);
    // Room for whatever this row may add, checked before it changes anything.
    const flowRow = h != 0 && ev != EV_STATE && ev != EV_DELIVER;
    let stop = 0;
    if (ids == IDS_GIVEN) {
      if (ld(colFlow + i) >= flowCap) stop = STOP_FLOWS;
    } else if (flowRow) {
      const seen = ld(CTL_FLOWS_SEEN);
      if (2 * (seen + 1) > ld(CTL_FLOW_MASK)) stop = STOP_FLOW_TABLE;
      else if (seen >= flowCap) stop = STOP_FLOWS;
    }
    if (ev == EV_PACKET) {
      if (nodesUsed + lanes > nodeCap) stop = STOP_NODES;
    } else if (ev == EV_DELIVER) {
      if (anyExplain && logUsed + lanes > logCap) stop = STOP_LOG;
    } else if (resolveIds && ids != IDS_GIVEN) {
      const seen = ld(CTL_SOCKETS_SEEN);
      if (2 * (seen + 1) > ld(CTL_SOCK_MASK)) stop = STOP_SOCK_TABLE;
      else if (seen >= sockCap) stop = STOP_SOCKETS;
    } else if (ld(colSocket + i) >= sockCap) {
      stop = STOP_SOCKETS;
    }
    if (stop != 0) {
      stf(CTL_LAST_TS, lastTs);
      if (ids == IDS_GIVEN) st(CTL_FLOWS_SEEN, flowsSeen);
      leave(stop);
      return i;
    }

    let flow: i32;
    if (ids == IDS_GIVEN) {
      flow = ld(colFlow + i);
      if (flow >= flowsSeen) flowsSeen = flow + 1;
    } else {
      if (ts < lastTs) stf(CTL_BACKWARDS, ldf(CTL_BACKWARDS) + 1);
      else if (isNaN(ldf(CTL_FIRST_TS))) stf(CTL_FIRST_TS, ts);
      lastTs = ts;
      stf(CTL_EVENTS + 2 * ev, ldf(CTL_EVENTS + 2 * ev) + 1);
      flow = flowRow ? flowId(h) : -1;
      if (ids == IDS_EMIT) st(colFlow + i, flow);
    }
    if (flow >= flowsWritten) writeFlows(flow, ids != IDS_GIVEN);

    if (ev == EV_PACKET) {
      const ordinal = packets;
      packets++;
      const cpu = ld(colCpu + i);
      if (ids != IDS_GIVEN) stf(arrivals + 2 * cpu, ldf(arrivals + 2 * cpu) + 1);
      // (A bank without lanes is not given the queue and skb columns.)
      if (lanes > 0) {
        // Only a packet with an skb identity can be matched by a deliver row: the others skip the window.
        const w = ld(colSkb + i) != NONE ? <i32>(<i64>ordinal & <i64>PACKET_WINDOW_MASK) : -1;
        const q = ld(colQueue + i);
        if (queues > 1) countQueue(q, flow, w);
        if (sameLanes && vcounts == 0) packetSameLanes(h, q, cpu, flow, w, ts);
        else if (!sameLanes) packet(h, q, cpu, flow, w, ts);
        if (vcounts != 0) packetVector(h, q, cpu, flow, w, ts);
      }
    } else if (ev == EV_DELIVER) {
      if (lanes > 0) {
        // The ordinal of the packet this deliver row matched (the engine matches them), -1 for none.
        const ordinal = ldf(colOrdinal + 2 * i);
        deliver(ld(colCpu + i), ordinal < 0 ? -1 : <i32>(<i64>ordinal & <i64>PACKET_WINDOW_MASK), ts, ldf(colLine + 2 * i));
      }
    } else {
      let sock = ld(colSocket + i);
      if (resolveIds && ids != IDS_GIVEN) {
        if (sock <= DEFERRED_ID) sock = socketOfFlow(ld(colSockHi + i), ld(colSockLo + i), DEFERRED_ID - sock, flow);
        else sock = socketOfFlow(0, sock, READER_ID, flow);
        if (ids == IDS_EMIT) st(colSocket + i, sock);
      }
      if (ev != EV_STATE) {
        records++;
        if (flow >= 0 && ids != IDS_GIVEN) countActive(flow, ts);
      }
      // A bank without lanes only numbers: the sockets' own state is for the lanes.
      if (lanes == 0) continue;
      if (sock >= socketsWritten) writeSockets(sock);
      const rowState = ldb(colState, i);
      const si = socks + SOCKET_STATE_WORDS * sock;
      if (ev == EV_STATE) {
        const prev = ld(si);
        st(si, rowState);
        stateChange(h, rowState, prev);
        if (clLanes > 0) closedLoopStateChange(sock, rowState);
      } else {
        const state = rowState != 0 ? rowState : ld(si);
        if (rowState != 0) st(si, rowState);
        // The rxhash of the socket's previous record event (0: none), for 3.19's rehash reset.
        const oldHash = ld(si + 1);
        if (h != 0) st(si + 1, h);
        recordQueue = queues > 1 && flow >= 0 ? waitingQueue(flow) : 0;
        if (clLanes > 0) closedLoopCall(h, ld(colCpu + i), flow, sock);
        if (sameRecord) {
          recordSameLanes(h, ld(colCpu + i), state, flow);
        } else {
          record(h, ld(colCpu + i), state, flow, oldHash);
          if (vEnd != 0) recordGroup(h, ld(colCpu + i), state, flow);
        }
        if (clLanes > 0) closedLoopCalled(ld(colCpu + i));
      }
    }
  }
  stf(CTL_LAST_TS, lastTs);
  if (ids == IDS_GIVEN) st(CTL_FLOWS_SEEN, flowsSeen);
  leave(0);
  return to;
}

/**
 * Moves the flow table (`sockets` false: entries [hash, id], hash 0 empty) or
 * the socket table (entries [hi, lo, id + 1, kind], id + 1 = 0 empty) of
 * `entries` entries at word `from` into the empty table of `mask + 1` entries
 * at word `to` (../wasm-lanes.ts growTable()).
 */
export function rehash(sockets: bool, from: i32, entries: i32, to: i32, mask: i32): void {
  if (!sockets) {
    for (let o = from, end = from + FLOW_ENTRY_WORDS * entries; o < end; o += FLOW_ENTRY_WORDS) {
      const h = ld(o);
      if (h == 0) continue;
      let i = flowSlot(h) & mask;
      while (ld(to + FLOW_ENTRY_WORDS * i) != 0) i = (i + 1) & mask;
      st(to + FLOW_ENTRY_WORDS * i, h);
      st(to + FLOW_ENTRY_WORDS * i + 1, ld(o + 1));
    }
    return;
  }
  for (let o = from, end = from + SOCK_ENTRY_WORDS * entries; o < end; o += SOCK_ENTRY_WORDS) {
    if (ld(o + 2) == 0) continue;
    let i = socketSlot(ld(o), ld(o + 1), ld(o + 3)) & mask;
    while (ld(to + SOCK_ENTRY_WORDS * i + 2) != 0) i = (i + 1) & mask;
    for (let w = 0; w < SOCK_ENTRY_WORDS; w++) st(to + SOCK_ENTRY_WORDS * i + w, ld(o + w));
  }
}

// drainKey()'s sums.
let drainWaiting: f64 = 0;
let drainHits: f64 = 0;

/**
 * The packets still waiting for `key` (a flow of lane `lane`)'s next record
 * event, and the hits among them, into drainWaiting and drainHits, and in a
 * multi-queue trace into its queue's QS_DRAIN_* (the flow's waiting queue);
 * forgets them.
 */
function drainKey(key: i32, lane: i32): void {
  const f = runs + RUN_WORDS * key;
  const k = ld(f);
  const word = ld(f + 1);
  let waiting: f64 = 0;
  let hits: f64 = 0;
  if (k > 0) {
    waiting += k;
    if ((word & ~HAS_LIST) >>> 16 != 0) hits += k;
    st(f, 0);
  }
  if ((word & HAS_LIST) != 0) {
    st(f + 1, word & ~HAS_LIST);
    const e = listEnds(key);
    for (let n = ld(e) - 1; n >= 0; n = ld(nodes + NODE_WORDS * n + 3)) {
      waiting += ld(nodes + NODE_WORDS * n + 2);
      if (ld(nodes + NODE_WORDS * n + 1) >= 0) hits += ld(nodes + NODE_WORDS * n + 2);
    }
    endList(key, e);
  }
  if (waiting == 0) return;
  drainWaiting += waiting;
  drainHits += hits;
  if (queues > 1) {
    const q = max(0, (ld(ld(CTL_FLOW_QUEUE) + (key - lane) / lanes) & FQ_QUEUE) - 1);
    const qs = ld(CTL_QUEUE_STATS) + QUEUE_STATS_WORDS * q;
    stf(qs + QS_DRAIN_PACKETS, ldf(qs + QS_DRAIN_PACKETS) + waiting);
    stf(qs + QS_DRAIN_HITS, ldf(qs + QS_DRAIN_HITS) + hits);
  }
}

/** Zeroes the sums drainKey() adds to: the lane's, and each queue's. */
function drainStart(): void {
  drainWaiting = 0;
  drainHits = 0;
  if (queues <= 1) return;
  const stats = ld(CTL_QUEUE_STATS);
  for (let q = 0; q < queues; q++) {
    stf(stats + QUEUE_STATS_WORDS * q + QS_DRAIN_PACKETS, 0);
    stf(stats + QUEUE_STATS_WORDS * q + QS_DRAIN_HITS, 0);
  }
}

/**
 * What is still waiting at the end of the trace (never resolved): packets and
 * hits of one lane, into CTL_DRAIN_PACKETS and CTL_DRAIN_HITS.
 */
export function drain(lane: i32): void {
  enter();
  drainStart();
  // Only flows seen can have waiting packets: the regions are reserved far larger.
  const keys = ld(CTL_FLOWS_SEEN) * lanes;
  for (let key = lane; key < keys; key += lanes) drainKey(key, lane);
  stf(CTL_DRAIN_PACKETS, drainWaiting);
  stf(CTL_DRAIN_HITS, drainHits);
  leave(0);
}

/**
 * drain() for the flows whose hash has no bit of `sampleMask` set: the kept
 * flows of replay --keep-sample (../kept-counting.ts), found through the flow
 * table's [hash, id] entries (a bank that numbers its own flows).
 */
export function drainKept(lane: i32, sampleMask: i32): void {
  enter();
  drainStart();
  const table = ld(CTL_FLOW_TABLE);
  const mask = ld(CTL_FLOW_MASK);
  for (let i = 0; i <= mask; i++) {
    const h = ld(table + FLOW_ENTRY_WORDS * i);
    if (h == 0 || (h & sampleMask) != 0) continue;
    drainKey(ld(table + FLOW_ENTRY_WORDS * i + 1) * lanes + lane, lane);
  }
  stf(CTL_DRAIN_PACKETS, drainWaiting);
  stf(CTL_DRAIN_HITS, drainHits);
  leave(0);
}

// ---- Entry points for the unit tests of pending packets and timelines ----

/** pendingAdd() alone (the caller keeps nodes free). */
export function testPendingAdd(key: i32, cpu: i32, desired: i32, ts: f64, timeline: i32): void {
  enter();
  pendingAdd(key, cpu, desired, ts, timeline);
  leave(0);
}

/** pendingResolve() alone, results into CTL_RESOLVED_*. */
export function testPendingResolve(key: i32, cpu: i32, timeline: i32): void {
  enter();
  pendingResolve(key, cpu, timeline);
  st(CTL_RESOLVED_LOCAL, resolvedLocal);
  st(CTL_RESOLVED_HITS, resolvedHits);
  st(CTL_RESOLVED_STALE, resolvedStale);
  leave(0);
}

export function testTimelinePacket(timeline: i32, ts: f64, lookup: bool, hit: bool, collision: bool): void {
  timelinePacket(timeline, ts, lookup, hit, collision);
}

/** followRates() from the given counts, into CTL_CL_RATE*. */
export function testFollowRates(elsewhere: f64, followed: f64, socketsElsewhere: f64, inPlace: f64, moved: f64, socketsInPlace: f64, woken: f64, nr: i32): void {
  stf(CTL_CL_SOCKETS_WOKEN, woken);
  stf(CTL_CL_ELSEWHERE, elsewhere);
  stf(CTL_CL_FOLLOWED, followed);
  stf(CTL_CL_SOCKETS_ELSEWHERE, socketsElsewhere);
  stf(CTL_CL_IN_PLACE, inPlace);
  stf(CTL_CL_MOVED, moved);
  stf(CTL_CL_SOCKETS_IN_PLACE, socketsInPlace);
  st(CTL_CL_NR, nr);
  followRates();
}

export function testHash32(val: i32, bits: i32): i32 {
  return hash32(val, bits);
}

export function testReciprocalScale(hash: i32, len: i32): i32 {
  return reciprocalScale(hash, len);
}
