/**
 * The replayed configurations of one pass: the kernel's RFS state (global sock
 * flow table, per-RX-queue flow tables, RPS maps, per-CPU backlog heads and
 * tails) and the contract's counters, for every configuration at once.
 *
 * A FlowTableBank keeps one lane per configuration and replays the trace row
 * by row, each row through every lane. Its state is struct-of-arrays: every
 * lane's counters, tables and CPUs live in shared typed arrays indexed by
 * lane, so the hot loop touches typed arrays only (no object per lane per
 * row). What does not depend on the configuration (the row, the socket's TCP
 * state and last rxhash) is decoded once per row; state whose index does not
 * depend on the configuration is lane-interleaved, so a row's lanes share
 * cache lines: the flow's pending packets, the per-queue flow table entry (for
 * lanes with the same per-queue sizes, as in a global-size sweep, a row lands
 * in the same entry), the deliver window. FlowTableModel is one lane's view, for its results.
 *
 * Kernel functions mirrored are named next to each rule (Linux 6.18 sources:
 * include/net/rps.h, net/core/dev.c).
 */
import { COUNTER_NAMES, Counters, deriveRatios, type CounterName, type Metrics } from '../analyze/metrics.js';
import { EventKind, NONE, type TraceBatch, TcpState } from '../ingest/trace.js';
import type { TimelineBin } from '../replay/result.js';
import type { ResolvedConfig } from './config.js';
import { hash32, reciprocalScale, RPS_NO_CPU } from './kernel.js';
import { PendingByFlow } from './pending.js';
import { Timeline } from './timeline.js';

/** Packets remembered for deliver matching; a deliver further behind than this counts as unmatched. */
export const PACKET_WINDOW = 1 << 18;
export const PACKET_WINDOW_MASK = PACKET_WINDOW - 1;

/** How the model routed a packet (kept per packet for explaining disagreements). */
export const Path = {
  NotSteered: 0,
  Rps: 1,
  RfsHint: 2,
  RfsSwitched: 3,
  RfsHeld: 4,
  RpsInvalidCpu: 5,
} as const;
export const PATH_CLASS = [
  'not_steered',
  'rps_no_hint',
  'rfs_followed_hint',
  'rfs_switched_slot',
  'rfs_held_by_ordering_guard',
  'rps_invalid_cpu',
] as const;

export interface DisagreementExample {
  line: number;
  rxhash: string;
  model_cpu: number;
  kernel_cpu: number;
  class: string;
}

// A lane's counters are a row of the bank's counter array, in COUNTER_NAMES order.
const NC = COUNTER_NAMES.length;
const RECORDS = 0;
const RECORDS_STATE_SKIPPED = 1;
const RECORDS_ZERO_HASH = 2;
const WRITES = 3;
const WRITES_AVOIDED = 4;
const RECORDS_NO_TABLE = 5;
const EVICTIONS = 6;
const DELETES = 7;
const PACKETS = 8;
const LOOKUPS = 9;
const HITS = 10;
const HITS_OWN = 11;
const HITS_ALIASED = 12;
const MISSES_EMPTY = 13;
const MISSES_COLLISION = 14;
const MISSES_INVALID_CPU = 15;
const HITS_STALE = 16;
const HITS_UNRESOLVED = 17;
const STEERED_RFS = 18;
const STEERED_RPS = 19;
const NOT_STEERED = 20;
const CROSS_CPU = 21;
const SLOT_SWITCHES = 22;
const OOO_HOLDS = 23;
const SLOT_CONFLICTS = 24;
const LOCAL = 25;
const LOCAL_UNRESOLVED = 26;
const DELIVER_MATCHED = 27;
const DELIVER_UNMATCHED = 28;
const AGREE = 29;
const REHASH_CLEARS = 30;
const COUNTER_SLOTS: Record<CounterName, number> = {
  records: RECORDS,
  records_state_skipped: RECORDS_STATE_SKIPPED,
  records_zero_hash: RECORDS_ZERO_HASH,
  writes: WRITES,
  writes_avoided: WRITES_AVOIDED,
  records_no_table: RECORDS_NO_TABLE,
  evictions: EVICTIONS,
  deletes: DELETES,
  packets: PACKETS,
  lookups: LOOKUPS,
  hits: HITS,
  hits_own: HITS_OWN,
  hits_aliased: HITS_ALIASED,
  misses_empty: MISSES_EMPTY,
  misses_collision: MISSES_COLLISION,
  misses_invalid_cpu: MISSES_INVALID_CPU,
  hits_stale: HITS_STALE,
  hits_unresolved: HITS_UNRESOLVED,
  steered_rfs: STEERED_RFS,
  steered_rps: STEERED_RPS,
  not_steered: NOT_STEERED,
  cross_cpu: CROSS_CPU,
  slot_switches: SLOT_SWITCHES,
  ooo_holds: OOO_HOLDS,
  slot_conflicts: SLOT_CONFLICTS,
  local: LOCAL,
  local_unresolved: LOCAL_UNRESOLVED,
  deliver_matched: DELIVER_MATCHED,
  deliver_unmatched: DELIVER_UNMATCHED,
  agree: AGREE,
  rehash_clears: REHASH_CLEARS,
};
// The slots above must be the contract's names in order: a mismatch would mislabel every metric.
COUNTER_NAMES.forEach((name, i) => {
  if (COUNTER_SLOTS[name] !== i) throw new Error(`counter slot of ${name} is ${COUNTER_SLOTS[name]}, not ${i}`);
});

