/**
 * Row validation and batching for readers that see rows as strings (the
 * csv-parse reference reader and the importers of other formats). The byte
 * scanner applies the same rules on bytes; tests hold the two to each other.
 */
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import { BAD, parseCpu, parseEvent, parseState, parseU32, parseUint53, rxhashError, tsError } from './fields.js';
import { Interner } from './interner.js';
import { allocBatch, appendRow, BATCH_ROWS, EventKind, NONE, type TraceBatch, type TraceHeader, type TraceSink } from './trace.js';
import type { BatchWriter } from './v1/batch-writer.js';

/** Counts rows skipped in lenient mode, by reason, with the first few examples. */
export class SkipLog {
  total = 0;
  readonly byReason: Record<string, number> = {};
  readonly examples: { line: number; column: number; reason: string; message: string }[] = [];
  constructor(private readonly maxExamples = 10) {}
  add(e: InputError): void {
    this.total++;
    this.byReason[e.reason] = (this.byReason[e.reason] ?? 0) + 1;
    if (this.examples.length < this.maxExamples) {
      this.examples.push({ line: e.line, column: e.column, reason: e.reason, message: e.message });
    }
  }
}

/** Ids shared by every reader of one trace, so batches from any reader mean the same thing. */
export interface Identities {
  sockets: Interner;
  skbs: Interner;
}

export function newIdentities(): Identities {
  return { sockets: new Interner(), skbs: new Interner() };
}

/** One row as text; `columns` are the 1-based columns of each field for messages. */
export interface TextRow {
  ts: string;
  event: string;
  cpu: string;
  socket: string;
  state: string;
  rxhash: string;
  queue: string;
  skb: string;
}
export type TextColumns = Record<keyof TextRow, number>;

const TEXT_FIELDS: (keyof TextRow)[] = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb'];

/**
 * A row's CSV fields (and each field's 1-based column, `starts`) as named
 * fields, by the header's column `index` (-1: no such column), into `row` and
 * `cols`. A field missing from a short row is placed at `missingColumn` (the
 * line's length + 2), so a field that is present but bad is always reported
 * first. The string readers share it.
 */
export function nameFields(
  fields: string[],
  starts: number[],
  index: Record<keyof TextRow, number>,
  missingColumn: number,
  row: TextRow,
  cols: TextColumns,
): void {
  for (const f of TEXT_FIELDS) {
    const k = index[f];
    const present = k >= 0 && k < fields.length;
    row[f] = present ? fields[k] : '';
    cols[f] = present ? starts[k] : missingColumn;
  }
}

/** A row with a non-empty field beyond the header's `ncols` columns: the error for the first such field; else null. */
export function extraFieldError(file: string, line: number, fields: string[], starts: number[], ncols: number): InputError | null {
  for (let k = ncols; k < fields.length; k++) {
    if (fields[k] !== '') return new InputError(file, line, starts[k], msg.tooManyFields(k + 1, ncols), 'extra_field');
  }
  return null;
}

export class RowBuilder {
  private batch: TraceBatch;
  /** Rows the batch holds (shared slots may be larger than BATCH_ROWS). */
  private batchRows: number;
  private readonly queueIndex = new Map<string, number>();
  rows = 0;

  /**
   * `takeBatch`: as ReadOptions.takeBatch (a SlotRing's shared slots); the sink reads the rows there.
   * `out`: append to this writer's batches instead (the importers' rows already parsed go there too, in order).
   */
  constructor(
    private readonly file: string,
    private readonly header: TraceHeader,
    private readonly nrCpuIds: number,
    private readonly sink: TraceSink,
    readonly ids: Identities,
    private readonly skipLog: SkipLog | null,
    private readonly takeBatch?: () => TraceBatch,
    private readonly out?: BatchWriter,
  ) {
    header.queues.forEach((q, i) => this.queueIndex.set(q.name, i));
    this.batch = out ? out.batch : takeBatch ? takeBatch() : allocBatch(BATCH_ROWS);
    this.batchRows = this.batch.ts.length;
  }

