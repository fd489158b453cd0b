/**
 * The closed loop's follow rule (wasm/lanes.ts closedLoopCpu()) and its rate
 * (followRates()), on traces worked out by hand.
 *
 * The rule is the kernel's wake-up path: a packet's softirq wakes the
 * thread (sock_def_readable() → try_to_wake_up() → select_task_rq() →
 * select_task_rq_fair(p, prev_cpu, ...) with this_cpu the CPU that processed
 * the packet); with this_cpu != prev_cpu, wake_affine() (kernel/sched/fair.c)
 * returns this_cpu (the thread follows its packet) or prev_cpu. The trace
 * shows that choice where the trace's own configuration processed the wake-up
 * packet off the thread's previous CPU; a closed lane replays it against its
 * own placement, and elsewhere draws it at the follow rate's lower (follow-low)
 * or upper (follow-high) bound.
 *
 * Two CPUs, one queue with both in its RPS map. Flow 0x12345678 goes by
 * plain RPS to map[reciprocal_scale(0x12345678, 2)] = map[0x12345678 * 2 >> 32]
 * = map[0] = CPU 0; with a hint it goes to the hint's CPU.
 */
import { describe, expect, it } from 'vitest';
import { WasmLanes } from '../../src/model/wasm-lanes.js';
import { CTL_CL_RATE, CTL_CL_RATE_HIGH, CTL_CL_RATE_LOW } from '../../src/model/lane-layout.js';
import { header, replayText, rows } from '../helpers/trace.js';

const Q = 'queue=q0 rps_cpus=3 rps_flow_cnt=64';
const H = '0x12345678';

/** The trace replayed at its own configuration and at `whatIf`, with the closed loop. */
async function closedLoop(entries: number, whatIf: number, ...r: string[]) {
  const text = header({ cpus: 2, entries, queues: [Q] }) + rows(...r);
  const [own, what] = await replayText(text, [{}, { entries: whatIf }], { closedLoop: true });
  return { own, what };
}

describe('the follow rule, where the trace shows wake_affine()’s choice', () => {
  it('a thread that followed its packet to the kernel’s CPU stays with it where the what-if steers the packet to the thread', async () => {
    // The trace ran plain RPS (entries 0): the thread called on CPU 1, the packet went to CPU 0
    // (map[0]), and the thread's next call ran on CPU 0: this_cpu (0) != prev_cpu (1), and it followed.
    // At 256 entries the call on CPU 1 wrote the hint 1, so the packet goes to CPU 1, the thread's CPU:
    // nothing pulls the thread, and its call stays on CPU 1. The packet is local there (1 of 1);
    // in the open loop the call stays on CPU 0 and the packet is not (0 of 1).
    const { own, what } = await closedLoop(0, 256, `recvmsg,1,0xs1,1,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,0,0xs1,1,${H},,`);
    expect(own.closed_loop).toBeNull(); // the trace's own configuration: the kernel's own placement
    expect(what.metrics.per_cpu).toEqual([0, 1]);
    expect(what.metrics.locality).toBe(0);
    expect(what.closed_loop).toEqual({
      locality: 1,
      cross_cpu_share: 0,
      locality_high: 1,
      cross_cpu_share_high: 0,
      locality_range: [0, 1],
      cross_cpu_share_range: [0, 0],
    });
  });

  it('a thread that stayed on its CPU while the kernel processed its packet elsewhere stays in the what-if too', async () => {
    // As above, but the next call runs on CPU 1: wake_affine() chose prev_cpu. The closed lanes keep it there.
    const { what } = await closedLoop(0, 256, `recvmsg,1,0xs1,1,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,1,0xs1,1,${H},,`);
    expect(what.metrics.locality).toBe(1);
    expect(what.closed_loop?.locality).toBe(1);
    expect(what.closed_loop?.locality_high).toBe(1);
  });

  it('the evidence: one wake-up elsewhere, followed, in the trace summary', async () => {
    const text = header({ cpus: 2, entries: 0, queues: [Q] }) + rows(`recvmsg,1,0xs1,1,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,0,0xs1,1,${H},,`);
    const { writeTrace } = await import('../helpers/trace.js');
    const { replayFile } = await import('../../src/replay/engine.js');
    const r = await replayFile(writeTrace(text), { configs: [{ entries: 256 }], closedLoop: true });
    const f = r.trace.follow!;
    expect([f.wakeups_elsewhere, f.followed, f.sockets_elsewhere, f.wakeups_in_place, f.moved, f.sockets_in_place, f.sockets_woken]).toEqual([
      1, 1, 1, 0, 0, 0, 1,
    ]);
    // f = 1/1 and nothing in place (mu unknown: 0 to 1). rate: (1 - 0) / (1 - 0) = 1. Upper: Wilson(1, 1)+ = 1
    // against mu's lower bound 0: 1. Lower: Wilson(1, 1)- = 1 / (1 + z^2) = 0.2065 against mu's upper bound 1:
    // a thread that always moves anyway says nothing about following: 0.
    expect([f.rate, f.rate_low, f.rate_high]).toEqual([1, 0, 1]);
  });
});

