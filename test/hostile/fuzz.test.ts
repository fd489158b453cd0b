/**
 * Property-based fuzzing of both v1 readers with damaged copies of valid
 * traces (mutate.ts). For every input:
 * - the only exceptions are InputError / UsageError (anything else would be
 *   "internal error" at the CLI);
 * - it finishes in bounded time;
 * - the fast scanner and the csv-parse reference reader agree exactly: the
 *   same error line, or the same trace summary and metrics;
 * - when accepted, every configuration's metrics satisfy checkIdentities.
 *
 * CI runs FUZZ_RUNS=200 cases (default) with a fixed seed, so a failure is
 * reproducible. Long mode, by hand:
 *   FUZZ_RUNS=20000 npx vitest run test/hostile/fuzz.test.ts
 * (FUZZ_SEED=n picks another seed; fast-check prints the seed and path of any
 * counterexample, which FUZZ_SEED and FUZZ_PATH replay.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../src/types/metrics.js';
import { bothReaders, verdict, writeInput } from './harness.js';
import { caseArb, caseBytes, type FuzzCase } from './mutate.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed6);
const PATH = process.env.FUZZ_PATH;
/** Per input, both readers together; a trace of ~120 rows takes milliseconds, so this only trips on a hang or a blow-up. */
const CASE_BUDGET_MS = 5_000;
if (process.env.FUZZ_RUNS) console.log(`fuzz: long mode, ${RUNS} runs, seed ${SEED}`);

const CONFIGS = [{}, { entries: 16 }, { kernel: '3.19' as const }, { entries: 0, flowCnt: 1 }];
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

let cases = 0;
const stats = { accepted: 0, rejected: 0, reasons: new Set<string>() };
async function check(c: FuzzCase): Promise<void> {
  const path = writeInput(caseBytes(c), `fuzz-${cases++ % 64}.csv`);
  const started = performance.now();
  const { fast, ref } = await bothReaders(path, { lenient: c.lenient, chunkSize: c.chunkSize }, CONFIGS);
  const took = performance.now() - started;
  expect(took, 'both readers within the time budget').toBeLessThan(CASE_BUDGET_MS);
  expect(verdict(fast)).toEqual(verdict(ref));
  stats[fast.ok ? 'accepted' : 'rejected']++;
  if (!fast.ok) stats.reasons.add('reason' in fast.error ? fast.error.reason : 'usage');
  // A cut gzip stream is never read as a shorter trace: it is always an error.
  if (c.gzip && c.cutGzip !== null) expect(fast.ok, 'truncated gzip accepted').toBe(false);
  if (fast.ok) {
    for (const cfg of fast.result.configs) expect(checkIdentities(cfg.metrics), cfg.label).toEqual([]);
    // Accepted means every row was either replayed or (lenient) counted as skipped.
    expect(fast.result.trace.rows).toBeGreaterThan(0);
  } else {
    expect(fast.line.split('\n')).toHaveLength(1);
  }
}

describe('fuzz: damaged traces', () => {
  it(
    `both readers agree, never crash, never hang, and accepted replays satisfy the metric identities (${RUNS} runs)`,
    async () => {
      await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: true });
      // The mutations must exercise both outcomes and many kinds of rejection, or the agreement above proves little.
      if (!PATH) {
        expect(stats.accepted).toBeGreaterThan(RUNS / 10);
        expect(stats.rejected).toBeGreaterThan(RUNS / 10);
        expect(stats.reasons.size).toBeGreaterThanOrEqual(6);
      }
      if (process.env.FUZZ_RUNS) console.log(`fuzz: ${stats.accepted} accepted, ${stats.rejected} rejected; reasons: ${[...stats.reasons].sort().join(', ')}`);
    },
    Math.max(120_000, RUNS * 200),
  );

  it('the CLI exits 0 or 2 with one stderr line and never leaves a partial JSON, on a sample of the cases', () => {
    const sample = fc.sample(caseArb, { numRuns: 16, seed: SEED + 1 });
    let rejected = 0;
    for (const c of sample) {
      const path = writeInput(caseBytes(c));
      const json = `${path}.json`;
      const args = [CLI, 'replay', path, '--no-progress', '--json', json, ...(c.lenient ? ['--lenient'] : [])];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
      expect([0, 2], r.stderr).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.status === 2) {
        rejected++;
        expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
        expect(existsSync(json)).toBe(false);
      } else {
        expect(JSON.parse(readFileSync(json, 'utf8')).schema).toBe('rfs-replay/result');
      }
    }
    // The sample must exercise the rejection path, or this test proves little.
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);
});
