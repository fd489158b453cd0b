/**
 * The published effects behind recent RFS changes, reproduced on generated
 * traces by replaying the same trace under several kernel profiles. Each
 * expectation is derived from the kernel rules (contract §3), not from a
 * previous run: the comments give the derivation, the messages the numbers.
 */
import { describe, expect, it } from 'vitest';
import { replay, scenarioTrace } from './helpers.js';

describe("many RX queues, RSS from the hash's low bits (scenario many-queues)", () => {
  const t = scenarioTrace('many-queues');
  const { queues, flowCnt } = t.w;
  // RSS puts a packet on queue (hash & 127) % 16 = hash & 15, so every flow on queue q has
  // its low 4 bits equal to q. The 4.10-6.14 per-queue slot is hash & (1024-1): bits 0..9
  // with bits 0..3 fixed, i.e. at most 1024/16 = 64 distinct slots per queue.
  const bound = flowCnt / queues;

  it(`4.10 (slot = hash & mask) uses at most ${bound} of ${flowCnt} slots per queue; hash_32 (6.15, 6.16) more than ${4 * bound}`, async () => {
    const [k410, k615, k616] = await replay(t.path, [{ kernel: '4.10' }, { kernel: '6.15' }, { kernel: '6.16' }]);
    expect(k410.queue_occupancy).toHaveLength(queues);
    for (let q = 0; q < queues; q++) {
      const old = k410.queue_occupancy[q];
      const neu = k616.queue_occupancy[q];
      const msg = `queue ${old.queue}: 4.10 uses ${old.used}/${old.slots}, 6.16 uses ${neu.used}/${neu.slots}`;
      expect(old.slots, msg).toBe(flowCnt);
      expect(old.used, msg).toBeLessThanOrEqual(bound);
      // ~500 flows per queue fill all 64 reachable slots.
      expect(old.used, msg).toBeGreaterThanOrEqual(bound - 2);
      // hash_32 mixes all 32 bits into the slot: ~500 flows over 1024 slots leave ~1024(1-e^-0.5) ≈ 400 used.
      expect(neu.used, msg).toBeGreaterThan(4 * bound);
      // 6.15 has the same per-queue slot function as 6.16.
      expect(k615.queue_occupancy[q].used, msg).toBe(neu.used);
    }
    const total = (c: typeof k410) => c.queue_occupancy.reduce((a, q) => a + q.used, 0);
    console.log(`many-queues occupancy: 4.10 ${total(k410)}/${queues * flowCnt}, 6.16 ${total(k616)}/${queues * flowCnt}`);
  });
});

describe('short connections reusing their 4-tuple (scenario web-short)', () => {
  const t = scenarioTrace('web-short');
  const { cpus } = t.w;
  const s = t.stats;
  // A client-first close (CLOSE_WAIT, LAST_ACK, CLOSE) deletes the slot in 6.16. When the
  // client reconnects from the same port (same Toeplitz hash), the new connection's SYN and
  // handshake ACK arrive before its accept(): 6.15 still finds the old hint and steers to the
  // old thread's CPU, stale unless the new thread happens to run on the same CPU (1 in 8);
  // 6.16 finds the slot empty. Expected difference: 2 packets x reuses after a client-first
  // close x (1 - 1/cpus), slightly less when another flow took the slot in between.
  const predicted = Math.round(2 * s.reusesAfterPassiveClose * (1 - 1 / cpus));
  const passiveCloses = s.closes - s.activeCloses;

  it(`6.16 deletes on ${passiveCloses} client-first closes and has ~${predicted} fewer stale hits than 6.15`, async () => {
    const [k616, k615] = await replay(t.path, [{ kernel: '6.16' }, { kernel: '6.15' }]);
    const a = k616.metrics;
    const b = k615.metrics;
    const diff = b.hits_stale - a.hits_stale;
    const msg = `hits_stale 6.15 ${b.hits_stale} vs 6.16 ${a.hits_stale} (difference ${diff}, predicted ${predicted}); stale_rate ${b.stale_rate?.toFixed(3)} vs ${a.stale_rate?.toFixed(3)}`;
    console.log(`web-short: ${msg}`);
    expect(a.hits_stale, msg).toBeLessThan(b.hits_stale);
    expect(Math.abs(diff / predicted - 1), msg).toBeLessThan(0.1);
    expect(a.stale_rate!, msg).toBeLessThan(b.stale_rate!);
    // Server-first closes end in TIME_WAIT and are not deleted; with random hashes in a
    // 32768-slot table, nearly every client-first close finds its own hint to clear.
    expect(b.deletes).toBe(0);
    expect(a.deletes, msg).toBeLessThanOrEqual(passiveCloses);
    expect(a.deletes, msg).toBeGreaterThan(0.95 * passiveCloses);
  });
});

describe('no collision detection in 3.19 (scenario small-table)', () => {
  const t = scenarioTrace('small-table');

  it(`on a ${t.w.entries}-slot table for ${t.w.flows} flows, every 6.16 collision miss is a 3.19 aliased hit`, async () => {
    const [k616, k319] = await replay(t.path, [{ kernel: '6.16' }, { kernel: '3.19' }]);
    const a = k616.metrics;
    const b = k319.metrics;
    const msg = `6.16: hits ${a.hits}, misses_collision ${a.misses_collision}, hits_aliased ${a.hits_aliased}; 3.19: hits ${b.hits}, hits_aliased ${b.hits_aliased}, misses_collision ${b.misses_collision}; stale 6.16 ${a.hits_stale} vs 3.19 ${b.hits_stale}`;
    console.log(`small-table: ${msg}`);
    // 6.16 stores the hash's high bits and compares them: two flows sharing a slot (same
    // bits 0..7) differ somewhere in bits 8..15 unless they are the same 16-bit hash, i.e.
    // the same flow, so 6.16 never aliases here.
    expect(a.hits_aliased, msg).toBe(0);
    expect(a.misses_collision, msg).toBeGreaterThan(0.5 * a.lookups);
    // 3.19 stores only a CPU: the same lookups find a non-empty slot and take it. Connections
    // never close here and sockets keep their hash, so both kernels write the same slots at the
    // same times; each collision miss becomes exactly one aliased hit.
    expect(b.misses_collision, msg).toBe(0);
    expect(b.hits_aliased, msg).toBe(a.misses_collision);
    expect(b.hits, msg).toBe(a.hits + a.misses_collision);
    // Aliased hits steer to the CPU of whichever flow wrote the slot: mostly the wrong one.
    expect(b.hits_stale, msg).toBeGreaterThan(0.5 * b.hits_aliased);
  });
});