describe('the follow rule, where the trace cannot show the choice', () => {
  // At 256 entries the trace's kernel steered the packet to the thread's CPU 1 (this_cpu = prev_cpu = 1),
  // and the call stayed there. At 0 entries (plain RPS) the what-if sends the packet to CPU 0: whether the
  // thread would have followed, the trace cannot say. With no wake-up elsewhere yet, the follow rate's
  // bounds are 0 and 1: the follow-low lane keeps the thread on CPU 1, the follow-high lane moves it to 0.
  const trace = [`recvmsg,1,0xs1,1,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,1,0xs1,1,${H},,`];

  it('follow-low keeps the call where it ran; follow-high moves it to the packet', async () => {
    const { own, what } = await closedLoop(256, 0, ...trace);
    expect(own.metrics.locality).toBe(1);
    expect(what.metrics.per_cpu).toEqual([1, 0]);
    expect(what.metrics.locality).toBe(0);
    expect(what.closed_loop).toMatchObject({ locality: 0, locality_high: 1, locality_range: [0, 1] });
  });

  it('calls without a wake-up run where the lane’s thread is, and write their hints there', async () => {
    // As in the first case (the trace ran plain RPS; the thread followed its packet to CPU 0; at 256 entries the
    // closed lanes keep it on CPU 1), then a sendmsg on CPU 0 with no packet since: the closed lanes run it on
    // CPU 1 and write the hint 1; the open lane writes 0. The next packet (arriving on CPU 1) goes to CPU 1 in
    // the closed lanes (not moved off its arrival CPU) and to CPU 0 in the open one: cross-CPU 0 against 1/2.
    const { what } = await closedLoop(
      0,
      256,
      `recvmsg,1,0xs1,1,${H},,`,
      `packet,1,,,${H},q0,0xa1`,
      `recvmsg,0,0xs1,1,${H},,`,
      `sendmsg,0,0xs1,1,${H},,`,
      `packet,1,,,${H},q0,0xa2`,
      `recvmsg,0,0xs1,1,${H},,`,
    );
    expect([what.metrics.locality, what.metrics.cross_cpu_share]).toEqual([0.5, 0.5]);
    expect(what.closed_loop).toMatchObject({ locality: 1, cross_cpu_share: 0, locality_high: 1, cross_cpu_share_high: 0 });
  });

  it('a move the trace shows (its packet was on the thread’s CPU, the call ran elsewhere) is replayed in every lane', async () => {
    // The call after the packet runs on CPU 0 though the kernel processed the packet on CPU 1 (the hint):
    // select_idle_sibling() or the balancer moved it, not the packet. Every lane calls on CPU 0, where the
    // what-if processed the packet: local in all three.
    const { what } = await closedLoop(256, 0, `recvmsg,1,0xs1,1,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,0,0xs1,1,${H},,`);
    expect(what.metrics.locality).toBe(1);
    expect(what.closed_loop).toMatchObject({ locality: 1, locality_high: 1 });
  });

  it('a socket that closes forgets its thread: the next socket at its address starts from its own first call', async () => {
    // The trace ran plain RPS: socket s1 calls on CPU 0, s2 (same flow hash) on CPU 1, s1 closes, and a new
    // socket at s1's address calls on CPU 0 after a packet the trace's kernel processed on CPU 0 (map[0]).
    // The what-if (256 entries, profile 6.15: no delete on close) steers that packet to s2's hint, CPU 1.
    // Had s1's address kept its previous CPU (0 = the packet's CPU in the trace: the choice unseen), the
    // follow-high lane would move the call to CPU 1; as a new socket's first call it stays on CPU 0.
    const text =
      header({ cpus: 2, entries: 0, queues: [Q] }) +
      rows(`recvmsg,0,0xs1,1,${H},,`, `recvmsg,1,0xs2,1,${H},,`, `state,0,0xs1,CLOSE,${H},,`, `packet,1,,,${H},q0,0xa1`, `recvmsg,0,0xs1,1,${H},,`);
    const [, what] = await replayText(text, [{}, { entries: 256, kernel: '6.15' }], { closedLoop: true });
    expect(what.metrics.per_cpu).toEqual([0, 1]);
    expect(what.closed_loop).toMatchObject({ locality: 0, locality_high: 0 });
  });
});