// Kernel profile switches, one bit each in a lane's flags.
const COLLISION_DETECTION = 1;
const HASHED_QUEUE_SLOT = 2;
const RECORD_ONLY_ESTABLISHED = 4;
const DELETE_ON_CLOSE = 8;
const RESET_ON_CLOSE_AND_REHASH = 16;

/** One lane of a bank: its configuration and, at the end, its results. */
export class FlowTableModel {
  readonly disagreements: Record<string, number> = {};
  readonly disagreementPairs: Record<string, number> = {};
  readonly disagreementExamples: DisagreementExample[] = [];

  constructor(
    readonly cfg: ResolvedConfig,
    private readonly bank: FlowTableBank,
    readonly lane: number,
  ) {}

  /** Counters at the end of the trace, with what never got resolved. */
  finish(): Metrics {
    return this.bank.finishLane(this.lane);
  }

  queueOccupancy(): { queue: string; slots: number; used: number }[] {
    return this.bank.queueOccupancy(this.lane);
  }

  sockTableOccupancy(): { slots: number; used: number } {
    return this.bank.sockTableOccupancy(this.lane);
  }

  timelineBins(): { bin_ns: number; bins: TimelineBin[] } | undefined {
    return this.bank.timelines[this.lane]?.result();
  }

  noteDisagreement(path: number, modelCpu: number, cpu: number, line: number, h: number): void {
    const cls = PATH_CLASS[path];
    this.disagreements[cls] = (this.disagreements[cls] ?? 0) + 1;
    const pair = `${modelCpu}>${cpu}`;
    this.disagreementPairs[pair] = (this.disagreementPairs[pair] ?? 0) + 1;
    if (this.disagreementExamples.length < 20) {
      this.disagreementExamples.push({ line, rxhash: `0x${h.toString(16).padStart(8, '0')}`, model_cpu: modelCpu, kernel_cpu: cpu, class: cls });
    }
  }
}

// A lane's configuration, LANE words at lane * LANE of the heap: absolute heap
// offsets of its state, so the hot loop adds no region bases.
const LANE = 16;
const L_NR = 0; // nr_cpu_ids
const L_FLAGS = 1;
const L_SLOTS = 2; // global table slots (0: RFS off)
const L_SOCK = 3; // its rps_sock_flow_table, per slot [ent, owner]
const L_SOCK_MASK = 4;
const L_HASH_MASK = 5; // ~rps_cpu_mask
const L_CPU_MASK = 6; // rps_cpu_mask
const L_QFLOW = 7; // its first rps_dev_flow entry's word (qOrigin + 4 * qIndex)
const L_QSTRIDE = 8; // words from one entry of its region to the next: 4 * lanes in the region
const L_HEAD = 9; // per CPU: softnet_data.input_queue_head
const L_TAIL = 10; // per CPU: softnet_data.input_queue_tail
const L_PER_CPU = 11; // per CPU: packets enqueued this batch
const L_COUNTS = 12; // counters this batch, in COUNTER_NAMES order
const L_FIFO = 13; // 1: heads follow the FIFO model (fifoNs > 0)
const L_QUEUES = 14; // its first QUEUE block
// A lane's RX queue: QUEUE words.
const QUEUE = 4;
const Q_FIRST = 0; // the queue's first entry in the lane's rps_dev_flow tables
const Q_SLOTS = 1; // rps_dev_flow_table size (0: none)
const Q_LOG = 2; // its log2, for hash_32()
const Q_MAP = 3; // heap offset of its rps_map: [len, cpus...]

