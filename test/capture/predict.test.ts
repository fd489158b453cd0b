/**
 * How far a what-if can be trusted, checked against the running kernel: one
 * load (the same seed and number of connections every run) is captured in a
 * network namespace on loopback, several times at a small and at a large
 * global table, alternating so that slow drift of the machine favours neither.
 * Each capture of one size predicts the other size (`validate A --predict B`:
 * A replayed at B's configuration against the locality B's kernel achieved),
 * with every socket call where it ran (open loop) and with threads that follow
 * the packets placed elsewhere as often as A shows them following theirs
 * (closed loop, replay/closed-loop.ts), and the range between.
 *
 * Two loads: threads free to move, and threads pinned (taskset: the server on
 * CPU 0, the clients on CPU 1), where the closed loop must change nothing.
 * Per load and direction the error is the mean prediction minus the kernel's
 * mean. The spread is the 95% interval of that difference (Welch: the runs'
 * own standard deviations, Student's t at the Welch-Satterthwaite degrees of
 * freedom, not 2, since each mean is of only a few runs), plus 1 pp for the
 * model itself (its locality at a capture's own configuration is within about
 * 1 pp of the kernel's, docs/metrics.md).
 *
 * The issue bounds the closed loop's error by 4 pp against the kernel's
 * average; the test measures that average and the prediction's from a few
 * runs, so it fails when the error is beyond 4 pp by more than the spread
 * (a model whose error is exactly 4 pp would otherwise fail half the time).
 *
 * Where the source captures measured how their threads follow (the small
 * table's: most wake-ups land off the thread's CPU), with free threads: the
 * closed-loop error within 4 pp and the spread, the closed loop above the open
 * loop by at least 1 pp (threads the large table keeps with their packets do
 * not move; were the closed loop off, this fails), and the kernel's mean
 * within the mean range widened by the spread. The closed-loop error is not
 * held to the spread: the runs of one session share the machine's state, and
 * the kernel's mean at the large table moves from session to session by more
 * than the runs within one vary (18 sessions on 2026-12-07: 87.4% to 92.7%,
 * sd 1.5 pp, while the closed loop's error moved by sd 1.0 pp), so a
 * within-session interval understates the uncertainty: 2 of those 18
 * sessions were outside it, inside 4 pp (docs/what-if-evidence.md).
 * Where the source captures could not measure it (the large table's: RFS
 * keeps packets with their threads, so following cannot be told from
 * steering), the closed loop replays only the few follows they show: within
 * the model's 1 pp of the open loop, its range reaching up to threads that
 * always follow, and the error held to the open loop's bound measured before
 * the closed loop (8 pp). Pinned threads: the closed loop is the open loop,
 * its error within 4 pp and the spread (the same session effect: the kernel's mean at the
 * small table moved from 57% to 63.5% between sessions), and the cross-CPU
 * share within 8 pp.
 *
 * Needs root, bpftrace, perf, ip, taskset and at least 2 CPUs. Skipped with one
 * line outside CI when a piece is missing; under CI it must run (as e2e.test.ts).
 * The global sysctl and the namespace are restored in finally and afterAll.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureUnavailable, nrCpuIdsFromList } from '../../src/capture/system.js';
import { replayFile } from '../../src/replay/engine.js';
import { predictTrace } from '../../src/report/predict.js';
import { allCpusMask, keepTrace, liveSuite, loadgen, sh, startCapture } from './live.js';

const NETNS = `rfs-predict-${process.pid}`;
const SMALL = 16;
const LARGE = 32768;
const FLOW_CNT = 4096;
/** Captures per table size and load: each size is predicted from this many captures of the other, against this many of its own. */
const RUNS = 4;
/** The cross-CPU share's error bound with pinned threads, as before the closed loop (README.md). */
const CROSS_CPU_BOUND_PP = 8;
/** The bound on the closed loop's error, in percentage points: free threads where the captures calibrate it, and pinned threads. */
const BOUND_PP = 4;
/** What the model itself may be off by, in percentage points (docs/metrics.md: within about 1 pp at a capture's own configuration). */
const MODEL_PP = 1;
/** The open loop's error with free threads, measured before the closed loop (README.md): where no capture can tell more, the bound. */
const OPEN_BOUND_PP = 8;
/** The least the closed loop must raise a large table's prediction from small-table captures of free threads (measured: 2.4 to 5.8 pp). */
const CLOSED_ABOVE_OPEN_PP = 1;
/** A follow rate's upper bound at least this high: the source captures showed (almost) no wake-up elsewhere. */
const UNCALIBRATED = 0.9;

