/**
 * Where every path of the byte scanner writes its rows (SIMD, fast row,
 * general row): the batch being filled, handed to the sink when full, and
 * the hex identities, interned here or left to the consumer.
 */
import type { Interner } from '../interner.js';
import type { Identities } from '../rows.js';
import { allocBatch, appendRow, BATCH_ROWS, DEFERRED_ID, type TraceBatch, type TraceSink } from '../trace.js';

export class BatchWriter {
  batch: TraceBatch;
  /** Rows the batch holds (the parse worker's slots may be larger than BATCH_ROWS). */
  batchRows: number;
  /** Rows written. */
  rows = 0;
  private readonly sockets: Interner;
  private readonly skbs: Interner;

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

  /** Id of a hex socket identity for the row about to be appended. */
  socketHex(hi: number, lo: number): number {
    if (!this.deferIds) return this.sockets.internHex(hi, lo);
    const b = this.batch;
    b.sockHi[b.length] = hi;
    b.sockLo[b.length] = lo;
    return DEFERRED_ID;
  }

  /** Id of a hex skb identity for the row about to be appended. */
  skbHex(hi: number, lo: number): number {
    if (!this.deferIds) return this.skbs.internHex(hi, lo);
    const b = this.batch;
    b.skbHi[b.length] = hi;
    b.skbLo[b.length] = lo;
    return DEFERRED_ID;
  }

  /** Id of a socket identity that is not hex (always interned here). */
  socketText(text: string): number {
    return this.sockets.internText(text);
  }

  /** Id of an skb identity that is not hex (always interned here). */
  skbText(text: string): number {
    return this.skbs.internText(text);
  }

  /** Interns the deferred hex identities of rows [from, to) of the batch (rows the SIMD reader wrote), socket then skb per row. */
  internDeferred(from: number, to: number): void {
    const b = this.batch;
    for (let i = from; i < to; i++) {
      if (b.socket[i] === DEFERRED_ID) b.socket[i] = this.sockets.internHex(b.sockHi[i], b.sockLo[i]);
      if (b.skb[i] === DEFERRED_ID) b.skb[i] = this.skbs.internHex(b.skbHi[i], b.skbLo[i]);
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
