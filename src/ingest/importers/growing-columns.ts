/**
 * Columns of typed arrays that grow in place, for importers that hold a
 * trace whole before writing its rows (their sources print out of time
 * order). Each column is a view of a resizable buffer reserved for `max`
 * slots and committed as it grows: growing copies nothing, and memory is
 * touched once, where a slot is written. On this project's machines
 * touching fresh memory costs about 3 ns a byte, more than reading the line
 * a slot came from; columns that doubled by copying touched everything
 * twice (2M-row capture: 500 ms of 1 s).
 */

/** An ArrayBuffer that grows in place (ES2024), reserved up to maxByteLength. */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

export class GrowingColumns {
  /** Slots in use. */
  n = 0;
  private cap = 0;
  private readonly buffers: { buffer: ResizableArrayBuffer; bytes: number }[] = [];

  constructor(
    /** Most slots the columns hold. */
    readonly max: number,
  ) {}

  get full(): boolean {
    return this.n === this.max;
  }

  /** A new column (zero in every slot); its length follows the slots'. */
  protected column<T extends Column>(make: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
    const bytes = make.BYTES_PER_ELEMENT;
    const buffer = new ResizableBuffer(this.cap * bytes, { maxByteLength: this.max * bytes });
    this.buffers.push({ buffer, bytes });
    return new make(buffer);
  }

  /** The next slot (the caller checks `full` first). */
  protected nextSlot(): number {
    if (this.n === this.cap) {
      this.cap = Math.min(this.max, Math.max(1 << 16, 2 * this.cap));
      for (const { buffer, bytes } of this.buffers) buffer.resize(this.cap * bytes);
    }
    return this.n++;
  }
}

/**
 * Growing columns of events, each with a time and the source line it came
 * from, held in arrival order; timeOrder() gives the order to write them in.
 */
export class TimedColumns extends GrowingColumns {
  /** Nanoseconds. */
  readonly ts = this.column(Float64Array);
  readonly line = this.column(Int32Array);
  /** The times arrived in order so far: no sort needed. */
  inOrder = true;
  private lastTs = 0;

  /** A new slot for an event at `ts` from source line `line` (the caller checks `full` first). */
  protected addTimed(ts: number, line: number): number {
    const i = this.nextSlot();
    this.ts[i] = ts;
    this.line[i] = line;
    if (ts < this.lastTs) this.inOrder = false;
    else this.lastTs = ts;
    return i;
  }

  /** Slots in time order, equal times in arrival order; null when they arrived in it. */
  timeOrder(): Int32Array | null {
    if (this.inOrder) return null;
    const order = new Int32Array(this.n);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const ts = this.ts;
    return order.sort((a, b) => ts[a] - ts[b] || a - b);
  }
}
