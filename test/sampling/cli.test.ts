/** `replay` of a sampled trace and `replay --keep-sample`, run as a user runs them: labels, tags, JSON, bad options. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeTrace } from '../helpers/trace.js';
import { sampleTrace, traceText } from './sample-trace.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const RR = new URL('../fixtures/kernel/lo-rr-e128-f64.csv.gz', import.meta.url).pathname;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--no-progress'], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rfs-replay replay with flow sampling', () => {
  const sampled = sampleTrace(traceText(RR), { shift: 9, bits: 4 }, 'rr-s16.csv');

  it('a sampled trace: the rule, ~ before estimates, configurations below the bound tagged', () => {
    const r = run('replay', sampled, '--entries', '128,8192');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('sampled trace: only the flows with hash bits 9..12 zero, one in 16.');
    expect(r.out).toContain(
      "below 8,192 global slots kept and dropped flows share slots, so the global table's metrics are estimates (too good: the dropped flows' collisions are missing) for E=128 fc=64 k=6.16 cpus=2.",
    );
    const below = r.out.split('\n').find((l) => l.startsWith('E=128 '))!;
    const above = r.out.split('\n').find((l) => l.startsWith('E=8192 '))!;
    expect(below).toMatch(/^E=128 fc=64 k=6\.16 cpus=2(?: \*)? \(below bound\) +~\d+\.\d\d% +~/);
    // At the bound the global table's ratios are exact, placement still an estimate (deliver rows move the heads).
    expect(above).toMatch(/^E=8192 fc=64 k=6\.16 cpus=2 +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d\d% +~\d+\.\d\d% +~\d+\.\d\d%/);
    expect(r.out).toContain('~ = estimated:');
  });

  it('--keep-sample: a whole trace counted for the kept flows, in the text and the JSON', () => {
    const json = writeTrace('', 'keep.json');
    const r = run('replay', RR, '--keep-sample', '1/16', '--entries', '8192', '--json', json);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('counting only the flows with hash bits 9..12 zero, one in 16 (--keep-sample)');
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.trace.sampling).toEqual({ sample_shift: 9, sample_bits: 4, one_in: 16, exact_from_entries: 8192, applied: 'replay' });
    expect(j.configs[0].sampling.global_table_exact).toBe(true);
    // Every row was read; only the counters are the kept flows'.
    expect(j.configs[0].metrics.packets).toBeLessThan(j.trace.events.packet / 4);
    const s = run('replay', RR, '--keep-sample', '1/4', '--sample-shift', '0', '--entries', '8192');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain('counting only the flows with hash bits 0..1 zero, one in 4 (--keep-sample)');
  });

  it.each([
    [
      ['--keep-sample', '1/15'],
      '--keep-sample expects 1/N with N a power of two (1/2 … 1/2^31) whose bits fit above --sample-shift 9 in the 32-bit hash, got "1/15"',
    ],
    [['--keep-sample', '1/16', '--sample-shift', '29'], 'got "1/16"'],
    [['--sample-shift', '3'], '--sample-shift needs --keep-sample 1/N'],
    [['--keep-sample', '1/16', '--sample-shift', '32'], '--sample-shift must be an integer from 0 to 31 (the lowest sampled hash bit), got "32"'],
    [['--keep-sample', '1/16', '--timeline'], '--keep-sample cannot be combined with --timeline: the time series count every flow'],
  ])('refuses %j in one line, exit 2', (args, message) => {
    const r = run('replay', RR, ...args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(message);
  });

  it('refuses --keep-sample on a trace that is sampled already', () => {
    const r = run('replay', sampled, '--keep-sample', '1/2');
    expect(r.code).toBe(2);
    expect(r.err).toContain('the trace is already sampled, 1/16 (hash bits 9..12 zero): --keep-sample counts the kept flows of a whole trace');
  });
});
