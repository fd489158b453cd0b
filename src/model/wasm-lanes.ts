/**
 * The WebAssembly lanes (wasm/lanes.ts, built to dist/model/lanes.wasm) and
 * their memory (laid out as lane-layout.ts says): a bump allocator over the
 * instance's linear memory, typed views that follow its growth, and the
 * regions that grow while a trace replays (pending packets per flow, the
 * node pool, per-socket state, the batch columns).
 */
import { readFileSync } from 'node:fs';
import {
  CL_SOCK_FIXED,
  CTL_CL_LANES,
  CTL_CL_SOCKS,
  CTL_COL_CPU,
  CTL_COL_EVENT,
  CTL_COL_FLOW,
  CTL_COL_LINE,
  CTL_COL_ORDINAL,
  CTL_COL_QUEUE,
  CTL_COL_RXHASH,
  CTL_COL_SKB,
  CTL_COL_SOCK_HI,
  CTL_COL_SOCK_LO,
  CTL_COL_SOCKET,
  CTL_COL_STATE,
  CTL_COL_TS,
  CTL_FLOW_LISTS,
  CTL_LANES,
  CTL_LIST_BLOCKS,
  CTL_BLOCKS_USED,
  CTL_FREE_BLOCK,
  LIST_BLOCK_WORDS,
  CTL_FIRST_TS,
  CTL_FLOW_CAP,
  CTL_FLOW_INFO,
  CTL_FLOW_MASK,
  CTL_FLOW_QUEUE,
  CTL_FLOW_TABLE,
  CTL_FREE_NODE,
  CTL_LAST_TS,
  CTL_NODE_CAP,
  CTL_NODE_TS,
  CTL_NODES,
  CTL_NODES_USED,
  CTL_RUNS,
  CTL_SOCK_CAP,
  CTL_SOCK_MASK,
  CTL_SOCK_TABLE,
  CTL_SOCKS,
  CTL_WINDOW,
  CTL_WORDS,
  ENDS_WORDS,
  FLOW_ENTRY_WORDS,
  FLOW_INFO_WORDS,
  NODE_WORDS,
  RUN_WORDS,
  SOCK_ENTRY_WORDS,
  SOCKET_STATE_WORDS,
  T_BIN_NS,
  T_DATA,
  T_T0,
  T_USED,
} from './lane-layout.js';
import { TIMELINE_FIELDS } from './lane-names.js';

/** Where the compiled lanes live: dist/model/lanes.wasm, from src/ or dist/ alike. */
const WASM_URL = new URL('../../dist/model/lanes.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

interface LaneExports {
  run(from: number, to: number): number;
  drain(lane: number): void;
  drainKept(lane: number, sampleMask: number): void;
  rehash(sockets: number, from: number, entries: number, to: number, mask: number): void;
  testPendingAdd(key: number, cpu: number, desired: number, ts: number, timeline: number): void;
  testPendingResolve(key: number, cpu: number, timeline: number): void;
  testTimelinePacket(timeline: number, ts: number, lookup: number, hit: number, collision: number): void;
  testHash32(val: number, bits: number): number;
  testFollowRates(
    elsewhere: number,
    followed: number,
    socketsElsewhere: number,
    inPlace: number,
    moved: number,
    socketsInPlace: number,
    woken: number,
    nr: number,
  ): void;
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
    this.i32[CTL_FREE_BLOCK] = -1;
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

  /** Per-flow regions (pending runs, with `lanes` keys per flow; the list block; flow info; the queue word) for flow ids below `flows`. */
  growFlows(flows: number, lanes: number): void {
    const cap = this.i32[CTL_FLOW_CAP];
    const next = this.capacityFor(cap, flows);
    if (next === cap) return;
    const keys = next * lanes;
    this.move(CTL_RUNS, RUN_WORDS * cap * lanes, RUN_WORDS * keys);
    this.move(CTL_FLOW_LISTS, cap, next);
    this.move(CTL_FLOW_INFO, FLOW_INFO_WORDS * cap, FLOW_INFO_WORDS * next);
    this.move(CTL_FLOW_QUEUE, cap, next);
    this.i32[CTL_FLOW_CAP] = next;
  }

  /** Flow ids by rxhash (wasm/lanes.ts flowId()): per entry [hash, id]; placed first with at least `first` entries. */
  growFlowTable(first = this.minTable): void {
    this.growTable(CTL_FLOW_TABLE, CTL_FLOW_MASK, FLOW_ENTRY_WORDS, false, first);
  }

  /** Socket ids by identity (wasm/lanes.ts socketId()): per entry [hi, lo, id + 1, kind]. */
  growSockTable(): void {
    this.growTable(CTL_SOCK_TABLE, CTL_SOCK_MASK, SOCK_ENTRY_WORDS, true);
  }

  /**
   * An open-addressing table of `width` words per entry, twice as large (at
   * least minTable entries). The lanes' rehash() moves the entries, with the
   * hashes their lookups use: a loop that runs a few times per trace is never
   * optimised here.
   */
  private growTable(ctl: number, maskCtl: number, width: number, sockets: boolean, first = this.minTable): void {
    const oldAt = this.i32[ctl];
    const oldEntries = oldAt === 0 ? 0 : this.i32[maskCtl] + 1;
    const entries = Math.max(this.minTable, first, 2 * oldEntries);
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

  /** A node pool of at least `nodes` nodes, and as many run-list blocks (never more in use than nodes). */
  growNodes(nodes: number): void {
    const cap = this.i32[CTL_NODE_CAP];
    const next = this.capacityFor(cap, nodes);
    if (next === cap) return;
    const used = this.i32[CTL_NODES_USED];
    this.move(CTL_NODES, NODE_WORDS * used, NODE_WORDS * next);
    this.move(CTL_NODE_TS, 2 * used, 2 * next);
    const block = LIST_BLOCK_WORDS + ENDS_WORDS * Math.max(1, this.i32[CTL_LANES]);
    this.move(CTL_LIST_BLOCKS, block * this.i32[CTL_BLOCKS_USED], block * next);
    this.i32[CTL_NODE_CAP] = next;
  }

  /** Per-socket state for socket ids below `sockets` (with closed lanes, their blocks too: wasm/lanes.ts closedLoopCall()). */
  growSockets(sockets: number): void {
    const cap = this.i32[CTL_SOCK_CAP];
    const next = this.capacityFor(cap, sockets);
    if (next === cap) return;
    this.move(CTL_SOCKS, SOCKET_STATE_WORDS * cap, SOCKET_STATE_WORDS * next);
    const closed = this.i32[CTL_CL_LANES];
    if (closed > 0) this.move(CTL_CL_SOCKS, (CL_SOCK_FIXED + closed) * cap, (CL_SOCK_FIXED + closed) * next);
    this.i32[CTL_SOCK_CAP] = next;
  }

  /** Batch columns for `rows` rows. */
  ensureColumns(rows: number): void {
    if (rows <= this.columnCap) return;
    const cap = Math.max(rows, 8192);
    for (const at of [CTL_COL_TS, CTL_COL_LINE, CTL_COL_ORDINAL]) this.place(at, 2 * cap);
    for (const at of [CTL_COL_RXHASH, CTL_COL_CPU, CTL_COL_QUEUE, CTL_COL_SOCKET, CTL_COL_SOCK_HI, CTL_COL_SOCK_LO, CTL_COL_SKB, CTL_COL_FLOW])
      this.place(at, cap);
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
