/**
 * What `report` says while and after it works (issue 23, item 11): absolute
 * paths, a file it replaced, a "writing the report" line on a terminal, and
 * sentences broken at word boundaries to the terminal's width.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, DEFAULT_TRACE, runCli } from '../helpers/cli.js';

const SMALL = ['--entries', '128,1024', '--flow-cnt', '64,128'];
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** The command in a pseudo-terminal of `columns` columns (util-linux script), and what the terminal showed. */
function inTerminal(args: string[], columns: number, cwd: string): string {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `stty cols ${columns}; ${quoted}`, '/dev/null'], { cwd, encoding: 'utf8', env: { ...process.env, COLUMNS: '' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('report output', () => {
  it('report <trace> in a folder: absolute paths under it, and "replaced" the second time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-out-'));
    const first = runCli(['report', DEFAULT_TRACE, ...SMALL], { cwd: dir });
    expect(first.code, first.err).toBe(0);
    const tail = (out: string) => out.trimEnd().split('\n').slice(-2);
    expect(tail(first.out)).toEqual([`JSON: ${join(dir, 'reports', 'default.json')}`, `HTML report: ${join(dir, 'reports', 'default.html')}`]);
    const again = runCli(['report', DEFAULT_TRACE, ...SMALL], { cwd: dir });
    expect(tail(again.out)).toEqual([
      `JSON: ${join(dir, 'reports', 'default.json')} (replaced the earlier file)`,
      `HTML report: ${join(dir, 'reports', 'default.html')} (replaced the earlier file)`,
    ]);
    // A relative -o is printed absolute too.
    const rel = runCli(['report', DEFAULT_TRACE, ...SMALL, '-o', 'out/r.html'], { cwd: dir });
    expect(tail(rel.out)[1]).toBe(`HTML report: ${join(dir, 'out', 'r.html')}`);
  });

  it('off a terminal the sentences stay one line each (for files and pipes), and $COLUMNS wraps them', () => {
    const plain = runCli(['report', DEFAULT_TRACE, ...SMALL, '-o', join(mkdtempSync(join(tmpdir(), 'rfs-out-')), 'r.html')]);
    const verdict = plain.out.split('\n').find((l) => l.startsWith('  Keep the global table'))!;
    expect(verdict.length).toBeGreaterThan(100);
    const wrapped = runCli(['report', DEFAULT_TRACE, ...SMALL, '-o', join(mkdtempSync(join(tmpdir(), 'rfs-out-')), 'r.html')], { env: { COLUMNS: '72' } });
    const lines = wrapped.out.split('\n');
    const start = lines.findIndex((l) => l.startsWith('  Keep the global table'));
    // The sentence, broken at spaces: each line within 72 columns, continuation lines indented, the words unchanged.
    const own = [lines[start], ...lines.slice(start + 1).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('    ')))];
    expect(own.length).toBeGreaterThan(2);
    for (const l of own) expect(l.length).toBeLessThanOrEqual(72);
    expect(own.map((l) => l.trim()).join(' ')).toBe(verdict.trim());
  });

  it.skipIf(!hasScript)('on a terminal: "writing the report" after the replay, and sentences fit its width', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-tty-'));
    const screen = inTerminal(['report', DEFAULT_TRACE, ...SMALL, '-o', join(dir, 'r.html')], 60, dir);
    const writing = screen.indexOf('writing the report (rendering its charts)…');
    expect(writing).toBeGreaterThan(screen.lastIndexOf('replaying ['));
    expect(writing).toBeLessThan(screen.indexOf('default.csv.gz:'));
    const text = screen.slice(screen.indexOf('default.csv.gz:')).replace(/\r/g, '');
    // Sentences, not table rows (whose cells are apart by two spaces or more).
    const sentences = text.split('\n').filter((l) => /^ {2,4}[A-Za-z]/.test(l) && !/\S {2,}\S/.test(l));
    expect(sentences.length).toBeGreaterThan(5);
    for (const l of sentences) expect(l.length, l).toBeLessThanOrEqual(60);
    // No word is cut: every line ends at the end of a word.
    expect(text).toContain('  Keep the global table at 128 slots: no size tried moves\n    locality by more than the noise margin.');
  });
});
