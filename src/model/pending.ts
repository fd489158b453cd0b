/**
 * Packets waiting for their flow's next record event, which decides whether
 * they were processed "locally" or hit a stale hint. Kept per flow as a
 * run-length list of (cpu, count) in a shared node pool: within one wait a
 * flow's packets mostly share one CPU, so this is one node per flow, and no
 * object per packet. Per-flow ends and node fields are interleaved so that
 * an append touches two cache lines.
 */
import type { Timeline } from './timeline.js';

const NODE = 4; // [cpu, count, first ts, next]

export class PendingByFlow {
  private ends = new Int32Array(2 * 1024).fill(-1); // per flow [head, tail]
  private nodes = new Float64Array(NODE * 1024);
  private nodesUsed = 0;
  private free = -1;
  private readonly result = { total: 0, matching: 0 };

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
      this.free = this.nodes[n * NODE + 3];
      return n;
    }
    if ((this.nodesUsed + 1) * NODE > this.nodes.length) {
      const grown = new Float64Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    return this.nodesUsed++;
  }

  /** One more packet of `flow` on `cpu` at `ts`. With a timeline, runs break at bin edges. */
  add(flow: number, cpu: number, ts: number, timeline: Timeline | null): void {
    if (2 * flow + 1 >= this.ends.length) this.growFlows(flow);
    const ends = this.ends;
    const t = ends[2 * flow + 1];
    const nodes = this.nodes;
    if (t >= 0 && nodes[t * NODE] === cpu && (timeline === null || timeline.sameBin(nodes[t * NODE + 2], ts))) {
      nodes[t * NODE + 1]++;
      return;
    }
    const n = this.allocNode();
    const o = n * NODE;
    const ns = this.nodes; // allocNode may have grown the pool
    ns[o] = cpu;
    ns[o + 1] = 1;
    ns[o + 2] = ts;
    ns[o + 3] = -1;
    if (t >= 0) ns[t * NODE + 3] = n;
    else ends[2 * flow] = n;
    ends[2 * flow + 1] = n;
  }

  /**
   * The flow's next record event ran on `cpu`: returns how many waited and how
   * many of those were on that CPU, and forgets them. The result object is reused.
   */
  resolve(flow: number, cpu: number, timeline: Timeline | null): { total: number; matching: number } {
    const r = this.result;
    r.total = 0;
    r.matching = 0;
    if (2 * flow >= this.ends.length) return r;
    let n = this.ends[2 * flow];
    if (n < 0) return r;
    const nodes = this.nodes;
    while (n >= 0) {
      const o = n * NODE;
      const k = nodes[o + 1];
      r.total += k;
      const same = nodes[o] === cpu;
      if (same) r.matching += k;
      if (timeline) timeline.resolvedHits(nodes[o + 2], k, same ? 0 : k);
      const next = nodes[o + 3];
      nodes[o + 3] = this.free;
      this.free = n;
      n = next;
    }
    this.ends[2 * flow] = -1;
    this.ends[2 * flow + 1] = -1;
    return r;
  }

  /** Everything still waiting at the end of the trace (never resolved). */
  drain(): number {
    let total = 0;
    for (let f = 0; 2 * f < this.ends.length; f++) {
      for (let n = this.ends[2 * f]; n >= 0; n = this.nodes[n * NODE + 3]) total += this.nodes[n * NODE + 1];
      this.ends[2 * f] = -1;
      this.ends[2 * f + 1] = -1;
    }
    return total;
  }
}
