/** --help as a first-time user reads it (issue 23, item 8). */
import { describe, expect, it } from 'vitest';
import { helpMsg } from '../../src/messages.js';
import { runCli } from '../helpers/cli.js';

const help = (command: string, columns: number) => {
  const r = runCli([command, '--help'], { env: { COLUMNS: String(columns) } });
  expect(r.code, r.err).toBe(0);
  return r.out;
};

describe('--help', () => {
  it.each([80, 100])('at %i columns, every example command stands whole on a line of its own, after what it does', (columns) => {
    const examples: [string, [string, string][]][] = [
      ['replay', helpMsg.replay.examples],
      ['report', helpMsg.report.examples],
      ['validate', helpMsg.validate.examples],
      [
        'capture',
        [
          ['sudo rfs-replay capture --duration 5 -o traces/mine.csv.gz', 'five seconds of the whole machine'],
          ['sudo rfs-replay capture --duration 10 --netns B --dev vethB -o t.csv', 'packets of vethB in namespace B, sockets of every namespace'],
        ],
      ],
    ];
    for (const [command, list] of examples) {
      const lines = help(command, columns)
        .split('\n')
        .map((l) => l.trim());
      for (const [example, what] of list) {
        expect(example.length, `${example} fits 80 columns`).toBeLessThanOrEqual(80 - 4);
        expect(`# ${what}`.length, `${what} fits 80 columns`).toBeLessThanOrEqual(80 - 4);
        const at = lines.indexOf(example);
        expect(at, `${command}: "${example}" whole on one line`).toBeGreaterThan(0);
        expect(lines[at - 1]).toBe(`# ${what}`);
      }
    }
  });

  it("report's trace argument is required, with no [default: []]", () => {
    const text = help('report', 100);
    const positional = text.slice(text.indexOf('Positionals:'), text.indexOf('Options:'));
    expect(positional).toContain('[required]');
    expect(positional).not.toContain('default');
  });

  it.each(['replay', 'report', 'validate'])('%s describes every input it accepts, and - for standard input', (command) => {
    const text = help(command, 100).replace(/\s+/g, ' ');
    for (const input of [
      'v1 trace (CSV, optionally gzip)',
      'the capture program run by bpftrace',
      'perf script text',
      'ftrace / trace-cmd text',
      '- reads standard input',
    ])
      expect(text).toContain(input);
    expect(text).not.toContain('v1 CSV, optionally gzip');
  });

  it('--list-scenarios and the help texts name no internal reference (issue numbers)', () => {
    const list = runCli(['generate', '--list-scenarios']);
    expect(list.code).toBe(0);
    expect(list.out).toContain('bench ');
    const all = [list.out, ...['replay', 'report', 'validate', 'generate', 'capture'].map((c) => help(c, 100))].join('\n');
    expect(all).not.toMatch(/\bissue\s*\d/i);
  });

  it('yargs errors are one line, exit 2, never a stack trace', () => {
    for (const args of [
      ['replay', 'traces/default.csv.gz', '--json'],
      ['report', 'traces/default.csv.gz', '-o'],
      ['generate', '-o'],
    ]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/^rfs-replay: (--json|-o) needs a value after it \(see rfs-replay --help\)\n$/);
    }
  });
});
