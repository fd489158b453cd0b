/**
 * `rfs-replay report` as a user runs it: the built CLI (npm test builds it
 * first), its exit status and what it prints.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/cli.js';

function cli(...args: string[]) {
  if (!existsSync(CLI) || statSync('dist/commands/report.js').mtimeMs < statSync('src/commands/report.ts').mtimeMs) {
    throw new Error('dist/ is missing or older than src/: run `npx tsc -p .` (npm test does)');
  }
  return spawnSync(process.execPath, [CLI, 'report', ...args], { encoding: 'utf8' });
}

describe('rfs-replay report (CLI)', () => {
  it('writes the report and prints the JSON path, then the HTML path last; no progress bar off a terminal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-cli-'));
    const html = join(dir, 'default.html');
    const r = cli('traces/default.csv.gz', '-o', html);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`JSON: ${join(dir, 'default.json')}`);
    expect(lines.at(-1)).toBe(`HTML report: ${html}`);
    expect(existsSync(html)).toBe(true);
    expect(existsSync(join(dir, 'default.json'))).toBe(true);
  });

  it('on a perf-script import: the detected format, global advice unknown, and the note on the socket side before the table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-cli-'));
    const r = cli('test/fixtures/importers/perf-script.txt', '-o', join(dir, 'p.html'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('  input format: perf-script (detected from the content)');
    expect(lines[2]).toBe('  kernel profile: 6.16 (the default: the trace names no kernel)');
    expect(lines[3]).toMatch(/^ {2}No advice on the global table size \(unknown\)/);
    const note = lines.findIndex((l) => l.startsWith('  NOTE: No socket side:'));
    expect(note).toBeGreaterThan(3);
    expect(lines[note]).toContain('rfs-replay capture records the socket side');
    expect(note).toBeLessThan(lines.findIndex((l) => l.trimStart().startsWith('Advice')));
    expect(
      lines
        .find((l) => l.trimStart().startsWith('Advice'))!
        .trim()
        .split(/\s{2,}/),
    ).toEqual(['Advice', 'unknown / unknown']);
  });

  it("--help explains --cpus as what-ifs next to the trace's own count, and --fifo-ns", () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain("nr_cpu_ids what-ifs, e.g. 4,8, replayed next to the trace's own nr_cpu_ids, which always stays");
    expect(help).toContain('--fifo-ns');
  });

  it("--cpus 4,16 prints the CPU what-if table next to the trace's own nr_cpu_ids", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-cli-'));
    const r = cli('traces/default.csv.gz', '--cpus', '4,16', '--entries', '128,1024', '--flow-cnt', '64', '-o', join(dir, 'd.html'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('CPU count what-if at the configured sizes');
    // roundup_pow_of_two(16) - 1 = 0xf.
    expect(r.stdout).toMatch(/^\s+6\.16\s+16\s+0xf\s/m);
    expect(r.stdout).toMatch(/^\s+6\.16\s+\d+ \(trace\)\s+0x[0-9a-f]+\s/m);
  });

  it.each([
    [['/nonexistent/t.csv.gz'], 'rfs-replay: cannot read /nonexistent/t.csv.gz: no such file'],
    [['traces/default.csv.gz', '--entries', '64,x'], 'rfs-replay: --entries expects a comma-separated list of integers, got "64,x"'],
    [['traces/default.csv.gz', '--flow-cnt', '0'], 'rfs-replay: --flow-cnt sizes must be from 1 to 1073741824, got 0'],
    [
      ['traces/default.csv.gz', '--kernel', 'linux'],
      'rfs-replay: --kernel expects kernel releases such as 6.18 or 5.10.0-23-amd64 (2.6.35 or later, when RFS began), got "linux"',
    ],
    [['traces/default.csv.gz', '--cpus', 'many'], 'rfs-replay: --cpus must be an integer from 1 to 65535, got "many"'],
    [
      ['traces/default.csv.gz', '--cpus', '4,,8'],
      'rfs-replay: --cpus expects one nr_cpu_ids or a comma-separated list of them, each from 1 to 65535, got "4,,8"',
    ],
    [
      ['traces/default.csv.gz', '--cpus', '4,70000'],
      'rfs-replay: --cpus expects one nr_cpu_ids or a comma-separated list of them, each from 1 to 65535, got "4,70000"',
    ],
    [['traces/default.csv.gz', '--fifo-ns', '0'], 'rfs-replay: --fifo-ns must be a positive integer number of nanoseconds, got "0"'],
    [['traces/default.csv.gz', '--fifo-ns', '1e3'], 'rfs-replay: --fifo-ns must be a positive integer number of nanoseconds, got "1e3"'],
    [['traces/default.csv.gz', '-o', 'report.pdf'], 'rfs-replay: -o expects a path ending in .html, got "report.pdf"'],
  ])('bad input %j → one line on stderr, exit 2, nothing on stdout', (args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.stdout).toBe('');
  });
});
