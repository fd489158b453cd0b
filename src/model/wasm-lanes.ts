/**
 * The WebAssembly lanes (wasm/lanes.ts, built to dist/model/lanes.wasm) and
 * their memory: the layout both sides share, a bump allocator over the
 * instance's linear memory, typed views that follow its growth, and the
 * regions that grow while a trace replays (pending packets per flow, the
 * node pool, per-socket state, the batch columns).
 */
import { readFileSync } from 'node:fs';

// ---- Layout shared with wasm/lanes.ts (keep both in step) ----

export const CTL_LANES = 0;
export const CTL_RUNS = 1;
export const CTL_ENDS = 2;
export const CTL_FLOW_CAP = 3;
export const CTL_NODES = 4;
export const CTL_NODE_TS = 5;
export const CTL_NODE_CAP = 6;
export const CTL_NODES_USED = 7;
export const CTL_FREE_NODE = 8;
export const CTL_SOCKS = 9;
export const CTL_SOCK_CAP = 11;
export const CTL_LOG = 12;
export const CTL_LOG_CAP = 13;
export const CTL_LOG_USED = 14;
export const CTL_COL_TS = 15;
export const CTL_COL_LINE = 16;
export const CTL_COL_ORDINAL = 17;
export const CTL_COL_RXHASH = 18;
export const CTL_COL_CPU = 19;
export const CTL_COL_QUEUE = 20;
export const CTL_COL_SOCKET = 21;
export const CTL_COL_SKB = 22;
export const CTL_COL_FLOW = 23;
export const CTL_COL_EVENT = 24;
export const CTL_COL_STATE = 25;
export const CTL_SAW_DELIVER = 26;
export const CTL_PKT = 27;
export const CTL_ANY_TIMELINE = 28;
export const CTL_ANY_EXPLAIN = 29;
export const CTL_SAME_LANES = 31;
/** The lanes in order of global table size, smallest first. */
export const CTL_BY_SIZE = 88;
/** packetVector()'s counters (lanes × counters), 0 when the bank takes the scalar paths. */
export const CTL_VCOUNTS = 89;
/** The vector group: lanes CTL_VFIRST .. + CTL_VLANES - 1, and their order by global table size. */
export const CTL_VFIRST = 90;
export const CTL_VLANES = 91;
export const CTL_VBY_SIZE = 92;
export const CTL_PACKETS = 32;
export const CTL_RECORDS = 34;
export const CTL_STOP = 37;
export const CTL_DRAIN_PACKETS = 38;
export const CTL_DRAIN_HITS = 40;
export const CTL_RESOLVED_LOCAL = 42;
export const CTL_RESOLVED_HITS = 43;
export const CTL_RESOLVED_STALE = 44;
export const CTL_FLOW_TABLE = 45;
export const CTL_FLOW_MASK = 46;
export const CTL_FLOWS_SEEN = 47;
export const CTL_SOCK_TABLE = 48;
export const CTL_SOCK_MASK = 49;
export const CTL_SOCKETS_SEEN = 50;
export const CTL_FLOW_INFO = 51;
export const CTL_ARRIVALS = 52;
export const CTL_IDS = 53;
export const CTL_RESOLVE_IDS = 54;
export const CTL_COL_SOCK_HI = 55;
export const CTL_COL_SOCK_LO = 56;
export const CTL_WINDOW_ORDINAL = 57;
export const CTL_WINDOW_DISTINCT = 58;
export const CTL_FIRST_TS = 60;
export const CTL_LAST_TS = 62;
export const CTL_BACKWARDS = 64;
export const CTL_WINDOW = 66;
export const CTL_ACTIVE_SUM = 68;
export const CTL_ACTIVE_WINDOWS = 70;
export const CTL_EVENTS = 72;
const CTL_WORDS = 128;

export const IDS_OWN = 0;
export const IDS_EMIT = 1;
export const IDS_GIVEN = 2;

export const STOP_FLOWS = 1;
export const STOP_NODES = 2;
export const STOP_SOCKETS = 3;
export const STOP_LOG = 4;
export const STOP_FLOW_TABLE = 5;
export const STOP_SOCK_TABLE = 6;

export const LANES_AT = CTL_WORDS;
export const LANE = 24;
export const L_NR = 0;
export const L_FLAGS = 1;
export const L_SLOTS = 2;
export const L_SOCK = 3;
export const L_SOCK_MASK = 4;
export const L_HASH_MASK = 5;
export const L_CPU_MASK = 6;
export const L_QFLOW = 7;
export const L_QSTRIDE = 8;
export const L_HEAD = 9;
export const L_TAIL = 10;
export const L_PER_CPU = 11;
export const L_COUNTS = 12;
export const L_FIFO = 13;
export const L_QUEUES = 14;
export const L_FIFO_NS = 15;
export const L_FIFO_DONE = 16;
export const L_TIMELINE = 17;
export const L_PATHS = 18;
export const L_HASHES = 19;

export const QUEUE = 4;
export const Q_FIRST = 0;
export const Q_SLOTS = 1;
export const Q_LOG = 2;
export const Q_MAP = 3;

