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
const FLOW = 4; // per flow: [head node, tail node, inline count, inline cpu | (desired + 1) << 16]

export class PendingByFlow {
  // Per flow: node list ends, and the first run kept inline (no timeline only):
  // one cache line for the common append.
  private ends = initEnds(1024);
  private nodes = new Float64Array(NODE * 1024);
  private nodesUsed = 0;
  private free = -1;
  /** Results of the last resolve(), reused. */
  local = 0;
  hits = 0;
  stale = 0;

  private growFlows(flow: number): void {
    let cap = this.ends.length / FLOW;
    while (cap <= flow) cap *= 2;
    const e = initEnds(cap);
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
    if (FLOW * flow >= this.ends.length) this.growFlows(flow);
    const ends = this.ends;
    const f = FLOW * flow;
    if (timeline === null) {
      // Without a timeline, the flow's first run lives inline: cpu < 2^16, desired + 1 < 2^15.
      const key = cpu | ((desired + 1) << 16);
      const k = ends[f + 2];
      if (k === 0) {
        ends[f + 2] = 1;
        ends[f + 3] = key;
        return;
      }
      if (ends[f + 3] === key) { // order within a wait does not matter without a timeline
        ends[f + 2] = k + 1;
        return;
      }
    }
    const t = ends[f + 1];
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
    else ends[f] = n;
    ends[f + 1] = n;
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
    if (f >= this.ends.length) return;
    const ends = this.ends;
    const k = ends[f + 2];
    if (k > 0) {
      const key = ends[f + 3];
      if ((key & 0xffff) === cpu) this.local += k;
      const desired = (key >>> 16) - 1;
      if (desired >= 0) {
        this.hits += k;
        if (desired !== cpu) this.stale += k;
      }
      ends[f + 2] = 0;
    }
    let n = ends[f];
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
    ends[f] = -1;
    ends[f + 1] = -1;
  }

  /** What is still waiting at the end of the trace (never resolved): packets and hits. */
  drain(): { packets: number; hits: number } {
    let packets = 0;
    let hits = 0;
    const ends = this.ends;
    for (let f = 0; f < ends.length; f += FLOW) {
      const k = ends[f + 2];
      if (k > 0) {
        packets += k;
        if (ends[f + 3] >>> 16 !== 0) hits += k;
        ends[f + 2] = 0;
      }
      for (let n = ends[f]; n >= 0; n = this.nodes[n * NODE + 4]) {
        packets += this.nodes[n * NODE + 2];
        if (this.nodes[n * NODE + 1] >= 0) hits += this.nodes[n * NODE + 2];
      }
      ends[f] = -1;
      ends[f + 1] = -1;
    }
    return { packets, hits };
  }
}

/** Per-flow slots: no nodes (-1, -1), no inline run (0, 0). */
function initEnds(flows: number): Int32Array {
  const e = new Int32Array(FLOW * flows);
  for (let f = 0; f < e.length; f += FLOW) {
    e[f] = -1;
    e[f + 1] = -1;
  }
  return e;
}
