/**
 * --json edge cases, numeric options echoed as typed, and numbers as people
 * read them (issue 23, items 4, 5 and 9).
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, runCli, tableRow } from '../helpers/cli.js';
import { header, rows, writeTrace } from '../helpers/trace.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'rfs-cli-'));

describe('--json (item 4)', () => {
  it.each(['replay', 'report'])('%s … --json with no file name: an error, exit 2, nothing written', (command) => {
    const dir = scratch();
    const r = runCli([command, DEFAULT_TRACE, '--json', '--no-progress'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toBe('rfs-replay: --json needs a value after it (see rfs-replay --help)\n');
    expect(r.out).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an empty file name is an error too', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--json', '', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('rfs-replay: --json needs a file name (or - for standard output)\n');
  });

  it('replay … --json -: the JSON alone on standard output, the summary on standard error', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--json', '-', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.schema).toBe('rfs-replay/result');
    expect(result.configs[0].role).toBe('configured');
    expect(r.err).toContain('input format: rfs-trace v1 (detected from the content)');
    expect(r.err).toMatch(/^E=128 fc=64 k=6\.16 cpus=2 \*/m);
  });

  it('report … --json -: the report JSON on standard output, the HTML still written, the text on standard error', () => {
    const dir = scratch();
    const r = runCli(['report', DEFAULT_TRACE, '--json', '-', '-o', join(dir, 'd.html')]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).schema).toBe('rfs-replay/report');
    expect(existsSync(join(dir, 'd.html'))).toBe(true);
    expect(existsSync(join(dir, 'd.json'))).toBe(false);
    expect(r.err).toContain(`HTML report: ${join(dir, 'd.html')}`);
  });

  it('validate … --json -', () => {
    const r = runCli(['validate', DEFAULT_TRACE, '--json', '-']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).schema).toBe('rfs-replay/validate');
    expect(r.err).toMatch(/agreement 99\.\d\d%/);
  });
});

describe('numeric options: one type everywhere, bad values echoed as typed (item 5)', () => {
  it.each([
    [['replay', DEFAULT_TRACE, '--fifo-ns', 'abc'], 'rfs-replay: --fifo-ns must be a positive integer number of nanoseconds, got "abc"'],
    [['report', DEFAULT_TRACE, '--fifo-ns', 'abc'], 'rfs-replay: --fifo-ns must be a positive integer number of nanoseconds, got "abc"'],
    [['validate', DEFAULT_TRACE, '--min-agreement', 'abc'], 'rfs-replay: --min-agreement must be a number from 0 to 1, found "abc"'],
    [['validate', DEFAULT_TRACE, '--min-agreement', '1.5'], 'rfs-replay: --min-agreement must be a number from 0 to 1, found "1.5"'],
    [['generate', '--flows', 'abc', '-o', '/dev/null'], 'rfs-replay: --flows must be a number, got "abc"'],
    [['capture', '--duration', 'abc', '-o', '/dev/null'], 'rfs-replay: --duration must be a positive number of seconds, found "abc"'],
  ])('%j', (args, message) => {
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message}\n`);
  });

  it('--help lists every numeric option as [number], in every command that has it', () => {
    const helps = new Map<string, string>();
    const typeOf = (command: string, option: string) => {
      if (!helps.has(command)) helps.set(command, runCli([command, '--help'], { env: { COLUMNS: '100' } }).out);
      const text = helps.get(command)!;
      // The option's entry runs to the next option; its type is the last bracket that names one.
      const entry = text.slice(text.indexOf(`--${option} `)).split(/\n\s+(?:-\w, )?--/)[0];
      return [...entry.matchAll(/\[(number|string|boolean|array)\]/g)].at(-1)?.[1];
    };
    expect(typeOf('replay', 'fifo-ns')).toBe('number');
    expect(typeOf('report', 'fifo-ns')).toBe('number');
    expect(typeOf('validate', 'min-agreement')).toBe('number');
    expect(typeOf('capture', 'duration')).toBe('number');
    for (const flag of ['seed', 'cpus', 'flows', 'rate', 'duration', 'rows', 'zipf', 'migration', 'hash-bits'])
      expect(typeOf('generate', flag), flag).toBe('number');
    expect(typeOf('generate', 'rss')).toBe('string');
    // --cpus takes a list in replay and report: a string in both.
    expect(typeOf('replay', 'cpus')).toBe('string');
    expect(typeOf('report', 'cpus')).toBe('string');
  });
});

describe('numbers as people read them (item 9)', () => {
  it('replay: thousands separators everywhere in the summary', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('kernel decisions: 30,197 deliver rows; lost events: 2,683 packets without deliver, 95 delivers without packet');
  });

  it('one of a thing is singular: "1 row", "1 packet", "skipped 1 bad row"', () => {
    const trace = writeTrace(header({ cpus: 2, entries: 64 }) + rows('packet,0,,,0x10,,', 'bogus,1,0xs1,1,0x10,,'), 'one-bad.csv');
    const r = runCli(['replay', trace, '--lenient', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('one-bad.csv: 1 row over 0.000 s — 1 packet, 0 socket records, 1 flow,');
    expect(r.out).toMatch(/^skipped 1 bad row \(--lenient\): unknown_event 1; first: /m);
  });

  it('generate -o x.csv.gz reports the size of the file written, and the text it holds', () => {
    const out = join(scratch(), 'x.csv.gz');
    const r = runCli(['generate', '--scenario', 'bulk', '--rows', '20000', '-o', out]);
    expect(r.code, r.err).toBe(0);
    const m = /^generated 20,000 rows \(([0-9.]+) MB, ([0-9.]+) MB uncompressed\) in /.exec(r.err);
    expect(m, r.err).not.toBeNull();
    expect(m![1]).toBe((statSync(out).size / 1e6).toFixed(1));
    expect(Number(m![2])).toBeGreaterThan(Number(m![1]) * 3);
    const plain = runCli(['generate', '--scenario', 'bulk', '--rows', '20000', '-o', join(scratch(), 'x.csv')]);
    expect(plain.err).toMatch(/^generated 20,000 rows \([0-9.]+ MB\) in /);
  });

  it('replay … --entries 0: RFS off says why the rates are — and how to replay a table', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--entries', '0', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(tableRow(r.out, 'E=0 fc=64 k=6.16 cpus=2')!.slice(1, 5)).toEqual(['—', '—', '—', '—']);
    expect(r.out).toContain(
      'E=0: RFS is off (rps_sock_flow_entries = 0), so there is no table to look up and the hit, collision, alias and stale rates are —; pass --entries N (e.g. --entries 32768) to replay a table of N slots.',
    );
    expect(runCli(['replay', DEFAULT_TRACE, '--no-progress']).out).not.toContain('RFS is off');
  });
});
