/**
 * The WebAssembly side of the readers' fast path (wasm/v1-rows.ts): the
 * column plan once per file, chunks' complete lines copied in, the rows it
 * reads copied out into the batch, one native copy per column (writing them
 * straight into the shared batches was slower: bench/HISTORY.md), and the
 * numbering of text identities, which the JavaScript paths share through
 * textId(). V1Scanner decides when it applies and reads every row it gives
 * up on. The memory layout is wasm/layout.ts, which the module is compiled
 * from too.
 */
import { readFileSync } from 'node:fs';
import { TCP_STATE_NAMES, type TraceBatch } from '../trace.js';
import type { BatchWriter } from './batch-writer.js';
import { COLUMN_NAMES } from './header.js';
import * as layout from './wasm/layout.js';
import {
  ABSENT,
  C_CANONICAL,
  C_FIELDS,
  C_IGNORED,
  C_IN_LEN,
  C_NR_CPU,
  C_ROLE,
  C_STOP,
  IN,
  IN_CAP,
  KEY,
  MAX_FIELDS,
  MAX_KEY,
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
  T_SKBS,
  T_SOCKETS,
  T_STATES,
} from './wasm/layout.js';

const PAGE = 65536;

interface RowsExports {
  init(): void;
  addName(table: number, len: number, id: number): void;
  addQueue(q: number, len: number): boolean;
  intern(table: number, len: number): number;
  reserveId(table: number): number;
  rows(start: number, max: number, line: number): number;
}

/** The tables of text identities: sockets and skbs. */
export type IdTable = typeof T_SOCKETS | typeof T_SKBS;
export { T_SKBS, T_SOCKETS };

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
  /** Text identities longer than MAX_KEY, which the tables do not hold: numbered here, in the tables' numbering. */
  private readonly longKeys = [new Map<string, number>(), new Map<string, number>()];

  /**
   * Reads rows whose header row named `columns` (in file order): the plan of
   * which field is which is made here, once. `queueNames`: the declared
   * queues, in header order. Null when the layout has more columns than the
   * reader takes (the JavaScript paths read every row then).
   */
  static forColumns(nrCpuIds: number, columns: string[], queueNames: Buffer[]): SimdRows | null {
    return columns.length <= MAX_FIELDS ? new SimdRows(nrCpuIds, columns, queueNames) : null;
  }

  private constructor(nrCpuIds: number, columns: string[], queueNames: Buffer[]) {
    compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((IN + IN_CAP + PAD) / PAGE) });
    const exports = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as Record<string, unknown>;
    const stale = layoutMismatches(exports);
    if (stale.length > 0) throw new Error(`v1-rows.wasm is a stale build: its ${stale.join(', ')} differ from wasm/layout.ts`);
    this.x = exports as unknown as RowsExports;
    this.views();
    this.x.init();
    this.views();
    this.i32[C_NR_CPU / 4] = nrCpuIds;
    this.i32[C_FIELDS / 4] = columns.length;
    COLUMN_NAMES.forEach((name, role) => {
      const k = columns.indexOf(name);
      this.i32[C_ROLE / 4 + role] = k < 0 ? ABSENT : k;
    });
    const canonical = columns.length === COLUMN_NAMES.length && COLUMN_NAMES.every((n, k) => columns[k] === n);
    this.i32[C_CANONICAL / 4] = canonical ? 1 : 0;
    this.i32[C_IGNORED / 4] = columns.some((n) => !(COLUMN_NAMES as readonly string[]).includes(n)) ? 1 : 0;
    // Queues the table cannot take are left out: rows naming them go by the JavaScript paths.
    queueNames.forEach((name, q) => {
      if (q >= MAX_QUEUES || name.length === 0 || name.length > MAX_KEY) return;
      this.u8.set(name, KEY);
      this.x.addQueue(q, name.length);
      this.views();
    });
    TCP_STATE_NAMES.forEach((name, state) => {
      if (state > 0) this.name(T_STATES, Buffer.from(name, 'latin1'), state);
    });
  }

  /** The typed views of the memory, again after it grew. */
  private views(): void {
    const buf = this.memory.buffer;
    if (this.u8?.buffer === buf) return;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  private name(table: number, bytes: Buffer, id: number): void {
    this.u8.set(bytes, KEY);
    this.x.addName(table, bytes.length, id);
    this.views();
  }

  /**
   * The number of a text identity (any identity but 0x and 1 to 16 hex
   * digits) in table `t`, as rows() numbers the ones it reads: the
   * JavaScript paths number theirs here, so a text has one number whichever
   * path read it.
   */
  textId(t: IdTable, text: string): number {
    const n = text.length;
    if (n > MAX_KEY) {
      const long = this.longKeys[t];
      let id = long.get(text);
      if (id === undefined) {
        long.set(text, (id = this.x.reserveId(t)));
        this.views();
      }
      return id;
    }
    const u8 = this.u8;
    for (let i = 0; i < n; i++) u8[KEY + i] = text.charCodeAt(i);
    const id = this.x.intern(t, n);
    this.views();
    return id;
  }

  /**
   * Copies complete lines of chunk[from, to) in (up to IN_CAP bytes: to is a
   * line's end); returns where the copy ends (rows() offsets count from
   * `from`), `from` itself when no whole line fits.
   */
  load(chunk: Buffer, from: number, to: number): number {
    let end = to;
    if (end - from > IN_CAP) end = chunk.lastIndexOf(0x0a, from + IN_CAP - 1) + 1;
    if (end <= from) return from;
    const len = end - from;
    this.u8.set(chunk.subarray(from, end), IN);
    this.u8.fill(0, IN + len, IN + len + PAD);
    this.i32[C_IN_LEN / 4] = len;
    return end;
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
      this.views();
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

  /** Appends the `n` rows x.rows() just read to `b` (which has room): hex identities deferred (DEFERRED_ID and the raw halves), text ones by their table's number. */
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