const LOADS = [
  { name: 'threads free to move', free: true, pin: [] as string[] },
  { name: 'threads pinned (server on CPU 0, clients on CPU 1)', free: false, pin: ['--pin-server', '0', '--pin-clients', '1'] },
];

const unavailable = captureUnavailable() ?? (spawnSync('taskset', ['-V']).status === 0 ? null : 'taskset is missing');
const underCi = Boolean(process.env.CI);
if (unavailable && !underCi) console.log(`capture predict skipped: ${unavailable}`);

/** One capture of the load: 2 clients × 32 connections until 150 each (the same 300 every run, seed 25). */
async function captureLoad(output: string, pin: string[]): Promise<void> {
  // Stopped (SIGINT) once the load is done; the duration only bounds a load that never ends.
  const capture = await startCapture(['--netns', NETNS, '--dev', 'lo', '--duration', '60', '-o', output]);
  try {
    const load = loadgen(NETNS, [
      '--duration',
      '40',
      '--clients',
      '2',
      '--connections',
      '32',
      '--max-connections',
      '150',
      '--seed',
      '25',
      '--port',
      '7072',
      ...pin,
    ]);
    expect(await load.exited, load.stderr).toBe(0);
    expect((JSON.parse(load.stdout) as { connections: number }).connections).toBe(300);
    capture.stop('SIGINT');
    // 130: stopped early (interrupted), with what was captured written.
    expect([0, 130], capture.stderr).toContain(await capture.exited);
    expect(existsSync(output)).toBe(true);
    keepTrace(output);
  } finally {
    capture.stop('SIGINT');
  }
}

