import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { optMsg, reportMsg } from '../../src/messages.js';
import { expandInputs, replayForReport, reportName, runReport } from '../../src/report/run.js';
import { fakeReplay, planWith } from './fixtures.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rfs-report-'));
}

function touch(path: string): string {
  writeFileSync(path, '# rfs-trace v1\n');
  return path;
}

describe('reportName', () => {
  it('drops .gz and .csv', () => {
    expect(reportName('traces/default.csv.gz')).toBe('default');
    expect(reportName('/x/lo-rr-e128-f64.csv')).toBe('lo-rr-e128-f64');
    expect(reportName('a.b.gz')).toBe('a.b');
  });
});

describe('expandInputs', () => {
  it('lists the traces of a folder by name, sorted, and keeps plain files as given', () => {
    const dir = tempDir();
    touch(join(dir, 'b.csv.gz'));
    touch(join(dir, 'a.csv'));
    touch(join(dir, 'notes.txt'));
    mkdirSync(join(dir, 'sub.csv'));
    const f = touch(join(tempDir(), 'x.gz'));
    expect(expandInputs([dir, f])).toEqual([join(dir, 'a.csv'), join(dir, 'b.csv.gz'), f]);
  });

  it('fails in one clear line on a missing path or an empty folder', () => {
    expect(() => expandInputs(['/nonexistent/t.csv'])).toThrow(new UsageError(optMsg.noSuchFile('/nonexistent/t.csv')));
    const empty = tempDir();
    expect(() => expandInputs([empty])).toThrow(new UsageError(reportMsg.emptyFolder(empty)));
  });
});

describe('runReport', () => {
  it('replays the plan with the sha256, then the per-queue sweep at the advised global size, and writes HTML and JSON where asked', async () => {
    const dir = tempDir();
    const trace = touch(join(dir, 'my.csv.gz'));
    const { replay, calls } = fakeReplay();
    const printed: string[] = [];
    const out = await runReport({
      inputs: [trace],
      output: join(dir, 'out', 'r.html'),
      command: ['rfs-replay', 'report', trace],
      replay,
      print: (t) => printed.push(t),
    });

    // With the closed loop (the default) the first pass is replayed in two parts: the first configuration
    // alone, whose replay tells the trace's size, then the rest; the second pass fits one (analyze/sweep.ts nextReplayPart()).
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.options.hash)).toEqual([true, false, false]);
    expect([...calls[0].options.configs, ...calls[1].options.configs]).toHaveLength(1 + 13 + 1); // configured, global sweep, plain RPS
    // The fixture's advice is to grow to 8192 slots: the second pass sweeps per-queue sizes there, without hashing again.
    expect(calls[2].options.configs.map((c) => [c.entries, c.flowCnt])).toEqual(
      [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768].map((f) => [8192, f]),
    );
    expect(out.traces).toEqual([{ trace, html: join(dir, 'out', 'r.html'), json: join(dir, 'out', 'r.json') }]);
    expect(readFileSync(join(dir, 'out', 'r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'r.json'), 'utf8'));
    expect(json.result.trace.file).toBe('my.csv.gz');
    expect(json.result.command).toEqual(['rfs-replay', 'report', trace]);
    // The last line printed is the HTML report's path.
    const text = printed.join('');
    expect(text.trimEnd().split('\n').at(-1)).toBe(reportMsg.wrote('HTML report', join(dir, 'out', 'r.html')));
  });

  it('honours --json for a single trace', async () => {
    const dir = tempDir();
    const trace = touch(join(dir, 't.csv'));
    const { replay } = fakeReplay();
    await runReport({ inputs: [trace], output: join(dir, 'r.html'), json: join(dir, 'data', 'x.json'), command: [], replay });
    expect(existsSync(join(dir, 'data', 'x.json'))).toBe(true);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
  });

  it('with several traces writes a report per trace and one comparison report next to them', async () => {
    const dir = tempDir();
    const traces = join(dir, 'traces');
    mkdirSync(traces);
    touch(join(traces, 'web.csv.gz'));
    touch(join(traces, 'bulk.csv.gz'));
    const { replay, calls } = fakeReplay();
    const out = await runReport({ inputs: [traces], output: join(dir, 'rep', 'grid.html'), command: [], replay });
    // Three replays a trace (the first pass in two parts, the second in one), each trace sized on its own.
    expect(calls.map((c) => c.path)).toEqual([
      join(traces, 'bulk.csv.gz'),
      join(traces, 'bulk.csv.gz'),
      join(traces, 'bulk.csv.gz'),
      join(traces, 'web.csv.gz'),
      join(traces, 'web.csv.gz'),
      join(traces, 'web.csv.gz'),
    ]);
    expect(calls.map((c) => c.options.configs.length)).toEqual([1, 14, 13, 1, 14, 13]);
    expect(out.traces.map((t) => t.html)).toEqual([join(dir, 'rep', 'bulk.html'), join(dir, 'rep', 'web.html')]);
    expect(out.comparison).toEqual({ html: join(dir, 'rep', 'grid.html'), json: join(dir, 'rep', 'grid.json') });
    const doc = JSON.parse(readFileSync(join(dir, 'rep', 'grid.json'), 'utf8'));
    expect(doc.schema).toBe('rfs-replay/comparison');
    expect(doc.rows.map((r: any) => [r.name, r.report_href, r.global_action, r.recommended_entries, r.queue_action, r.recommended_flow_cnt])).toEqual([
      ['bulk', 'bulk.html', 'grow', 8192, 'keep', 64],
      ['web', 'web.html', 'grow', 8192, 'keep', 64],
    ]);
    const html = readFileSync(join(dir, 'rep', 'grid.html'), 'utf8');
    expect(html).toContain('<a href="bulk.html">bulk</a>');
    expect(html).toContain('RFS table sizing across 2 traces');
  });

  it('rejects -o without .html, and two traces that would write the same report', async () => {
    const dir = tempDir();
    const a = touch(join(dir, 'same.csv'));
    mkdirSync(join(dir, 'x'));
    const b = touch(join(dir, 'x', 'same.csv.gz'));
    const { replay, calls } = fakeReplay();
    await expect(runReport({ inputs: [a], output: join(dir, 'r.txt'), command: [], replay })).rejects.toThrow(
      new UsageError(reportMsg.outputNotHtml(join(dir, 'r.txt'))),
    );
    await expect(runReport({ inputs: [a, b], command: [], replay })).rejects.toThrow(new UsageError(reportMsg.duplicateName('same', a, b)));
    expect(calls).toHaveLength(0);
  });
});

describe('replayForReport', () => {
  it('refuses to merge two passes over a trace that changed in between', async () => {
    const { replay } = fakeReplay();
    let call = 0;
    const changing = async (path: string, options: Parameters<typeof replay>[1]) => {
      const r = await replay(path, options);
      return ++call === 1 ? r : { ...r, trace: { ...r.trace, rows: r.trace.rows + 1 } };
    };
    await expect(replayForReport('traces/t.csv', planWith(), changing, {})).rejects.toThrow(new UsageError(reportMsg.traceChanged('traces/t.csv')));
  });
});
