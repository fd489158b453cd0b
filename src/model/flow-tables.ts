/**
 * One replayed configuration: the kernel's RFS state (global sock flow table,
 * per-RX-queue flow tables, RPS maps, per-CPU backlog heads and tails) and
 * the contract's counters. The replay engine feeds it columnar batches; the
 * per-row path touches typed arrays only.
 *
 * Kernel functions mirrored are named next to each rule (Linux 6.18 sources:
 * include/net/rps.h, net/core/dev.c).
 */
import { Counters, deriveRatios, type Metrics } from '../analyze/metrics.js';
import { EventKind, type TraceBatch, TcpState } from '../ingest/trace.js';
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

export class FlowTableModel {
  readonly cfg: ResolvedConfig;
  readonly c: Counters;
  readonly perCpu: Float64Array;

  // rps_sock_flow_table->ents[] and, for the metrics, who last targeted each slot (0 = none).
  // Interleaved per slot [ent, owner] so a lookup touches one cache line.
  private readonly sock: Uint32Array;
  private readonly sockMask: number;
  private readonly hashMask: number; // ~rps_cpu_mask

  // All queues' rps_dev_flow entries in one array; queue q starts at qBase[q].
  private readonly qBase: Int32Array;
  private readonly qSlots: Int32Array;
  private readonly qLog: Int32Array;
  private readonly qMaps: Uint16Array[];
  // Interleaved per entry [cpu, last_qtail, last hash, unused]: one cache line per lookup.
  private readonly qflow: Uint32Array;

  // softnet_data.input_queue_head / input_queue_tail per CPU.
  private readonly head: Uint32Array;
  private readonly tail: Uint32Array;
  private readonly fifoDone: Float64Array; // FIFO mode: completion time of the last queued packet
  private sawDeliver = false;

  // Per socket: last known TCP state and last record event's rxhash (3.19 rehash reset).
  private sockState = new Uint8Array(1024);
  private sockHash = new Uint32Array(1024);

  // Per packet in the deliver window: where the model put it and its queue position.
  private readonly pktCpu = new Int32Array(PACKET_WINDOW);
  private readonly pktPos = new Uint32Array(PACKET_WINDOW);
  private readonly pktPath: Uint8Array | null;
  private readonly pktHash: Uint32Array | null;

  // Packets and hits waiting for their flow's next record event (locality, staleness).
  private readonly pending = new PendingByFlow();
  readonly timeline: Timeline | null;

