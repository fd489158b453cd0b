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

export class FlowTableBank {
  readonly lanes: FlowTableModel[];
  readonly timelines: (Timeline | null)[];
  private readonly n: number; // lanes
  private readonly nq: number; // RX queues (the trace's: the same in every lane)

  // Per lane: configuration.
  private readonly nr: Int32Array; // nr_cpu_ids
  private readonly cpuMask: Uint32Array; // rps_cpu_mask
  private readonly hashMask: Uint32Array; // ~rps_cpu_mask
  private readonly slots: Int32Array; // global table slots (0: RFS off)
  private readonly flags: Uint8Array;
  private readonly fifoNs: Float64Array;
  // Per lane and queue, at lane * nq + q: the queue's first entry, its slots and log2, its RPS map.
  private readonly qBase: Int32Array;
  private readonly qSlots: Int32Array;
  private readonly qLog: Int32Array;
  private readonly qMaps: Uint16Array[];

  // rps_sock_flow_table->ents[] of every lane, lane l's table from sockBase[l];
  // per slot [ent, owner]: who last targeted it, for the metrics (0 = none).
  private readonly sock: Uint32Array;
  private readonly sockBase: Int32Array;
  private readonly sockMask: Int32Array;
  // rps_dev_flow entries, [cpu, last_qtail, last hash, unused]. Lanes with the same
  // per-queue table sizes (a global-size sweep) share a region, interleaved: entry e
  // of lane l at qOrigin[l] + 4 * (e * qStride[l] + qIndex[l]), qStride[l] lanes in its region.
  private readonly qflow: Uint32Array;
  private readonly qOrigin: Int32Array;
  private readonly qStride: Int32Array;
  private readonly qIndex: Int32Array;
  // softnet_data.input_queue_head / input_queue_tail, packets per CPU, FIFO
  // completion of the last queued packet: lane l's CPU t at l * cpuStride + t.
  private readonly cpuStride: number;
  private readonly head: Uint32Array;
  private readonly tail: Uint32Array;
  private readonly perCpu: Float64Array;
  private readonly fifoDone: Float64Array;
  private readonly counts: Float64Array; // lane l's counter k at l * NC + k
  // Per packet in the deliver window and lane: [model cpu, queue position] at 2 * (w * lanes + l).
  private readonly pkt: Uint32Array;
  // For explaining disagreements (lanes with cfg.explain only): the packet's path and hash.
  private readonly pktPath: (Uint8Array | null)[];
  private readonly pktHash: (Uint32Array | null)[];
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
  private sockHash = new Uint32Array(1024);

