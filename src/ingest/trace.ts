/**
 * The one internal trace model every importer produces: a configuration
 * snapshot (from the `#` header of format v1, or the importer's equivalent)
 * plus rows delivered in columnar batches of typed arrays, so that the replay
 * hot path never allocates an object per row.
 */

import {
  DEFERRED_ID,
  EV_ACCEPT,
  EV_DELIVER,
  EV_PACKET,
  EV_RECVMSG,
  EV_SENDMSG,
  EV_SPLICE,
  EV_STATE,
  NONE,
  TCP_CLOSE,
  TCP_CLOSING,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
} from './trace-codes.js';
import type { SamplingRule } from '../types/sampling.js';

export { DEFERRED_ID, NONE };

/** Event kinds, as stored in {@link TraceBatch.event} (their codes: trace-codes.ts, shared with the WebAssembly lanes). */
export const EventKind = {
  Recvmsg: EV_RECVMSG,
  Sendmsg: EV_SENDMSG,
  Accept: EV_ACCEPT,
  Splice: EV_SPLICE,
  State: EV_STATE,
  Packet: EV_PACKET,
  Deliver: EV_DELIVER,
} as const;
export type EventKindValue = (typeof EventKind)[keyof typeof EventKind];

export const EVENT_NAMES = ['recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Record events leave a hint in the sock flow table (sock_rps_record_flow callers). */
export function isRecordEvent(kind: number): boolean {
  return kind <= EventKind.Splice;
}

/** TCP states as numbered in include/net/tcp_states.h. */
export const TCP_STATE_NAMES = [
  '', // 0 is not a state; used for "no state given"
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;
export const TcpState = {
  None: 0,
  Established: TCP_ESTABLISHED,
  SynSent: 2,
  SynRecv: 3,
  FinWait1: TCP_FIN_WAIT1,
  FinWait2: TCP_FIN_WAIT2,
  TimeWait: 6,
  Close: TCP_CLOSE,
  CloseWait: 8,
  LastAck: 9,
  Listen: 10,
  Closing: TCP_CLOSING,
  NewSynRecv: 12,
} as const;

/** One RX queue as configured in sysfs (`queues/rx-N/rps_cpus`, `rps_flow_cnt`). */
export interface QueueConfig {
  name: string;
  /** CPUs of the RPS map in ascending order, as `store_rps_map()` builds it. */
  rpsCpus: number[];
  /** The mask as written in the trace (sysfs form), for provenance. */
  rpsCpusMask: string;
  /** rps_flow_cnt as written (0 = no flow table); the model rounds it up. */
  rpsFlowCnt: number;
}

/** The configuration snapshot: header comments of a v1 trace. */
export interface TraceHeader {
  format: string; // e.g. "rfs-trace v1", "perf-script", ...
  nrCpuIds?: number;
  rpsSockFlowEntries?: number;
  kernel?: string;
  /** Declared queues; a trace without `queue=` lines gets one implicit queue named "0". */
  queues: QueueConfig[];
  /** True when `queues` was synthesised because the trace declared none. */
  implicitQueue: boolean;
  /** Any other key=value pairs seen, kept for provenance. */
  extra: Record<string, string>;
  /** sample_shift= and sample_bits=: the trace holds only the flows this rule keeps (docs/model.md#flow-sampling). */
  sampling?: SamplingRule;
}

/** Columnar rows. All arrays have at least `length` entries; indices >= length are garbage. */
export interface TraceBatch {
  length: number;
  /** Nanoseconds, one monotonic clock (float64 holds integers exactly up to 2^53). */
  ts: Float64Array;
  event: Uint8Array;
  /** CPU id, or NONE when the column is empty. */
  cpu: Int32Array;
  /** Interned socket identity, or NONE. */
  socket: Int32Array;
  /** TCP state 1..12, or 0 when empty. */
  state: Uint8Array;
  /** Unsigned 32-bit flow hash (0 when empty). */
  rxhash: Uint32Array;
  /** Index into TraceHeader.queues. */
  queue: Int32Array;
  /** Interned skb identity, or NONE. */
  skb: Int32Array;
  /** 1-based source line of each row (float64: traces can exceed 2^32 lines). */
  line: Float64Array;
  /** Raw 64-bit hex identities of rows whose socket/skb is DEFERRED_ID (interned by the reader's consumer). */
  sockHi: Uint32Array;
  sockLo: Uint32Array;
  skbHi: Uint32Array;
  skbLo: Uint32Array;
  /**
   * Filled by the replay engine in a sweep, for the replay thread: each row's
   * flow id (from the main thread's numbering bank), and for a deliver row the
   * ordinal of the packet it matched (see DeliverMatcher.match, replay/deliver-matching.ts).
   */
  flow: Int32Array;
  ordinal: Float64Array;
}

export function allocBatch(capacity: number): TraceBatch {
  return {
    length: 0,
    ts: new Float64Array(capacity),
    event: new Uint8Array(capacity),
    cpu: new Int32Array(capacity),
    socket: new Int32Array(capacity),
    state: new Uint8Array(capacity),
    rxhash: new Uint32Array(capacity),
    queue: new Int32Array(capacity),
    skb: new Int32Array(capacity),
    line: new Float64Array(capacity),
    sockHi: new Uint32Array(capacity),
    sockLo: new Uint32Array(capacity),
    skbHi: new Uint32Array(capacity),
    skbLo: new Uint32Array(capacity),
    flow: new Int32Array(0),
    ordinal: new Float64Array(0),
  };
}

/** Appends one row to a batch; returns the batch's new length. (One place for the column layout.) */
export function appendRow(
  b: TraceBatch,
  ts: number,
  event: number,
  cpu: number,
  socket: number,
  state: number,
  rxhash: number,
  queue: number,
  skb: number,
  line: number,
): number {
  const i = b.length;
  b.ts[i] = ts;
  b.event[i] = event;
  b.cpu[i] = cpu;
  b.socket[i] = socket;
  b.state[i] = state;
  b.rxhash[i] = rxhash;
  b.queue[i] = queue;
  b.skb[i] = skb;
  b.line[i] = line;
  return (b.length = i + 1);
}

/** Rows per batch: big enough to amortise per-batch work, small enough to stay in cache. */
export const BATCH_ROWS = 1 << 13;

/** What a reader tells about the input besides rows. */
export interface SourceInfo {
  path: string;
  bytes: number;
  gzip: boolean;
  sha256: string;
  format: string;
}

/** Receives a trace: the header first, then batches in file order, then the end. */
export interface TraceSink {
  /** `nrCpuIds` is the trace's (or, if it has none, the --cpus fallback): rows are checked against it. */
  header(header: TraceHeader, nrCpuIds: number): void;
  /** The batch's arrays are reused after this returns: copy what must be kept. */
  batch(batch: TraceBatch): void;
}

/** Bytes per row of a batch: ts 8, event 1, cpu 4, socket 4, state 1, rxhash 4, queue 4, skb 4, line 8, 4 × 4 raw ids. */
const COLUMN_BYTES = [8, 1, 4, 4, 1, 4, 4, 4, 8, 4, 4, 4, 4, 4, 8];

/** Bytes of one shared batch of `capacity` rows. */
export function sharedBatchBytes(capacity: number): number {
  return COLUMN_BYTES.reduce((s, b) => s + b * capacity, 0);
}

/** A batch whose columns live in one SharedArrayBuffer, so another thread can read it in place. */
export function allocSharedBatch(capacity: number): { batch: TraceBatch; buffer: SharedArrayBuffer } {
  const buffer = new SharedArrayBuffer(sharedBatchBytes(capacity));
  return { batch: batchOnBuffer(buffer, capacity), buffer };
}

/** Typed-array views of a shared batch buffer (same layout as allocSharedBatch). */
export function batchOnBuffer(buffer: SharedArrayBuffer, capacity: number): TraceBatch {
  let off = 0;
  const take = <T>(make: (b: SharedArrayBuffer, o: number, n: number) => T, bytes: number): T => {
    const v = make(buffer, off, capacity);
    off += bytes * capacity;
    return v;
  };
  // Widest columns first keeps every view aligned.
  const ts = take((b, o, n) => new Float64Array(b, o, n), 8);
  const line = take((b, o, n) => new Float64Array(b, o, n), 8);
  const ordinal = take((b, o, n) => new Float64Array(b, o, n), 8);
  const cpu = take((b, o, n) => new Int32Array(b, o, n), 4);
  const socket = take((b, o, n) => new Int32Array(b, o, n), 4);
  const rxhash = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const queue = take((b, o, n) => new Int32Array(b, o, n), 4);
  const skb = take((b, o, n) => new Int32Array(b, o, n), 4);
  const sockHi = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const sockLo = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const skbHi = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const skbLo = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const flow = take((b, o, n) => new Int32Array(b, o, n), 4);
  const event = take((b, o, n) => new Uint8Array(b, o, n), 1);
  const state = take((b, o, n) => new Uint8Array(b, o, n), 1);
  return { length: 0, ts, event, cpu, socket, state, rxhash, queue, skb, line, sockHi, sockLo, skbHi, skbLo, flow, ordinal } as TraceBatch;
}
