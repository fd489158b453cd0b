/**
 * Kernel-observed outcomes: what the kernel itself achieved, from the deliver
 * rows, measured the way the model measures its own placement (docs/metrics.md):
 *
 * - locality: matched deliver rows whose CPU is the CPU of the packet's flow's
 *   next record event (the first record row with the packet's hash after the
 *   packet row), over matched deliver rows whose packet was resolved;
 * - cross-CPU share: matched deliver rows whose CPU differs from the packet
 *   row's arrival CPU, over matched deliver rows.
 *
 * Both sides of a packet can arrive in either order (a record row may precede
 * the deliver row in a merged trace), so per packet in the window we keep its
 * next record CPU once found, and per flow the kernel CPUs of matched packets
 * still waiting for their flow's next record event (by value: they need no
 * window slot) and the ordinals of unmatched packets waiting for it.
 *
 * Kept from the first packet row with an skb (only those can be matched):
 * traces without skb identities (synthetic, bench) pay nothing per row. A
 * matched packet whose flow never records again stays unresolved, as in the
 * model. An unmatched packet's ordinal is dropped once it has left the window:
 * its deliver row could no longer be matched (DeliverMatcher), so nothing is
 * lost.
 */
import { PACKET_WINDOW, PACKET_WINDOW_MASK } from '../model/flow-tables.js';

/** nextRecordCpu values: not found yet, or never (indexed before records were watched). */
const NOT_YET = -1;
const NEVER = -2;

interface WaitingFlow {
  /** Kernel CPUs of matched packets waiting for the flow's next record event. */
  matchedCpus: number[];
  /** Ordinals of unmatched packets waiting for it. */
  unmatched: number[];
  /** Length at which `unmatched` is next pruned (doubles: amortised constant time per packet). */
  pruneAt: number;
}

export class KernelOutcomes {
  /** Matched deliver rows on the CPU of their flow's next record event. */
  local = 0;
  /** Matched deliver rows whose packet was resolved (the locality denominator). */
  resolved = 0;
  /** Matched deliver rows processed off the packet's arrival CPU. */
  crossCpu = 0;
  matched = 0;

  private readonly arrivalCpu = new Int32Array(PACKET_WINDOW);
  private readonly nextRecordCpu = new Int32Array(PACKET_WINDOW).fill(NEVER);
  private readonly ordinalInSlot = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly waiting = new Map<number, WaitingFlow>();

  /** A packet row with an skb, arriving on `cpu`: it waits for its deliver row and its flow's next record event. */
  watch(o: number, hash: number, cpu: number): void {
    const w = o & PACKET_WINDOW_MASK;
    this.arrivalCpu[w] = cpu;
    this.ordinalInSlot[w] = o;
    if (hash === 0) {
      this.nextRecordCpu[w] = NEVER;
      return;
    }
    this.nextRecordCpu[w] = NOT_YET;
    const f = this.flow(hash);
    // A flow that rarely records would hold every packet: drop those matched meanwhile or gone from the window.
    if (f.unmatched.length >= f.pruneAt) {
      f.unmatched = f.unmatched.filter((u) => this.waitsInSlot(u, o));
      f.pruneAt = Math.max(64, 2 * f.unmatched.length);
    }
    f.unmatched.push(o);
  }

  /** A record row (recvmsg/sendmsg/accept/splice) on `cpu`: the next record event of its flow's waiting packets. */
  record(hash: number, cpu: number, packets: number): void {
    if (hash === 0) return;
    const f = this.waiting.get(hash);
    if (f === undefined) return;
    for (const k of f.matchedCpus) {
      this.resolved++;
      if (k === cpu) this.local++;
    }
    for (const o of f.unmatched) {
      const w = o & PACKET_WINDOW_MASK;
      if (this.waitsInSlot(o, packets)) this.nextRecordCpu[w] = cpu;
    }
    this.waiting.delete(hash);
  }

  /** Deliver row matched packet `o` (hash `hash` from its packet row), processed on `cpu`. */
  deliver(o: number, hash: number, cpu: number): void {
    this.matched++;
    const w = o & PACKET_WINDOW_MASK;
    if (this.arrivalCpu[w] !== cpu) this.crossCpu++;
    const next = this.ordinalInSlot[w] === o ? this.nextRecordCpu[w] : NEVER;
    if (next >= 0) {
      this.resolved++;
      if (next === cpu) this.local++;
    } else if (next === NOT_YET) {
      this.flow(hash).matchedCpus.push(cpu);
    }
    // Resolved or never resolvable: done with this packet.
    this.nextRecordCpu[w] = NEVER;
  }

  locality(): number | null {
    return this.resolved > 0 ? this.local / this.resolved : null;
  }

  crossCpuShare(): number | null {
    return this.matched > 0 ? this.crossCpu / this.matched : null;
  }

  /** Packet `o` still holds its window slot (`packets` counted so far) and is unmatched and unresolved. */
  private waitsInSlot(o: number, packets: number): boolean {
    const w = o & PACKET_WINDOW_MASK;
    return packets - o <= PACKET_WINDOW && this.ordinalInSlot[w] === o && this.nextRecordCpu[w] === NOT_YET;
  }

  private flow(hash: number): WaitingFlow {
    let f = this.waiting.get(hash);
    if (f === undefined) this.waiting.set(hash, (f = { matchedCpus: [], unmatched: [], pruneAt: 64 }));
    return f;
  }
}