  constructor(readonly configs: ResolvedConfig[]) {
    const n = configs.length;
    this.n = n;
    this.nq = n > 0 ? configs[0].queues.length : 0;
    if (configs.some((c) => c.queues.length !== this.nq)) throw new Error('every configuration of a bank has the trace\'s queues');
    this.nr = Int32Array.from(configs, (c) => c.nrCpuIds);
    this.cpuMask = Uint32Array.from(configs, (c) => c.cpuMask);
    this.hashMask = Uint32Array.from(configs, (c) => ~c.cpuMask >>> 0);
    this.slots = Int32Array.from(configs, (c) => c.slots);
    this.fifoNs = Float64Array.from(configs, (c) => c.fifoNs);
    this.flags = Uint8Array.from(configs, ({ kernel: k }) =>
      (k.collisionDetection ? COLLISION_DETECTION : 0) |
      (k.hashedQueueSlot ? HASHED_QUEUE_SLOT : 0) |
      (k.recordOnlyEstablished ? RECORD_ONLY_ESTABLISHED : 0) |
      (k.deleteOnClose ? DELETE_ON_CLOSE : 0) |
      (k.resetOnCloseAndRehash ? RESET_ON_CLOSE_AND_REHASH : 0));

    this.qBase = new Int32Array(n * this.nq);
    this.qSlots = new Int32Array(n * this.nq);
    this.qLog = new Int32Array(n * this.nq);
    this.qMaps = [];
    this.qOrigin = new Int32Array(n);
    this.qStride = new Int32Array(n);
    this.qIndex = new Int32Array(n);
    const regions = new Map<string, { lanes: number[]; entries: number }>();
    configs.forEach((c, l) => {
      let total = 0;
      c.queues.forEach((q, i) => {
        this.qBase[l * this.nq + i] = total;
        this.qSlots[l * this.nq + i] = q.slots;
        this.qLog[l * this.nq + i] = q.log;
        this.qMaps.push(q.map);
        total += q.slots;
      });
      const layout = c.queues.map((q) => q.slots).join(',');
      const region = regions.get(layout) ?? { lanes: [], entries: total };
      region.lanes.push(l);
      regions.set(layout, region);
    });
    let words = 0;
    for (const { lanes, entries } of regions.values()) {
      lanes.forEach((l, k) => {
        this.qOrigin[l] = words;
        this.qStride[l] = lanes.length;
        this.qIndex[l] = k;
      });
      words += 4 * entries * lanes.length;
    }
    // rps_dev_flow_table alloc: every entry starts with cpu = RPS_NO_CPU.
    this.qflow = new Uint32Array(words);
    for (let k = 0; k < words; k += 4) this.qflow[k] = RPS_NO_CPU;

    this.sockBase = new Int32Array(n);
    this.sockMask = Int32Array.from(configs, (c) => (c.slots > 0 ? c.slots - 1 : 0));
    let sockTotal = 0;
    configs.forEach((c, l) => {
      this.sockBase[l] = sockTotal;
      sockTotal += 2 * c.slots;
    });
    this.sock = new Uint32Array(sockTotal);
    for (let k = 0; k < sockTotal; k += 2) this.sock[k] = RPS_NO_CPU;

    this.cpuStride = Math.max(1, ...configs.map((c) => c.nrCpuIds));
    this.head = new Uint32Array(n * this.cpuStride);
    this.tail = new Uint32Array(n * this.cpuStride);
    this.perCpu = new Float64Array(n * this.cpuStride);
    this.fifoDone = new Float64Array(n * this.cpuStride);
    this.counts = new Float64Array(n * NC);
    this.pkt = new Uint32Array(2 * PACKET_WINDOW * n);
    this.pktPath = configs.map((c) => (c.explain ? new Uint8Array(PACKET_WINDOW) : null));
    this.pktHash = configs.map((c) => (c.explain ? new Uint32Array(PACKET_WINDOW) : null));
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
    const h = new Uint32Array(cap);
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
  }

  /**
   * recvmsg/sendmsg/accept/splice → sock_rps_record_flow() → rps_record_sock_flow(),
   * in every lane, for row i of b. `state` is the socket's TCP state at the
   * event (the row's, else the last known).
   */
  private record(b: TraceBatch, i: number, socket: number, state: number, flow: number): void {
    const h = b.rxhash[i];
    const rowCpu = b.cpu[i];
    // The rxhash of the socket's previous record event (0: none), for 3.19's rehash reset.
    const oldHash = this.sockHash[socket];
    if (h !== 0) this.sockHash[socket] = h;
    const counts = this.counts;
    const sock = this.sock;
    const pending = this.pending;
    const nrs = this.nr;
    const allFlags = this.flags;
    const slotsOf = this.slots;
    const sockBase = this.sockBase;
    const sockMask = this.sockMask;
    const hashMask = this.hashMask;
    const lanes = this.n;
    for (let l = 0; l < lanes; l++) {
      const cb = l * NC;
      const nr = nrs[l];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr; // a smaller what-if nr_cpu_ids folds CPU ids
      const flags = allFlags[l];
      // RECORDS: counted once per row for every lane (this.records).

      // The flow's next record event (any state) resolves its waiting packets.
      if (flow >= 0) {
        pending.resolve(flow * lanes + l, cpu, this.anyTimeline ? this.timelines[l] : null);
        counts[cb + LOCAL] += pending.local;
        counts[cb + HITS_STALE] += pending.stale;
      }
      const slots = slotsOf[l];
      const base = sockBase[l];
      const mask = sockMask[l];

      // 3.19 sock_rps_save_rxhash(): a changed rxhash first resets the old slot (rps_reset_sock_flow()).
      if ((flags & RESET_ON_CLOSE_AND_REHASH) !== 0 && h !== 0 && oldHash !== 0 && oldHash !== h && slots > 0) {
        const s = base + 2 * (oldHash & mask);
        if (sock[s] !== RPS_NO_CPU) counts[cb + REHASH_CLEARS]++;
        sock[s] = RPS_NO_CPU;
        sock[s + 1] = 0;
      }

      // sock_rps_record_flow(): the state is tested before the hash is even read.
      if ((flags & RECORD_ONLY_ESTABLISHED) !== 0 && state !== TcpState.Established) {
        counts[cb + RECORDS_STATE_SKIPPED]++;
        continue;
      }
      // sock_rps_record_flow_hash(): if (!hash) return;
      if (h === 0) {
        counts[cb + RECORDS_ZERO_HASH]++;
        continue;
      }
      if (slots === 0) {
        counts[cb + RECORDS_NO_TABLE]++;
        continue;
      }
      // rps_record_sock_flow(): index = hash & mask; val = (hash & ~rps_cpu_mask) | cpu;
      // 3.19 stores the CPU alone.
      const s = base + 2 * (h & mask);
      const val = (flags & COLLISION_DETECTION) !== 0 ? ((h & hashMask[l]) | cpu) >>> 0 : cpu;
      const owner = sock[s + 1];
      if (sock[s] !== val) {
        sock[s] = val;
        counts[cb + WRITES]++;
        if (owner !== 0 && owner !== h) counts[cb + EVICTIONS]++;
      } else {
        counts[cb + WRITES_AVOIDED]++;
      }
      sock[s + 1] = h;
    }
  }

