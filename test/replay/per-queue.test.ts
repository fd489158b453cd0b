/**
 * Per-RX-queue counters (ConfigResult.per_queue): the lanes count each
 * packet under its queue, a record's resolved packets under the queue they
 * came on, and a matched deliver row under its packet's queue. Checked by
 * hand on a small trace, against a replay of each queue's flows alone, and
 * by the sums (bank.test.ts compares every lane path with a replay alone,
 * per_queue included).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import { QUEUE_COUNTER_NAMES } from '../../src/types/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-per-queue-'));
const SCENARIOS = new URL('../../traces/scenarios/', import.meta.url).pathname;
const VETH = new URL('../fixtures/kernel/veth/veth4q-e64.csv.gz', import.meta.url).pathname;

function trace(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

// nr_cpu_ids = 4, so rps_cpu_mask = 3: a slot holds (hash & ~3) | cpu. Queue 0's
// RPS map is CPU 0, queue 1's CPU 1. Flow A (0x101) arrives on queue 0, flow B
// (0x202) on queue 1; with 256 slots they index slots 1 and 2.
const HEADER = [
  '# rfs-trace v1',
  '# nr_cpu_ids=4 rps_sock_flow_entries=256 kernel=6.18',
  '# queue=eth0:0 rps_cpus=1 rps_flow_cnt=16',
  '# queue=eth0:1 rps_cpus=2 rps_flow_cnt=16',
  'ts,event,cpu,socket,state,rxhash,queue,skb',
];

describe('per-queue counters, worked out by hand (net/core/dev.c get_rps_cpu())', () => {
  it('counts each packet under its queue and its locality under the queue it came on', async () => {
    const path = trace('two-queues.csv', [
      ...HEADER,
      // rps_record_sock_flow(): slot 1 = (0x101 & ~3) | 2.
      '1000,recvmsg,2,0xa,1,0x00000101,,',
      // Queue 0: the hint matches (hit, own), the rps_dev_flow entry is unset, so it
      // switches to CPU 2 (set_rps_cpu()): RFS to CPU 2, off arrival CPU 0.
      '2000,packet,0,,,0x00000101,eth0:0,',
      // Queue 1: slot 2 was never written: an empty miss; RPS map -> CPU 1, its arrival CPU.
      '3000,packet,1,,,0x00000202,eth0:1,',
      // A's next call on CPU 2, where its packet went: local (queue 0).
      '4000,recvmsg,2,0xa,1,0x00000101,,',
      // B's next call on CPU 3, its packet went to CPU 1: not local (queue 1); slot 2 = (0x202 & ~3) | 3.
      '5000,recvmsg,3,0xb,1,0x00000202,,',
      // Queue 1 again: hit, switch to CPU 3, off arrival CPU 1; never resolved (no later call).
      '6000,packet,1,,,0x00000202,eth0:1,',
    ]);
    const [c] = (await replayFile(path, { configs: [{}] })).configs;
    expect(c.queue_changes_waiting).toBe(0);
    const [q0, q1] = c.per_queue!;
    expect(q0).toMatchObject({
      queue: 'eth0:0',
      packets: 1,
      lookups: 1,
      hits: 1,
      hits_own: 1,
      misses_empty: 0,
      steered_rfs: 1,
      steered_rps: 0,
      slot_switches: 1,
      cross_cpu: 1,
      local: 1,
      local_unresolved: 0,
      hits_stale: 0,
      locality: 1,
      hit_ratio: 1,
    });
    expect(q1).toMatchObject({
      queue: 'eth0:1',
      packets: 2,
      lookups: 2,
      hits: 1,
      hits_own: 1,
      misses_empty: 1,
      steered_rfs: 1,
      steered_rps: 1,
      slot_switches: 1,
      cross_cpu: 1,
      local: 0,
      local_unresolved: 1,
      hits_unresolved: 1,
      locality: 0,
      hit_ratio: 0.5,
    });
    // The configuration's own counters are the queues' sums.
    for (const k of QUEUE_COUNTER_NAMES) expect(q0[k] + q1[k], k).toBe(c.metrics[k]);
  });

  it('counts waiting packets under the later queue when their flow changes queue, and says how often', async () => {
    const path = trace('queue-change.csv', [
      ...HEADER,
      '1000,recvmsg,2,0xa,1,0x00000101,,',
      '2000,packet,0,,,0x00000101,eth0:0,',
      // The same flow on queue 1 while its first packet still waits.
      '3000,packet,1,,,0x00000101,eth0:1,',
      '4000,recvmsg,2,0xa,1,0x00000101,,',
    ]);
    const [c] = (await replayFile(path, { configs: [{}] })).configs;
    expect(c.queue_changes_waiting).toBe(1);
    const [q0, q1] = c.per_queue!;
    expect([q0.packets, q1.packets]).toEqual([1, 1]);
    // Both were processed on CPU 2 (hits): both local, both under queue 1.
    expect([q0.local, q1.local]).toEqual([0, 2]);
    expect(c.metrics.local).toBe(2);
  });

  it('leaves a one-queue trace without per-queue counters', async () => {
    const path = trace('one-queue.csv', [
      HEADER[0],
      HEADER[1],
      HEADER[2],
      HEADER[4],
      '1000,recvmsg,2,0xa,1,0x00000101,,',
      '2000,packet,0,,,0x00000101,eth0:0,',
    ]);
    const [c] = (await replayFile(path, { configs: [{}] })).configs;
    expect(c.per_queue).toBeUndefined();
    expect(c.queue_changes_waiting).toBeUndefined();
  });
});

describe("a queue's counters = a replay of that queue's flows alone", () => {
  // With a global table large enough that flows of different queues share no slot,
  // and no deliver rows (every packet counts as processed at once, so the ordering
  // guard never holds and backlogs do not couple flows), the queues are independent:
  // one queue's counters must equal those of a trace with only its flows.
  const ENTRIES = 1 << 22;
  it('many-queues scenario, every queue', async () => {
    const text = gunzipSync(readFileSync(`${SCENARIOS}many-queues.csv.gz`)).toString('utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    const headerEnd = lines.findIndex((l) => l.startsWith('ts,'));
    const header = lines.slice(0, headerEnd + 1);
    const rows = lines.slice(headerEnd + 1).map((l) => l.split(','));
    const queueOf = new Map<string, string>();
    for (const r of rows) if (r[1] === 'packet') queueOf.set(r[5], r[6]);
    // The test's own premise: each flow on one queue, and no slot shared across queues.
    const slotQueue = new Map<number, string>();
    for (const r of rows) {
      if (r[1] !== 'packet') continue;
      expect(queueOf.get(r[5])).toBe(r[6]);
      const slot = Number.parseInt(r[5], 16) & (ENTRIES - 1);
      expect(slotQueue.get(slot) ?? r[6], 'a slot shared across queues').toBe(r[6]);
      slotQueue.set(slot, r[6]);
    }
    const full = (await replayFile(`${SCENARIOS}many-queues.csv.gz`, { configs: [{ entries: ENTRIES }] })).configs[0];
    const queues = full.per_queue!;
    expect(queues.length).toBeGreaterThan(2);
    let checked = 0;
    for (const [q, counted] of queues.entries()) {
      // A record row's flow is its rxhash; rows of flows never seen on a packet stay out.
      const mine = rows.filter((r) => queueOf.get(r[5]) === counted.queue);
      if (mine.length === 0) continue;
      const path = trace(`queue-${q}.csv`, [...header, ...mine.map((r) => r.join(','))]);
      const alone = (await replayFile(path, { configs: [{ entries: ENTRIES }] })).configs[0];
      for (const k of QUEUE_COUNTER_NAMES) expect(counted[k], `${counted.queue} ${k}`).toBe(alone.metrics[k]);
      expect(alone.per_queue![q]).toEqual(counted);
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
    expect(queues.some((q) => q.local > 0 && q.local < q.packets)).toBe(true);
  });
});

describe('per-queue counters on a real 4-queue veth capture', () => {
  it('sum to the configuration, deliver rows included, and agree with the kernel per queue', async () => {
    const [c] = (await replayFile(VETH, { configs: [{}] })).configs;
    const queues = c.per_queue!;
    expect(queues.map((q) => q.queue)).toEqual(['vethB:0', 'vethB:1', 'vethB:2', 'vethB:3']);
    for (const k of QUEUE_COUNTER_NAMES)
      expect(
        queues.reduce((s, q) => s + q[k], 0),
        k,
      ).toBe(c.metrics[k]);
    // veth hands rx-0..2 the sender's TX queues (rx-3 is never used: docs/format.md).
    expect(queues[3].packets).toBe(0);
    for (const q of queues.slice(0, 3)) {
      expect(q.deliver_matched).toBeGreaterThan(1000);
      expect(q.agreement!).toBeGreaterThan(0.999);
    }
    expect(c.queue_changes_waiting).toBe(0);
  });
});
