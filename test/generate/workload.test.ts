/**
 * Workload settings: layering (defaults < scenario < workload file < flags),
 * and one clear UsageError line for every bad value, whatever its source.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it, vi } from 'vitest';
import { buildWorkload, generateCommand } from '../../src/commands/generate.js';
import { UsageError } from '../../src/errors.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { allCpusMask, DEFAULT_WORKLOAD, listScenarios, readScenario } from '../../src/generate/workload.js';
import { workload } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-gen-wl-'));

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/**
 * Runs `rfs-replay generate ARGS` through yargs in-process, as the CLI does;
 * returns the exit status the command set and what it wrote to stderr.
 */
async function cli(args: string[]): Promise<{ status: number; stderr: string }> {
  const stderr: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  const before = process.exitCode;
  try {
    await yargs(args)
      .command(generateCommand)
      .strict()
      .fail((m, e) => {
        throw e ?? new UsageError(m);
      })
      .parseAsync();
    return { status: Number(process.exitCode ?? 0), stderr: stderr.join('') };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('workload layering', () => {
  it('every setting has a default: no flags at all is a valid workload', () => {
    const w = buildWorkload({ flags: {} });
    expect(w).toEqual({ ...DEFAULT_WORKLOAD, active: DEFAULT_WORKLOAD.flows });
  });

  it('applies scenario, then workload file, then flags', () => {
    const wl = file('w.json', JSON.stringify({ flows: 777, cpus: 4, zipf: 1.3 }));
    const w = buildWorkload({ scenario: 'web-short', workload: wl, flags: { cpus: '16', deliver: true } });
    const scenario = readScenario('web-short');
    expect(w.scenario).toBe('web-short');
    expect(w.connRequests).toBe(scenario.connRequests); // from the scenario
    expect(w.flows).toBe(777); // the file beats the scenario
    expect(w.zipf).toBe(1.3);
    expect(w.cpus).toBe(16); // the flag beats the file
    expect(w.deliver).toBe(true);
  });

  it('ships the named scenarios with descriptions', () => {
    const names = listScenarios();
    for (const n of ['web-short', 'bulk', 'keepalive-idle', 'threadpool', 'many-queues', 'small-table', 'bench']) expect(names).toContain(n);
    for (const n of names) expect(String(readScenario(n).description).length).toBeGreaterThan(20);
  });

  it('writes all-CPU masks in the sysfs form', () => {
    expect(allCpusMask(2)).toBe('3');
    expect(allCpusMask(8)).toBe('ff');
    expect(allCpusMask(32)).toBe('ffffffff');
    expect(allCpusMask(40)).toBe('ff,ffffffff');
    expect(allCpusMask(64)).toBe('ffffffff,ffffffff');
    expect(allCpusMask(33)).toBe('1,ffffffff');
  });
});

describe('bad settings are one clear line', () => {
  it.each([
    [{ flows: 'abc' }, '--flows must be a number, got "abc"'],
    [{ flows: '2.5' }, '--flows must be an integer, got "2.5"'],
    [{ flows: '0' }, '--flows must be at least 1 and at most 20000000, got 0'],
    [{ rate: '0' }, '--rate must be above 0 and at most 1000000000, got 0'],
    [{ reuse: '1.5' }, '--reuse must be at least 0 and at most 1, got 1.5'],
    [{ rates: 'pareto' }, '--rates must be one of uniform, zipf, got "pareto"'],
    [{ rss: 'crc32' }, '--rss must be one of lowbits, toeplitz, got "crc32"'],
    [{ connRequests: '-1' }, '--conn-requests must be at least 0 and at most 1000000000000, got -1'],
    [{ flows: '10', active: '11' }, '--active 11 is above --flows 10: there are only 10 clients to connect'],
    [{ rpsCpus: 'xyz' }, '--rps-cpus must be a hex CPU mask such as 3 or ff,ffffffff, got "xyz"'],
    [{ cpus: '8', rpsCpus: '100' }, '--rps-cpus 100 names CPU 8, but --cpus is 8'],
    [{ rss: 'toeplitz', hashBits: '16' }, '--hash-bits 16 needs --rss lowbits: Toeplitz hashes always have 32 bits'],
    [{ flows: '20000000', consumers: '4' }, '--flows 20000000 x --consumers 4 is above 67108864 consumer threads; lower one of them'],
    [{ kernel: 'a b' }, '--kernel must be a release string without spaces, "=", "," or "#", got "a b"'],
  ])('%o -> %s', (flags, message) => {
    expect(usageError(() => buildWorkload({ flags }))).toBe(message);
  });

  it('names the file and key of a bad workload file value', () => {
    const p = file('bad.json', JSON.stringify({ flows: -3 }));
    expect(usageError(() => buildWorkload({ workload: p, flags: {} }))).toBe(`${p}: flows must be at least 1 and at most 20000000, got -3`);
  });

  it('rejects unknown keys, invalid JSON, non-objects and missing files', () => {
    expect(usageError(() => buildWorkload({ workload: file('k.json', '{"flowz": 3}'), flags: {} }))).toMatch(
      /: unknown workload key "flowz" \(known: seed, scenario, /,
    );
    expect(usageError(() => buildWorkload({ workload: file('j.json', '{flows: 3}'), flags: {} }))).toMatch(/^workload .*j\.json is not valid JSON: /);
    expect(usageError(() => buildWorkload({ workload: file('a.json', '[1]'), flags: {} }))).toMatch(/must hold one JSON object of settings/);
    expect(usageError(() => buildWorkload({ workload: join(dir, 'none.json'), flags: {} }))).toBe(
      `cannot read workload ${join(dir, 'none.json')}: no such file`,
    );
  });

  it('names the known scenarios when the name is unknown', () => {
    expect(usageError(() => buildWorkload({ scenario: 'nope', flags: {} }))).toMatch(/^unknown scenario "nope" \(known: .*web-short/);
    expect(usageError(() => buildWorkload({ scenario: '../etc/passwd', flags: {} }))).toMatch(/^unknown scenario/);
  });
});

describe('rfs-replay generate (command)', () => {
  it('`generate --seed 9 -o x.csv` alone writes the default workload with seed 9 and a summary line', async () => {
    const out = join(dir, 'x.csv');
    const r = await cli(['generate', '--seed', '9', '-o', out]);
    expect(r.status).toBe(0);
    const expected = generateToBuffer(workload({ seed: 9 })).bytes;
    expect(readFileSync(out).equals(expected)).toBe(true);
    expect(r.stderr).toMatch(/^generated [\d,]+ rows \([0-9.]+ MB\) in [0-9.]+ s \([0-9.]+ M rows\/s\): .*x\.csv\n$/);
  });

  it('`--scenario NAME` picks a scenario and flags override it', async () => {
    const out = join(dir, 's.csv');
    expect((await cli(['generate', '--scenario', 'bulk', '--rows', '1000', '-o', out, '-q'])).status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('scenario=bulk');
    expect(
      text
        .trimEnd()
        .split('\n')
        .filter((l) => !l.startsWith('#')).length,
    ).toBe(1001);
  });

  it('a bad flag value is one line on stderr and exit status 2, and nothing is written', async () => {
    const out = join(dir, 'never.csv');
    const r = await cli(['generate', '--flows', 'lots', '-o', out]);
    expect(r).toEqual({ status: 2, stderr: 'rfs-replay: --flows must be a number, got "lots"\n' });
    expect(() => readFileSync(out)).toThrow();
  });

  it('an unwritable output is exit status 2 naming the path, and leaves no temporary file', async () => {
    const blocker = file('blocker', 'x');
    const r = await cli(['generate', '-o', join(blocker, 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rfs-replay: cannot write .*blocker\/x\.csv: (ENOTDIR|EEXIST)\n$/);
  });
});
