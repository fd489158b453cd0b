/**
 * A worker thread that dies without reporting an error (process.exit(), out
 * of memory) must stop the replay with a clear one-line error, not leave it
 * waiting for ever. The hard case is a sweep: the main thread fills a ring
 * the replay thread empties, and once the ring is full it waits in
 * Atomics.wait, where its event loop stands still and cannot see the replay
 * thread's 'exit'. Here the ring is 2 slots of 1024 rows and the replay
 * thread pauses 200 ms before it dies, so the main thread has filled the ring
 * and is waiting when it does.
 *
 * Each replay runs in a child process with a timeout: a main thread blocked
 * for ever would block a test runner's timers too, and the test must fail,
 * not hang.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateToBuffer } from '../../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload } from '../../../src/generate/workload.js';
import { replayMsg } from '../../../src/messages.js';
import type { ReplayOptions } from '../../../src/replay/options.js';
import { writeTrace } from '../../helpers/trace.js';

// The child runs the built engine (the suite builds first: npm test's pretest).
const ENGINE = new URL('../../../dist/replay/engine.js', import.meta.url).href;
const CHILD_TIMEOUT_MS = 30_000; // under the suite's 60 s per test; a sweep here takes 1–2 s

const workload = finishWorkload(applyLayer({ ...DEFAULT_WORKLOAD }, { rows: 300_000, deliver: true, flows: 20_000 }, (k) => k));
const path = writeTrace(generateToBuffer(workload).bytes, 'thread-death.csv');
const SWEEP = [256, 1024, 4096, 8192, 16384, 32768, 65536, 131072].map((entries) => ({ entries }));

/** replayFile(path, options) in a child process: its error's name and message, or the rows replayed. */
function replayInChild(options: ReplayOptions): { error?: { name: string; message: string }; rows?: number; ms: number } {
  const code = `const { replayFile } = await import(${JSON.stringify(ENGINE)});
    try {
      const r = await replayFile(${JSON.stringify(path)}, ${JSON.stringify(options)});
      console.log(JSON.stringify({ rows: r.trace.rows }));
    } catch (e) {
      console.log(JSON.stringify({ error: { name: e.name, message: e.message } }));
    }`;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  const ms = Date.now() - started;
  expect(child.signal, `the replay did not end within ${CHILD_TIMEOUT_MS} ms: it waits for a dead thread`).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return { ...JSON.parse(child.stdout), ms };
}

describe('a worker thread that dies without an error', () => {
  it('the sweep runs to the end without the hook (the control)', () => {
    const r = replayInChild({ configs: SWEEP, parallel: true, sweepRing: { slots: 2, rows: 1024 } });
    expect(r.error).toBeUndefined();
    expect(r.rows).toBe(300_000);
  });

  it("a sweep's replay thread calling process.exit() while the main thread waits for a slot", () => {
    const r = replayInChild({ configs: SWEEP, parallel: true, sweepRing: { slots: 2, rows: 1024 }, threadDeath: { batches: 20, how: 'exit' } });
    expect(r.error?.message).toBe(replayMsg.threadExited('replay', 1));
    expect(r.error?.message).not.toContain('\n');
  });

  it("a sweep's replay thread running out of memory (no JavaScript of it runs after) while the main thread waits for a slot", () => {
    const r = replayInChild({ configs: SWEEP, parallel: true, sweepRing: { slots: 2, rows: 1024 }, threadDeath: { batches: 20, how: 'out-of-memory' } });
    expect(r.error?.message).toMatch(/^Worker terminated due to reaching memory limit: JS heap out of memory$/);
  });

  it('the parse worker (one configuration) calling process.exit()', () => {
    const r = replayInChild({ configs: [{}], parallel: true, threadDeath: { batches: 10, how: 'exit' } });
    expect(r.error?.message).toBe(replayMsg.threadExited('parse', 1));
  });

  it('the parse worker (three configurations) running out of memory', () => {
    const r = replayInChild({ configs: SWEEP.slice(0, 3), parallel: true, threadDeath: { batches: 10, how: 'out-of-memory' } });
    expect(r.error?.message).toMatch(/^Worker terminated due to reaching memory limit: JS heap out of memory$/);
  });
});
