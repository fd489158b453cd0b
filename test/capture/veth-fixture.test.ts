/**
 * A real multi-queue capture kept in the repository: Linux 6.18, two CPUs,
 * `rfs-replay capture --netns B --dev vethB` of the 4-queue veth set up by
 * test/capture/multiqueue.test.ts (taken with RFS_CAPTURE_KEEP=DIR), global
 * table of 64 slots. The replay at the trace's own configuration is pinned:
 * a change in reading or modelling shows here without a kernel.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { headerExtras } from '../../src/commands/validate.js';
import { replayFile } from '../../src/replay/engine.js';

const TRACE = new URL('../fixtures/kernel/veth/veth4q-e64.csv.gz', import.meta.url).pathname;

describe('veth4q-e64: a 4-queue veth capture with per-queue settings, sockets of two namespaces', () => {
  it("carries each RX queue's own settings, and packets on the queues get_rps_cpu() used (rx-3 none)", async () => {
    const r = await replayFile(TRACE, { configs: [{}] });
    expect(r.trace.header).toMatchObject({
      nr_cpu_ids: 2,
      rps_sock_flow_entries: 64,
      queues: [
        { name: 'vethB:0', rps_cpus: [0, 1], rps_flow_cnt: 16 },
        { name: 'vethB:1', rps_cpus: [0], rps_flow_cnt: 0 },
        { name: 'vethB:2', rps_cpus: [1], rps_flow_cnt: 4096 },
        { name: 'vethB:3', rps_cpus: [0, 1], rps_flow_cnt: 128 },
      ],
    });
    const perQueue = new Map<string, number>();
    for (const line of gunzipSync(readFileSync(TRACE)).toString().split('\n')) {
      const f = line.split(',');
      if (f[1] === 'packet') perQueue.set(f[6], (perQueue.get(f[6]) ?? 0) + 1);
    }
    expect(Object.fromEntries(perQueue)).toEqual({ 'vethB:0': 6800, 'vethB:1': 3507, 'vethB:2': 3129 });
    expect(r.configs[0].queue_occupancy).toEqual([
      { queue: 'vethB:0', slots: 16, used: 16 },
      { queue: 'vethB:1', slots: 0, used: 0 },
      { queue: 'vethB:2', slots: 4096, used: 114 },
      { queue: 'vethB:3', slots: 128, used: 0 },
    ]);
  });

  it('replays with the pinned counters, agreeing with the kernel on 13407 of 13409 compared packets', async () => {
    const r = await replayFile(TRACE, { configs: [{}] });
    const t = r.trace;
    expect(t.rows).toBe(66298);
    expect(t.events).toEqual({ recvmsg: 17492, sendmsg: 16530, accept: 481, splice: 0, state: 4901, packet: 13436, deliver: 13458 });
    expect([t.packets_undelivered, t.deliver_unmatched, t.distinct_flows, t.distinct_sockets, t.time_backwards]).toEqual([27, 49, 964, 283, 0]);
    expect(t.arrival_per_cpu).toEqual([6787, 6649]);
    expect(t.deliver_per_cpu).toEqual([9612, 3846]);
    const m = r.configs[0].metrics;
    expect([m.deliver_matched, m.agree, m.lookups, m.hits, m.misses_collision, m.evictions]).toEqual([13409, 13407, 9929, 4202, 5503, 14634]);
    expect(m.agreement).toBeGreaterThanOrEqual(0.995);
    expect(t.packets_undelivered / t.events.packet).toBeLessThanOrEqual(0.01);
  });

  it('records in its header that nothing was lost or skipped', async () => {
    expect(await headerExtras(TRACE)).toMatchObject({
      capture_lost_events: '0',
      capture_missed_events: '0',
      capture_perf_lost: '0',
      capture_unattributed: '0',
      capture_hash_unknown: '0',
    });
  });
});
