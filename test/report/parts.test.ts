/**
 * A report pass of many closed-loop lanes is replayed in parts
 * (analyze/sweep.ts nextReplayPart()): the merged result must be the one replay
 * of the whole pass would give, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { planReport } from '../../src/analyze/sweep.js';
import { replayFile } from '../../src/replay/engine.js';
import { replayForReport } from '../../src/report/run.js';

const CAPTURE = 'test/fixtures/kernel/lo-rr-e128-f64.csv.gz';

describe('a report pass in parts', () => {
  it('gives what one replay of the pass gives: trace summary, follow evidence and every configuration', async () => {
    const plan = planReport();
    const options = { closedLoop: true, command: ['rfs-replay', 'report', CAPTURE] };
    const calls: number[] = [];
    const counting: typeof replayFile = (path, o) => {
      calls.push(o.configs.length);
      return replayFile(path, o);
    };
    const { result } = await replayForReport(CAPTURE, plan, counting, options);
    // The first pass in two parts: the first configuration alone (its replay tells the trace's size), then the rest, which fit.
    expect(calls.slice(0, 2)).toEqual([1, 14]);
    const whole = await replayFile(CAPTURE, { ...options, configs: plan.requests, hash: true });
    expect(whole.trace.follow).not.toBeNull();
    const first = { ...result, configs: result.configs.slice(0, plan.requests.length) };
    expect(JSON.stringify(first)).toBe(JSON.stringify(whole));
  }, 120_000);
});
