/**
 * Each kernel rule with an example worked out by hand from the kernel source
 * (include/net/rps.h, net/core/dev.c, include/linux/hash.h). The arithmetic is
 * written out in the comments; none of the expected values come from running
 * the model.
 */
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../src/types/metrics.js';
import { hash32, reciprocalScale, roundupPowerOfTwo } from '../../src/model/kernel.js';
import { WasmLanes } from '../../src/model/wasm-lanes.js';
import { header, replayOne, replayText, rows } from '../helpers/trace.js';

const Q4 = 'queue=q0 rps_cpus=f rps_flow_cnt=64'; // 4 CPUs, 64-slot flow table
const Q2 = 'queue=q0 rps_cpus=3 rps_flow_cnt=64';

// The WebAssembly lanes have their own copy of the arithmetic they run: both are checked.
const lane = new WasmLanes(0).exports;
const ARITHMETIC = [
  { where: 'kernel.ts', hash32, reciprocalScale },
  { where: 'the WebAssembly lanes', hash32: lane.testHash32, reciprocalScale: lane.testReciprocalScale },
];

describe('kernel arithmetic', () => {
  for (const { where, hash32, reciprocalScale } of ARITHMETIC) {
    it(`hash_32(val, bits) = (val * 0x61C88647 mod 2^32) >> (32 - bits), in ${where}`, () => {
      // 0x12345678 * 0x61C88647 = 0x6F0D4F4A7786CB48 → low 32 bits 0x7786CB48
      // >> 26 = 0x7786CB48 / 2^26 = 29 (0x1D); >> 22 = 478 (0x1DE).
      expect(hash32(0x12345678, 6)).toBe(29);
      expect(hash32(0x12345678, 10)).toBe(478);
      // 0x9f2c11d3 * 0x61C88647 → low 32 bits 0x16656385; >> 26 = 5
      expect(hash32(0x9f2c11d3, 6)).toBe(5);
      // log = 0 is the one-slot table (rps_flow_cnt = 1)
      expect(hash32(0xdeadbeef, 0)).toBe(0);
    });

    it(`reciprocal_scale(hash, n) = (u64)hash * n >> 32, in ${where}`, () => {
      expect(reciprocalScale(0x80000000, 2)).toBe(1); // 2^31 * 2 = 2^32 → 1
      expect(reciprocalScale(0x7fffffff, 2)).toBe(0); // just below
      expect(reciprocalScale(0xffffffff, 3)).toBe(2); // (2^32-1)*3 >> 32 = 2
      expect(reciprocalScale(0x55555556, 3)).toBe(1); // 0x55555556*3 = 0x100000002 → 1
    });
  }

  it('roundup_pow_of_two as rps_sock_flow_sysctl and rps_flow_cnt apply it', () => {
    expect(roundupPowerOfTwo(1000)).toBe(1024);
    expect(roundupPowerOfTwo(1024)).toBe(1024);
    expect(roundupPowerOfTwo(1)).toBe(1);
    expect(roundupPowerOfTwo(0)).toBe(0);
  });
});

