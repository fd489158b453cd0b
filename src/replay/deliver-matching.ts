/**
 * Deliver matching: which packet each deliver row delivered. The post-steering
 * probe names the skb it delivered; a packet row names the skb it arrived in;
 * slab reuse gives many packets the same skb address, so each skb keeps a
 * stack of its unmatched packets and the hash tells them apart. The lanes take
 * the matched packet's ordinal to learn the CPU the kernel chose for it.
 */
import { Interner } from '../ingest/interner.js';
import { DEFERRED_ID, EventKind, NONE, type TraceBatch } from '../ingest/trace.js';
import { PACKET_WINDOW, PACKET_WINDOW_MASK } from '../model/flow-tables.js';
import { KernelOutcomes } from './kernel-outcomes.js';

/** How far down an skb's stack of unmatched packets a deliver row looks for its packet. */
const MATCH_DEPTH = 8;

/**
 * Matches deliver rows to the packets they delivered (by skb identity), batch
 * by batch in trace order, and counts rows, packets and deliver rows; the
 * banks number flows and sockets and count the rest of the trace's statistics
 * (FlowTableBank.traceCounts()).
 */
export class DeliverMatcher {
  rows = 0;
  packets = 0;
  deliverMatched = 0;
  deliverUnmatched = 0;
  sawDeliver = false;
  private sawSkb = false;
  deliverPerCpu: Float64Array = new Float64Array(0);
  /** What the kernel achieved (locality, cross-CPU share) over the matched deliver rows. */
  readonly outcomes = new KernelOutcomes();
  // skb id → most recent unmatched packet ordinal (-1 none); per packet, the one below it.
  private lastUnmatched: Float64Array = new Float64Array(1024).fill(-1);
  private readonly belowInStack = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly packetHash = new Uint32Array(PACKET_WINDOW);

  readonly skbs = new Interner();
  private skbFromReader: Int32Array = new Int32Array(64).fill(-1);

  private translate(interner: Interner, id: number): number {
    let t = this.skbFromReader;
    if (id >= t.length) {
      let cap = t.length;
      while (cap <= id) cap *= 2;
      const grown = new Int32Array(cap).fill(-1);
      grown.set(t);
      this.skbFromReader = t = grown;
    }
    let mine = t[id];
    if (mine < 0) t[id] = mine = interner.internText(`\0worker:${id}`);
    return mine;
  }

  /** The skb id as this thread numbers it (tag = the batch's skb column value). */
  private skbId(tag: number, hi: number, lo: number): number {
    if (!this.resolveIds || tag === NONE) return tag;
    if (tag <= DEFERRED_ID) return this.skbs.internKey(DEFERRED_ID - tag, hi, lo);
    return this.translate(this.skbs, tag);
  }

  /** Puts packet `o` on top of its skb's stack of unmatched packets. */
  private pushPacket(o: number, skb: number): void {
    if (skb === NONE) return;
    if (skb >= this.lastUnmatched.length) this.lastUnmatched = grow(this.lastUnmatched, skb);
    const w = o & PACKET_WINDOW_MASK;
    this.belowInStack[w] = this.lastUnmatched[skb];
    this.lastUnmatched[skb] = o;
  }

  /**
   * At the first deliver row: index the packets still in the window. Until a
   * trace shows deliver rows, packets with an skb only leave it in the ring —
   * a trace without them (synthetic, or captured without the post-steering
   * probe) never pays for skb lookups.
   */
  private indexWindow(): void {
    for (let o = Math.max(0, this.packets - PACKET_WINDOW); o < this.packets; o++) {
      const w = o & PACKET_WINDOW_MASK;
      if (this.ringOrdinal[w] === o) this.pushPacket(o, this.skbId(this.ringSkb[w], this.ringSkbHi[w], this.ringSkbLo[w]));
    }
  }

  // Packets with an skb before the first deliver row: the skb, and the packet's ordinal (whose slot it is).
  private readonly ringOrdinal = new Float64Array(PACKET_WINDOW).fill(-1);
  private readonly ringSkb = new Int32Array(PACKET_WINDOW);
  private readonly ringSkbHi = new Uint32Array(PACKET_WINDOW);
  private readonly ringSkbLo = new Uint32Array(PACKET_WINDOW);

  /**
   * Per row of the last batch prepared: for a deliver row, the ordinal of the
   * packet it matched (-1: none); other rows' are left as they were. Null when
   * the batch had no deliver row.
   */
  ordinals: Float64Array | null = null;
  private ownOrdinals = new Float64Array(0);