/**
 * Every lane of one pass. All state lives in one Int32Array heap, indexed by
 * precomputed offsets: the optimizing compiler then checks one array per lane
 * and row instead of twenty, and keeps its base in a register. Values are int32
 * (hashes and queue positions wrap as the kernel's u32 do; comparisons are on
 * equality or on differences). Counters and per-CPU packets count one batch in
 * the heap and are added to float totals after it, so no count can wrap.
 */
export class FlowTableBank {
  readonly lanes: FlowTableModel[];
  readonly timelines: (Timeline | null)[];
  private readonly n: number; // lanes
  private readonly nq: number; // RX queues (the trace's: the same in every lane)
  private readonly heap: Int32Array;
  private readonly cpuStride: number;
  private readonly pktOff: number; // deliver window: [model cpu, queue position] at pktOff + 2 * (w * lanes + l)
  private readonly counts: Float64Array; // totals, lane l's counter k at l * NC + k
  private readonly perCpu: Float64Array; // totals, lane l's CPU t at l * cpuStride + t
  private readonly fifoNs: Float64Array; // per lane
  private readonly fifoDone: Float64Array; // FIFO completion of the last queued packet, l * cpuStride + t
  // For explaining disagreements (lanes with cfg.explain only): the packet's path and hash.
  private readonly pktPath: (Uint8Array | null)[];
  private readonly pktHash: (Int32Array | null)[];
  private readonly anyExplain: boolean;
  private readonly anyTimeline: boolean;
  private sawDeliver = false;
  // Counted once for all lanes: every lane sees every packet and record row.
  private packets = 0;
  private records = 0;
  private touched = 0; // keeps the early loads of packet() observable

  // Packets and hits waiting for their flow's next record event (locality,
  // staleness): lane l's entry for a flow is flow * lanes + l.
  private readonly pending = new PendingByFlow();

  // Per socket, from the trace alone: last known TCP state, last record event's rxhash.
  private sockState = new Uint8Array(1024);
  private sockHash = new Int32Array(1024);

