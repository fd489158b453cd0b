/**
 * Counting only the kept flows of a whole trace (`replay --keep-sample`):
 * the reference a sampled capture is held to (docs/model.md#flow-sampling).
 *
 * Every row still goes through every lane, so the tables, the backlog
 * positions and the ordering guard see every flow, as the kernel did; only
 * what the lanes count is restricted. Each counter a row changes belongs to
 * that row's flow: a record's write, eviction and the resolution of its
 * flow's waiting packets; a packet's lookup, placement and pending run; a
 * state row's delete; a deliver row's agreement. So the batch is replayed in
 * runs of rows that the rule keeps or drops alike, and after each run the
 * lanes' counters are added to the totals (kept) or zeroed (dropped). The
 * packets still waiting at the end are drained for kept flows only
 * (wasm/lanes.ts drainKept()). Nothing of this touches the lanes' per-row
 * path: a replay without the option runs exactly as before.
 */
import { EV_DELIVER, EV_PACKET, EV_STATE } from '../ingest/trace-codes.js';
import type { TraceBatch } from '../ingest/trace.js';
import { sampleMask, type SamplingRule } from '../types/sampling.js';
import type { FlowTableBank } from './flow-tables.js';

export class KeptCounting {
  /** The rule's bits: a row is kept when its hash has none of them. */
  readonly mask: number;
  /** Kept packet rows and record rows (the lanes count every row's in the trace's totals). */
  packets = 0;
  records = 0;

  constructor(
    private readonly bank: FlowTableBank,
    rule: SamplingRule,
  ) {
    if (bank.trace.ids === 'emit' || bank.trace.ids === 'given') {
      throw new Error('counting only kept flows needs a bank that numbers its own flows (the replay runs on one thread)');
    }
    this.mask = sampleMask(rule);
  }

  processBatch(b: TraceBatch, ordinal: Float64Array | null): void {
    const bank = this.bank;
    const n = b.length;
    const h = b.rxhash;
    const mask = this.mask;
    bank.loadColumns(b, ordinal);
    let from = 0;
    while (from < n) {
      const kept = (h[from] & mask) === 0;
      let to = from + 1;
      while (to < n && ((h[to] & mask) === 0) === kept) to++;
      bank.runRows(b, from, to, kept);
      if (kept) {
        this.countRows(b, from, to);
        bank.flushCounts();
      } else {
        bank.discardCounts();
      }
      from = to;
    }
  }

  private countRows(b: TraceBatch, from: number, to: number): void {
    const ev = b.event;
    for (let i = from; i < to; i++) {
      const e = ev[i];
      if (e === EV_PACKET) this.packets++;
      else if (e !== EV_STATE && e !== EV_DELIVER) this.records++;
    }
  }
}