export const T_T0 = 0;
export const T_BIN_NS = 2;
export const T_USED = 4;
export const T_DATA = 6;
export const MAX_BINS = 512;
/** Timeline fields per bin, in the order of the lanes' TL_* indices. */
export const TIMELINE_FIELDS = ['packets', 'lookups', 'hits', 'misses_collision', 'hits_resolved', 'hits_stale', 'deliver_matched', 'agree'] as const;
export const TIMELINE_WORDS = T_DATA + 2 * MAX_BINS * TIMELINE_FIELDS.length;

export const LOG_WORDS = 8;

/** Where the compiled lanes live: dist/model/lanes.wasm, from src/ or dist/ alike. */
const WASM_URL = new URL('../../dist/model/lanes.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

interface LaneExports {
  run(from: number, to: number): number;
  drain(lane: number): void;
  rehash(sockets: number, from: number, entries: number, to: number, mask: number): void;
  testPendingAdd(key: number, cpu: number, desired: number, ts: number, timeline: number): void;
  testPendingResolve(key: number, cpu: number, timeline: number): void;
  testTimelinePacket(timeline: number, ts: number, lookup: number, hit: number, collision: number): void;
  testHash32(val: number, bits: number): number;
  testReciprocalScale(hash: number, len: number): number;
}

const PAGE = 65536;
const MAX_AHEAD = 256 << 20;

/** Words per cache line: where every region starts. */
const LINE_WORDS = 16;

/**
 * One instance of the WebAssembly lanes and its memory. Addresses are 32-bit
 * word indices; f64 values sit at even words. Regions are bump-allocated and
 * never freed: a region that grows moves to the end, its old words left
 * behind (at most as many again as the final size).
 */
export class WasmLanes {
  readonly memory: WebAssembly.Memory;
  readonly exports: LaneExports;
  i32!: Int32Array;
  u32!: Uint32Array;
  f64!: Float64Array;
  u8!: Uint8Array;
  private top = CTL_WORDS;
  private columnCap = 0;
  /** Smallest capacity of a growable region, and of a hash table (tests set them tiny: see BankTrace.startSmall). */
  minRegion = 1024;
  minTable = 1 << 18;

  constructor(words: number) {
    compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((4 * (words + CTL_WORDS)) / PAGE) + 1 });
    this.exports = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as LaneExports;
    this.refresh();
    this.i32[CTL_FREE_NODE] = -1;
    for (const at of [CTL_FIRST_TS, CTL_LAST_TS, CTL_WINDOW]) this.f64[at / 2] = NaN;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  /**
   * `words` zeroed words at a cache-line (64-byte) boundary. Blocks laid out
   * for one line each (a flow's pending runs in 8 lanes: 8 × 8 bytes; an
   * rps_dev_flow entry in 4 lanes) straddled two when their region started on
   * an 8-byte boundary: an extra miss per row in a sweep.
   */
  alloc(words: number): number {
    const at = (this.top + LINE_WORDS - 1) & ~(LINE_WORDS - 1);
    this.top = at + words;
    const bytes = 4 * this.top;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      // Ahead by up to MAX_AHEAD: a bank's set-up places a dozen regions, and each
      // growth costs a new buffer and views (memory not yet written is not resident).
      const need = Math.ceil((bytes - have) / PAGE);
      const ahead = Math.ceil(Math.min(have, MAX_AHEAD) / PAGE);
      try {
        this.memory.grow(Math.max(need, ahead));
      } catch {
        this.memory.grow(need); // near the 4 GiB of 32-bit memory
      }
      this.refresh();
    }
    return at;
  }

  /**
   * Sets word 0 of `count` consecutive blocks of `stride` words from `at` to
   * `value`, in a freshly allocated (all zero) region: one block written, then
   * copied in doubling runs (native copies; a JavaScript loop over a table of a
   * million words runs once, unoptimised, and took tens of milliseconds).
   */
  initBlocks(at: number, count: number, stride: number, value: number): void {
    if (count <= 0) return;
    const m = this.i32;
    m[at] = value;
    for (let done = 1; done < count; ) {
      const n = Math.min(done, count - done);
      m.copyWithin(at + done * stride, at, at + n * stride);
      done += n;
    }
  }

  /**
   * alloc(), with the address stored at word `at` (as `i32[at] = alloc()` must
   * not: that would store into the view alloc() may just have replaced).
   */
  place(at: number, words: number): number {
    const to = this.alloc(words);
    this.i32[at] = to;
    return to;
  }

  /** Moves a region to a new one of `words` words, keeping its first `keep` words. */
  private move(ctl: number, keep: number, words: number): void {
    const to = this.alloc(words);
    this.i32.copyWithin(to, this.i32[ctl], this.i32[ctl] + keep);
    this.i32[ctl] = to;
  }

  /** Per-flow regions (pending packets, with `lanes` keys per flow; flow info) for flow ids below `flows`. */
  growFlows(flows: number, lanes: number): void {
    const cap = this.i32[CTL_FLOW_CAP];
    const next = this.capacityFor(cap, flows);
    if (next === cap) return;
    const keys = next * lanes;
    this.move(CTL_RUNS, 2 * cap * lanes, 2 * keys);
    this.move(CTL_ENDS, 2 * cap * lanes, 2 * keys);
    this.move(CTL_FLOW_INFO, 4 * cap, 4 * next);
    this.i32[CTL_FLOW_CAP] = next;
  }

  /** Flow ids by rxhash (wasm/lanes.ts flowId()): per entry [hash, id]. */
  growFlowTable(): void {
    this.growTable(CTL_FLOW_TABLE, CTL_FLOW_MASK, 2, false);
  }

  /** Socket ids by identity (wasm/lanes.ts socketId()): per entry [hi, lo, id + 1, kind]. */
  growSockTable(): void {
    this.growTable(CTL_SOCK_TABLE, CTL_SOCK_MASK, 4, true);
  }

  /**
   * An open-addressing table of `width` words per entry, twice as large (at
   * least minTable entries). The lanes' rehash() moves the entries, with the
   * hashes their lookups use: a loop that runs a few times per trace is never
   * optimised here.
   */
  private growTable(ctl: number, maskCtl: number, width: number, sockets: boolean): void {
    const oldAt = this.i32[ctl];
    const oldEntries = oldAt === 0 ? 0 : this.i32[maskCtl] + 1;
    const entries = Math.max(this.minTable, 2 * oldEntries);
    const at = this.place(ctl, width * entries);
    // Written (zeros) before the lanes probe it: a fresh page read first is mapped
    // to the shared zero page, and the write after it replaces that mapping, which in
    // a process running on both cores costs a TLB shootdown, an IPI to the other core
    // (wasm/lanes.ts writeFlows() has the numbers). Probes touch every page anyway.
    this.i32.fill(0, at, at + width * entries);
    const mask = entries - 1;
    this.exports.rehash(sockets ? 1 : 0, oldAt, oldEntries, at, mask);
    this.i32[maskCtl] = mask;
  }

  /** A growable region's capacity for `wanted` items: its own (at least minRegion), doubled until it holds them. */
  private capacityFor(cap: number, wanted: number): number {
    let next = Math.max(this.minRegion, cap);
    while (next < wanted) next *= 2;
    return next;
  }

  /** A node pool of at least `nodes` nodes. */
  growNodes(nodes: number): void {
    const cap = this.i32[CTL_NODE_CAP];
    const next = this.capacityFor(cap, nodes);
    if (next === cap) return;
    const used = this.i32[CTL_NODES_USED];
    this.move(CTL_NODES, 4 * used, 4 * next);
    this.move(CTL_NODE_TS, 2 * used, 2 * next);
    this.i32[CTL_NODE_CAP] = next;
  }

  /** Per-socket state for socket ids below `sockets`. */
  growSockets(sockets: number): void {
    const cap = this.i32[CTL_SOCK_CAP];
    const next = this.capacityFor(cap, sockets);
    if (next === cap) return;
    this.move(CTL_SOCKS, 2 * cap, 2 * next);
    this.i32[CTL_SOCK_CAP] = next;
  }

  /** Batch columns for `rows` rows. */
  ensureColumns(rows: number): void {
    if (rows <= this.columnCap) return;
    const cap = Math.max(rows, 8192);
    for (const at of [CTL_COL_TS, CTL_COL_LINE, CTL_COL_ORDINAL]) this.place(at, 2 * cap);
    for (const at of [CTL_COL_RXHASH, CTL_COL_CPU, CTL_COL_QUEUE, CTL_COL_SOCKET, CTL_COL_SOCK_HI, CTL_COL_SOCK_LO, CTL_COL_SKB, CTL_COL_FLOW]) this.place(at, cap);
    for (const at of [CTL_COL_EVENT, CTL_COL_STATE]) this.place(at, Math.ceil(cap / 4));
    this.columnCap = cap;
  }
}

/** A fresh timeline block: no first timestamp yet, bins 1 ms wide. */
export function initTimeline(lanes: WasmLanes, at: number): void {
  lanes.f64[(at + T_T0) / 2] = NaN;
  lanes.f64[(at + T_BIN_NS) / 2] = 1e6;
}

/** The bins of a timeline block. */
export function readTimeline(lanes: WasmLanes, at: number): { bin_ns: number; bins: Record<(typeof TIMELINE_FIELDS)[number] | 't', number>[] } {
  const binNs = lanes.f64[(at + T_BIN_NS) / 2];
  const used = lanes.i32[at + T_USED];
  const data = (at + T_DATA) / 2;
  const nf = TIMELINE_FIELDS.length;
  const bins = [];
  for (let b = 0; b < used; b++) {
    const bin = { t: b * binNs } as Record<(typeof TIMELINE_FIELDS)[number] | 't', number>;
    TIMELINE_FIELDS.forEach((f, i) => (bin[f] = lanes.f64[data + b * nf + i]));
    bins.push(bin);
  }
  return { bin_ns: binNs, bins };
}
