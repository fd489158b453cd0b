/**
 * The WebAssembly side of the canonical-row fast path (wasm/v1-rows.ts):
 * copies a chunk's complete lines in, and the rows it reads out into a
 * TraceBatch, one native copy per column (writing them straight into the
 * shared batches was slower: bench/HISTORY.md). V1Scanner
 * decides when it applies and reads every row it gives up on.
 */
import { readFileSync } from 'node:fs';
import type { TraceBatch } from './trace.js';

// ---- Layout shared with wasm/v1-rows.ts (keep both in step) ----
const CTL = 1024;
const C_NR_CPU = CTL;
const C_IN_LEN = CTL + 4;
const C_STOP = CTL + 12;
const Q_SLOTS = 1024;
const OUT = CTL + 256 + Q_SLOTS * 4 + Q_SLOTS * 16 + Q_SLOTS * 4;
/** Rows one call of rows() reads at most. */
export const OUT_ROWS = 4096;
const O_TS = OUT;
const O_LINE = O_TS + OUT_ROWS * 8;
const O_CPU = O_LINE + OUT_ROWS * 8;
const O_SOCKET = O_CPU + OUT_ROWS * 4;
const O_SOCK_HI = O_SOCKET + OUT_ROWS * 4;
const O_SOCK_LO = O_SOCK_HI + OUT_ROWS * 4;
const O_RXHASH = O_SOCK_LO + OUT_ROWS * 4;
const O_QUEUE = O_RXHASH + OUT_ROWS * 4;
const O_SKB = O_QUEUE + OUT_ROWS * 4;
const O_SKB_HI = O_SKB + OUT_ROWS * 4;
const O_SKB_LO = O_SKB_HI + OUT_ROWS * 4;
const O_EVENT = O_SKB_LO + OUT_ROWS * 4;
const O_STATE = O_EVENT + OUT_ROWS;
const PAD = 128;
const IN = ((O_STATE + OUT_ROWS + 63) & ~63) + PAD;

/** Queue names the hash table takes (half its slots) and their longest name. */
const MAX_QUEUES = Q_SLOTS / 2;
const MAX_QUEUE_NAME = 16;
const PAGE = 65536;

interface RowsExports {
  init(): void;
  addQueue(q: number, len: number): number;
  rows(start: number, max: number, line: number): number;
  OUT: { value: number };
  IN: { value: number };
}

/** Where the compiled module lives: dist/ingest/v1-rows.wasm, from src/ or dist/ alike. */
const WASM_URL = new URL('../../dist/ingest/v1-rows.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

export class SimdRows {
  private readonly memory: WebAssembly.Memory;
  private readonly x: RowsExports;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private u32!: Uint32Array;
  private f64!: Float64Array;
  /** Input bytes the memory holds. */
  private inCap = 0;

  constructor(nrCpuIds: number, queueNames: Buffer[]) {
    compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.x = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as RowsExports;
    if (this.x.OUT.value !== OUT || this.x.IN.value !== IN) throw new Error('v1-rows.wasm: layout differs from v1-simd.ts');
    this.reserve(1 << 20);
    this.x.init();
    this.i32[C_NR_CPU / 4] = nrCpuIds;
    // Queues the table cannot take are left out: rows naming them go by the JavaScript paths.
    queueNames.forEach((name, q) => {
      if (q >= MAX_QUEUES || name.length === 0 || name.length > MAX_QUEUE_NAME) return;
      this.u8.set(name, IN);
      this.x.addQueue(q, name.length);
    });
  }

  /** Room for `bytes` of input. */
  private reserve(bytes: number): void {
    if (bytes > this.inCap) {
      const need = IN + bytes + PAD;
      const have = this.memory.buffer.byteLength;
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
      this.inCap = bytes;
      const buf = this.memory.buffer;
      this.u8 = new Uint8Array(buf);
      this.i32 = new Int32Array(buf);
      this.u32 = new Uint32Array(buf);
      this.f64 = new Float64Array(buf);
    }
  }

  /** Copies chunk[from, to) in (complete lines); rows() offsets count from `from`. */
  load(chunk: Buffer, from: number, to: number): void {
    const len = to - from;
    this.reserve(len);
    this.u8.set(chunk.subarray(from, to), IN);
    this.u8.fill(0, IN + len, IN + len + PAD);
    this.i32[C_IN_LEN / 4] = len;
  }

  /**
   * Reads up to `max` (at most OUT_ROWS) rows from input offset `start`, the
   * first on line `line`; returns how many. `stop` is then the offset of the
   * first row not read (the end of the input, or a row it did not accept).
   */
  rows(start: number, max: number, line: number): number {
    return this.x.rows(start, max, line);
  }

  get stop(): number {
    return this.i32[C_STOP / 4];
  }

  /** Appends the `n` rows rows() just read to `b` (which has room), identities deferred (DEFERRED_ID and the raw halves). */
  copyOut(b: TraceBatch, n: number): void {
    const at = b.length;
    const { f64, i32, u32, u8 } = this;
    b.ts.set(f64.subarray(O_TS / 8, O_TS / 8 + n), at);
    b.line.set(f64.subarray(O_LINE / 8, O_LINE / 8 + n), at);
    b.event.set(u8.subarray(O_EVENT, O_EVENT + n), at);
    b.cpu.set(i32.subarray(O_CPU / 4, O_CPU / 4 + n), at);
    b.socket.set(i32.subarray(O_SOCKET / 4, O_SOCKET / 4 + n), at);
    b.sockHi.set(u32.subarray(O_SOCK_HI / 4, O_SOCK_HI / 4 + n), at);
    b.sockLo.set(u32.subarray(O_SOCK_LO / 4, O_SOCK_LO / 4 + n), at);
    b.state.set(u8.subarray(O_STATE, O_STATE + n), at);
    b.rxhash.set(u32.subarray(O_RXHASH / 4, O_RXHASH / 4 + n), at);
    b.queue.set(i32.subarray(O_QUEUE / 4, O_QUEUE / 4 + n), at);
    b.skb.set(i32.subarray(O_SKB / 4, O_SKB / 4 + n), at);
    b.skbHi.set(u32.subarray(O_SKB_HI / 4, O_SKB_HI / 4 + n), at);
    b.skbLo.set(u32.subarray(O_SKB_LO / 4, O_SKB_LO / 4 + n), at);
    b.length = at + n;
  }
}
