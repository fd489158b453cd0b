/**
 * Validation against the kernel itself: traces captured on Linux 6.18 with
 * the kernel's own steering decisions (deliver rows). Replayed with the
 * configuration in their headers, the model must agree with the kernel on at
 * least 99% of the matched packets.
 */
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../src/types/metrics.js';
import { replayFile } from '../../src/replay/engine.js';

const KERNEL_CAPTURES = new URL('../fixtures/kernel/', import.meta.url).pathname;
const DEFAULT = new URL('../../traces/default.csv.gz', import.meta.url).pathname;

describe.each([
  ['lo-rr-e128-f64.csv.gz', 128, 64],
  ['lo-bulk-e1024-f1024.csv.gz', 1024, 1024],
])('real capture %s', (name, entries, flowCnt) => {
  it('agrees with the kernel on >= 99% of packets, at the configuration of its header', async () => {
    const r = await replayFile(KERNEL_CAPTURES + name, { configs: [{}] });
    const c = r.configs[0];
    expect(c.rps_sock_flow_entries).toBe(entries);
    expect(c.rps_flow_cnt).toEqual([flowCnt]);
    expect(c.kernel).toBe('6.16');
    expect(c.head_model).toBe('deliver');
    const m = c.metrics;
    expect(m.deliver_matched).toBeGreaterThan(20_000);
    expect(m.agreement!, `agreement ${m.agree}/${m.deliver_matched}`).toBeGreaterThanOrEqual(0.99);
  });

  it('keeps every metric identity, at many sizes and every kernel profile', async () => {
    const configs = [16, 64, 256, 4096, 0].flatMap((entries) => (['6.16', '6.15', '4.10', '4.0', '3.19'] as const).map((kernel) => ({ entries, kernel })));
    const r = await replayFile(KERNEL_CAPTURES + name, { configs });
    for (const c of r.configs) expect(checkIdentities(c.metrics), c.label).toEqual([]);
    // A bigger table never collides more on the same trace (same flows, fewer shared slots).
    const coll = (e: number) => r.configs.find((c) => c.rps_sock_flow_entries === e && c.kernel === '6.16')!.metrics.misses_collision;
    expect(coll(16)).toBeGreaterThanOrEqual(coll(256));
    expect(coll(256)).toBeGreaterThanOrEqual(coll(4096));
  });
});

describe('the embedded default trace', () => {
  it('is a real capture with kernel decisions', async () => {
    const r = await replayFile(DEFAULT, { configs: [{}] });
    expect(r.trace.events.deliver).toBeGreaterThan(0);
    expect(r.configs[0].metrics.agreement!).toBeGreaterThanOrEqual(0.99);
  });
});