describe('rps_record_sock_flow (record events)', () => {
  it('writes (hash & ~rps_cpu_mask) | cpu at hash & mask, and a matching packet steers to that CPU', async () => {
    // nr_cpu_ids 4 → rps_cpu_mask 3. hash 0x12345678 recorded on CPU 2:
    // val = (0x12345678 & ~3) | 2 = 0x1234567a at slot 0x78.
    // Packet 0x12345678 arriving on CPU 0: ident 0x1234567a, (ident ^ hash) & ~3 = 2 & ~3 = 0 → match,
    // next_cpu = 0x1234567a & 3 = 2 → processed on CPU 2.
    const m = (await replayOne(header({ cpus: 4, entries: 256, queues: [Q4] }) + rows('recvmsg,2,0xs1,1,0x12345678,,', 'packet,0,,,0x12345678,q0,0xa1')))
      .metrics;
    expect(m.writes).toBe(1);
    expect(m.hits).toBe(1);
    expect(m.hits_own).toBe(1);
    expect(m.steered_rfs).toBe(1);
    expect(m.per_cpu).toEqual([0, 0, 1, 0]);
    expect(m.cross_cpu).toBe(1);
    expect(m.slot_switches).toBe(1); // the queue slot went from RPS_NO_CPU to CPU 2
  });

  it('does not write when the slot already holds the value (writes_avoided)', async () => {
    const m = (
      await replayOne(
        header({ cpus: 4, entries: 256, queues: [Q4] }) +
          rows('recvmsg,2,0xs1,1,0x12345678,,', 'sendmsg,2,0xs1,1,0x12345678,,', 'recvmsg,1,0xs1,1,0x12345678,,'),
      )
    ).metrics;
    expect([m.records, m.writes, m.writes_avoided]).toEqual([3, 2, 1]);
  });

  it('skips sockets not in ESTABLISHED (4.10+), the state test coming before the hash test', async () => {
    const text =
      header({ cpus: 4, entries: 256, queues: [Q4] }) +
      rows(
        'recvmsg,1,0xs1,8,0x12345678,,', // CLOSE_WAIT
        'recvmsg,1,0xs2,CLOSE_WAIT,0,,', // fails both checks → counted as state-skipped
        'recvmsg,1,0xs3,1,0,,', // ESTABLISHED, hash 0 → zero hash
        'packet,0,,,0x12345678,q0,0xa1',
      );
    const [k616, k40] = await replayText(text, [{ kernel: '6.16' }, { kernel: '4.0' }]);
    expect([k616.metrics.records_state_skipped, k616.metrics.records_zero_hash, k616.metrics.writes]).toEqual([2, 1, 0]);
    expect(k616.metrics.misses_empty).toBe(1);
    // 4.0–4.9 record in every state: the CLOSE_WAIT socket writes its hint and the packet hits CPU 1.
    expect([k40.metrics.records_state_skipped, k40.metrics.records_zero_hash, k40.metrics.writes]).toEqual([0, 2, 1]);
    expect(k40.metrics.hits).toBe(1);
    expect(k40.metrics.per_cpu).toEqual([0, 1, 0, 0]);
  });

  it("a record row without a state uses the socket's last known state", async () => {
    const m = (await replayOne(header({ cpus: 4, entries: 256, queues: [Q4] }) + rows('state,0,0xs1,ESTABLISHED,0x12345678,,', 'recvmsg,3,0xs1,,0x12345678,,')))
      .metrics;
    expect(m.writes).toBe(1);
  });

  it('counts an eviction when another flow overwrites a slot, and the evicted flow then misses as a collision', async () => {
    // E = 256: 0x105 and 0x205 share slot 5. After 0x205 writes (0x204 | 0) on CPU 0,
    // the lookup of 0x105 sees (0x204 ^ 0x105) & ~3 = 0x301 & ~3 = 0x300 ≠ 0 → collision miss,
    // falls back to RPS: map[reciprocal_scale(0x105, 4)] = map[0] = CPU 0.
    const m = (
      await replayOne(
        header({ cpus: 4, entries: 256, queues: [Q4] }) + rows('recvmsg,1,0xs1,1,0x105,,', 'recvmsg,0,0xs2,1,0x205,,', 'packet,3,,,0x105,q0,0xa1'),
      )
    ).metrics;
    expect([m.writes, m.evictions]).toEqual([2, 1]);
    expect([m.lookups, m.misses_collision, m.steered_rps]).toEqual([1, 1, 1]);
    expect(m.per_cpu).toEqual([1, 0, 0, 0]);
  });
});