  /**
   * inet_sock_set_state, in every lane: 6.16+ inet_unhash() → sock_rps_delete_flow();
   * 3.19 rps_reset_sock_flow() on close, for row i of b. `prev` is the socket's state before it.
   */
  private stateChange(b: TraceBatch, i: number, prev: number): void {
    const h = b.rxhash[i];
    if (b.state[i] !== TcpState.Close || h === 0) return;
    for (let l = 0; l < this.n; l++) {
      const flags = this.flags[l];
      let clears = false;
      if ((flags & DELETE_ON_CLOSE) !== 0) {
        // FIN_WAIT1/FIN_WAIT2/CLOSING end in TIME_WAIT, whose unhash skips the delete.
        clears = prev !== TcpState.FinWait1 && prev !== TcpState.FinWait2 && prev !== TcpState.Closing;
      } else if ((flags & RESET_ON_CLOSE_AND_REHASH) !== 0) {
        clears = true;
      }
      if (!clears || this.slots[l] === 0) continue;
      const s = this.sockBase[l] + 2 * (h & this.sockMask[l]);
      if (this.sock[s] !== RPS_NO_CPU) {
        this.sock[s] = RPS_NO_CPU;
        this.counts[l * NC + DELETES]++;
      }
      this.sock[s + 1] = 0;
    }
  }

  /** Current head of lane l's CPU t backlog, as get_rps_cpu() reads it. */
  private headOf(l: number, t: number, ts: number): number {
    const fifo = this.fifoNs[l];
    const k = l * this.cpuStride + t;
    if (fifo > 0) {
      // One packet every fifoNs: the ones still queued at ts are those finishing after ts.
      const backlog = Math.max(0, Math.ceil((this.fifoDone[k] - ts) / fifo));
      return (this.tail[k] - backlog) >>> 0;
    }
    return this.head[k];
  }