const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
const sd = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + (v - mean(x)) ** 2, 0) / Math.max(1, x.length - 1));
/** Student's t, two-sided 95% (0.975 quantile), by whole degrees of freedom 1-10; rounded down, so never narrower. */
const T975 = [Infinity, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
/** Half the 95% interval of mean(a) - mean(b), from two small samples of unequal variance (Welch). */
function welchHalfInterval(a: number[], b: number[]): number {
  const va = sd(a) ** 2 / a.length;
  const vb = sd(b) ** 2 / b.length;
  if (va + vb === 0) return 0;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return T975[Math.min(T975.length - 1, Math.max(1, Math.floor(df)))] * Math.sqrt(va + vb);
}
const pp = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`;

describe.skipIf(unavailable !== null && !underCi)('predicting one table size from captures at another, open and closed loop (root, bpftrace, perf)', () => {
  const suite = liveSuite(
    unavailable,
    'rfs-predict-',
    () => {
      sh('ip', ['netns', 'add', NETNS]);
      sh('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    },
    () => spawnSync('ip', ['netns', 'delete', NETNS]),
  );

  it.each(LOADS)(
    `$name: each size's locality predicted from ${RUNS} captures at the other, against the kernel's`,
    async ({ name, free, pin }) => {
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
      const tag = free ? 'free' : 'pinned';
      const captures: Record<number, string[]> = { [SMALL]: [], [LARGE]: [] };
      try {
        // Alternating, so slow drift of the machine does not favour one size.
        for (let r = 1; r <= RUNS; r++) {
          for (const size of [SMALL, LARGE]) {
            const output = join(suite.dir, `${tag}-e${size}-r${r}.csv.gz`);
            suite.sysctl.set(size);
            await captureLoad(output, pin);
            captures[size].push(output);
          }
        }
      } finally {
        suite.sysctl.restore();
      }

      for (const [target, source] of [
        [SMALL, LARGE],
        [LARGE, SMALL],
      ]) {
        // The kernel's locality at the target size, run by run; the predictions of each capture at the other size.
        const kernel: number[] = [];
        for (const b of captures[target]) kernel.push((await replayFile(b, { configs: [{ role: 'configured' }] })).trace.kernel_locality!);
        const open: number[] = [];
        const closed: number[] = [];
        const low: number[] = [];
        const high: number[] = [];
        const rateHigh: number[] = [];
        const crossErrors: number[] = [];
        for (const a of captures[source]) {
          const p = await predictTrace(a, ['lo:0'], captures[target][0], {});
          expect(p.configuration.rps_sock_flow_entries).toBe(target);
          const cl = p.closed_loop!;
          open.push(p.locality.predicted!);
          closed.push(cl.locality.predicted!);
          low.push(cl.locality_range![0]);
          high.push(cl.locality_range![1]);
          const f = cl.follow!;
          rateHigh.push(f.rate_high);
          crossErrors.push(cl.cross_cpu_share.error_pp! / 100);
          console.log(
            `${name}: ${a.slice(suite.dir.length + 1)} at ${target} slots: open ${(open.at(-1)! * 100).toFixed(2)}%, closed ${(closed.at(-1)! * 100).toFixed(2)}%, ` +
              `range ${(low.at(-1)! * 100).toFixed(2)}–${(high.at(-1)! * 100).toFixed(2)}%; follow rate ${f.rate.toFixed(3)} [${f.rate_low.toFixed(3)}, ${f.rate_high.toFixed(3)}] ` +
              `from ${f.wakeups_elsewhere} wake-ups elsewhere`,
          );
        }
        const k = mean(kernel);
        const openError = mean(open) - k;
        const closedError = mean(closed) - k;
        // The 95% interval of the difference of the two means, from the runs' own spread.
        const spread = welchHalfInterval(kernel, closed);
        console.log(
          `${name}, ${target} slots from ${source}: kernel ${(k * 100).toFixed(2)}% (run-to-run sd ${(sd(kernel) * 100).toFixed(2)} pp), ` +
            `open-loop error ${pp(openError)}, closed-loop error ${pp(closedError)}, spread ±${(spread * 100).toFixed(2)} pp, ` +
            `mean range ${(mean(low) * 100).toFixed(2)}–${(mean(high) * 100).toFixed(2)}%, closed-loop cross-CPU error ${pp(mean(crossErrors))}`,
        );
        const within = spread + MODEL_PP / 100;
        const calibrated = rateHigh.every((r) => r < UNCALIBRATED);
        // Every message carries the figures, so that a failure in CI says how far off it was.
        const what = `${name}, ${target} slots (kernel ${(k * 100).toFixed(2)}%, open error ${pp(openError)}, closed error ${pp(closedError)}, spread ±${(spread * 100).toFixed(2)} pp)`;
        const closedNearOpen = (why: string, tolerance: number) => {
          for (let i = 0; i < open.length; i++) expect(Math.abs(closed[i] - open[i]), `${what}: ${why}`).toBeLessThanOrEqual(tolerance);
        };
        if (!free) {
          // Pinned threads cannot follow, but a capture may still show a follow or two among a handful of wake-ups
          // elsewhere (CI, 2026-12-08: 1 of 3, closed 0.51 pp above open): the closed loop replays what it shows.
          closedNearOpen(`pinned threads cannot follow: closed within ${MODEL_PP} pp of open`, MODEL_PP / 100);
          expect(Math.abs(closedError), `${what}: closed-loop error within ${BOUND_PP} pp, widened by the spread`).toBeLessThanOrEqual(BOUND_PP / 100 + spread);
          expect(Math.abs(mean(crossErrors)), `${what}: cross-CPU share within ${CROSS_CPU_BOUND_PP} pp`).toBeLessThanOrEqual(CROSS_CPU_BOUND_PP / 100);
        } else if (calibrated) {
          expect(Math.abs(closedError), `${what}: closed-loop error within ${BOUND_PP} pp, widened by the spread`).toBeLessThanOrEqual(BOUND_PP / 100 + spread);
          // A large table keeps packets with the threads that followed them at the small one: those threads stay.
          if (target === LARGE) {
            expect(mean(closed) - mean(open), `${what}: the closed loop above the open loop by ${CLOSED_ABOVE_OPEN_PP} pp or more`).toBeGreaterThanOrEqual(
              CLOSED_ABOVE_OPEN_PP / 100,
            );
          }
          expect(k, `${what}: the kernel within the mean range, widened by the spread`).toBeGreaterThanOrEqual(mean(low) - within);
          expect(k, `${what}: the kernel within the mean range, widened by the spread`).toBeLessThanOrEqual(mean(high) + within);
        } else {
          // Nothing to calibrate on: the closed loop replays only the few follows the trace shows, and the range reaches up.
          closedNearOpen(`no wake-ups elsewhere to calibrate on: closed within ${MODEL_PP} pp of open`, MODEL_PP / 100);
          expect(mean(high) - mean(closed), `${what}: the range reaches up to threads that always follow`).toBeGreaterThan(0.1);
          expect(Math.abs(closedError), `${what}: closed-loop error within the open loop's ${OPEN_BOUND_PP} pp`).toBeLessThanOrEqual(OPEN_BOUND_PP / 100);
        }
      }
    },
    600_000,
  );
});