describe('the follow rate (followRates(), in the lanes)', () => {
  const lanes = new WasmLanes(0);
  const rates = (...a: [number, number, number, number, number, number, number, number]) => {
    lanes.exports.testFollowRates(...a);
    const f = lanes.f64;
    return { rate: f[CTL_CL_RATE / 2], low: f[CTL_CL_RATE_LOW / 2], high: f[CTL_CL_RATE_HIGH / 2] };
  };

  it('phi = (f - mu) / (1 - mu) on 2 CPUs, with 95% Wilson bounds, one draw per socket', () => {
    // 100 wake-ups elsewhere (100 sockets), 30 followed: f = 0.3; 100 in place, 10 moved: mu = 0.1.
    // rate = (0.3 - 0.1) / 0.9 = 0.2222.
    // Wilson, z = 1.96 (z^2 = 3.8415), n = 100: f in [0.21895, 0.39585], mu in [0.05523, 0.17437].
    // low = (0.21895 - 0.17437) / (1 - 0.17437) = 0.05400; high = (0.39585 - 0.05523) / (1 - 0.05523) = 0.36053.
    const r = rates(100, 30, 100, 100, 10, 100, 100, 2);
    expect(r.rate).toBeCloseTo(0.2222, 4);
    expect(r.low).toBeCloseTo(0.054, 4);
    expect(r.high).toBeCloseTo(0.3605, 4);
  });

  it('on 4 CPUs a move lands on the packet’s CPU one time in three (m = mu / 3)', () => {
    // m = 0.0333, a = m + 1 - mu = 0.9333: phi = (f a - m) / (1 - m - f (1 - a)) = (0.28 - 0.0333) / (0.9667 - 0.02) = 0.2606.
    expect(rates(100, 30, 100, 100, 10, 100, 100, 4).rate).toBeCloseTo(0.2606, 4);
  });

  it('clusters by socket: 100 wake-ups from 4 sockets are 4 draws, and the bounds widen', () => {
    // f's Wilson bounds over 4 draws: [0.0626, 0.7334]; low = 0 (below mu's upper bound), high = (0.7334 - 0.0552) / 0.9448 = 0.7178.
    const r = rates(100, 30, 4, 100, 10, 100, 4, 2);
    expect(r.rate).toBeCloseTo(0.2222, 4);
    expect(r.low).toBe(0);
    expect(r.high).toBeCloseTo(0.7178, 4);
  });

  it('sockets that never showed a wake-up elsewhere count as never following (low) and always following (high)', () => {
    // As the first case, but of 400 sockets woken only 100 showed a wake-up elsewhere: s = 0.25.
    // low = 0.25 * 0.05400 = 0.01350; high = 0.25 * 0.36053 + 0.75 = 0.84013. The estimate stays 0.2222.
    const r = rates(100, 30, 100, 100, 10, 100, 400, 2);
    expect(r.rate).toBeCloseTo(0.2222, 4);
    expect(r.low).toBeCloseTo(0.0135, 4);
    expect(r.high).toBeCloseTo(0.8401, 4);
  });

  it('without evidence: 0, from 0 to 1 (a capture whose kernel already steered every packet to its thread)', () => {
    expect(rates(0, 0, 0, 5000, 50, 400, 400, 2)).toEqual({ rate: 0, low: 0, high: 1 });
  });

  it('pinned threads: nothing followed, nothing moved: 0, with an upper bound that shrinks with the sockets', () => {
    const r = rates(10000, 0, 400, 10000, 0, 400, 400, 2);
    expect(r.rate).toBe(0);
    expect(r.low).toBe(0);
    // Wilson upper bound of 0 of 400: z^2 / (400 + z^2) = 3.8415 / 403.8415 = 0.00951.
    expect(r.high).toBeCloseTo(0.00951, 4);
  });
});
