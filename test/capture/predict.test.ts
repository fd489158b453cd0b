/**
 * How far a what-if can be trusted, checked against the running kernel: the
 * same load (same seed, same number of connections, the server pinned to one
 * CPU and the clients to another) is captured twice in a network namespace,
 * once with a small global table and once with a large one, and each capture
 * predicts the other (`validate A --predict B`): A replayed at B's
 * configuration against the locality B's kernel achieved.
 *
 * Pinned threads, because applications react to steering: with threads free
 * to move, the other table size changes where the application runs, which an
 * open-loop replay of A cannot know (errors up to 15 pp were seen that way).
 *
 * Needs root, bpftrace, perf, ip, taskset and at least 2 CPUs. Skipped with one
 * line outside CI when a piece is missing; under CI it must run (as e2e.test.ts).
 * The global sysctl and the namespace are restored in finally and afterAll.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureUnavailable, nrCpuIdsFromList } from '../../src/capture/system.js';
import { predictTrace } from '../../src/report/predict.js';
import { allCpusMask, keepTrace, liveSuite, loadgen, sh, startCapture } from './live.js';

const NETNS = `rfs-predict-${process.pid}`;
const SMALL = 64;
const LARGE = 32768;
const FLOW_CNT = 4096;

/**
 * The largest |error| allowed, in percentage points, for locality and for the
 * cross-CPU share. Measured on 2026-12-07 (2-CPU VM, kernel 6.18), eight runs
 * of this test (the largest errors inside full test runs, a busier machine):
 * locality errors at most 2.93 pp, cross-CPU errors at most 4.10 pp
 * (README.md, "How far a what-if can be trusted"). Unpinned, the locality
 * error reached 7.9 pp and the cross-CPU error 21 pp.
 */
const BOUND_PP = 5;
const CROSS_CPU_BOUND_PP = 8;

const unavailable = captureUnavailable() ?? (spawnSync('taskset', ['-V']).status === 0 ? null : 'taskset is missing');
const underCi = Boolean(process.env.CI);
if (unavailable && !underCi) console.log(`capture predict skipped: ${unavailable}`);

async function captureSameLoad(output: string): Promise<void> {
  const capture = await startCapture(['--netns', NETNS, '--dev', 'lo', '--duration', '8', '-o', output]);
  try {
    // Stops at 300 connections per client (the same connections every run) well before its 7 s.
    const load = loadgen(NETNS, [
      '--duration',
      '7',
      '--clients',
      '2',
      '--connections',
      '32',
      '--max-connections',
      '300',
      '--seed',
      '19',
      '--pin-server',
      '0',
      '--pin-clients',
      '1',
      '--port',
      '7071',
    ]);
    expect(await load.exited, load.stderr).toBe(0);
    expect((JSON.parse(load.stdout) as { connections: number }).connections).toBe(600);
    expect(await capture.exited, capture.stderr).toBe(0);
    keepTrace(output);
  } finally {
    capture.stop('SIGINT');
  }
}

describe.skipIf(unavailable !== null && !underCi)('predicting one table size from a capture at another (root, bpftrace, perf)', () => {
  const suite = liveSuite(
    unavailable,
    'rfs-predict-',
    () => {
      sh('ip', ['netns', 'add', NETNS]);
      sh('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    },
    () => spawnSync('ip', ['netns', 'delete', NETNS]),
  );

  it(`predicts each table size's locality within ${BOUND_PP} pp and cross-CPU share within ${CROSS_CPU_BOUND_PP} pp from the other`, async () => {
    const nrCpuIds = nrCpuIdsFromList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
    expect(nrCpuIds, 'needs 2 CPUs: the server pinned to one, the clients to another').toBeGreaterThanOrEqual(2);
    sh('ip', [
      'netns',
      'exec',
      NETNS,
      'sh',
      '-c',
      `echo ${allCpusMask(nrCpuIds)} > /sys/class/net/lo/queues/rx-0/rps_cpus; echo ${FLOW_CNT} > /sys/class/net/lo/queues/rx-0/rps_flow_cnt`,
    ]);
    const small = join(suite.dir, `e${SMALL}.csv.gz`);
    const large = join(suite.dir, `e${LARGE}.csv.gz`);
    try {
      // Alternating, so slow drift of the machine does not favour one size.
      suite.sysctl.set(SMALL);
      await captureSameLoad(small);
      suite.sysctl.set(LARGE);
      await captureSameLoad(large);
    } finally {
      suite.sysctl.restore();
    }
    const errors: number[] = [];
    const crossErrors: number[] = [];
    for (const [a, b] of [
      [small, large],
      [large, small],
    ]) {
      const p = await predictTrace(a, ['lo:0'], b, {});
      const l = p.locality;
      console.log(
        `predict ${b.slice(suite.dir.length + 1)} from ${a.slice(suite.dir.length + 1)}: kernel locality ${(l.observed! * 100).toFixed(2)}%, ` +
          `predicted ${(l.predicted! * 100).toFixed(2)}%, error ${l.error_pp!.toFixed(2)} pp (margin ±${l.margin_pp!.toFixed(2)} pp); ` +
          `cross-CPU kernel ${(p.cross_cpu_share.observed! * 100).toFixed(2)}%, predicted ${(p.cross_cpu_share.predicted! * 100).toFixed(2)}%`,
      );
      expect(p.configuration.rps_sock_flow_entries).toBe(b === small ? SMALL : LARGE);
      errors.push(l.error_pp!);
      crossErrors.push(p.cross_cpu_share.error_pp!);
    }
    for (const e of errors) expect(Math.abs(e)).toBeLessThanOrEqual(BOUND_PP);
    for (const e of crossErrors) expect(Math.abs(e)).toBeLessThanOrEqual(CROSS_CPU_BOUND_PP);
  }, 120_000);
});