  constructor(readonly configs: ResolvedConfig[]) {
    const n = configs.length;
    this.n = n;
    this.nq = n > 0 ? configs[0].queues.length : 0;
    if (configs.some((c) => c.queues.length !== this.nq)) throw new Error('every configuration of a bank has the trace\'s queues');
    const nq = this.nq;
    const cpuStride = Math.max(1, ...configs.map((c) => c.nrCpuIds));
    this.cpuStride = cpuStride;

    // Lanes with the same per-queue table sizes (a global-size sweep) share a
    // region of rps_dev_flow entries [cpu, last_qtail, last hash, unused],
    // interleaved: a row lands in the same entry in each of them, one cache line.
    const regions = new Map<string, { lanes: number[]; entries: number }>();
    configs.forEach((c, l) => {
      const layout = c.queues.map((q) => q.slots).join(',');
      const region = regions.get(layout) ?? { lanes: [], entries: c.queues.reduce((s, q) => s + q.slots, 0) };
      region.lanes.push(l);
      regions.set(layout, region);
    });

    let top = n * LANE;
    const take = (words: number): number => {
      const at = top;
      top += words;
      return at;
    };
    const queuesOff = take(n * nq * QUEUE);
    const mapOff: number[] = [];
    for (const c of configs) for (const q of c.queues) mapOff.push(take(1 + q.map.length));
    const headOff = take(n * cpuStride);
    const tailOff = take(n * cpuStride);
    const perCpuOff = take(n * cpuStride);
    const countsOff = take(n * NC);
    const sockOff: number[] = configs.map((c) => take(2 * c.slots));
    const qflowOff = new Int32Array(n);
    const qflowStart = top;
    for (const { lanes, entries } of regions.values()) {
      const origin = take(4 * entries * lanes.length);
      lanes.forEach((l, k) => (qflowOff[l] = origin + 4 * k));
    }
    const qflowEnd = top;
    this.pktOff = take(2 * PACKET_WINDOW * n);
    const m = new Int32Array(top);
    this.heap = m;

    configs.forEach((c, l) => {
      const o = l * LANE;
      m[o + L_NR] = c.nrCpuIds;
      const k = c.kernel;
      m[o + L_FLAGS] =
        (k.collisionDetection ? COLLISION_DETECTION : 0) |
        (k.hashedQueueSlot ? HASHED_QUEUE_SLOT : 0) |
        (k.recordOnlyEstablished ? RECORD_ONLY_ESTABLISHED : 0) |
        (k.deleteOnClose ? DELETE_ON_CLOSE : 0) |
        (k.resetOnCloseAndRehash ? RESET_ON_CLOSE_AND_REHASH : 0);
      m[o + L_SLOTS] = c.slots;
      m[o + L_SOCK] = sockOff[l];
      m[o + L_SOCK_MASK] = c.slots > 0 ? c.slots - 1 : 0;
      m[o + L_HASH_MASK] = ~c.cpuMask;
      m[o + L_CPU_MASK] = c.cpuMask;
      m[o + L_QFLOW] = qflowOff[l];
      m[o + L_QSTRIDE] = 4 * regions.get(c.queues.map((q) => q.slots).join(','))!.lanes.length;
      m[o + L_HEAD] = headOff + l * cpuStride;
      m[o + L_TAIL] = tailOff + l * cpuStride;
      m[o + L_PER_CPU] = perCpuOff + l * cpuStride;
      m[o + L_COUNTS] = countsOff + l * NC;
      m[o + L_FIFO] = c.fifoNs > 0 ? 1 : 0;
      m[o + L_QUEUES] = queuesOff + l * nq * QUEUE;
      let first = 0;
      c.queues.forEach((q, i) => {
        const qo = queuesOff + (l * nq + i) * QUEUE;
        m[qo + Q_FIRST] = first;
        m[qo + Q_SLOTS] = q.slots;
        m[qo + Q_LOG] = q.log;
        const mo = mapOff[l * nq + i];
        m[qo + Q_MAP] = mo;
        m[mo] = q.map.length;
        m.set(q.map, mo + 1);
        first += q.slots;
      });
      // rps_sock_flow_table alloc: every slot starts with RPS_NO_CPU.
      for (let s = 0; s < c.slots; s++) m[sockOff[l] + 2 * s] = RPS_NO_CPU;
    });
    // rps_dev_flow_table alloc: every entry starts with cpu = RPS_NO_CPU.
    for (let k = qflowStart; k < qflowEnd; k += 4) m[k] = RPS_NO_CPU;

    this.counts = new Float64Array(n * NC);
    this.perCpu = new Float64Array(n * cpuStride);
    this.fifoNs = Float64Array.from(configs, (c) => c.fifoNs);
    this.fifoDone = new Float64Array(n * cpuStride);
    this.pktPath = configs.map((c) => (c.explain ? new Uint8Array(PACKET_WINDOW) : null));
    this.pktHash = configs.map((c) => (c.explain ? new Int32Array(PACKET_WINDOW) : null));
    this.anyExplain = configs.some((c) => c.explain);
    this.timelines = configs.map((c) => (c.timeline ? new Timeline() : null));
    this.anyTimeline = configs.some((c) => c.timeline);
    this.lanes = configs.map((c, l) => new FlowTableModel(c, this, l));
  }

  private ensureSocket(sock: number): void {
    if (sock < this.sockState.length) return;
    let cap = this.sockState.length;
    while (cap <= sock) cap *= 2;
    const st = new Uint8Array(cap);
    st.set(this.sockState);
    this.sockState = st;
    const h = new Int32Array(cap);
    h.set(this.sockHash);
    this.sockHash = h;
  }

  /**
   * Replays one batch in every lane. `flow[i]` is the dense id of row i's
   * rxhash (-1 for 0), `ordinal[i]` the packet ordinal of a packet row, or for
   * a deliver row the ordinal of the packet it matched (-1 when unmatched).
   */
  processBatch(b: TraceBatch, flow: Int32Array, ordinal: Float64Array): void {
    const n = b.length;
    // The per-row calls take the batch and the row index, and small integers:
    // a 32-bit hash or a timestamp passed as an argument would be boxed.
    for (let i = 0; i < n; i++) {
      const ev = b.event[i];
      if (ev === EventKind.Packet) {
        this.packets++;
        // Only a packet with an skb identity can be matched by a deliver row: the others skip the window.
        this.packet(b, i, flow[i], b.skb[i] !== NONE ? ordinal[i] & PACKET_WINDOW_MASK : -1);
      } else if (ev === EventKind.Deliver) {
        const o = ordinal[i];
        this.deliver(b, i, o < 0 ? -1 : o & PACKET_WINDOW_MASK);
      } else {
        const sock = b.socket[i];
        this.ensureSocket(sock);
        const rowState = b.state[i];
        if (ev === EventKind.State) {
          const prev = this.sockState[sock];
          this.sockState[sock] = rowState;
          this.stateChange(b, i, prev);
        } else {
          const state = rowState !== 0 ? rowState : this.sockState[sock];
          if (rowState !== 0) this.sockState[sock] = rowState;
          this.records++;
          this.record(b, i, sock, state, flow[i]);
        }
      }
    }
    this.flushCounts();
  }

