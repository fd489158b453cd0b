/**
 * Every number the WebAssembly lanes (wasm/lanes.ts) and the TypeScript side
 * (lane-memory.ts, wasm-lanes.ts, flow-tables.ts) must agree on, defined
 * once: the memory layout (control block words, lane and queue block fields,
 * entry widths), counter indices, profile flag bits, path codes, and the
 * kernel and trace values the lanes compare with.
 *
 * Compiled twice: by asc as AssemblyScript, imported by wasm/lanes.ts, where
 * each line is an i32 compile-time constant folded into the instructions that
 * use it; and by tsc, imported by the TypeScript side. So this file holds only
 * `export const NAME = <integer expression>;` lines (no imports, no types, no
 * other code), each defined before it is used. wasm/lanes.ts also exports
 * each as a WebAssembly global, and test/model/lane-layout.test.ts compares
 * those with this file: a stale lanes.wasm fails there. lane-names.ts checks
 * the indices that stand for names (counters, events, TCP states, timeline
 * fields, paths) against the lists the rest of the tool names them by.
 *
 * Memory is addressed in 32-bit words from address 0; an f64 takes two words
 * at an even address; "(f64)" and "(bytes)" mark regions of those.
 */

// Trace values (event kinds, TCP states, empty cells) are ingest/trace-codes.ts's; the
// number of event kinds sizes the per-kind counts here.
export const EVENT_KINDS = 7;

// ---- Control block: words 0 .. CTL_WORDS - 1 ----

export const CTL_WORDS = 128;
export const CTL_LANES = 0;
/** Pending runs: RUN_WORDS per key (flow * lanes + lane). */
export const CTL_RUNS = 1;
/**
 * Per flow: its block of run-list ends + 1 (0: none) in CTL_LIST_BLOCKS. Few
 * keys have a list at any moment (a flow's waiting packets mostly share one
 * placement), but over a long trace most flows have had one: ends kept per
 * key were touched, and resident, for most of them (bench/README.md).
 */
