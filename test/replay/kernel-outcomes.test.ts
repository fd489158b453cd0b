/**
 * Kernel-observed outcomes (TraceSummary.kernel_locality / kernel_cross_cpu_share):
 * a hand-written trace whose values are worked out by hand, and the real
 * captures, where the kernel's locality must match the model's at the trace's
 * own configuration (the model agrees with the kernel on > 99% of packets).
 */
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import { header, rows, writeTrace } from '../helpers/trace.js';

const A = '0xaaaa0001';
const B = '0xbbbb0002';

// cpus 2; flows A and B; skb per packet. Rows (event,cpu,socket,state,rxhash,queue,skb):
const TRACE =
  header({ cpus: 2, entries: 64, queues: ['queue=q0 rps_cpus=3 rps_flow_cnt=64'] }) +
  rows(
    `packet,0,,,${A},q0,0x100`, //    P0 arrives on 0
    `deliver,1,,,${A},q0,0x100`, //   P0 on 1: cross
    `recvmsg,1,0x1,1,${A},,`, //      A's next record on 1: P0 local (record after deliver)
    `packet,1,,,${B},q0,0x200`, //    P1 arrives on 1
    `recvmsg,0,0x2,1,${B},,`, //      B's next record on 0, before P1's deliver row
    `deliver,1,,,${B},q0,0x200`, //   P1 on 1: not cross; resolved, not local
    `packet,0,,,${A},q0,0x300`, //    P2 arrives on 0
    `deliver,0,,,${A},q0,0x300`, //   P2 on 0: not cross; A never records again: unresolved
    `packet,1,,,0,q0,0x400`, //       P3, hash 0, arrives on 1
    `deliver,0,,,0,q0,0x400`, //      P3 on 0: cross; hash 0: unresolved
    `packet,0,,,${B},q0,0x500`, //    P4: its deliver row is lost: not counted
    `recvmsg,1,0x2,1,${B},,`, //      resolves P4 (unmatched) only
    `packet,1,,,${B},q0,0x600`, //    P5 arrives on 1
    `deliver,1,,,${B},q0,0x600`, //   P5 on 1: not cross
    `sendmsg,1,0x2,1,${B},,`, //      B's next record on 1: P5 local
  );

describe('kernel-observed outcomes', () => {
  it('match the hand count on a tiny trace', async () => {
    const r = await replayFile(writeTrace(TRACE), { configs: [{}] });
    // matched 5 (P0, P1, P2, P3, P5); cross P0, P3 → 2/5; resolved P0, P1, P5, local P0, P5 → 2/3.
    expect(r.trace.kernel_cross_cpu_share).toBeCloseTo(2 / 5, 12);
    expect(r.trace.kernel_locality).toBeCloseTo(2 / 3, 12);
  });

  it('are null without deliver rows', async () => {
    const text = header({ cpus: 2, entries: 64 }) + rows(`packet,0,,,${A},,0x100`, `recvmsg,1,0x1,1,${A},,`);
    const r = await replayFile(writeTrace(text), { configs: [{}] });
    expect(r.trace.kernel_locality).toBeNull();
    expect(r.trace.kernel_cross_cpu_share).toBeNull();
  });

  // The model agrees with the kernel on > 99% of these captures' packets, so at the
  // trace's own configuration the two localities must be close.
  for (const [file, bound] of [
    ['test/fixtures/kernel/lo-rr-e128-f64.csv.gz', 0.01],
    ['test/fixtures/kernel/veth/veth4q-e64.csv.gz', 0.01],
    // 27% of its packets lost their deliver row (capture losses under bulk load): the kernel
    // side is measured over fewer packets than the model's.
    ['test/fixtures/kernel/lo-bulk-e1024-f1024.csv.gz', 0.015],
  ] as const) {
    it(`kernel locality is within ${bound * 100} pp of the model's on ${file}`, async () => {
      const r = await replayFile(file, { configs: [{ role: 'configured' }] });
      const model = r.configs[0].metrics.locality!;
      expect(r.trace.kernel_locality).not.toBeNull();
      expect(Math.abs(r.trace.kernel_locality! - model)).toBeLessThanOrEqual(bound);
    });
  }
});