  /** Adds the batch's counters and per-CPU packets to the totals and zeroes them. */
  private flushCounts(): void {
    const m = this.heap;
    for (let l = 0; l < this.n; l++) {
      const c = m[l * LANE + L_COUNTS];
      for (let k = 0; k < NC; k++) {
        this.counts[l * NC + k] += m[c + k];
        m[c + k] = 0;
      }
      const p = m[l * LANE + L_PER_CPU];
      for (let t = 0; t < this.cpuStride; t++) {
        this.perCpu[l * this.cpuStride + t] += m[p + t];
        m[p + t] = 0;
      }
    }
  }

  /**
   * recvmsg/sendmsg/accept/splice → sock_rps_record_flow() → rps_record_sock_flow(),
   * in every lane, for row i of b. `state` is the socket's TCP state at the
   * event (the row's, else the last known).
   */
  private record(b: TraceBatch, i: number, socket: number, state: number, flow: number): void {
    const h = b.rxhash[i] | 0;
    const rowCpu = b.cpu[i];
    // The rxhash of the socket's previous record event (0: none), for 3.19's rehash reset.
    const oldHash = this.sockHash[socket];
    if (h !== 0) this.sockHash[socket] = h;
    const m = this.heap;
    const pending = this.pending;
    const lanes = this.n;
    for (let l = 0; l < lanes; l++) {
      const o = l * LANE;
      const nr = m[o + L_NR];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr; // a smaller what-if nr_cpu_ids folds CPU ids
      const flags = m[o + L_FLAGS];
      const cb = m[o + L_COUNTS];
      // RECORDS: counted once per row for every lane (this.records).

      // The flow's next record event (any state) resolves its waiting packets.
      if (flow >= 0) {
        pending.resolve(flow * lanes + l, cpu, this.anyTimeline ? this.timelines[l] : null);
        m[cb + LOCAL] += pending.local;
        m[cb + HITS_STALE] += pending.stale;
      }
      const slots = m[o + L_SLOTS];
      const base = m[o + L_SOCK];
      const mask = m[o + L_SOCK_MASK];

      // 3.19 sock_rps_save_rxhash(): a changed rxhash first resets the old slot (rps_reset_sock_flow()).
      if ((flags & RESET_ON_CLOSE_AND_REHASH) !== 0 && h !== 0 && oldHash !== 0 && oldHash !== h && slots > 0) {
        const s = (base + 2 * (oldHash & mask)) | 0;
        if (m[s] !== RPS_NO_CPU) m[cb + REHASH_CLEARS]++;
        m[s] = RPS_NO_CPU;
        m[s + 1] = 0;
      }

      // sock_rps_record_flow(): the state is tested before the hash is even read.
      if ((flags & RECORD_ONLY_ESTABLISHED) !== 0 && state !== TcpState.Established) {
        m[cb + RECORDS_STATE_SKIPPED]++;
        continue;
      }
      // sock_rps_record_flow_hash(): if (!hash) return;
      if (h === 0) {
        m[cb + RECORDS_ZERO_HASH]++;
        continue;
      }
      if (slots === 0) {
        m[cb + RECORDS_NO_TABLE]++;
        continue;
      }
      // rps_record_sock_flow(): index = hash & mask; val = (hash & ~rps_cpu_mask) | cpu;
      // 3.19 stores the CPU alone.
      const s = (base + 2 * (h & mask)) | 0;
      const val = (flags & COLLISION_DETECTION) !== 0 ? (h & m[o + L_HASH_MASK]) | cpu : cpu;
      const owner = m[s + 1];
      if (m[s] !== val) {
        m[s] = val;
        m[cb + WRITES]++;
        if (owner !== 0 && owner !== h) m[cb + EVICTIONS]++;
      } else {
        m[cb + WRITES_AVOIDED]++;
      }
      m[s + 1] = h;
    }
  }