export const CTL_FLOW_LISTS = 2;
/** Flows the per-flow regions hold (runs: keys = flows * lanes). */
export const CTL_FLOW_CAP = 3;
/** Pending node pool: NODE_WORDS per node. */
export const CTL_NODES = 4;
/** (f64) per node: its first packet's timestamp. */
export const CTL_NODE_TS = 5;
export const CTL_NODE_CAP = 6;
export const CTL_NODES_USED = 7;
export const CTL_FREE_NODE = 8;
/** Per-socket state: SOCKET_STATE_WORDS per socket id. */
export const CTL_SOCKS = 9;
export const CTL_SOCK_CAP = 11;
/** Disagreements: LOG_WORDS per entry. */
export const CTL_LOG = 12;
export const CTL_LOG_CAP = 13;
export const CTL_LOG_USED = 14;
// Batch columns, one value per row.
/** (f64) */
export const CTL_COL_TS = 15;
/** (f64) */
export const CTL_COL_LINE = 16;
/** (f64) */
export const CTL_COL_ORDINAL = 17;
export const CTL_COL_RXHASH = 18;
export const CTL_COL_CPU = 19;
export const CTL_COL_QUEUE = 20;
export const CTL_COL_SOCKET = 21;
export const CTL_COL_SKB = 22;
/** Flow ids: written with IDS_EMIT, read with IDS_GIVEN. */
export const CTL_COL_FLOW = 23;
/** (bytes) */
export const CTL_COL_EVENT = 24;
/** (bytes) */
export const CTL_COL_STATE = 25;
export const CTL_SAW_DELIVER = 26;
/** Deliver window: PKT_WORDS at + PKT_WORDS * (w * lanes + l). */
export const CTL_PKT = 27;
export const CTL_ANY_TIMELINE = 28;
export const CTL_ANY_EXPLAIN = 29;
/** 1: the lanes differ only in their global table (wasm/lanes.ts packetSameLanes()). */
export const CTL_SAME_LANES = 31;
/** (f64) */
export const CTL_PACKETS = 32;
/** (f64) */
export const CTL_RECORDS = 34;
export const CTL_TOUCHED = 36;
/** Why run() stopped early: STOP_*. */
export const CTL_STOP = 37;
/** (f64) drain()'s results. */
export const CTL_DRAIN_PACKETS = 38;
/** (f64) */
export const CTL_DRAIN_HITS = 40;
/** pendingResolve()'s results (for tests). */
export const CTL_RESOLVED_LOCAL = 42;
export const CTL_RESOLVED_HITS = 43;
export const CTL_RESOLVED_STALE = 44;
/** Flow ids by rxhash: FLOW_ENTRY_WORDS per entry [hash, id]; hash 0 = empty. */
export const CTL_FLOW_TABLE = 45;
/** Entries - 1. */
export const CTL_FLOW_MASK = 46;
/** Flow ids given so far (IDS_GIVEN: the highest taken + 1). */
export const CTL_FLOWS_SEEN = 47;
/** Socket ids by identity: SOCK_ENTRY_WORDS per entry [hi, lo, id + 1, kind]. */
export const CTL_SOCK_TABLE = 48;
export const CTL_SOCK_MASK = 49;
export const CTL_SOCKETS_SEEN = 50;
/** FLOW_INFO_WORDS per flow: [last active window, socket hi, socket lo, socket id + 1]. */
export const CTL_FLOW_INFO = 51;
/** (f64) per trace CPU: packets that arrived on it. */
export const CTL_ARRIVALS = 52;
/** IDS_*: who numbers flows and sockets. */
export const CTL_IDS = 53;
/** 1: socket cells are DEFERRED_ID (hex in the side columns) or another thread's ids. */
export const CTL_RESOLVE_IDS = 54;
export const CTL_COL_SOCK_HI = 55;
export const CTL_COL_SOCK_LO = 56;
/** Active-flow windows seen (a flow's window word holds it). */
export const CTL_WINDOW_ORDINAL = 57;
/** Flows active in the current window. */
export const CTL_WINDOW_DISTINCT = 58;
/** (f64) */
export const CTL_FIRST_TS = 60;
/** (f64) */
export const CTL_LAST_TS = 62;
/** (f64) rows earlier than the row before them. */
export const CTL_BACKWARDS = 64;
/** (f64) the current active-flow window. */
export const CTL_WINDOW = 66;
/** (f64) */
export const CTL_ACTIVE_SUM = 68;
/** (f64) */
export const CTL_ACTIVE_WINDOWS = 70;
/** (f64) per event kind: rows of it. */
export const CTL_EVENTS = 72;
/** Per-flow state written (wasm/lanes.ts writeFlows()) for flow ids below it. */
export const CTL_FLOWS_WRITTEN = CTL_EVENTS + 2 * EVENT_KINDS;
/** Per-socket state written, for socket ids below it. */
export const CTL_SOCKETS_WRITTEN = CTL_FLOWS_WRITTEN + 1;
/** The lanes in order of global table size, smallest first (wasm/lanes.ts recordSameLanes()). */
export const CTL_BY_SIZE = 88;
/** packetVector()'s counters, counter c of lane l at + c * lanes + l; 0: no vector path. */
export const CTL_VCOUNTS = 89;
/** The vector group: lanes CTL_VFIRST .. + CTL_VLANES - 1 (packetVector()). */
export const CTL_VFIRST = 90;
export const CTL_VLANES = 91;
/** The group's lanes in order of global table size, smallest first. */
export const CTL_VBY_SIZE = 92;
/** RX queues: each lane keeps a block of COUNTERS per queue (L_COUNTS) and the vector path one per queue too. */
export const CTL_QUEUES = 118;
/** Per flow: its last packet's queue + 1 (FQ_QUEUE), and FQ_WAITING while packets wait for its next record. */
export const CTL_FLOW_QUEUE = 119;
/** Per deliver-window packet: its RX queue. */
export const CTL_PKT_QUEUE = 120;
/** (f64) QUEUE_STATS_WORDS per RX queue, the same in every lane: QS_* below. */
export const CTL_QUEUE_STATS = 121;
/** (f64) packets that arrived on another queue than their flow's packets still waiting (counted under the later queue). */
export const CTL_QUEUE_CHANGES = 122;
/**
 * Pool of run-list blocks, LIST_BLOCK_WORDS + ENDS_WORDS * lanes words each:
 * the number of lists in it (when free: the next free block), then the ends
 * of each lane's key of the flow. A flow takes a block with its first list and
 * gives it back with its last; blocks in use never outnumber the nodes in use,
 * so the pool has the node pool's capacity and grows with it.
 */
export const CTL_LIST_BLOCKS = 124;
export const CTL_BLOCKS_USED = 125;
export const CTL_FREE_BLOCK = 126;

// CTL_IDS: this bank numbers flows and sockets and counts the trace (OWN), also writes
// the ids into the flow and socket columns for another bank (EMIT), or takes them from
// those columns and leaves the trace's statistics to the bank that numbered them (GIVEN).
export const IDS_OWN = 0;
export const IDS_EMIT = 1;
export const IDS_GIVEN = 2;

