/**
 * The closed loop in the engine (replay/closed-loop.ts): its lanes change
 * nothing of the open loop, the trace's own configuration has none, the
 * threads of a sweep give the same numbers as one thread, and a trace that
 * states no configuration gets the widest range.
 */
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import type { ConfigRequest } from '../../src/types/config-request.js';

const CAPTURE = 'test/fixtures/kernel/lo-rr-e128-f64.csv.gz';
const SWEEP: ConfigRequest[] = [{}, ...[16, 64, 1024, 32768, 0].map((entries) => ({ role: 'sweep' as const, entries }))];

describe('the closed loop in a replay', () => {
  it('leaves every open-loop number as it is (the open lanes take the same paths’ results)', async () => {
    const open = await replayFile(CAPTURE, { configs: SWEEP });
    const closed = await replayFile(CAPTURE, { configs: SWEEP, closedLoop: true });
    expect(closed.configs.map((c) => c.metrics)).toEqual(open.configs.map((c) => c.metrics));
    expect(open.configs.every((c) => c.closed_loop === null)).toBe(true);
    expect(open.trace.follow).toBeNull();
  });

  it('gives every what-if a closed loop whose range holds the open and both closed values, and the trace’s own configuration none', async () => {
    const r = await replayFile(CAPTURE, { configs: SWEEP, closedLoop: true });
    expect(r.configs[0].closed_loop).toBeNull();
    expect(r.configs[1].closed_loop).not.toBeNull();
    for (const c of r.configs.slice(1)) {
      const cl = c.closed_loop!;
      const [lo, hi] = cl.locality_range!;
      for (const x of [c.metrics.locality!, cl.locality!, cl.locality_high!]) {
        expect(x).toBeGreaterThanOrEqual(lo);
        expect(x).toBeLessThanOrEqual(hi);
      }
      expect(cl.locality_range).toEqual([
        Math.min(c.metrics.locality!, cl.locality!, cl.locality_high!),
        Math.max(c.metrics.locality!, cl.locality!, cl.locality_high!),
      ]);
    }
    const f = r.trace.follow!;
    expect(f.wakeups_elsewhere + f.wakeups_in_place).toBeGreaterThan(1000);
    expect(f.rate_low).toBeLessThanOrEqual(f.rate);
    expect(f.rate).toBeLessThanOrEqual(f.rate_high);
  });

  it('repeats itself, and a sweep split over the replay thread gives the same numbers as one thread', async () => {
    // 12 configurations: this thread replays the first 2 (the own one and a what-if), the replay thread the rest (threads/plan.ts).
    const configs = [...SWEEP, ...[8, 32, 128, 256, 4096, 65536].map((entries) => ({ role: 'sweep' as const, entries }))];
    const one = await replayFile(CAPTURE, { configs, closedLoop: true, parallel: false });
    const again = await replayFile(CAPTURE, { configs, closedLoop: true, parallel: false });
    const split = await replayFile(CAPTURE, { configs, closedLoop: true, parallel: true, sweepRing: { slots: 2, rows: 512 } });
    expect(again.configs).toEqual(one.configs);
    expect(again.trace.follow).toEqual(one.trace.follow);
    expect(split.configs.map((c) => [c.metrics, c.closed_loop])).toEqual(one.configs.map((c) => [c.metrics, c.closed_loop]));
    expect(split.trace.follow).toEqual(one.trace.follow);
  });

  it('a closed lane’s backlog heads move with the deliver rows of its own packets, wherever it placed them', async () => {
    // The 4-queue veth capture (a 16-entry per-queue table: flows share entries, the ordering guard matters) at 32768
    // global slots. A closed lane moves threads, and with them hints, off the kernel's placement; were its heads to
    // wait for deliver rows on the CPUs it chose (an open lane's rule), its flows would be held for packets long
    // processed (3 pp of locality lost here). With heads from a FIFO model instead, the closed loop is the same.
    const veth = 'test/fixtures/kernel/veth/veth4q-e64.csv.gz';
    const deliver = await replayFile(veth, { configs: [{ entries: 32768 }], closedLoop: true });
    const fifo = await replayFile(veth, { configs: [{ entries: 32768 }], closedLoop: true, fifoNs: 1000 });
    expect(deliver.configs[0].head_model).toBe('deliver');
    expect(Math.abs(deliver.configs[0].closed_loop!.locality! - fifo.configs[0].closed_loop!.locality!)).toBeLessThan(0.005);
  });

  it('a trace that states no configuration has no reference: no evidence, and the follow rate spans 0 to 1', async () => {
    // An importer's trace (perf script) names no table sizes: every configuration is a what-if.
    const r = await replayFile('test/fixtures/importers/perf-script.txt', { configs: [{ entries: 256, flowCnt: 64 }], closedLoop: true });
    expect(r.trace.follow).toBeNull();
    expect(r.configs[0].closed_loop).not.toBeNull();
  });
});