describe('get_rps_cpu edge cases', () => {
  it('the empty value 0xffff matches a hash whose bits 16..31 are 0 and bits log2(M+1)..15 are 1', async () => {
    // M = 3: hash 0x0000fffd; (0xffff ^ 0xfffd) & ~3 = 0x2 & ~3 = 0 → match, next = 0xffff & 3 = 3.
    // Nobody recorded it: an aliased hit on CPU 3.
    const m = (
      await replayOne(
        header({ cpus: 4, entries: 256, queues: [Q4] }) +
          rows(
            'packet,0,,,0x0000fffd,q0,0xa1',
            'packet,0,,,0x0001fffd,q0,0xa2', // bit 16 set: no match → empty miss → RPS
          ),
      )
    ).metrics;
    expect([m.hits, m.hits_aliased, m.misses_empty]).toEqual([1, 1, 1]);
    // second packet: reciprocal_scale(0x1fffd, 4) = 0x7fff4 >> 32 = 0 → CPU 0
    expect(m.per_cpu).toEqual([1, 0, 0, 1]);
  });

  it('nr_cpu_ids not a power of two: a decoded CPU >= nr_cpu_ids falls back to the RPS map', async () => {
    // nr_cpu_ids 3 → M = 3. Hash 0x0000fffc matches the empty 0xffff ((0xffff ^ 0xfffc) & ~3 = 0),
    // next = 3 >= 3 → misses_invalid_cpu; RPS map {0,1,2}: reciprocal_scale(0xfffc, 3) = 0 → CPU 0.
    const m = (await replayOne(header({ cpus: 3, entries: 256, queues: ['queue=q0 rps_cpus=7 rps_flow_cnt=64'] }) + rows('packet,2,,,0x0000fffc,q0,0xa1')))
      .metrics;
    expect([m.lookups, m.misses_invalid_cpu, m.hits, m.steered_rps]).toEqual([1, 1, 0, 1]);
    expect(m.per_cpu).toEqual([1, 0, 0]);
  });

  it('a table smaller than M+1 leaves hash bits unchecked: different flows alias undetected', async () => {
    // nr_cpu_ids 64 → M = 63; E = 16. 0xabcd0010 and 0xabcd0020 both use slot 0 and differ only in
    // bits 4..5, which ~M clears: 0xabcd0020 matches the value 0xabcd0007 written by 0xabcd0010 on CPU 7.
    const cpus64 = 'queue=q0 rps_cpus=ffffffff,ffffffff rps_flow_cnt=64';
    const m = (await replayOne(header({ cpus: 64, entries: 16, queues: [cpus64] }) + rows('recvmsg,7,0xs1,1,0xabcd0010,,', 'packet,0,,,0xabcd0020,q0,0xa1')))
      .metrics;
    expect([m.hits, m.hits_aliased, m.hits_own]).toEqual([1, 1, 0]);
    expect(m.per_cpu[7]).toBe(1);
  });

  it('rps_flow_cnt = 1 is a one-slot table shared by every flow', async () => {
    const m = (
      await replayOne(
        header({ cpus: 2, entries: 256, queues: ['queue=q0 rps_cpus=3 rps_flow_cnt=1'] }) +
          rows('recvmsg,1,0xs1,1,0x12345601,,', 'recvmsg,0,0xs2,1,0x9abcde02,,', 'packet,0,,,0x12345601,q0,0xa1', 'packet,1,,,0x9abcde02,q0,0xa2'),
      )
    ).metrics;
    // Both hits; the second consults the same queue slot last used by the first flow.
    expect([m.hits, m.slot_conflicts, m.slot_switches]).toEqual([2, 1, 2]);
  });

  it('hash 0 and queues with neither map nor flow table are not steered', async () => {
    const m = (
      await replayOne(
        header({ cpus: 2, entries: 256, queues: [Q2, 'queue=q1 rps_cpus=0 rps_flow_cnt=0'] }) + rows('packet,1,,,0,q0,0xa1', 'packet,1,,,0x1234,q1,0xa2'),
      )
    ).metrics;
    expect([m.packets, m.lookups, m.not_steered, m.cross_cpu]).toEqual([2, 0, 2, 0]);
    expect(m.per_cpu).toEqual([0, 2]);
    expect(m.local_unresolved).toBe(2);
  });

  it('a queue with a map but no flow table uses plain RPS: map[(hash * len) >> 32]', async () => {
    // rps_cpus = 0xa → map {1, 3}; 0x80000000 → index 1 → CPU 3; 0x7fffffff → index 0 → CPU 1.
    const m = (
      await replayOne(
        header({ cpus: 4, entries: 256, queues: ['queue=q0 rps_cpus=a rps_flow_cnt=0'] }) +
          rows('packet,0,,,0x80000000,q0,0xa1', 'packet,0,,,0x7fffffff,q0,0xa2'),
      )
    ).metrics;
    expect([m.lookups, m.steered_rps]).toEqual([0, 2]);
    expect(m.per_cpu).toEqual([0, 1, 0, 1]);
  });

  it('rps_sock_flow_entries = 0 is plain RPS: no lookups, records have no table', async () => {
    const m = (await replayOne(header({ cpus: 2, entries: 0, queues: [Q2] }) + rows('recvmsg,1,0xs1,1,0x80000000,,', 'packet,1,,,0x80000000,q0,0xa1'))).metrics;
    expect([m.lookups, m.steered_rps, m.records_no_table]).toEqual([0, 1, 1]);
    expect(m.per_cpu).toEqual([0, 1]); // reciprocal_scale(2^31, 2) = 1
  });
});

