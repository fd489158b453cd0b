/**
 * `capture --sample 1/16 --duration 5` on the running kernel writes a sampled
 * trace that replays: the rule in its header, only flows the rule keeps,
 * and `replay` / `report` saying what is exact and what is estimated
 * (docs/model.md#flow-sampling). Loopback in a fresh namespace, as
 * e2e.test.ts, with the global table well above the rule's bound.
 *
 * Needs root, bpftrace, perf, ip, kernel BTF and tracefs; skipped with one
 * line otherwise (failed under CI). Takes the live-capture lock and restores
 * the global sysctl (liveSuite).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureUnavailable, nrCpuIdsFromList } from '../../src/capture/system.js';
import { replayFile } from '../../src/replay/engine.js';
import { allCpusMask, CLI, keepTrace, liveSuite, loadgen, sh, startCapture } from './live.js';

const NETNS = `rfs-sample-${process.pid}`;
const unavailable = captureUnavailable();
const underCi = Boolean(process.env.CI);
if (unavailable && !underCi) console.log(`sampled capture skipped: ${unavailable}`);

describe.skipIf(unavailable !== null && !underCi)('sampled capture of the running kernel (root, bpftrace, perf)', () => {
  const suite = liveSuite(
    unavailable,
    'rfs-sample-',
    () => {
      sh('ip', ['netns', 'add', NETNS]);
      sh('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
      const mask = allCpusMask(nrCpuIdsFromList(readFileSync('/sys/devices/system/cpu/possible', 'utf8')));
      sh('ip', [
        'netns',
        'exec',
        NETNS,
        'sh',
        '-c',
        `echo ${mask} > /sys/class/net/lo/queues/rx-0/rps_cpus; echo 4096 > /sys/class/net/lo/queues/rx-0/rps_flow_cnt`,
      ]);
    },
    () => spawnSync('ip', ['netns', 'delete', NETNS]),
  );

  it('capture --sample 1/16 --duration 5 writes a trace of the kept flows that replay and report label', async () => {
    const output = join(suite.dir, 's16.csv.gz');
    suite.sysctl.set(32768);
    try {
      const capture = await startCapture(['--netns', NETNS, '--dev', 'lo', '--sample', '1/16', '--duration', '5', '-o', output]);
      const load = loadgen(NETNS, ['--duration', '3', '--clients', '2', '--connections', '48', '--port', '7072']);
      expect(await load.exited, load.stderr).toBe(0);
      expect(await capture.exited, capture.stderr).toBe(0);
      keepTrace(output);
      expect(capture.stderr).toContain('sampling flows 1/16 (hash bits 9..12 zero) in the kernel');
      const connections = (JSON.parse(load.stdout) as { connections: number }).connections;

      // Every row is of a kept flow; no state row without a hash.
      const text = gunzipSync(readFileSync(output)).toString('latin1');
      expect(text).toMatch(/^# sample_shift=9 sample_bits=4$/m);
      expect(text).toMatch(/ capture_sample_filtered=\d+$/m);
      // lo is in every namespace: BPF's deliveries tie packets to this one, and few are left unattributed.
      const unattributed = Number(/ capture_unattributed=(\d+)/.exec(text)?.[1]);
      const rows = text.split('\n').filter((l) => /^\d/.test(l));
      const hashes = rows.map((l) => Number(l.split(',')[5]));
      expect(hashes.every((h) => (h & 0x1e00) === 0)).toBe(true);
      expect(rows.filter((l) => l.split(',')[1] === 'state' && Number(l.split(',')[5]) === 0)).toEqual([]);

      const r = await replayFile(output, { configs: [{}] });
      const t = r.trace;
      const c = r.configs[0];
      console.log(
        `sampled 1/16: ${connections} connections, ${t.distinct_flows} kept flows, ${t.events.packet} packets, ${t.rows} rows, hit ratio ${((c.metrics.hit_ratio ?? 0) * 100).toFixed(1)}%, agreement ${((c.metrics.agreement ?? 0) * 100).toFixed(2)}%`,
      );
      expect(t.sampling).toEqual({ sample_shift: 9, sample_bits: 4, one_in: 16, exact_from_entries: 8192, applied: 'trace' });
      // Each connection has two hashes on loopback (one per direction): about 2 × connections / 16 are kept.
      expect(t.distinct_flows).toBeGreaterThan(0);
      expect(t.distinct_flows).toBeLessThan((2 * connections) / 4);
      expect(t.events.packet).toBeGreaterThan(100);
      expect(unattributed).toBeLessThan(0.02 * t.events.packet);
      expect(c.metrics.lookups).toBeGreaterThan(0.9 * t.events.packet);
      expect(c.sampling?.global_table_exact).toBe(true);
      expect(c.sampling?.exact).toContain('hit_ratio');
      expect(c.sampling?.estimated).toContain('locality');

      const replay = spawnSync('node', [CLI, 'replay', output, '--no-progress'], { encoding: 'utf8' });
      expect(replay.status, replay.stderr).toBe(0);
      expect(replay.stdout).toContain('sampled trace: only the flows with hash bits 9..12 zero, one in 16.');
      expect(replay.stdout).toMatch(/~\d+\.\d+%/);
      const report = spawnSync('node', [CLI, 'report', output, '-o', join(suite.dir, 's16.html'), '--no-progress'], { encoding: 'utf8' });
      expect(report.status, report.stderr).toBe(0);
      expect(report.stdout).toContain('note: sampled trace: only the flows with hash bits 9..12 zero, one in 16.');
    } finally {
      suite.sysctl.restore();
    }
  }, 120_000);
});
