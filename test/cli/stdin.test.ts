/**
 * `-` reads the trace from standard input, plain or gzip (told apart by
 * content), in every command that takes a trace (issue 23, item 10):
 * `zcat t.csv.gz | rfs-replay replay -`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stdinArgs } from '../../src/commands/common.js';
import { STDIN_PATH } from '../../src/ingest/source.js';
import { DEFAULT_TRACE, runCli } from '../helpers/cli.js';
import { header, rows, writeTrace } from '../helpers/trace.js';

const gz = readFileSync(DEFAULT_TRACE);
const plain = gunzipSync(gz);
/** The output from the table on: what the replay found, whatever the trace was called. */
const table = (out: string) => out.slice(out.indexOf('\nconfiguration '), out.indexOf('\nJSON: ') >= 0 ? out.indexOf('\nJSON: ') : undefined);

describe('a trace on standard input', () => {
  const fromFile = runCli(['replay', DEFAULT_TRACE, '--no-progress']);

  it.each([
    ['zcat t.csv.gz | rfs-replay replay - (plain text)', plain],
    ['rfs-replay replay - < t.csv.gz (gzip, detected by content)', gz],
  ])('%s replays as the file does', (_, input) => {
    const json = writeTrace('', `stdin-${input.length}.json`);
    const r = runCli(['replay', '-', '--json', json, '--no-progress'], { input });
    expect(r.code, r.err).toBe(0);
    expect(table(r.out)).toBe(table(fromFile.out));
    expect(r.out).toMatch(/^stdin: 126,212 rows over 3\.041 s/m);
    const trace = JSON.parse(readFileSync(json, 'utf8')).trace;
    expect([trace.path, trace.file, trace.gzip]).toEqual(['-', 'stdin', input === gz]);
  });

  it('replay - --json -: both standard streams in one command', () => {
    const r = runCli(['replay', '-', '--json', '-', '--no-progress'], { input: gz });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).trace.events.packet).toBe(32785);
  });

  it('report - reads it twice (two passes) and names the report stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-stdin-'));
    const r = runCli(['report', '-', '--entries', '128,1024', '--flow-cnt', '64,128', '-o', join(dir, 'r.html')], { input: gz });
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toBe('stdin:');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.result.trace.path).toBe('-');
    // The second pass (per-queue sizes) read the same trace.
    expect(report.result.configs.filter((c: { rps_flow_cnt: number[] }) => c.rps_flow_cnt[0] === 128)).toHaveLength(1);
    const named = runCli(['report', '-', '--entries', '128,1024', '--flow-cnt', '64,128'], { input: gz, cwd: dir });
    expect(named.out).toContain(`HTML report: ${join(dir, 'reports', 'stdin.html')}`);
  });

  it('validate - and validate --predict -', () => {
    const v = runCli(['validate', '-'], { input: plain });
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/^stdin: agreement 99\.\d\d%/m);
    const p = runCli(['validate', 'test/fixtures/kernel/lo-rr-e128-f64.csv.gz', '--predict', '-'], { input: gz });
    expect(p.code, p.err).toBe(0);
    expect(p.out).toContain("replayed at stdin's configuration");
  });

  it('bad input on standard input is reported at stdin:line:column', () => {
    const bad = header({ cpus: 2, entries: 64 }) + rows('recvmsg,1,0xs1,1,0x1g,,');
    const r = runCli(['replay', '-', '--no-progress'], { input: bad });
    expect(r.code).toBe(2);
    expect(r.err).toBe('stdin:4:23: expected rxhash as an unsigned 32-bit integer (decimal or 0x hex), found "0x1g"\n');
    const empty = runCli(['replay', '-', '--no-progress'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.err).toBe('stdin:1:1: empty file: expected "# rfs-trace v1" on the first line\n');
  });
});

describe('stdinArgs: a lone "-" reaches the commands', () => {
  it('as standard input for a trace, as standard output after --json and -o', () => {
    expect(stdinArgs(['replay', '-', '--json', '-'])).toEqual(['replay', STDIN_PATH, '--json', '-']);
    expect(stdinArgs(['report', 'a.csv', '-', '-o', '-'])).toEqual(['report', 'a.csv', STDIN_PATH, '-o', '-']);
    expect(stdinArgs(['generate', '--output', '-'])).toEqual(['generate', '--output', '-']);
    expect(stdinArgs(['validate', 'a.csv', '--predict', '-'])).toEqual(['validate', 'a.csv', '--predict', STDIN_PATH]);
  });
});