describe('per-queue flow table and the ordering guard (get_rps_cpu / set_rps_cpu)', () => {
  // nr_cpu_ids 2, hash 0x12345678 (queue slot hash_32(h, 6) = 29).
  const H = '0x12345678';
  const steps = [
    `recvmsg,0,0xs1,1,${H},,`, // hint → CPU 0
    `packet,1,,,${H},q0,0xp1`, // slot unset → switch to 0; tail[0] = 1, last_qtail = 1; head[0] = 1 (no deliver yet)
    `deliver,0,,,${H},q0,0xp1`, // first deliver: heads now move only with delivers; head[0] = 1
    `packet,1,,,${H},q0,0xp2`, // t = next = 0 → CPU 0; tail[0] = 2, last_qtail = 2
    `recvmsg,1,0xs1,1,${H},,`, // the application moved: hint → CPU 1
    `packet,1,,,${H},q0,0xp3`, // t = 0 ≠ next 1; head[0] - last_qtail = 1 - 2 < 0 → held on CPU 0; last_qtail = 3
    `deliver,0,,,${H},q0,0xp2`, // head[0] = 2
    `deliver,0,,,${H},q0,0xp3`, // head[0] = 3
    `packet,1,,,${H},q0,0xp4`, // head[0] - last_qtail = 3 - 3 = 0 ≥ 0 → switch to CPU 1
  ];

  it("holds a flow on its old CPU until the old backlog passes the flow's last packet", async () => {
    const expected: [number, number[], number, number][] = [
      // [rows replayed, per_cpu, ooo_holds, slot_switches]
      [2, [1, 0], 0, 1],
      [4, [2, 0], 0, 1],
      [6, [3, 0], 1, 1],
      [9, [3, 1], 1, 2],
    ];
    for (const [n, perCpu, holds, switches] of expected) {
      const m = (await replayOne(header({ cpus: 2, entries: 256, queues: [Q2] }) + rows(...steps.slice(0, n)))).metrics;
      expect(m.per_cpu, `after ${n} rows`).toEqual(perCpu);
      expect(m.ooo_holds, `after ${n} rows`).toBe(holds);
      expect(m.slot_switches, `after ${n} rows`).toBe(switches);
    }
    const m = (await replayOne(header({ cpus: 2, entries: 256, queues: [Q2] }) + rows(...steps))).metrics;
    expect([m.deliver_matched, m.agree, m.agreement]).toEqual([3, 3, 1]);
    // P3 hit with desired CPU 1 but went to 0: the hint was not stale (no later record: unresolved).
    expect(m.hits).toBe(4);
  });

  it('without deliver rows every packet counts as processed at once, so the flow moves immediately', async () => {
    const noDeliver = steps.filter((s) => !s.startsWith('deliver'));
    const m = (await replayOne(header({ cpus: 2, entries: 256, queues: [Q2] }) + rows(...noDeliver))).metrics;
    expect(m.ooo_holds).toBe(0);
    expect(m.per_cpu).toEqual([2, 2]);
  });

  it('FIFO backlog model: a CPU processes one packet every N ns of trace time', async () => {
    // ts = 1000 per row, fifo 5000 ns. P1 queued at 2000 → done 7000; P2 at 3000 → done 12000.
    // P3 (ts 5000): head[0] = tail 2 - ceil((12000 - 5000) / 5000) = 0 < last_qtail 2 → held; done 17000.
    // P4 (ts 6000): head[0] = 3 - ceil((17000 - 6000) / 5000) = 0 < last_qtail 3 → held.
    const noDeliver = steps.filter((s) => !s.startsWith('deliver'));
    const m = (await replayOne(header({ cpus: 2, entries: 256, queues: [Q2] }) + rows(...noDeliver), {}, { fifoNs: 5000 })).metrics;
    expect(m.ooo_holds).toBe(2);
    expect(m.per_cpu).toEqual([4, 0]);
  });
});

