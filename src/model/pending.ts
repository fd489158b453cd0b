/**
 * Packets waiting for their flow's next record event, which decides whether
 * they were processed "locally" or hit a stale hint. Kept per flow as a
 * run-length list of (cpu, count) in a shared node pool: within one wait a
 * flow's packets mostly share one CPU, so this is one node per flow, and no
 * object per packet.
 */
import type { Timeline } from './timeline.js';

export class PendingByFlow {
  private head = new Int32Array(1024).fill(-1);
  private tailNode = new Int32Array(1024).fill(-1);
  private nodeCpu = new Int32Array(1024);
  private nodeCount = new Float64Array(1024);
  private nodeTs = new Float64Array(1024);
  private nodeNext = new Int32Array(1024);
  private nodesUsed = 0;
  private free = -1;
  private result = { total: 0, matching: 0 };

  private growFlows(flow: number): void {
    let cap = this.head.length;
    while (cap <= flow) cap *= 2;
    const h = new Int32Array(cap).fill(-1);
    h.set(this.head);
    this.head = h;
    const t = new Int32Array(cap).fill(-1);
    t.set(this.tailNode);
    this.tailNode = t;
  }

  private allocNode(): number {
    if (this.free >= 0) {
      const n = this.free;
      this.free = this.nodeNext[n];
      return n;
    }
    if (this.nodesUsed === this.nodeCpu.length) {
      const cap = this.nodeCpu.length * 2;
      const cpu = new Int32Array(cap);
      cpu.set(this.nodeCpu);
      this.nodeCpu = cpu;
      const count = new Float64Array(cap);
      count.set(this.nodeCount);
      this.nodeCount = count;
      const ts = new Float64Array(cap);
      ts.set(this.nodeTs);
      this.nodeTs = ts;
      const next = new Int32Array(cap);
      next.set(this.nodeNext);
      this.nodeNext = next;
    }
    return this.nodesUsed++;
  }

  /** One more packet of `flow` on `cpu` at `ts`. With a timeline, runs break at bin edges. */
  add(flow: number, cpu: number, ts: number, timeline: Timeline | null): void {
    if (flow >= this.head.length) this.growFlows(flow);
    const t = this.tailNode[flow];
    if (t >= 0 && this.nodeCpu[t] === cpu && (timeline === null || timeline.sameBin(this.nodeTs[t], ts))) {
      this.nodeCount[t]++;
      return;
    }
    const n = this.allocNode();
    this.nodeCpu[n] = cpu;
    this.nodeCount[n] = 1;
    this.nodeTs[n] = ts;
    this.nodeNext[n] = -1;
    if (t >= 0) this.nodeNext[t] = n;
    else this.head[flow] = n;
    this.tailNode[flow] = n;
  }

  /**
   * The flow's next record event ran on `cpu`: returns how many waited and how
   * many of those were on that CPU, and forgets them. The result object is reused.
   */
  resolve(flow: number, cpu: number, timeline: Timeline | null): { total: number; matching: number } {
    const r = this.result;
    r.total = 0;
    r.matching = 0;
    if (flow >= this.head.length) return r;
    let n = this.head[flow];
    if (n < 0) return r;
    while (n >= 0) {
      const k = this.nodeCount[n];
      r.total += k;
      const same = this.nodeCpu[n] === cpu;
      if (same) r.matching += k;
      if (timeline) timeline.resolvedHits(this.nodeTs[n], k, same ? 0 : k);
      const next = this.nodeNext[n];
      this.nodeNext[n] = this.free;
      this.free = n;
      n = next;
    }
    this.head[flow] = -1;
    this.tailNode[flow] = -1;
    return r;
  }

  /** Everything still waiting at the end of the trace (never resolved). */
  drain(): number {
    let total = 0;
    for (let f = 0; f < this.head.length; f++) {
      for (let n = this.head[f]; n >= 0; n = this.nodeNext[n]) total += this.nodeCount[n];
      this.head[f] = -1;
      this.tailNode[f] = -1;
    }
    return total;
  }
}