  /**
   * A received packet (row i of b; w its place in the deliver window, -1 when
   * no deliver row can match it), in every
   * lane: get_rps_cpu() + set_rps_cpu() + enqueue_to_backlog() (netif_rx path).
   */
  private packet(b: TraceBatch, i: number, flow: number, w: number): void {
    const h = b.rxhash[i];
    const q = b.queue[i];
    const rowCpu = b.cpu[i];
    const ts = b.ts[i];
    // Every array in locals: the calls in the loop would otherwise make each `this.x` a reload.
    const counts = this.counts;
    const sock = this.sock;
    const qflow = this.qflow;
    const nrs = this.nr;
    const allFlags = this.flags;
    const qMaps = this.qMaps;
    const qSlotsOf = this.qSlots;
    const slotsOf = this.slots;
    const sockBase = this.sockBase;
    const sockMask = this.sockMask;
    const hashMask = this.hashMask;
    const cpuMask = this.cpuMask;
    const tail = this.tail;
    const head = this.head;
    const fifoNs = this.fifoNs;
    const perCpu = this.perCpu;
    const pkt = this.pkt;
    const pending = this.pending;
    const cpuStride = this.cpuStride;
    const nq = this.nq;
    const sawDeliver = this.sawDeliver;
    const qBase = this.qBase;
    const qLog = this.qLog;
    const qOrigin = this.qOrigin;
    const qStride = this.qStride;
    const qIndex = this.qIndex;
    const timelines = this.anyTimeline ? this.timelines : null;
    const lanes = this.n;
    // The lanes' global-table slots are independent loads: issued together here,
    // their cache misses overlap instead of each waiting behind the previous lane's branches.
    let touched = 0;
    for (let l = 0; l < lanes; l++) if (slotsOf[l] > 0) touched |= sock[sockBase[l] + 2 * (h & sockMask[l])];
    this.touched = touched;
    for (let l = 0; l < lanes; l++) {
      const cb = l * NC;
      const nr = nrs[l];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
      const flags = allFlags[l];
      const lq = l * nq + q;
      const map = qMaps[lq];
      const qSlots = qSlotsOf[lq];
      let target = cpu;
      let path: number = Path.NotSteered;
      let qi = -1; // the rps_dev_flow entry's index in qflow when steered by RFS
      let desired = -1; // the hint's CPU on a hit
      let lookup = false;
      let collision = false;
      let invalidCpu = false;

      // get_rps_cpu(): no map and no flow table, or no hash: not steered.
      if (h !== 0 && (map.length > 0 || qSlots > 0)) {
        if (qSlots > 0 && slotsOf[l] > 0) {
          lookup = true; // LOOKUPS: derived in finishLane()
          const s = sockBase[l] + 2 * (h & sockMask[l]);
          const ident = sock[s];
          let match: boolean;
          let next: number;
          if ((flags & COLLISION_DETECTION) !== 0) {
            // if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps;
            match = ((ident ^ h) & hashMask[l]) === 0;
            next = ident & cpuMask[l];
          } else {
            // 3.19: next_cpu = ents[hash & mask]; RPS_NO_CPU is the only "no".
            match = ident !== RPS_NO_CPU;
            next = ident;
          }
          const owner = sock[s + 1];
          if (match) {
            if (next < nr) {
              desired = next; // HITS: derived in finishLane()
              if (owner === h) counts[cb + HITS_OWN]++;
              else counts[cb + HITS_ALIASED]++;
            } else {
              counts[cb + MISSES_INVALID_CPU]++;
              invalidCpu = true;
            }
          } else if (owner === 0) {
            counts[cb + MISSES_EMPTY]++;
          } else {
            counts[cb + MISSES_COLLISION]++;
            collision = true;
          }
          // 3.19 consults the queue table even for an empty slot (next_cpu = RPS_NO_CPU).
          if (match || (flags & COLLISION_DETECTION) === 0) {
            // rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before.
            const entry = qBase[lq] + ((flags & HASHED_QUEUE_SLOT) !== 0 ? hash32(h, qLog[lq]) : h & (qSlots - 1));
            qi = qOrigin[l] + 4 * (entry * qStride[l] + qIndex[l]);
            if (match) {
              const last = qflow[qi + 2];
              if (last !== 0 && last !== h) counts[cb + SLOT_CONFLICTS]++;
              qflow[qi + 2] = h;
            }
            let tcpu = qflow[qi];
            path = Path.RfsHint;
            if (tcpu !== next) {
              // Switch if the current CPU is unset, or its backlog has passed the
              // last packet this entry enqueued there (in-order delivery).
              if (tcpu >= nr || ((this.headOf(l, tcpu, ts) - qflow[qi + 1]) | 0) >= 0) {
                // set_rps_cpu(): last_qtail = head of the new CPU; rflow->cpu = next_cpu.
                if (next < nr) {
                  qflow[qi + 1] = this.headOf(l, next, ts);
                  counts[cb + SLOT_SWITCHES]++;
                }
                qflow[qi] = next;
                tcpu = next;
                path = Path.RfsSwitched;
              } else {
                path = Path.RfsHeld;
              }
            }
            if (tcpu < nr) {
              target = tcpu; // STEERED_RFS: derived in finishLane()
              if (path === Path.RfsHeld) counts[cb + OOO_HOLDS]++;
            } else {
              qi = -1;
              path = Path.NotSteered;
            }
          }
        }
        if (qi < 0) {
          // try_rps: map->cpus[reciprocal_scale(hash, map->len)].
          if (map.length > 0) {
            target = map[reciprocalScale(h, map.length)];
            path = invalidCpu ? Path.RpsInvalidCpu : Path.Rps;
            counts[cb + STEERED_RPS]++;
          } else {
            counts[cb + NOT_STEERED]++;
          }
        }
      } else {
        counts[cb + NOT_STEERED]++;
      }

      // enqueue_to_backlog(): ++input_queue_tail, saved into rflow->last_qtail when steered by RFS.
      const k = l * cpuStride + target;
      const pos = (tail[k] + 1) >>> 0;
      tail[k] = pos;
      if (qi >= 0) qflow[qi + 1] = pos;
      const fifo = fifoNs[l];
      if (fifo > 0) {
        this.fifoDone[k] = Math.max(this.fifoDone[k], ts) + fifo;
      } else if (!sawDeliver) {
        // Before the trace's first deliver row every packet counts as processed at once.
        head[k] = pos;
      }

      if (w >= 0) {
        const pw = 2 * (w * lanes + l);
        pkt[pw] = target;
        pkt[pw + 1] = pos;
      }
      perCpu[k]++;
      if (target !== cpu) counts[cb + CROSS_CPU]++;
      const timeline = timelines !== null ? timelines[l] : null;
      if (flow >= 0) {
        pending.add(flow * lanes + l, target, desired, ts, timeline);
      } else {
        counts[cb + LOCAL_UNRESOLVED]++;
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
    const counts = this.counts;
    const lanes = this.n;
    for (let l = 0; l < lanes; l++) {
      const cb = l * NC;
      const nr = this.nr[l];
      const cpu = rowCpu < nr ? rowCpu : rowCpu % nr;
      if (w < 0) {
        counts[cb + DELIVER_UNMATCHED]++;
        continue;
      }
      counts[cb + DELIVER_MATCHED]++;
      const pw = 2 * (w * lanes + l);
      const modelCpu = this.pkt[pw];
      const agree = modelCpu === cpu;
      if (agree) {
        counts[cb + AGREE]++;
        // process_backlog() has dequeued up to this packet on this CPU.
        if (this.fifoNs[l] === 0) {
          const pos = this.pkt[pw + 1];
          const k = l * this.cpuStride + cpu;
          if (((pos - this.head[k]) | 0) > 0) this.head[k] = pos;
        }
      } else {
        const paths = this.pktPath[l];
        if (paths) this.lanes[l].noteDisagreement(paths[w], modelCpu, cpu, line, this.pktHash[l]![w]);
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
    const nr = this.nr[l];
    const perCpu = Array.from(this.perCpu.subarray(l * this.cpuStride, l * this.cpuStride + nr));
    return { ...c, ...deriveRatios(c), per_cpu: perCpu };
  }

  queueOccupancy(l: number): { queue: string; slots: number; used: number }[] {
    return this.configs[l].queues.map((q, i) => {
      let used = 0;
      const base = this.qBase[l * this.nq + i];
      for (let s = 0; s < q.slots; s++) if (this.qflow[this.qOrigin[l] + 4 * ((base + s) * this.qStride[l] + this.qIndex[l]) + 2] !== 0) used++;
      return { queue: q.name, slots: q.slots, used };
    });
  }

  sockTableOccupancy(l: number): { slots: number; used: number } {
    let used = 0;
    const base = this.sockBase[l];
    for (let s = 0; s < this.slots[l]; s++) if (this.sock[base + 2 * s] !== RPS_NO_CPU) used++;
    return { slots: this.slots[l], used };
  }
}