describe('slots of the per-queue table (rfs_slot)', () => {
  it('6.15+ uses hash_32, 4.10 uses hash & mask', async () => {
    // 0x11110001 and 0x11110023: hash_32(·, 6) = 0 for both (a conflict), but & 63 gives 1 and 35 (none).
    const text =
      header({ cpus: 2, entries: 4096, queues: [Q2] }) +
      rows('recvmsg,1,0xs1,1,0x11110001,,', 'recvmsg,1,0xs2,1,0x11110023,,', 'packet,0,,,0x11110001,q0,0xa1', 'packet,0,,,0x11110023,q0,0xa2');
    const [k616, k410] = await replayText(text, [{ kernel: '6.16' }, { kernel: '4.10' }]);
    expect(k616.metrics.slot_conflicts).toBe(1);
    expect(k410.metrics.slot_conflicts).toBe(0);
    expect(k616.queue_occupancy[0]).toEqual({ queue: 'q0', slots: 64, used: 1 });
    expect(k410.queue_occupancy[0]).toEqual({ queue: 'q0', slots: 64, used: 2 });
  });
});

describe('sock_rps_delete_flow on close (6.16+)', () => {
  const est = (sock: string, h: string) => `recvmsg,1,${sock},1,${h},,`;
  it('clears the slot when the socket closes from CLOSE_WAIT/LAST_ACK, but not through FIN_WAIT (TIME_WAIT)', async () => {
    const text =
      header({ cpus: 2, entries: 256, queues: [Q2] }) +
      rows(
        est('0xs1', '0x100'),
        'state,1,0xs1,CLOSE_WAIT,0x100,,',
        'state,1,0xs1,LAST_ACK,0x100,,',
        'state,1,0xs1,CLOSE,0x100,,',
        'packet,0,,,0x100,q0,0xa1',
        est('0xs2', '0x201'),
        'state,1,0xs2,FIN_WAIT1,0x201,,',
        'state,1,0xs2,FIN_WAIT2,0x201,,',
        'state,1,0xs2,CLOSE,0x201,,',
        'packet,0,,,0x201,q0,0xa2',
      );
    const [k616, k615] = await replayText(text, [{ kernel: '6.16' }, { kernel: '6.15' }]);
    expect(k616.metrics.deletes).toBe(1);
    expect([k616.metrics.misses_empty, k616.metrics.hits]).toEqual([1, 1]);
    expect(k615.metrics.deletes).toBe(0);
    expect(k615.metrics.hits).toBe(2);
  });

  it('deletes whichever flow owns the slot now, and a close on an empty slot deletes nothing', async () => {
    // 0x100 and 0x200 share slot 0 of E=256. s1 records, s2 records over it, s1 closes: slot cleared anyway.
    const m = (
      await replayOne(
        header({ cpus: 2, entries: 256, queues: [Q2] }) +
          rows(est('0xs1', '0x100'), est('0xs2', '0x200'), 'state,1,0xs1,CLOSE,0x100,,', 'state,1,0xs3,CLOSE,0x300,,', 'packet,0,,,0x200,q0,0xa1'),
      )
    ).metrics;
    expect(m.deletes).toBe(1);
    expect(m.misses_empty).toBe(1);
  });
});