// CTL_STOP: the region run() found full.
export const STOP_FLOWS = 1;
export const STOP_NODES = 2;
export const STOP_SOCKETS = 3;
export const STOP_LOG = 4;
export const STOP_FLOW_TABLE = 5;
export const STOP_SOCK_TABLE = 6;

// ---- Lane block: LANE_WORDS at LANES_AT + lane * LANE_WORDS ----

export const LANES_AT = CTL_WORDS;
export const LANE_WORDS = 24;
/** nr_cpu_ids */
export const L_NR = 0;
/** Kernel profile switches: the flag bits below. */
export const L_FLAGS = 1;
/** Global table slots (0: RFS off). */
export const L_SLOTS = 2;
/** Its rps_sock_flow_table: SOCK_SLOT_WORDS per slot. */
export const L_SOCK = 3;
export const L_SOCK_MASK = 4;
/** ~rps_cpu_mask */
export const L_HASH_MASK = 5;
/** rps_cpu_mask */
export const L_CPU_MASK = 6;
/** Its first rps_dev_flow entry's word. */
export const L_QFLOW = 7;
/** Words from one of its rps_dev_flow entries to the next (entries are lane-interleaved). */
export const L_QSTRIDE = 8;
/** Per CPU: softnet_data.input_queue_head. */
export const L_HEAD = 9;
/** Per CPU: softnet_data.input_queue_tail. */
export const L_TAIL = 10;
/** Per CPU: packets enqueued this batch. */
export const L_PER_CPU = 11;
/**
 * Counters this batch: a block of COUNTERS words per RX queue (CTL_QUEUES),
 * at the counter indices below; the lane's totals are the blocks' sum. A
 * packet's counters go to its queue's block; a record's resolved LOCAL and
 * HITS_STALE to the block of its flow's waiting packets (CTL_FLOW_QUEUE); a
 * matched deliver row's to its packet's (CTL_PKT_QUEUE); the rest to block 0.
 */
export const L_COUNTS = 12;
/** 1: heads follow the FIFO model. */
export const L_FIFO = 13;
/** Its first queue block. */
export const L_QUEUES = 14;
/** (f64) ns per packet of the FIFO model. */
export const L_FIFO_NS = 15;
/** (f64) per CPU: completion of the last queued packet; -1 without the FIFO model. */
export const L_FIFO_DONE = 16;
/** Its timeline block, or -1. */
export const L_TIMELINE = 17;
/** (bytes) per deliver-window packet: the path (explain), or -1. */
export const L_PATHS = 18;
/** Per deliver-window packet: the rxhash (explain), or -1. */
export const L_HASHES = 19;
/**
 * -1: the lane's global table is its own. Else the lane whose table it is:
 * lanes with the same table size and record rules hold identical tables (only
 * records and deletes write them), so they share one (lane-memory.ts
 * placeGlobalTables()); the lowest of them writes it, the others count what
 * its writes did (L_TABLE_DID).
 */
export const L_TABLE_LEAD = 22;
/** A table-sharing lead's last record or delete: the TABLE_DID_* bits. */
export const L_TABLE_DID = 23;

// L_TABLE_DID: what a lead's last record or delete did to the shared table.
export const TABLE_DID_REHASH_CLEAR = 1;
export const TABLE_DID_WRITE = 2;
export const TABLE_DID_EVICT = 4;
export const TABLE_DID_DELETE = 8;

// L_FLAGS: kernel profile switches, one bit each.
export const COLLISION_DETECTION = 1;
export const HASHED_QUEUE_SLOT = 2;
export const RECORD_ONLY_ESTABLISHED = 4;
export const DELETE_ON_CLOSE = 8;
export const RESET_ON_CLOSE_AND_REHASH = 16;

// ---- Queue block: QUEUE_WORDS per RX queue, from a lane's L_QUEUES ----

export const QUEUE_WORDS = 4;
/** The queue's first entry in the lane's rps_dev_flow tables. */
export const Q_FIRST = 0;
/** rps_dev_flow_table size (0: none). */
export const Q_SLOTS = 1;
/** Its log2, for hash_32(). */
export const Q_LOG = 2;
/** Its rps_map: [len, cpus...]. */
export const Q_MAP = 3;

// ---- Entries of the tables and regions ----

