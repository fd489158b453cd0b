/**
 * Where every path of the byte scanner writes its rows (SIMD, fast row,
 * general row): the batch being filled, handed to the sink when full, and
 * the hex identities, interned here or left to the consumer.
 */
import { idKey, key } from '../id-keys.js';
import type { Interner } from '../interner.js';
import type { Identities } from '../rows.js';
import { allocBatch, appendRow, BATCH_ROWS, DEFERRED_ID, NONE, type TraceBatch, type TraceSink } from '../trace.js';
import { ID_HEX } from '../trace-codes.js';
import type { SimdRows } from './simd.js';
import { T_SKBS, T_SOCKETS } from './wasm/layout.js';

export class BatchWriter {
  batch: TraceBatch;
  /** Rows the batch holds (the parse worker's slots may be larger than BATCH_ROWS). */
  batchRows: number;
  /** Rows written. */
  rows = 0;
  private readonly sockets: Interner;
  private readonly skbs: Interner;
  /** Where text identities are numbered when the SIMD reader reads rows too (it numbers the ones it reads). */
  private textIds: SimdRows | null = null;

  /**
   * `deferIds`: leave hex identities uninterned (DEFERRED_ID + the raw halves
   * in side columns) for the replay banks, which number sockets in
   * WebAssembly, for less than interning them here would cost.
   */
  constructor(
    private readonly sink: TraceSink,
    private readonly takeBatch: (() => TraceBatch) | undefined,
    ids: Identities,
    readonly deferIds: boolean,
  ) {
    this.batch = takeBatch ? takeBatch() : allocBatch(BATCH_ROWS);
    this.batchRows = this.batch.ts.length;
    this.sockets = ids.sockets;
    this.skbs = ids.skbs;
  }

  /** Appends one row, and hands the batch to the sink when it is full. */
  append(ts: number, event: number, cpu: number, socket: number, state: number, rxhash: number, queue: number, skb: number, line: number): void {
    this.rows++;
    if (appendRow(this.batch, ts, event, cpu, socket, state, rxhash, queue, skb, line) === this.batchRows) this.flush();
  }

  /** Id of a 0x hex socket identity for the row about to be appended. */
  socketHex(hi: number, lo: number): number {
    return this.socketKey(ID_HEX, hi, lo);
  }

  /** Id of a 0x hex skb identity for the row about to be appended. */
  skbHex(hi: number, lo: number): number {
    return this.skbKey(ID_HEX, hi, lo);
  }

  /** Id of a socket identity with a key (id-keys.ts) for the row about to be appended: deferred (the key in the side columns) or interned. */
  socketKey(kind: number, hi: number, lo: number): number {
    if (!this.deferIds) return this.sockets.internKey(kind, hi, lo);
    const b = this.batch;
    b.sockHi[b.length] = hi;
    b.sockLo[b.length] = lo;
    return DEFERRED_ID - kind;
  }

  /** Id of an skb identity with a key, as socketKey(). */
  skbKey(kind: number, hi: number, lo: number): number {
    if (!this.deferIds) return this.skbs.internKey(kind, hi, lo);
    const b = this.batch;
    b.skbHi[b.length] = hi;
    b.skbLo[b.length] = lo;
    return DEFERRED_ID - kind;
  }

  /**
   * From here on, text identities are numbered by the SIMD reader's tables,
   * which number the ones it reads: with deferIds its numbers go into the
   * batch as they are (the consumer numbers the hex ones apart), without,
   * the interners map them into their one numbering.
   */
  numberTextsIn(simd: SimdRows): void {
    this.textIds = simd;
  }

  /** Id of a socket identity that is not 0x hex. */
  socketText(text: string): number {
    const kind = idKey(text);
    if (kind >= 0) return this.socketKey(kind, key.hi, key.lo);
    const t = this.textIds;
    if (t === null) return this.sockets.internText(text);
    const id = t.textId(T_SOCKETS, text);
    return this.deferIds ? id : this.sockets.ofTextId(id);
  }

  /** Id of an skb identity that is not 0x hex. */
  skbText(text: string): number {
    const kind = idKey(text);
    if (kind >= 0) return this.skbKey(kind, key.hi, key.lo);
    const t = this.textIds;
    if (t === null) return this.skbs.internText(text);
    const id = t.textId(T_SKBS, text);
    return this.deferIds ? id : this.skbs.ofTextId(id);
  }

  /**
   * Interns the identities of rows [from, to) of the batch that the SIMD
   * reader wrote (without deferIds), socket then skb per row: the deferred
   * keys, and the texts by their table's number.
   */
  internDeferred(from: number, to: number): void {
    const b = this.batch;
    const { sockets, skbs } = this;
    for (let i = from; i < to; i++) {
      const s = b.socket[i];
      if (s < NONE) b.socket[i] = sockets.internKey(DEFERRED_ID - s, b.sockHi[i], b.sockLo[i]);
      else if (s >= 0) b.socket[i] = sockets.ofTextId(s);
      const k = b.skb[i];
      if (k < NONE) b.skb[i] = skbs.internKey(DEFERRED_ID - k, b.skbHi[i], b.skbLo[i]);
      else if (k >= 0) b.skb[i] = skbs.ofTextId(k);
    }
  }

  /** Hands the batch to the sink, if it holds rows, and starts the next. */
  flush(): void {
    if (this.batch.length > 0) {
      this.sink.batch(this.batch);
      if (this.takeBatch) {
        this.batch = this.takeBatch();
        this.batchRows = this.batch.ts.length;
      }
      this.batch.length = 0;
    }
  }
}
