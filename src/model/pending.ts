/**
 * Packets waiting for their flow's next record event, which decides whether
 * they were processed "locally" and whether their hint was stale. Kept per
 * flow as a run-length list of (processed CPU, desired CPU or -1 for no hit,
 * count): within one wait a flow's packets mostly share one placement, so the
 * first run lives inline in the flow's entry and further runs go to a shared
 * node pool; no object per packet. Keys are flow ids; a bank of lanes uses
 * flow * lanes + lane, so one flow's lanes are neighbours.
 *
 * add() and resolve() are small on purpose: the common case (one run, no
 * list) is all they do, so the compiler inlines them into the replay loop;
 * anything else is a call to the slow path.
 */
import type { Timeline } from './timeline.js';

const NODE = 4; // [processed cpu, desired cpu or -1, count, next]; first ts in nodeTs
const FLOW = 2; // per key in `runs`: [inline count, inline cpu | (desired + 1) << 16 | HAS_LIST]
const ENDS = 2; // per key in `ends`: [head node + 1, tail node + 1]; 0: no list, so fresh pages stay untouched
/** In a key's inline word: the key also has runs in the node pool. */
const HAS_LIST = 0x80000000 | 0;

export class PendingByFlow {
  // Per key, the first run kept inline (no timeline only): 8 bytes, so a bank
  // of 8 lanes finds a flow's runs in one cache line. Node list ends apart,
  // read only when the inline word says there is a list.
  private runs = new Int32Array(FLOW * 1024);
  private ends = initEnds(1024);
  private nodes = new Int32Array(NODE * 1024);
  private nodeTs = new Float64Array(1024);
  private nodesUsed = 0;
  private free = -1;
  /** Results of the last resolve(), reused. */
  local = 0;
  hits = 0;
  stale = 0;

  private growFlows(flow: number): void {
    let cap = this.runs.length / FLOW;
    while (cap <= flow) cap *= 2;
    const r = new Int32Array(FLOW * cap);
    r.set(this.runs);
    this.runs = r;
    const e = initEnds(cap);
    e.set(this.ends);
    this.ends = e;
  }

  private allocNode(): number {
    if (this.free >= 0) {
      const n = this.free;
      this.free = this.nodes[n * NODE + 3];
      return n;
    }
    if ((this.nodesUsed + 1) * NODE > this.nodes.length) {
      const grown = new Int32Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
      const ts = new Float64Array(this.nodeTs.length * 2);
      ts.set(this.nodeTs);
      this.nodeTs = ts;
    }
    return this.nodesUsed++;
  }

  /** One more packet of `flow`, processed on `cpu`; `desired` is the hint's CPU for a hit, else -1. */
  add(flow: number, cpu: number, desired: number, ts: number, timeline: Timeline | null): void {
    const f = FLOW * flow;
    const runs = this.runs;
    if (timeline === null && f < runs.length) {
      // Without a timeline the flow's first run lives inline: cpu < 2^16, desired + 1 < 2^15;
      // order within a wait does not matter then.
      const key = cpu | ((desired + 1) << 16);
      const k = runs[f];
      if (k === 0) {
        runs[f] = 1;
        runs[f + 1] = key | (runs[f + 1] & HAS_LIST);
        return;
      }
      if ((runs[f + 1] & ~HAS_LIST) === key) {
        runs[f] = k + 1;
        return;
      }
    }
    this.addToList(flow, cpu, desired, ts, timeline);
  }