  readonly disagreements: Record<string, number> = {};
  readonly disagreementPairs: Record<string, number> = {};
  readonly disagreementExamples: DisagreementExample[] = [];

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.c = new Counters();
    this.perCpu = new Float64Array(cfg.nrCpuIds);
    this.sock = new Uint32Array(2 * cfg.slots);
    for (let k = 0; k < cfg.slots; k++) this.sock[2 * k] = RPS_NO_CPU;
    this.sockMask = cfg.slots > 0 ? cfg.slots - 1 : 0;
    this.hashMask = ~cfg.cpuMask >>> 0;
    const n = cfg.queues.length;
    this.qBase = new Int32Array(n);
    this.qSlots = new Int32Array(n);
    this.qLog = new Int32Array(n);
    let total = 0;
    cfg.queues.forEach((q, i) => {
      this.qBase[i] = total;
      this.qSlots[i] = q.slots;
      this.qLog[i] = q.log;
      total += q.slots;
    });
    this.qMaps = cfg.queues.map((q) => q.map);
    // rps_dev_flow_table_release()/alloc: every entry starts with cpu = RPS_NO_CPU.
    this.qflow = new Uint32Array(4 * total);
    for (let k = 0; k < total; k++) this.qflow[4 * k] = RPS_NO_CPU;
    this.head = new Uint32Array(cfg.nrCpuIds);
    this.tail = new Uint32Array(cfg.nrCpuIds);
    this.fifoDone = new Float64Array(cfg.nrCpuIds);
    this.pktPath = cfg.explain ? new Uint8Array(PACKET_WINDOW) : null;
    this.pktHash = cfg.explain ? new Uint32Array(PACKET_WINDOW) : null;
    this.timeline = cfg.timeline ? new Timeline() : null;
  }

  /**
   * Replays one batch. `flow[i]` is the dense id of row i's rxhash (-1 for 0),
   * `ordinal[i]` the packet ordinal of a packet row, or for a deliver row the
   * ordinal of the packet it matched (-1 when unmatched).
   */
  processBatch(b: TraceBatch, flow: Int32Array, ordinal: Float64Array): void {
    const n = b.length;
    const foldCpus = this.cfg.nrCpuIds < this.cfg.traceNrCpuIds;
    const nr = this.cfg.nrCpuIds;
    for (let i = 0; i < n; i++) {
      const ev = b.event[i];
      let cpu = b.cpu[i];
      if (foldCpus && cpu >= nr) cpu %= nr;
      if (ev === EventKind.Packet) {
        this.packet(b.rxhash[i], b.queue[i], cpu, flow[i], ordinal[i], b.ts[i]);
      } else if (ev === EventKind.Deliver) {
        this.deliver(cpu, ordinal[i], b.ts[i], b.line[i]);
      } else if (ev === EventKind.State) {
        this.stateChange(b.socket[i], b.state[i], b.rxhash[i]);
      } else {
        this.record(b.socket[i], b.state[i], b.rxhash[i], cpu, flow[i], b.ts[i]);
      }
    }
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

  /** recvmsg/sendmsg/accept/splice → sock_rps_record_flow() → rps_record_sock_flow(). */
  record(sock: number, rowState: number, h: number, cpu: number, flow: number, ts: number): void {
    const c = this.c;
    const k = this.cfg.kernel;
    c.records++;
    this.ensureSocket(sock);
    const state = rowState !== 0 ? rowState : this.sockState[sock];
    if (rowState !== 0) this.sockState[sock] = rowState;

    // The flow's next record event (any state) resolves its waiting packets.
    if (flow >= 0) this.resolve(flow, cpu);

    // 3.19 sock_rps_save_rxhash(): a changed rxhash first resets the old slot (rps_reset_sock_flow()).
    if (k.resetOnCloseAndRehash) {
      const old = this.sockHash[sock];
      if (h !== 0 && old !== 0 && old !== h && this.cfg.slots > 0) {
        const s = old & this.sockMask;
        if (this.sock[2 * s] !== RPS_NO_CPU) c.rehash_clears++;
        this.sock[2 * s] = RPS_NO_CPU;
        this.sock[2 * s + 1] = 0;
      }
      if (h !== 0) this.sockHash[sock] = h;
    }

    // sock_rps_record_flow(): the state is tested before the hash is even read.
    if (k.recordOnlyEstablished && state !== TcpState.Established) {
      c.records_state_skipped++;
      return;
    }
    // sock_rps_record_flow_hash(): if (!hash) return;
    if (h === 0) {
      c.records_zero_hash++;
      return;
    }
    if (this.cfg.slots === 0) {
      c.records_no_table++;
      return;
    }
    // rps_record_sock_flow(): index = hash & mask; val = (hash & ~rps_cpu_mask) | cpu;
    // 3.19 stores the CPU alone.
    const s = h & this.sockMask;
    const val = k.collisionDetection ? ((h & this.hashMask) | cpu) >>> 0 : cpu;
    const owner = this.sock[2 * s + 1];
    if (this.sock[2 * s] !== val) {
      this.sock[2 * s] = val;
      c.writes++;
      if (owner !== 0 && owner !== h) c.evictions++;
    } else {
      c.writes_avoided++;
    }
    this.sock[2 * s + 1] = h;
  }

  /** inet_sock_set_state: 6.16+ inet_unhash() → sock_rps_delete_flow(); 3.19 rps_reset_sock_flow() on close. */
  stateChange(sock: number, newState: number, h: number): void {
    this.ensureSocket(sock);
    const prev = this.sockState[sock];
    this.sockState[sock] = newState;
    if (newState !== TcpState.Close) return;
    const k = this.cfg.kernel;
    let clears = false;
    if (k.deleteOnClose) {
      // FIN_WAIT1/FIN_WAIT2/CLOSING end in TIME_WAIT, whose unhash skips the delete.
      clears = prev !== TcpState.FinWait1 && prev !== TcpState.FinWait2 && prev !== TcpState.Closing;
    } else if (k.resetOnCloseAndRehash) {
      clears = true;
    }
    if (!clears || h === 0 || this.cfg.slots === 0) return;
    const s = h & this.sockMask;
    if (this.sock[2 * s] !== RPS_NO_CPU) {
      this.sock[2 * s] = RPS_NO_CPU;
      this.c.deletes++;
    }
    this.sock[2 * s + 1] = 0;
  }

  /** Current head of CPU t's backlog, as get_rps_cpu() reads it. */
  private headOf(t: number, ts: number): number {
    const fifo = this.cfg.fifoNs;
    if (fifo > 0) {
      // One packet every fifoNs: the ones still queued at ts are those finishing after ts.
      const backlog = Math.max(0, Math.ceil((this.fifoDone[t] - ts) / fifo));
      return (this.tail[t] - backlog) >>> 0;
    }
    return this.head[t];
  }

  /** A received packet: get_rps_cpu() + set_rps_cpu() + enqueue_to_backlog() (netif_rx path). */
  packet(h: number, q: number, cpu: number, flow: number, ordinal: number, ts: number): void {
    const c = this.c;
    const cfg = this.cfg;
    const nr = cfg.nrCpuIds;
    c.packets++;
    const map = this.qMaps[q];
    const qSlots = this.qSlots[q];
    let target = cpu;
    let path: number = Path.NotSteered;
    let slot = -1;
    let isHit = false;
    let desired = 0;
    let lookup = false;
    let collision = false;
    let invalidCpu = false;

    // get_rps_cpu(): no map and no flow table, or no hash: not steered.
    if (h !== 0 && (map.length > 0 || qSlots > 0)) {
      if (qSlots > 0 && cfg.slots > 0) {
        lookup = true;
        c.lookups++;
        const s = h & this.sockMask;
        const ident = this.sock[2 * s];
        let match: boolean;
        let next: number;
        if (cfg.kernel.collisionDetection) {
          // if ((ident ^ hash) & ~net_hotdata.rps_cpu_mask) goto try_rps;
          match = ((ident ^ h) & this.hashMask) === 0;
          next = ident & cfg.cpuMask;
        } else {
          // 3.19: next_cpu = ents[hash & mask]; RPS_NO_CPU is the only "no".
          match = ident !== RPS_NO_CPU;
          next = ident;
        }
        const owner = this.sock[2 * s + 1];
        if (match) {
          if (next < nr) {
            c.hits++;
            isHit = true;
            desired = next;
            if (owner === h) c.hits_own++;
            else c.hits_aliased++;
          } else {
            c.misses_invalid_cpu++;
            invalidCpu = true;
          }
        } else if (owner === 0) {
          c.misses_empty++;
        } else {
          c.misses_collision++;
          collision = true;
        }
        // 3.19 consults the queue table even for an empty slot (next_cpu = RPS_NO_CPU).
        if (match || !cfg.kernel.collisionDetection) {
          // rfs_slot(): hash_32(hash, flow_table->log) since 6.15, hash & mask before.
          slot = this.qBase[q] + (cfg.kernel.hashedQueueSlot ? hash32(h, this.qLog[q]) : h & (qSlots - 1));
          if (match) {
            const last = this.qflow[4 * slot + 2];
            if (last !== 0 && last !== h) c.slot_conflicts++;
            this.qflow[4 * slot + 2] = h;
          }
          let tcpu = this.qflow[4 * slot];
          path = Path.RfsHint;
          if (tcpu !== next) {
            // Switch if the current CPU is unset, or its backlog has passed the
            // last packet this entry enqueued there (in-order delivery).
            if (tcpu >= nr || ((this.headOf(tcpu, ts) - this.qflow[4 * slot + 1]) | 0) >= 0) {
              // set_rps_cpu(): last_qtail = head of the new CPU; rflow->cpu = next_cpu.
              if (next < nr) {
                this.qflow[4 * slot + 1] = this.headOf(next, ts);
                c.slot_switches++;
              }
              this.qflow[4 * slot] = next;
              tcpu = next;
              path = Path.RfsSwitched;
            } else {
              path = Path.RfsHeld;
            }
          }
          if (tcpu < nr) {
            target = tcpu;
            c.steered_rfs++;
            if (path === Path.RfsHeld) c.ooo_holds++;
          } else {
            slot = -1;
            path = Path.NotSteered;
          }
        }
      }
      if (slot < 0) {
        // try_rps: map->cpus[reciprocal_scale(hash, map->len)].
        if (map.length > 0) {
          target = map[reciprocalScale(h, map.length)];
          path = invalidCpu ? Path.RpsInvalidCpu : Path.Rps;
          c.steered_rps++;
        } else {
          c.not_steered++;
        }
      }
    } else {
      c.not_steered++;
    }

    // enqueue_to_backlog(): ++input_queue_tail, saved into rflow->last_qtail when steered by RFS.
    const pos = (this.tail[target] + 1) >>> 0;
    this.tail[target] = pos;
    if (slot >= 0) this.qflow[4 * slot + 1] = pos;
    if (this.cfg.fifoNs > 0) {
      this.fifoDone[target] = Math.max(this.fifoDone[target], ts) + this.cfg.fifoNs;
    } else if (!this.sawDeliver) {
      // Before the trace's first deliver row every packet counts as processed at once.
      this.head[target] = pos;
    }

    const w = ordinal & PACKET_WINDOW_MASK;
    this.pktCpu[w] = target;
    this.pktPos[w] = pos;
    if (this.pktPath) {
      this.pktPath[w] = path;
      this.pktHash![w] = h;
    }

    this.perCpu[target]++;
    if (target !== cpu) c.cross_cpu++;
    if (flow >= 0) {
      this.pending.add(flow, target, isHit ? desired : -1, ts, this.timeline);
    } else {
      c.local_unresolved++;
    }
    if (this.timeline) this.timeline.packet(ts, lookup, isHit, collision);
  }

  /** The kernel's own decision: net:netif_receive_skb on `cpu` for the packet `ordinal`. */
  deliver(cpu: number, ordinal: number, ts: number, line: number): void {
    this.sawDeliver = true;
    const c = this.c;
    if (ordinal < 0) {
      c.deliver_unmatched++;
      return;
    }
    c.deliver_matched++;
    const w = ordinal & PACKET_WINDOW_MASK;
    const modelCpu = this.pktCpu[w];
    const agree = modelCpu === cpu;
    if (agree) {
      c.agree++;
      // process_backlog() has dequeued up to this packet on this CPU.
      if (this.cfg.fifoNs === 0) {
        const pos = this.pktPos[w];
        if (((pos - this.head[cpu]) | 0) > 0) this.head[cpu] = pos;
      }
    } else if (this.pktPath) {
      const cls = PATH_CLASS[this.pktPath[w]];
      this.disagreements[cls] = (this.disagreements[cls] ?? 0) + 1;
      const pair = `${modelCpu}>${cpu}`;
      this.disagreementPairs[pair] = (this.disagreementPairs[pair] ?? 0) + 1;
      if (this.disagreementExamples.length < 20) {
        this.disagreementExamples.push({
          line,
          rxhash: `0x${this.pktHash![w].toString(16).padStart(8, '0')}`,
          model_cpu: modelCpu,
          kernel_cpu: cpu,
          class: cls,
        });
      }
    }
    if (this.timeline) this.timeline.deliver(ts, agree);
  }

  private resolve(flow: number, recordCpu: number): void {
    const p = this.pending;
    p.resolve(flow, recordCpu, this.timeline);
    this.c.local += p.local;
    this.c.hits_stale += p.stale;
  }

  /** Counters at the end of the trace, with what never got resolved. */
  finish(): Metrics {
    const c = this.c;
    const left = this.pending.drain();
    c.local_unresolved += left.packets;
    c.hits_unresolved += left.hits;
    const counters = { ...c };
    return { ...counters, ...deriveRatios(counters), per_cpu: Array.from(this.perCpu) };
  }

  queueOccupancy(): { queue: string; slots: number; used: number }[] {
    return this.cfg.queues.map((q, i) => {
      let used = 0;
      const base = this.qBase[i];
      for (let s = 0; s < q.slots; s++) if (this.qflow[4 * (base + s) + 2] !== 0) used++;
      return { queue: q.name, slots: q.slots, used };
    });
  }

  sockTableOccupancy(): { slots: number; used: number } {
    let used = 0;
    for (let s = 0; s < this.cfg.slots; s++) if (this.sock[2 * s] !== RPS_NO_CPU) used++;
    return { slots: this.cfg.slots, used };
  }

  timelineBins(): { bin_ns: number; bins: TimelineBin[] } | undefined {
    return this.timeline?.result();
  }
}
