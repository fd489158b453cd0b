/**
 * Golden outputs: `rfs-replay replay --json` for every fixture, scenario and
 * real kernel capture, at several table sizes, profiles and head models,
 * compared byte for byte with the files committed in test/golden/outputs/.
 * They pin the engine's behaviour while its code moves: a refactor keeps them
 * identical; a change of behaviour regenerates them on purpose, in a commit
 * that says why:
 *
 *   npm run build && UPDATE_GOLDEN=1 npx vitest run test/golden
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const OUTPUTS = 'test/golden/outputs';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const INPUTS: Record<string, string> = {
  'lo-rr-head3000': 'test/fixtures/lo-rr-head3000.csv',
  'kernel-lo-rr': 'test/fixtures/kernel/lo-rr-e128-f64.csv.gz',
  'kernel-lo-bulk': 'test/fixtures/kernel/lo-bulk-e1024-f1024.csv.gz',
  'kernel-veth4q': 'test/fixtures/kernel/veth/veth4q-e64.csv.gz',
  default: 'traces/default.csv.gz',
  'web-short': 'traces/scenarios/web-short.csv.gz',
  bulk: 'traces/scenarios/bulk.csv.gz',
  'keepalive-idle': 'traces/scenarios/keepalive-idle.csv.gz',
  threadpool: 'traces/scenarios/threadpool.csv.gz',
  'many-queues': 'traces/scenarios/many-queues.csv.gz',
  'small-table': 'traces/scenarios/small-table.csv.gz',
  bench: 'traces/scenarios/bench.csv.gz',
  'perf-script': 'test/fixtures/importers/perf-script.txt',
  'ftrace-trace': 'test/fixtures/importers/ftrace-trace.txt',
  'trace-cmd-report': 'test/fixtures/importers/trace-cmd-report.txt',
  'trace-cmd-report-raw': 'test/fixtures/importers/trace-cmd-report-raw.txt',
  'bpftrace-text': 'test/fixtures/importers/bpftrace-text.txt',
  'bpftrace-f-json': 'test/fixtures/importers/bpftrace-f-json.json',
};

/** Argument sets: the trace's own configuration; a size × profile sweep (one pass, 12 lanes); per-queue sizes with a FIFO head model. */
const VARIANTS: Record<string, string[]> = {
  own: [],
  sweep: ['--entries', '64,256,4096,65536', '--kernel', '6.16,4.10,3.19'],
  queues: ['--entries', '1024', '--flow-cnt', '8,4096', '--kernel', '6.15,4.0', '--fifo-ns', '2000'],
};

/** The importers' traces have no table sizes in a header: they get the sweep's, here too. */
const NEEDS_ENTRIES = new Set(['perf-script', 'ftrace-trace', 'trace-cmd-report', 'trace-cmd-report-raw']);

describe.each(Object.entries(INPUTS))('golden replay --json: %s', (name, input) => {
  it.each(Object.entries(VARIANTS))('%s', (variant, args) => {
    const extra = variant === 'own' && NEEDS_ENTRIES.has(name) ? ['--entries', '256', '--flow-cnt', '64'] : [];
    const file = `${name}.${variant}.json`;
    const out = join('test/artifacts/golden', file);
    mkdirSync(join(ROOT, 'test/artifacts/golden'), { recursive: true });
    // Paths relative to the repository, so the command and trace path recorded in the JSON are the same on every machine.
    const r = spawnSync('node', ['dist/cli.js', 'replay', input, ...args, ...extra, '--json', out, '--no-progress'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const golden = join(ROOT, OUTPUTS, file);
    if (UPDATE) {
      mkdirSync(join(ROOT, OUTPUTS), { recursive: true });
      renameSync(join(ROOT, out), golden);
      return;
    }
    expect(existsSync(golden), `${golden} is missing: UPDATE_GOLDEN=1 writes it`).toBe(true);
    // Byte for byte; on a difference, the parsed comparison shows where.
    const got = readFileSync(join(ROOT, out), 'utf8');
    const want = readFileSync(golden, 'utf8');
    if (got !== want) expect(JSON.parse(got)).toEqual(JSON.parse(want));
    expect(got === want, 'byte-identical').toBe(true);
  });
});