  /** add() beyond the inline run: a new key, a different placement, or a timeline. */
  private addToList(flow: number, cpu: number, desired: number, ts: number, timeline: Timeline | null): void {
    if (FLOW * flow >= this.runs.length) {
      this.growFlows(flow);
      if (timeline === null) {
        this.add(flow, cpu, desired, ts, timeline);
        return;
      }
    }
    const ends = this.ends;
    const e = ENDS * flow;
    const t = ends[e + 1] - 1;
    if (t >= 0) {
      const o = t * NODE;
      const nodes = this.nodes;
      // With a timeline, runs also break at bin edges so resolved hits land in their own bin.
      if (nodes[o] === cpu && nodes[o + 1] === desired && (timeline === null || timeline.sameBin(this.nodeTs[t], ts))) {
        nodes[o + 2]++;
        return;
      }
    }
    const n = this.allocNode();
    const o = n * NODE;
    const ns = this.nodes; // allocNode may have grown the pool
    ns[o] = cpu;
    ns[o + 1] = desired;
    ns[o + 2] = 1;
    ns[o + 3] = -1;
    this.nodeTs[n] = ts;
    if (t >= 0) ns[t * NODE + 3] = n;
    else ends[e] = n + 1;
    ends[e + 1] = n + 1;
    this.runs[FLOW * flow + 1] |= HAS_LIST;
  }

  /**
   * The flow's next record event ran on `cpu`: sets `local` (waiting packets
   * processed on it), `hits` and `stale` (hits whose CPU was not it), and
   * forgets them.
   */
  resolve(flow: number, cpu: number, timeline: Timeline | null): void {
    this.local = 0;
    this.hits = 0;
    this.stale = 0;
    const f = FLOW * flow;
    const runs = this.runs;
    if (f >= runs.length) return;
    const k = runs[f];
    const word = runs[f + 1];
    if (k > 0) {
      if ((word & 0xffff) === cpu) this.local = k;
      const desired = ((word & ~HAS_LIST) >>> 16) - 1;
      if (desired >= 0) {
        this.hits = k;
        if (desired !== cpu) this.stale = k;
      }
      runs[f] = 0;
    }
    if ((word & HAS_LIST) !== 0) {
      runs[f + 1] = word & ~HAS_LIST;
      this.resolveList(ENDS * flow, cpu, timeline);
    }
  }

  /** resolve() of the runs in the node pool. */
  private resolveList(e: number, cpu: number, timeline: Timeline | null): void {
    const ends = this.ends;
    const nodes = this.nodes;
    let n = ends[e] - 1;
    while (n >= 0) {
      const o = n * NODE;
      const k = nodes[o + 2];
      if (nodes[o] === cpu) this.local += k;
      const desired = nodes[o + 1];
      if (desired >= 0) {
        this.hits += k;
        const stale = desired !== cpu ? k : 0;
        this.stale += stale;
        if (timeline) timeline.resolvedHits(this.nodeTs[n], k, stale);
      }
      const next = nodes[o + 3];
      nodes[o + 3] = this.free;
      this.free = n;
      n = next;
    }
    ends[e] = 0;
    ends[e + 1] = 0;
  }

  /**
   * What is still waiting at the end of the trace (never resolved): packets
   * and hits, over the keys k with k % lanes === lane (one lane of a bank).
   */
  drain(lane = 0, lanes = 1): { packets: number; hits: number } {
    let packets = 0;
    let hits = 0;
    const runs = this.runs;
    const ends = this.ends;
    const nodes = this.nodes;
    for (let key = lane; FLOW * key < runs.length; key += lanes) {
      const f = FLOW * key;
      // Reads first, writes only where something waits: untouched pages stay untouched.
      const k = runs[f];
      const word = runs[f + 1];
      if (k > 0) {
        packets += k;
        if ((word & ~HAS_LIST) >>> 16 !== 0) hits += k;
        runs[f] = 0;
      }
      if ((word & HAS_LIST) === 0) continue;
      runs[f + 1] = word & ~HAS_LIST;
      const e = ENDS * key;
      for (let n = ends[e] - 1; n >= 0; n = nodes[n * NODE + 3]) {
        packets += nodes[n * NODE + 2];
        if (nodes[n * NODE + 1] >= 0) hits += nodes[n * NODE + 2];
      }
      ends[e] = 0;
      ends[e + 1] = 0;
    }
    return { packets, hits };
  }
}

/** Per-key list ends: no nodes (0, 0). */
function initEnds(keys: number): Int32Array {
  return new Int32Array(ENDS * keys);
}