  /**
   * Validates and appends one row; in lenient mode a bad row is logged and skipped.
   * `extraField` is the reader's error for a non-empty field beyond the header's columns.
   */
  add(row: TextRow, line: number, col: TextColumns, extraField: InputError | null = null): void {
    try {
      this.append(row, line, col, extraField);
    } catch (e) {
      if (this.skipLog && e instanceof InputError) this.skipLog.add(e);
      else throw e;
    }
  }

  /**
   * Which error a row with several problems gets is part of the contract
   * between the two readers (the byte scanner checks fields as it meets
   * them): first the leftmost field that is bad on its own, then a non-empty
   * field beyond the header's columns, then fields missing for the event kind
   * (cpu, state, socket, in that order).
   */
  private append(row: TextRow, line: number, col: TextColumns, extraField: InputError | null): void {
    const f = this.file;
    let first: InputError | null = null;
    const fail = (e: InputError): void => {
      if (first === null || e.column < first.column) first = e;
    };
    const ts = parseUint53(row.ts);
    if (ts === BAD) fail(new InputError(f, line, col.ts, tsError(row.ts), 'bad_ts'));
    const event = parseEvent(row.event);
    if (event === BAD) fail(new InputError(f, line, col.event, msg.unknownEvent(row.event), 'unknown_event'));
    let cpu: number = NONE;
    if (row.cpu.length > 0) {
      cpu = parseCpu(row.cpu);
      if (cpu === BAD) fail(new InputError(f, line, col.cpu, msg.badCpu(row.cpu), 'bad_cpu'));
      else if (cpu >= this.nrCpuIds) fail(new InputError(f, line, col.cpu, msg.cpuOutOfRange(row.cpu, this.nrCpuIds), 'cpu_out_of_range'));
    }
    let state = 0;
    if (row.state.length > 0) {
      state = parseState(row.state);
      if (state === BAD) fail(new InputError(f, line, col.state, msg.badState(row.state), 'bad_state'));
    }
    let rxhash = 0;
    if (row.rxhash.length > 0) {
      rxhash = parseU32(row.rxhash);
      if (rxhash === BAD) fail(new InputError(f, line, col.rxhash, rxhashError(row.rxhash), 'bad_rxhash'));
    }
    let queue = 0;
    if (row.queue.length > 0) {
      const q = this.queueIndex.get(row.queue);
      if (q === undefined) {
        fail(
          new InputError(
            f,
            line,
            col.queue,
            msg.unknownQueue(
              row.queue,
              this.header.queues.map((x) => x.name),
            ),
            'unknown_queue',
          ),
        );
      } else {
        queue = q;
      }
    }
    if (first) throw first;
    if (extraField) throw extraField;
    if (row.cpu.length === 0 && event !== EventKind.State) throw new InputError(f, line, col.cpu, msg.missingCpu(), 'bad_cpu');
    if (row.state.length === 0 && event === EventKind.State) throw new InputError(f, line, col.state, msg.missingState(), 'bad_state');
    if (row.socket.length === 0 && event <= EventKind.State) throw new InputError(f, line, col.socket, msg.missingSocket(), 'missing_socket');
    const out = this.out;
    if (out) {
      this.rows++;
      // Interned only once the row is known good; socket before skb, as below.
      const sk = row.socket.length > 0 ? out.socketText(row.socket) : NONE;
      out.append(ts, event, cpu, sk, state, rxhash, queue, row.skb.length > 0 ? out.skbText(row.skb) : NONE, line);
      return;
    }
    // Interned only once the row is known good, so a skipped row leaves no identity behind.
    const socket = row.socket.length > 0 ? this.ids.sockets.intern(row.socket) : NONE;
    const skb = row.skb.length > 0 ? this.ids.skbs.intern(row.skb) : NONE;

    this.rows++;
    if (appendRow(this.batch, ts, event, cpu, socket, state, rxhash, queue, skb, line) === this.batchRows) this.flush();
  }

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