describe('3.19: slots hold only a CPU', () => {
  it('any non-empty slot matches any flow; close and rxhash change reset the slot', async () => {
    const text =
      header({ cpus: 2, entries: 256, queues: [Q2] }) +
      rows(
        'recvmsg,1,0xs1,8,0x100,,', // any state records: slot 0 = CPU 1
        'packet,0,,,0x200,q0,0xa1', // another flow, same slot: "hit" on CPU 1, aliased
        'recvmsg,1,0xs1,8,0x301,,', // s1's rxhash changed: slot of 0x100 reset first; slot 1 = CPU 1
        'packet,0,,,0x100,q0,0xa2', // slot 0 empty → miss (queue slot of 0x100 still says CPU 1: guard lets it go, reset)
        'state,0,0xs1,CLOSE,0x301,,', // close resets slot 1
        'packet,0,,,0x301,q0,0xa3',
      );
    const [k319, k616] = await replayText(text, [{ kernel: '3.19' }, { kernel: '6.16' }]);
    const m = k319.metrics;
    expect([m.hits, m.hits_aliased, m.misses_empty, m.deletes, m.rehash_clears]).toEqual([1, 1, 2, 1, 1]);
    // 6.16: CLOSE_WAIT records are skipped, nothing is ever in the table.
    expect([k616.metrics.hits, k616.metrics.misses_empty]).toEqual([0, 3]);
  });
});

describe("staleness and locality need the flow's next record event", () => {
  it('a hit is stale when the next record of its flow runs elsewhere; unresolved when there is none', async () => {
    const m = (
      await replayOne(
        header({ cpus: 2, entries: 256, queues: [Q2] }) +
          rows(
            'recvmsg,0,0xs1,1,0x12345678,,',
            'packet,1,,,0x12345678,q0,0xa1', // hit, desired 0, processed on 0
            'recvmsg,1,0xs1,1,0x12345678,,', // next record on CPU 1: that hit was stale, not local
            'packet,1,,,0x12345678,q0,0xa2', // hit desired 1; no later record: unresolved
            'packet,0,,,0,q0,0xa3', // hash 0: locality unresolved
          ),
      )
    ).metrics;
    expect([m.hits, m.hits_stale, m.hits_unresolved]).toEqual([2, 1, 1]);
    expect([m.local, m.local_unresolved]).toEqual([0, 2]);
    expect(m.stale_rate).toBe(1);
    expect(m.locality).toBe(0);
  });
});

describe('CPU-count what-if', () => {
  it('more CPUs widen rps_cpu_mask, so fewer hash bits are stored', async () => {
    // E = 2: 0xabcd0010 and 0xabcd0012 share slot 0. With nr_cpu_ids 2 (M = 1) 0xabcd0010 written on
    // CPU 0 stores 0xabcd0010; lookup of 0xabcd0012: (0xabcd0010 ^ 0xabcd0012) & ~1 = 2 → collision.
    // With --cpus 4 (M = 3) the stored bits are & ~3 and the XOR 2 vanishes → aliased hit.
    const text = header({ cpus: 2, entries: 2, queues: [Q2] }) + rows('recvmsg,0,0xs1,1,0xabcd0010,,', 'packet,1,,,0xabcd0012,q0,0xa1');
    const [two, four] = await replayText(text, [{}, { cpus: 4 }]);
    expect([two.metrics.misses_collision, two.metrics.hits]).toEqual([1, 0]);
    expect([four.metrics.hits_aliased, four.metrics.misses_collision]).toEqual([1, 0]);
  });
});

describe('metric identities', () => {
  it('hold on every small trace above', async () => {
    const text =
      header({ cpus: 4, entries: 64, queues: [Q4] }) +
      rows(
        'recvmsg,2,0xs1,1,0x12345678,,',
        'packet,0,,,0x12345678,q0,0xa1',
        'packet,0,,,0x0000fffd,q0,0xa2',
        'deliver,2,,,0x12345678,q0,0xa1',
        'deliver,1,,,0x99,q0,0xzz',
      );
    for (const c of await replayText(text, [{}, { kernel: '3.19' }, { entries: 0 }, { cpus: 3 }])) {
      expect(checkIdentities(c.metrics), c.label).toEqual([]);
    }
  });
});
