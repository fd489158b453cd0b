/**
 * Time-binned counters for one configuration, in one pass with no idea of the
 * trace's length: bins start 1 ms wide and double (merging pairs) whenever
 * they would exceed MAX_BINS, so a trace of any span ends with 256–512 bins.
 */
import type { TimelineBin } from '../replay/result.js';

const MAX_BINS = 512;
const FIELDS = ['packets', 'lookups', 'hits', 'misses_collision', 'hits_resolved', 'hits_stale', 'deliver_matched', 'agree'] as const;
const F_PACKETS = 0, F_LOOKUPS = 1, F_HITS = 2, F_COLL = 3, F_RESOLVED = 4, F_STALE = 5, F_DELIVER = 6, F_AGREE = 7;
const NF = FIELDS.length;

export class Timeline {
  private t0 = NaN;
  private binNs = 1e6;
  private readonly data = new Float64Array(MAX_BINS * NF);
  private used = 0;

  private bin(ts: number): number {
    if (Number.isNaN(this.t0)) this.t0 = ts;
    let b = Math.floor((ts - this.t0) / this.binNs);
    if (b < 0) return 0; // time stepping back before the first row
    while (b >= MAX_BINS) {
      this.merge();
      b = Math.floor((ts - this.t0) / this.binNs);
    }
    if (b >= this.used) this.used = b + 1;
    return b;
  }

  private merge(): void {
    const d = this.data;
    for (let b = 0; b < MAX_BINS / 2; b++) {
      for (let f = 0; f < NF; f++) d[b * NF + f] = d[2 * b * NF + f] + d[(2 * b + 1) * NF + f];
    }
    d.fill(0, (MAX_BINS / 2) * NF);
    this.binNs *= 2;
    this.used = Math.ceil(this.used / 2);
  }

  /** Whether two timestamps fall in the same bin at the current width. */
  sameBin(a: number, b: number): boolean {
    return Math.floor((a - this.t0) / this.binNs) === Math.floor((b - this.t0) / this.binNs);
  }

  packet(ts: number, lookup: boolean, hit: boolean, collision: boolean): void {
    const o = this.bin(ts) * NF;
    const d = this.data;
    d[o + F_PACKETS]++;
    if (lookup) d[o + F_LOOKUPS]++;
    if (hit) d[o + F_HITS]++;
    if (collision) d[o + F_COLL]++;
  }

  /** Hits from the bin of `ts` resolved by a later record event; `stale` of them pointed elsewhere. */
  resolvedHits(ts: number, count: number, stale: number): void {
    const o = this.bin(ts) * NF;
    this.data[o + F_RESOLVED] += count;
    this.data[o + F_STALE] += stale;
  }

  deliver(ts: number, agree: boolean): void {
    const o = this.bin(ts) * NF;
    this.data[o + F_DELIVER]++;
    if (agree) this.data[o + F_AGREE]++;
  }

  result(): { bin_ns: number; bins: TimelineBin[] } {
    const bins: TimelineBin[] = [];
    for (let b = 0; b < this.used; b++) {
      const o = b * NF;
      const d = this.data;
      bins.push({
        t: b * this.binNs,
        packets: d[o + F_PACKETS],
        lookups: d[o + F_LOOKUPS],
        hits: d[o + F_HITS],
        misses_collision: d[o + F_COLL],
        hits_resolved: d[o + F_RESOLVED],
        hits_stale: d[o + F_STALE],
        deliver_matched: d[o + F_DELIVER],
        agree: d[o + F_AGREE],
      });
    }
    return { bin_ns: this.binNs, bins };
  }
}
