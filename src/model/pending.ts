/**
 * Packets waiting for their flow's next record event, which decides whether
 * they were processed "locally" and whether their hint was stale. Kept per
 * flow as a run-length list of (processed CPU, desired CPU or -1 for no hit,
 * count) in a shared node pool: within one wait a flow's packets mostly share
 * one placement, so this is one node per flow and no object per packet.
 * Per-flow ends and node fields are interleaved so that an append touches two
 * cache lines.
 */
import type { Timeline } from './timeline.js';

const NODE = 5; // [processed cpu, desired cpu or -1, count, first ts, next]

export class PendingByFlow {
  private ends = new Int32Array(2 * 1024).fill(-1); // per flow [head, tail]
  private nodes = new Float64Array(NODE * 1024);
  private nodesUsed = 0;
  private free = -1;
  /** Results of the last resolve(), reused. */
  local = 0;
  hits = 0;
  stale = 0;

  private growFlows(flow: number): void {
    let cap = this.ends.length;
    while (cap <= 2 * flow + 1) cap *= 2;
    const e = new Int32Array(cap).fill(-1);
    e.set(this.ends);
    this.ends = e;
  }

  private allocNode(): number {
    if (this.free >= 0) {
      const n = this.free;
      this.free = this.nodes[n * NODE + 4];
      return n;
    }
    if ((this.nodesUsed + 1) * NODE > this.nodes.length) {
      const grown = new Float64Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    return this.nodesUsed++;
  }

  /** One more packet of `flow`, processed on `cpu`; `desired` is the hint's CPU for a hit, else -1. */
  add(flow: number, cpu: number, desired: number, ts: number, timeline: Timeline | null): void {
    if (2 * flow + 1 >= this.ends.length) this.growFlows(flow);
    const ends = this.ends;
    const t = ends[2 * flow + 1];
    const nodes = this.nodes;
    if (t >= 0) {
      const o = t * NODE;
      // With a timeline, runs also break at bin edges so resolved hits land in their own bin.
      if (nodes[o] === cpu && nodes[o + 1] === desired && (timeline === null || timeline.sameBin(nodes[o + 3], ts))) {
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
    ns[o + 3] = ts;
    ns[o + 4] = -1;
    if (t >= 0) ns[t * NODE + 4] = n;
    else ends[2 * flow] = n;
    ends[2 * flow + 1] = n;
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
    if (2 * flow >= this.ends.length) return;
    let n = this.ends[2 * flow];
    if (n < 0) return;
    const nodes = this.nodes;
    while (n >= 0) {
      const o = n * NODE;
      const k = nodes[o + 2];
      if (nodes[o] === cpu) this.local += k;
      const desired = nodes[o + 1];
      if (desired >= 0) {
        this.hits += k;
        const stale = desired !== cpu ? k : 0;
        this.stale += stale;
        if (timeline) timeline.resolvedHits(nodes[o + 3], k, stale);
      }
      const next = nodes[o + 4];
      nodes[o + 4] = this.free;
      this.free = n;
      n = next;
    }
    this.ends[2 * flow] = -1;
    this.ends[2 * flow + 1] = -1;
  }

  /** What is still waiting at the end of the trace (never resolved): packets and hits. */
  drain(): { packets: number; hits: number } {
    let packets = 0;
    let hits = 0;
    for (let f = 0; 2 * f < this.ends.length; f++) {
      for (let n = this.ends[2 * f]; n >= 0; n = this.nodes[n * NODE + 4]) {
        packets += this.nodes[n * NODE + 2];
        if (this.nodes[n * NODE + 1] >= 0) hits += this.nodes[n * NODE + 2];
      }
      this.ends[2 * f] = -1;
      this.ends[2 * f + 1] = -1;
    }
    return { packets, hits };
  }
}
