/**
 * `validate` on a small hand-made trace whose disagreements are known: the
 * report counts them by class and the exit status follows the threshold.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, headerExtras, renderReport } from '../../src/commands/validate.js';
import { replayFile } from '../../src/replay/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-validate-'));
// Flow 0x100 records on CPU 1, so RFS steers its packets to CPU 1. The kernel
// agreed for the first packet and (as if a record were lost) not for the second.
const TRACE = `# rfs-trace v1
# nr_cpu_ids=2 rps_sock_flow_entries=64 kernel=6.18.44
# queue=lo:0 rps_cpus=3 rps_flow_cnt=16
# capture_lost_events=4 capture_missed_events=9 capture_perf_lost=2 capture_packet_check_lost=0 capture_packet_check_missed=5 capture_unattributed=6 capture_hash_unknown=3
ts,event,cpu,socket,state,rxhash,queue,skb
10,recvmsg,1,0xs1,1,0x100,,
20,packet,0,,,0x100,lo:0,0xa
30,deliver,1,,,0x100,lo:0,0xa
40,packet,0,,,0x100,lo:0,0xb
50,deliver,0,,,0x100,lo:0,0xb
60,deliver,1,,,0x200,lo:0,0xc
`;

describe('validate', () => {
  it('explains each disagreement by class, with the capture losses from the header', async () => {
    const path = join(dir, 't.csv');
    writeFileSync(path, TRACE);
    const result = await replayFile(path, { configs: [{ role: 'configured', explain: true }] });
    const report = buildReport(path, result, await headerExtras(path), 0.99);
    expect(report).toMatchObject({ deliver_matched: 2, agree: 1, disagree: 1, agreement: 0.5, pass: false });
    expect(report.lost).toMatchObject({
      delivers_without_packet: 1,
      capture_lost_events: 4,
      capture_missed_events: 9,
      capture_perf_lost: 2,
      capture_packet_check_lost: 0,
      capture_packet_check_missed: 5,
      capture_unattributed: 6,
      capture_hash_unknown: 3,
    });
    expect(report.classes).toHaveLength(1);
    expect(report.classes[0]).toMatchObject({ class: 'rfs_followed_hint', count: 1, share: 1 });
    expect(report.classes[0].examples[0]).toMatchObject({ line: 10, model_cpu: 1, kernel_cpu: 0 });
    const text = renderReport(report);
    expect(text).toMatch(/agreement 50\.00% \(1 of 2 compared packets on the kernel's CPU\); threshold 99\.00%: FAIL/);
    expect(text).toContain('rfs_followed_hint: 1 (100.00%)');
    expect(text).toContain('9 socket probe runs skipped by the kernel');
    expect(text).toContain('2 packet-side samples lost by perf');
    expect(text).toContain('0 events lost and 5 runs skipped by the packet-checking BPF probes');
    expect(text).toContain('6 packet and deliver events left out');
    expect(text).toContain('3 packets on steering queues without a hash');
    expect(buildReport(path, result, {}, 0.5).pass).toBe(true);
  });
});