  /**
   * inet_sock_set_state, in every lane: 6.16+ inet_unhash() → sock_rps_delete_flow();
   * 3.19 rps_reset_sock_flow() on close, for row i of b. `prev` is the socket's state before it.
   */
  private stateChange(b: TraceBatch, i: number, prev: number): void {
    const h = b.rxhash[i] | 0;
    if (b.state[i] !== TcpState.Close || h === 0) return;
    const m = this.heap;
    for (let l = 0; l < this.n; l++) {
      const o = l * LANE;
      const flags = m[o + L_FLAGS];
      let clears = false;
      if ((flags & DELETE_ON_CLOSE) !== 0) {
        // FIN_WAIT1/FIN_WAIT2/CLOSING end in TIME_WAIT, whose unhash skips the delete.
        clears = prev !== TcpState.FinWait1 && prev !== TcpState.FinWait2 && prev !== TcpState.Closing;
      } else if ((flags & RESET_ON_CLOSE_AND_REHASH) !== 0) {
        clears = true;
      }
      if (!clears || m[o + L_SLOTS] === 0) continue;
      const s = (m[o + L_SOCK] + 2 * (h & m[o + L_SOCK_MASK])) | 0;
      if (m[s] !== RPS_NO_CPU) {
        m[s] = RPS_NO_CPU;
        m[m[o + L_COUNTS] + DELETES]++;
      }
      m[s + 1] = 0;
    }
  }

  /** Current head of lane l's CPU t backlog, as get_rps_cpu() reads it. */
  private headOf(l: number, t: number, ts: number): number {
    const m = this.heap;
    const o = l * LANE;
    if (m[o + L_FIFO] !== 0) {
      // One packet every fifoNs: the ones still queued at ts are those finishing after ts.
      const fifo = this.fifoNs[l];
      const backlog = Math.max(0, Math.ceil((this.fifoDone[l * this.cpuStride + t] - ts) / fifo));
      return (m[m[o + L_TAIL] + t] - backlog) | 0;
    }
    return m[m[o + L_HEAD] + t];
  }

