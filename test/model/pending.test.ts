/**
 * Pending packets (the WebAssembly lanes' pendingAdd/pendingResolve/drain, run
 * through its test entry points): packets waiting for their flow's next record
 * event. At that event on CPU r, `local` counts the waiting packets processed
 * on r, `hits` those that followed a hint, `stale` the hits whose hint CPU was
 * not r (contract §4: locality and stale_rate). Expected values worked by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  CTL_DRAIN_HITS,
  CTL_DRAIN_PACKETS,
  CTL_FLOWS_SEEN,
  CTL_LANES,
  CTL_NODES_USED,
  CTL_RESOLVED_HITS,
  CTL_RESOLVED_LOCAL,
  CTL_RESOLVED_STALE,
  TIMELINE_WORDS,
} from '../../src/model/lane-layout.js';
import { initTimeline, readTimeline, WasmLanes } from '../../src/model/wasm-lanes.js';

/** The lanes' pending packets for keys flow * lanes + lane, as the bank uses them. */
class PendingByFlow {
  private readonly wasm = new WasmLanes(0);
  constructor(private readonly lanes = 1) {
    this.wasm.i32[CTL_LANES] = lanes;
  }

  add(key: number, cpu: number, desired: number, ts: number, timeline = -1): void {
    this.seeFlow(Math.floor(key / this.lanes));
    this.wasm.growNodes(this.wasm.i32[CTL_NODES_USED] + 1);
    this.wasm.exports.testPendingAdd(key, cpu, desired, ts, timeline);
  }

  resolve(key: number, cpu: number, timeline = -1): { local: number; hits: number; stale: number } {
    this.seeFlow(Math.floor(key / this.lanes));
    this.wasm.exports.testPendingResolve(key, cpu, timeline);
    const m = this.wasm.i32;
    return { local: m[CTL_RESOLVED_LOCAL], hits: m[CTL_RESOLVED_HITS], stale: m[CTL_RESOLVED_STALE] };
  }

  /** As the bank's row loop does: room for the flow, and drain() looks at flows up to the highest seen. */
  private seeFlow(flow: number): void {
    this.wasm.growFlows(flow + 1, this.lanes);
    this.wasm.i32[CTL_FLOWS_SEEN] = Math.max(this.wasm.i32[CTL_FLOWS_SEEN], flow + 1);
  }

  drain(lane = 0): { packets: number; hits: number } {
    this.wasm.exports.drain(lane);
    return { packets: this.wasm.f64[CTL_DRAIN_PACKETS / 2], hits: this.wasm.f64[CTL_DRAIN_HITS / 2] };
  }

  /** A timeline block in the same memory. */
  timeline(): { at: number; packet(ts: number): void; bins(): ReturnType<typeof readTimeline>['bins'] } {
    const wasm = this.wasm;
    const at = wasm.alloc(TIMELINE_WORDS);
    initTimeline(wasm, at);
    return { at, packet: (ts) => wasm.exports.testTimelinePacket(at, ts, 1, 1, 0), bins: () => readTimeline(wasm, at).bins };
  }
}

const resolved = (p: PendingByFlow, flow: number, cpu: number, tl = -1) => p.resolve(flow, cpu, tl);