/** rps_sock_flow_table slot: [ent, owner (the rxhash that last targeted it)]. */
export const SOCK_SLOT_WORDS = 2;
export const SOCK_ENT = 0;
export const SOCK_OWNER = 1;
/** rps_dev_flow entry: [cpu, last_qtail, last hash, unused]. */
export const DEV_FLOW_WORDS = 4;
export const DEV_CPU = 0;
export const DEV_LAST_QTAIL = 1;
export const DEV_LAST_HASH = 2;
/** Pending run of a key: [inline count, inline cpu | (desired + 1) << 16 | has-list bit]. */
export const RUN_WORDS = 2;
/** Pending run list of a key, in its flow's list block: [head node + 1, tail node + 1]. */
export const ENDS_WORDS = 2;
/** A list block's words before its keys' ends: [lists in it; when free, the next free block]. */
export const LIST_BLOCK_WORDS = 1;
/** Pending node: [cpu, desired, count, next]. */
export const NODE_WORDS = 4;
/** Flow table entry: [hash, id]. */
export const FLOW_ENTRY_WORDS = 2;
/** Socket table entry: [hi, lo, id + 1, kind]. */
export const SOCK_ENTRY_WORDS = 4;
/** Per flow: [last active window, socket hi, socket lo, socket id + 1]. */
export const FLOW_INFO_WORDS = 4;
/** Per socket: [last known TCP state, last record event's rxhash]. */
export const SOCKET_STATE_WORDS = 2;
/** CTL_FLOW_QUEUE word: the queue + 1 of the flow's last packet (0: none yet), and a flag. */
export const FQ_QUEUE = 0xffff;
export const FQ_WAITING = 0x10000;
/** CTL_QUEUE_STATS block per queue (f64 each): packets; flows that arrived on it (a flow counts again after visiting another queue); at drain(), one lane's packets and hits left waiting. */
export const QUEUE_STATS_WORDS = 8;
export const QS_PACKETS = 0;
export const QS_FLOWS = 2;
export const QS_DRAIN_PACKETS = 4;
export const QS_DRAIN_HITS = 6;
/** Deliver-window packet: [model cpu, queue position]. */
export const PKT_WORDS = 2;
/** Packets remembered for deliver matching; a deliver further behind than this counts as unmatched. */
export const PACKET_WINDOW = 1 << 18;
export const PACKET_WINDOW_MASK = PACKET_WINDOW - 1;
/** Disagreement log entry: [lane, path, model cpu, kernel cpu, rxhash, pad, line (f64)]. */
export const LOG_WORDS = 8;
export const LOG_LANE = 0;
export const LOG_PATH = 1;
export const LOG_MODEL_CPU = 2;
export const LOG_KERNEL_CPU = 3;
export const LOG_RXHASH = 4;
export const LOG_LINE = 6;

// ---- Timeline block: [t0 (f64), bin width (f64), bins used, pad, data (f64) per bin and field] ----

export const T_T0 = 0;
export const T_BIN_NS = 2;
export const T_USED = 4;
export const T_DATA = 6;
export const MAX_BINS = 512;
/** Fields per bin, at these indices (lane-names.ts TIMELINE_FIELDS). */
export const TIMELINE_FIELD_COUNT = 8;
export const TL_PACKETS = 0;
export const TL_LOOKUPS = 1;
export const TL_HITS = 2;
export const TL_MISSES_COLLISION = 3;
export const TL_HITS_RESOLVED = 4;
export const TL_HITS_STALE = 5;
export const TL_DELIVER_MATCHED = 6;
export const TL_AGREE = 7;
export const TIMELINE_WORDS = T_DATA + 2 * MAX_BINS * TIMELINE_FIELD_COUNT;

// ---- Counters: a lane's L_COUNTS, in COUNTER_NAMES order (types/metrics.ts) ----

export const COUNTERS = 31;
export const RECORDS = 0;
export const RECORDS_STATE_SKIPPED = 1;
export const RECORDS_ZERO_HASH = 2;
export const WRITES = 3;
export const WRITES_AVOIDED = 4;
export const RECORDS_NO_TABLE = 5;
export const EVICTIONS = 6;
export const DELETES = 7;
export const PACKETS = 8;
export const LOOKUPS = 9;
export const HITS = 10;
export const HITS_OWN = 11;
export const HITS_ALIASED = 12;
export const MISSES_EMPTY = 13;
export const MISSES_COLLISION = 14;
export const MISSES_INVALID_CPU = 15;
export const HITS_STALE = 16;
export const HITS_UNRESOLVED = 17;
export const STEERED_RFS = 18;
export const STEERED_RPS = 19;
export const NOT_STEERED = 20;
export const CROSS_CPU = 21;
export const SLOT_SWITCHES = 22;
export const OOO_HOLDS = 23;
export const SLOT_CONFLICTS = 24;
export const LOCAL = 25;
export const LOCAL_UNRESOLVED = 26;
export const DELIVER_MATCHED = 27;
export const DELIVER_UNMATCHED = 28;
export const AGREE = 29;
export const REHASH_CLEARS = 30;