  /**
   * `resolveIds`: the reader left interning to its consumer (ReadOptions.deferIds,
   * parallel replays), so the matcher interns skb identities itself (the banks
   * number sockets); ids the reader did intern (text identities) are translated
   * into the same id space.
   */
  constructor(readonly resolveIds = false) {}

  setCpus(nr: number): void {
    this.deliverPerCpu = new Float64Array(nr);
  }

  /** Matches the batch's deliver rows, writing their ordinals into `into` (default: an array of its own). */
  match(b: TraceBatch, into?: Float64Array): void {
    const n = b.length;
    if (!into && this.ownOrdinals.length < n) this.ownOrdinals = new Float64Array(n);
    const ordinals = into ?? this.ownOrdinals;
    const deliversBefore = this.deliverMatched + this.deliverUnmatched;
    this.rows += n;
    const event = b.event;
    const skb = b.skb;
    const outcomes = this.outcomes;
    let packets = this.packets;
    // Record rows matter (kernel outcomes) only once the trace has shown a packet with an skb (matchable).
    let watching = this.sawSkb;
    // Most traces have neither skb identities nor deliver rows: then this loop only counts packets.
    for (let i = 0; i < n; i++) {
      const ev = event[i];
      if (ev === EventKind.Packet) {
        const o = packets++;
        if (skb[i] === NONE) continue;
        const w = o & PACKET_WINDOW_MASK;
        this.packetHash[w] = b.rxhash[i];
        outcomes.watch(o, b.rxhash[i], b.cpu[i]);
        this.sawSkb = watching = true;
        if (this.sawDeliver) {
          this.pushPacket(o, this.skbId(skb[i], b.skbHi[i], b.skbLo[i]));
        } else {
          this.ringOrdinal[w] = o;
          this.ringSkb[w] = skb[i];
          this.ringSkbHi[w] = b.skbHi[i];
          this.ringSkbLo[w] = b.skbLo[i];
        }
      } else if (ev === EventKind.Deliver) {
        this.packets = packets;
        if (!this.sawDeliver) {
          this.sawDeliver = true;
          this.indexWindow();
        }
        this.deliverPerCpu[b.cpu[i]]++;
        const id = this.skbId(skb[i], b.skbHi[i], b.skbLo[i]);
        const o = id !== NONE && id < this.lastUnmatched.length ? this.matchDeliver(id, b.rxhash[i]) : -1;
        ordinals[i] = o;
        if (o >= 0) {
          this.deliverMatched++;
          outcomes.deliver(o, this.packetHash[o & PACKET_WINDOW_MASK], b.cpu[i]);
        } else this.deliverUnmatched++;
      } else if (watching && ev <= EventKind.Splice) {
        outcomes.record(b.rxhash[i], b.cpu[i], packets);
      }
    }
    this.packets = packets;
    this.ordinals = this.deliverMatched + this.deliverUnmatched > deliversBefore ? ordinals : null;
  }

  /**
   * The most recent unmatched packet of this skb whose hash equals the deliver
   * row's, removed from the skb's stack; -1 if none. Slab reuse gives many
   * packets the same skb address, so after a lost deliver the top of the stack
   * can be an older, different packet: the hash tells them apart.
   */
  private matchDeliver(skb: number, h: number): number {
    let o = this.lastUnmatched[skb];
    let above = -1;
    for (let depth = 0; o >= 0 && depth < MATCH_DEPTH; depth++) {
      if (this.packets - o > PACKET_WINDOW) break; // this and everything below has left the window
      const w = o & PACKET_WINDOW_MASK;
      const ph = this.packetHash[w];
      if (h === 0 || ph === 0 || ph === h) {
        const below = this.belowInStack[w];
        if (above < 0) this.lastUnmatched[skb] = below;
        else this.belowInStack[above & PACKET_WINDOW_MASK] = below;
        return o;
      }
      above = o;
      o = this.belowInStack[w];
    }
    if (o >= 0 && this.packets - o > PACKET_WINDOW) {
      if (above < 0) this.lastUnmatched[skb] = -1;
      else this.belowInStack[above & PACKET_WINDOW_MASK] = -1;
    }
    return -1;
  }
}

function grow(a: Float64Array, index: number): Float64Array<ArrayBuffer> {
  let cap = a.length;
  while (cap <= index) cap *= 2;
  const b = new Float64Array(cap).fill(-1);
  b.set(a);
  return b;
}