describe('PendingByFlow', () => {
  it('one run: three packets on CPU 2 that followed a hint for CPU 2, resolved on 2 then again', () => {
    const p = new PendingByFlow();
    for (let i = 0; i < 3; i++) p.add(7, 2, 2, 1000 + i);
    expect(resolved(p, 7, 2)).toEqual({ local: 3, hits: 3, stale: 0 });
    // resolve forgets: nothing waits any more
    expect(resolved(p, 7, 2)).toEqual({ local: 0, hits: 0, stale: 0 });
  });

  it('mixed runs: inline run plus list runs, in any order', () => {
    const p = new PendingByFlow();
    // flow 5: 2 packets on CPU 1 with a hint for 1; 1 packet on CPU 3 without a hint (RPS);
    // 4 packets on CPU 1 with a hint for 0 (held by the ordering guard); 1 more like the first.
    p.add(5, 1, 1, 0);
    p.add(5, 1, 1, 0);
    p.add(5, 3, -1, 0);
    for (let i = 0; i < 4; i++) p.add(5, 1, 0, 0);
    p.add(5, 1, 1, 0);
    // The record event runs on CPU 1: local = 2 + 4 + 1 = 7 (not the RPS packet on 3);
    // hits = 2 + 4 + 1 = 7; stale = the 4 whose hint (0) is not 1.
    expect(resolved(p, 5, 1)).toEqual({ local: 7, hits: 7, stale: 4 });
    // Run again with a different CPU after reuse of the freed nodes: 1 packet on 3 hinted 3, 1 on 0 no hint.
    p.add(5, 3, 3, 0);
    p.add(5, 0, -1, 0);
    expect(resolved(p, 5, 0)).toEqual({ local: 1, hits: 1, stale: 1 });
  });

  it('flows are independent, also as bank lanes (key = flow * lanes + lane)', () => {
    const lanes = 3;
    const p = new PendingByFlow(lanes);
    // flow 4: lane 0 processed on CPU 1, lane 1 on CPU 2 (hint 2), lane 2 on CPU 1 (hint 0)
    p.add(4 * lanes + 0, 1, -1, 0);
    p.add(4 * lanes + 1, 2, 2, 0);
    p.add(4 * lanes + 2, 1, 0, 0);
    p.add(4 * lanes + 2, 1, 0, 0);
    expect(resolved(p, 4 * lanes + 1, 2)).toEqual({ local: 1, hits: 1, stale: 0 });
    expect(resolved(p, 4 * lanes + 0, 2)).toEqual({ local: 0, hits: 0, stale: 0 });
    // lane 2 is still waiting; draining lane 2 finds its 2 packets and 2 hits; lanes 0 and 1 find none.
    expect(p.drain(0)).toEqual({ packets: 0, hits: 0 });
    expect(p.drain(1)).toEqual({ packets: 0, hits: 0 });
    expect(p.drain(2)).toEqual({ packets: 2, hits: 2 });
    expect(p.drain(2)).toEqual({ packets: 0, hits: 0 });
  });

  it('grows to keys far beyond its first capacity', () => {
    const p = new PendingByFlow();
    p.add(1_000_000, 4, 4, 0);
    p.add(1_000_000, 4, 5, 0); // a second run: goes to the node pool
    expect(resolved(p, 1_000_000, 4)).toEqual({ local: 2, hits: 2, stale: 1 });
    expect(resolved(p, 123_456, 4)).toEqual({ local: 0, hits: 0, stale: 0 });
  });

  it('drain counts both inline and list runs that never got a record event', () => {
    const p = new PendingByFlow();
    p.add(1, 0, -1, 0); // 1 packet, no hit
    p.add(1, 2, 2, 0); // list run: 1 hit
    p.add(1, 2, 2, 0); // same run: 2 hits
    p.add(9, 3, 1, 0); // another flow: 1 hit
    expect(p.drain()).toEqual({ packets: 4, hits: 3 });
    expect(p.drain()).toEqual({ packets: 0, hits: 0 });
  });

  it('with a timeline, resolved hits land in the bin of the run that was waiting', () => {
    const p = new PendingByFlow();
    const tl = p.timeline();
    // Two runs with the same placement but 10 ms apart: bins start 1 ms wide, so they stay separate.
    // (As the model does: the pending add, then the packet into the timeline.)
    for (const ts of [0, 10e6, 10e6 + 10]) {
      p.add(3, 1, 0, ts, tl.at);
      tl.packet(ts);
    }
    expect(resolved(p, 3, 1, tl.at)).toEqual({ local: 3, hits: 3, stale: 3 });
    const bins = tl.bins().filter((b) => b.packets > 0);
    // The stale hits are attributed to the bins where the packets arrived: 1 in the first, 2 in the second.
    expect(bins.map((b) => b.hits_stale)).toEqual([1, 2]);
  });
});