// ---- How the model routed a packet (L_PATHS, LOG_PATH): lane-names.ts PATH_CLASS ----

export const PATH_NOT_STEERED = 0;
export const PATH_RPS_NO_HINT = 1;
export const PATH_RFS_FOLLOWED_HINT = 2;
export const PATH_RFS_SWITCHED_SLOT = 3;
export const PATH_RFS_HELD_BY_ORDERING_GUARD = 4;
export const PATH_RPS_INVALID_CPU = 5;

// ---- Kernel values ----

/** RPS_NO_CPU (include/net/rps.h): "no CPU", the initial and deleted value of every slot. */
export const RPS_NO_CPU = 0xffff;
/** GOLDEN_RATIO_32 (include/linux/hash.h). */
export const GOLDEN_RATIO_32 = 0x61c88647;

// ---- The closed loop: application threads that follow their packets (wasm/lanes.ts closedLoop*()) ----
// A lane's L_LOOP says whether it replays each socket call on its captured CPU
// (LOOP_OPEN), stands for the trace's own configuration whose placement tells
// where the kernel processed each packet (LOOP_REFERENCE), or moves the calls
// of threads that would have followed the lane's own placement, at the lower
// (LOOP_FOLLOW_LOW) or upper (LOOP_FOLLOW_HIGH) bound of the follow rate
// estimated from the trace so far. docs/model.md "Closed loop".

/** Lane block: LOOP_* (words 20.. of LANE_WORDS were unused). */
export const L_LOOP = 20;
/** Lane block, closed lanes: its index among the bank's closed lanes (its word in a socket's closed-loop block). */
export const L_LOOP_SLOT = 21;
export const LOOP_OPEN = 0;
export const LOOP_REFERENCE = 1;
export const LOOP_FOLLOW_LOW = 2;
export const LOOP_FOLLOW_HIGH = 3;
/** The reference lane, or -1 (no closed lanes, or the trace states no configuration to refer to). */
export const CTL_CL_REF = 93;
/** Closed lanes in the bank (0: the closed loop is off). */
export const CTL_CL_LANES = 94;
/** Per socket id: CL_SOCK_FIXED + closed lanes words (wasm-lanes.ts growSockets()). */
export const CTL_CL_SOCKS = 95;
/** The trace's nr_cpu_ids: where a thread can move. */
export const CTL_CL_NR = 96;
/** (f64) wake-ups whose packet the reference lane placed off the thread's last CPU, with the call on one of the two. */
export const CTL_CL_ELSEWHERE = 98;
/** (f64) of those, calls on the packet's CPU: the thread followed. */
export const CTL_CL_FOLLOWED = 100;
/** (f64) wake-ups whose packet the reference lane placed on the thread's last CPU. */
export const CTL_CL_IN_PLACE = 102;
/** (f64) of those, calls on another CPU: the thread moved for a reason other than its packet. */
export const CTL_CL_MOVED = 104;
/** (f64) distinct sockets among the wake-ups elsewhere, and in place (each socket one draw). */
export const CTL_CL_SOCKETS_ELSEWHERE = 106;
export const CTL_CL_SOCKETS_IN_PLACE = 108;
/** (f64) the follow rate's bounds the closed lanes use now. */
export const CTL_CL_RATE_LOW = 110;
export const CTL_CL_RATE_HIGH = 112;
/** (f64) the follow rate's point estimate. */
export const CTL_CL_RATE = 114;
/** (f64) distinct sockets with any wake-up (elsewhere or in place). */
export const CTL_CL_SOCKETS_WOKEN = 116;
/** A socket's closed-loop block: [its last call's CPU + 1 (0: none), flags], then per closed lane its thread's CPU there + 1. */
export const CL_SOCK_FIXED = 2;
export const CL_PREV_CPU = 0;
export const CL_FLAGS = 1;
/** CL_FLAGS: the socket has been counted among the wake-ups elsewhere, in place, and among the sockets woken. */
export const CL_COUNTED_ELSEWHERE = 1;
export const CL_COUNTED_IN_PLACE = 2;
export const CL_COUNTED_WOKEN = 4;