  /**
   * A received packet (row i of b; w its place in the deliver window, -1 when
   * no deliver row can match it), in every
   * lane: get_rps_cpu() + set_rps_cpu() + enqueue_to_backlog() (netif_rx path).
   */
  private packet(b: TraceBatch, i: number, flow: number, w: number): void {
    const h = b.rxhash[i] | 0;
    const q = b.queue[i];
    const rowCpu = b.cpu[i];
    const ts = b.ts[i];
    const m = this.heap;
    const pending = this.pending;
    const sawDeliver = this.sawDeliver;
    const timelines = this.anyTimeline ? this.timelines : null;
    const lanes = this.n;
    const qOff = q * QUEUE;
    const pktAt = w >= 0 ? this.pktOff + 2 * w * lanes : -1;
    // The lanes' global-table slots are independent loads: issued together here,
    // their cache misses overlap instead of each waiting behind the previous lane's branches.
    let touched = 0;
    for (let l = 0; l < lanes; l++) {
      const o = l * LANE;
      if (m[o + L_SLOTS] > 0) touched |= m[(m[o + L_SOCK] + 2 * (h & m[o + L_SOCK_MASK])) | 0];
    }
    this.touched = touched;
    for (let l = 0; l < lanes; l++) {
      const o = l * LANE;
      const cb = m[o + L_COUNTS];
      const nr = m[o + L_NR];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
      const flags = m[o + L_FLAGS];
      const qo = (m[o + L_QUEUES] + qOff) | 0;
      const qSlots = m[qo + Q_SLOTS];
      const mapAt = m[qo + Q_MAP];
      let target = cpu;
      let path: number = Path.NotSteered;
      let qi = -1; // the rps_dev_flow entry's word when steered by RFS
      let desired = -1; // the hint's CPU on a hit
      let lookup = false;
      let collision = false;
      let invalidCpu = false;

      // get_rps_cpu(): no map and no flow table, or no hash: not steered.
      if (h !== 0 && (qSlots > 0 || m[mapAt] > 0)) {
        const slots = m[o + L_SLOTS];
        if (qSlots > 0 && slots > 0) {
          lookup = true; // LOOKUPS: derived in finishLane()
          const s = (m[o + L_SOCK] + 2 * (h & m[o + L_SOCK_MASK])) | 0;
          const ident = m[s];
          let match: boolean;
          let next: number;
          if ((flags & COLLISION_DETECTION) !== 0) {
            // if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps;
            match = ((ident ^ h) & m[o + L_HASH_MASK]) === 0;
            next = ident & m[o + L_CPU_MASK];
          } else {
            // 3.19: next_cpu = ents[hash & mask]; RPS_NO_CPU is the only "no".
            match = ident !== RPS_NO_CPU;
            next = ident;
          }
          const owner = m[s + 1];
          if (match) {
            // next is a CPU id or RPS_NO_CPU here (never negative: a 3.19 slot holds a CPU alone).
            if (next < nr) {
              desired = next; // HITS: derived in finishLane()
              if (owner === h) m[cb + HITS_OWN]++;
              else m[cb + HITS_ALIASED]++;
            } else {
              m[cb + MISSES_INVALID_CPU]++;
              invalidCpu = true;
            }
          } else if (owner === 0) {
            m[cb + MISSES_EMPTY]++;
          } else {
            m[cb + MISSES_COLLISION]++;
            collision = true;
          }
          // 3.19 consults the queue table even for an empty slot (next_cpu = RPS_NO_CPU).
          if (match || (flags & COLLISION_DETECTION) === 0) {
            // rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before.
            const entry = m[qo + Q_FIRST] + ((flags & HASHED_QUEUE_SLOT) !== 0 ? hash32(h, m[qo + Q_LOG]) : h & (qSlots - 1));
            qi = (m[o + L_QFLOW] + entry * m[o + L_QSTRIDE]) | 0;
            if (match) {
              const last = m[qi + 2];
              if (last !== 0 && last !== h) m[cb + SLOT_CONFLICTS]++;
              m[qi + 2] = h;
            }
            let tcpu = m[qi];
            path = Path.RfsHint;
            if (tcpu !== next) {
              // Switch if the current CPU is unset, or its backlog has passed the
              // last packet this entry enqueued there (in-order delivery).
              if (tcpu >= nr || ((this.headOf(l, tcpu, ts) - m[qi + 1]) | 0) >= 0) {
                // set_rps_cpu(): last_qtail = head of the new CPU; rflow->cpu = next_cpu.
                if (next < nr) {
                  m[qi + 1] = this.headOf(l, next, ts);
                  m[cb + SLOT_SWITCHES]++;
                }
                m[qi] = next;
                tcpu = next;
                path = Path.RfsSwitched;
              } else {
                path = Path.RfsHeld;
              }
            }
            if (tcpu < nr) {
              target = tcpu; // STEERED_RFS: derived in finishLane()
              if (path === Path.RfsHeld) m[cb + OOO_HOLDS]++;
            } else {
              qi = -1;
              path = Path.NotSteered;
            }
          }
        }
        if (qi < 0) {
          // try_rps: map->cpus[reciprocal_scale(hash, map->len)].
          const len = m[mapAt];
          if (len > 0) {
            target = m[mapAt + 1 + reciprocalScale(h >>> 0, len)];
            path = invalidCpu ? Path.RpsInvalidCpu : Path.Rps;
            m[cb + STEERED_RPS]++;
          } else {
            m[cb + NOT_STEERED]++;
          }
        }
      } else {
        m[cb + NOT_STEERED]++;
      }

      // enqueue_to_backlog(): ++input_queue_tail, saved into rflow->last_qtail when steered by RFS.
      const tk = (m[o + L_TAIL] + target) | 0;
      const pos = (m[tk] + 1) | 0;
      m[tk] = pos;
      if (qi >= 0) m[qi + 1] = pos;
      if (m[o + L_FIFO] !== 0) {
        const k = l * this.cpuStride + target;
        this.fifoDone[k] = Math.max(this.fifoDone[k], ts) + this.fifoNs[l];
      } else if (!sawDeliver) {
        // Before the trace's first deliver row every packet counts as processed at once.
        m[m[o + L_HEAD] + target] = pos;
      }

      if (pktAt >= 0) {
        const pw = (pktAt + 2 * l) | 0;
        m[pw] = target;
        m[pw + 1] = pos;
      }
      m[m[o + L_PER_CPU] + target]++;
      if (target !== cpu) m[cb + CROSS_CPU]++;
      const timeline = timelines !== null ? timelines[l] : null;
      if (flow >= 0) {
        pending.add(flow * lanes + l, target, desired, ts, timeline);
      } else {
        m[cb + LOCAL_UNRESOLVED]++;
      }
      if (this.anyExplain && w >= 0) {
        const paths = this.pktPath[l];
        if (paths) {
          paths[w] = path;
          this.pktHash[l]![w] = h;
        }
      }
      if (timeline) timeline.packet(ts, lookup, desired >= 0, collision);
    }
  }

