/**
 * The WebAssembly side of the canonical-row fast path (wasm/v1-rows.ts):
 * copies a chunk's complete lines in, and the rows it reads out into the
 * batch, one native copy per column (writing them straight into the shared
 * batches was slower: bench/HISTORY.md). V1Scanner decides when it applies
 * and reads every row it gives up on. The memory layout is wasm/layout.ts,
 * which the module is compiled from too.
 */
import { readFileSync } from 'node:fs';
import type { TraceBatch } from '../trace.js';
import type { BatchWriter } from './batch-writer.js';
import * as layout from './wasm/layout.js';
import {
  C_IN_LEN,
  C_NR_CPU,
  C_STOP,
  IN,
  MAX_QUEUES,
  O_CPU,
  O_EVENT,
  O_LINE,
  O_QUEUE,
  O_RXHASH,
  O_SKB,
  O_SKB_HI,
  O_SKB_LO,
  O_SOCK_HI,
  O_SOCK_LO,
  O_SOCKET,
  O_STATE,
  O_TS,
  OUT_ROWS,
  PAD,
  Q_NAME_BYTES,
} from './wasm/layout.js';

const PAGE = 65536;

interface RowsExports {
  init(): void;
  addQueue(q: number, len: number): number;
  rows(start: number, max: number, line: number): number;
}

/** Where the compiled module lives: dist/ingest/v1-rows.wasm, from src/ or dist/ alike. */
export const WASM_URL = new URL('../../../dist/ingest/v1-rows.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

/**
 * The layout constants whose values in `exports` (a v1-rows.wasm instance's)
 * differ from wasm/layout.ts's, or are missing: none unless the module is a
 * stale build.
 */
export function layoutMismatches(exports: Record<string, unknown>): string[] {
  return Object.entries(layout)
    .filter(([name, value]) => (exports[name] as { value?: unknown } | undefined)?.value !== value)
    .map(([name]) => name);
}

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
    const exports = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as Record<string, unknown>;
    const stale = layoutMismatches(exports);
    if (stale.length > 0) throw new Error(`v1-rows.wasm is a stale build: its ${stale.join(', ')} differ from wasm/layout.ts`);
    this.x = exports as unknown as RowsExports;
    this.reserve(1 << 20);
    this.x.init();
    this.i32[C_NR_CPU / 4] = nrCpuIds;
    // Queues the table cannot take are left out: rows naming them go by the JavaScript paths.
    queueNames.forEach((name, q) => {
      if (q >= MAX_QUEUES || name.length === 0 || name.length > Q_NAME_BYTES) return;
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
   * Reads rows from input offset `start`, the first on line `line`, into
   * `out`'s batches; returns how many. `stop` is then the offset of the
   * first row not read (the end of the input, or a row it did not accept).
   */
  readRows(out: BatchWriter, start: number, line: number): number {
    let read = 0;
    for (;;) {
      const room = out.batchRows - out.batch.length;
      const max = room < OUT_ROWS ? room : OUT_ROWS;
      const n = this.x.rows(start, max, line + read);
      if (n > 0) {
        const b = out.batch;
        const at = b.length;
        this.copyOut(b, n);
        if (!out.deferIds) out.internDeferred(at, at + n);
        out.rows += n;
        read += n;
        if (b.length === out.batchRows) out.flush();
      }
      if (n < max) return read;
      start = this.stop;
    }
  }

  /** Input offset of the first row the last readRows() did not read. */
  get stop(): number {
    return this.i32[C_STOP / 4];
  }

  /** Appends the `n` rows x.rows() just read to `b` (which has room), identities deferred (DEFERRED_ID and the raw halves). */
  private copyOut(b: TraceBatch, n: number): void {
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