  /**
   * The kernel's own decision (row i of b: net:netif_receive_skb on its CPU),
   * checked in every lane; w is the matched packet's place in the deliver window, -1 for none.
   */
  private deliver(b: TraceBatch, i: number, w: number): void {
    this.sawDeliver = true;
    const rowCpu = b.cpu[i];
    const ts = b.ts[i];
    const line = b.line[i];
    const m = this.heap;
    const lanes = this.n;
    for (let l = 0; l < lanes; l++) {
      const o = l * LANE;
      const cb = m[o + L_COUNTS];
      const nr = m[o + L_NR];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
      if (w < 0) {
        m[cb + DELIVER_UNMATCHED]++;
        continue;
      }
      m[cb + DELIVER_MATCHED]++;
      const pw = this.pktOff + 2 * (w * lanes + l);
      const modelCpu = m[pw];
      const agree = modelCpu === cpu;
      if (agree) {
        m[cb + AGREE]++;
        // process_backlog() has dequeued up to this packet on this CPU.
        if (m[o + L_FIFO] === 0) {
          const pos = m[pw + 1];
          const k = m[o + L_HEAD] + cpu;
          if (((pos - m[k]) | 0) > 0) m[k] = pos;
        }
      } else {
        const paths = this.pktPath[l];
        if (paths) this.lanes[l].noteDisagreement(paths[w], modelCpu, cpu, line, this.pktHash[l]![w] >>> 0);
      }
      this.timelines[l]?.deliver(ts, agree);
    }
  }

  /** Lane l's counters at the end of the trace, with what never got resolved. */
  finishLane(l: number): Metrics {
    const cb = l * NC;
    const left = this.pending.drain(l, this.n);
    this.counts[cb + LOCAL_UNRESOLVED] += left.packets;
    this.counts[cb + HITS_UNRESOLVED] += left.hits;
    const counts = this.counts;
    // Counters the hot loop leaves out because they follow from others: every lane sees
    // every row; a lookup ends in exactly one of hit (own or aliased), invalid CPU, empty
    // slot or collision; ...
    counts[cb + PACKETS] = this.packets;
    counts[cb + RECORDS] = this.records;
    counts[cb + HITS] = counts[cb + HITS_OWN] + counts[cb + HITS_ALIASED];
    counts[cb + LOOKUPS] = counts[cb + HITS] + counts[cb + MISSES_INVALID_CPU] + counts[cb + MISSES_EMPTY] + counts[cb + MISSES_COLLISION];
    // ... and every packet is steered by RFS, by RPS, or not at all.
    counts[cb + STEERED_RFS] = this.packets - counts[cb + STEERED_RPS] - counts[cb + NOT_STEERED];
    const counters = new Counters();
    for (const name of COUNTER_NAMES) counters[name] = counts[cb + COUNTER_SLOTS[name]];
    const c = { ...counters };
    const nr = this.configs[l].nrCpuIds;
    const perCpu = Array.from(this.perCpu.subarray(l * this.cpuStride, l * this.cpuStride + nr));
    return { ...c, ...deriveRatios(c), per_cpu: perCpu };
  }

  queueOccupancy(l: number): { queue: string; slots: number; used: number }[] {
    const m = this.heap;
    const o = l * LANE;
    return this.configs[l].queues.map((q, i) => {
      let used = 0;
      const first = m[m[o + L_QUEUES] + i * QUEUE + Q_FIRST];
      for (let s = 0; s < q.slots; s++) if (m[m[o + L_QFLOW] + (first + s) * m[o + L_QSTRIDE] + 2] !== 0) used++;
      return { queue: q.name, slots: q.slots, used };
    });
  }

  sockTableOccupancy(l: number): { slots: number; used: number } {
    const m = this.heap;
    const o = l * LANE;
    let used = 0;
    for (let s = 0; s < m[o + L_SLOTS]; s++) if (m[m[o + L_SOCK] + 2 * s] !== RPS_NO_CPU) used++;
    return { slots: m[o + L_SLOTS], used };
  }
}
