/**
 * Outputs are whole or absent: the JSON is written to a temporary file in the
 * same folder and renamed (src/io/atomic.ts). Tested for real on the built
 * CLI: Ctrl-C (SIGINT) and SIGTERM in the middle of a long replay stop it with
 * status 130, one line, the previous output untouched and no temporary file
 * left; a write that cannot happen is one line and status 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { UsageError } from '../../src/errors.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const HEAD = new URL('../fixtures/lo-rr-head3000.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'rfs-safety-'));

/** A big valid trace: the fixture's rows repeated `reps` times, shifted in time so ts keeps increasing. */
function bigTrace(reps: number): string {
  const path = join(dir, `big-${reps}.csv`);
  if (existsSync(path)) return path;
  const lines = readFileSync(HEAD, 'latin1').split('\n').filter(Boolean);
  const body = lines.slice(4).map((l) => l.split(','));
  const t0 = Number(body[0][0]);
  const span = Number(body[body.length - 1][0]) - t0 + 1000;
  const out = [lines.slice(0, 4).join('\n') + '\n'];
  for (let r = 0; r < reps; r++) out.push(body.map((f) => `${Number(f[0]) + r * span},${f.slice(1).join(',')}`).join('\n') + '\n');
  writeFileSync(path, out.join(''));
  return path;
}

/** True once process `pid` holds `file` open: the trace is being read, so the signal lands mid-replay. */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function interrupt(signal: 'SIGINT' | 'SIGTERM', reader: 'fast' | 'csv-parse') {
  const trace = bigTrace(300); // ~900k rows, ~50 MB
  const out = join(dir, `out-${signal}-${reader}`);
  mkdirSync(out, { recursive: true });
  const json = join(out, 'result.json');
  const old = '{"previous": "run", "must": "survive"}\n';
  writeFileSync(json, old);
  // Many configurations make the replay last several seconds, so the signal surely lands in the middle.
  const entries = Array.from({ length: 16 }, (_, i) => 16 << i).join(',');
  const child = spawn(process.execPath, [
    CLI,
    'replay',
    trace,
    '--no-progress',
    '--reader',
    reader,
    '--entries',
    entries,
    '--kernel',
    '6.16,3.19',
    '--json',
    json,
  ]);
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, sig })));
  const started = performance.now();
  while (!hasOpen(child.pid!, trace)) {
    if (performance.now() - started > 20_000) throw new Error('the replay never opened the trace');
    await sleep(20);
  }
  await sleep(100);
  const sent = performance.now();
  child.kill(signal);
  const { code, sig } = await exited;
  return { code, sig, stderr, stdout, json, old, out, stopMs: performance.now() - sent };
}

describe('interrupting a replay', () => {
  for (const [signal, reader] of [
    ['SIGINT', 'fast'],
    ['SIGINT', 'csv-parse'],
    ['SIGTERM', 'fast'],
  ] as const) {
    it(`${signal} (${reader} reader) exits 130 promptly, keeps the old JSON and leaves no temporary file`, async () => {
      const r = await interrupt(signal, reader);
      expect(r.sig, 'killed by the signal instead of handling it').toBeNull();
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toBe('rfs-replay: interrupted\n');
      expect(r.stdout).toBe('');
      expect(r.stopMs, 'stops within a second or two of the signal').toBeLessThan(3000);
      expect(readFileSync(r.json, 'utf8')).toBe(r.old);
      expect(readdirSync(r.out)).toEqual(['result.json']);
    }, 60_000);
  }

  it('(control) the same replay left alone finishes and replaces the JSON', () => {
    const trace = bigTrace(20);
    const json = join(dir, 'control.json');
    writeFileSync(json, 'old');
    const r = spawnSync(process.execPath, [CLI, 'replay', trace, '--no-progress', '--json', json], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).trace.rows).toBe(2996 * 20);
    expect(readdirSync(dir).filter((f) => f.startsWith('.rfs-tmp-'))).toEqual([]);
  });
});

describe('outputs that cannot be written', () => {
  const trace = join(dir, 'small.csv');
  writeFileSync(trace, '# rfs-trace v1\n# nr_cpu_ids=2 rps_sock_flow_entries=64\nts,event,cpu,socket,state,rxhash,queue,skb\n1000,recvmsg,1,0xa1,1,0x10,,\n');
  const run = (json: string) => spawnSync(process.execPath, [CLI, 'replay', trace, '--no-progress', '--json', json], { encoding: 'utf8' });

  it('a folder path that runs through a file: one line, exit 2', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const r = run(join(file, 'sub', 'out.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`rfs-replay: cannot write ${join(file, 'sub', 'out.json')}: a part of the path is not a directory\n`);
  });

  it('a target that is a directory: one line, exit 2, the directory untouched', () => {
    const target = join(dir, 'a-directory');
    mkdirSync(target, { recursive: true });
    const r = run(target);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`rfs-replay: cannot write ${target}: it is a directory\n`);
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith('.rfs-tmp-'))).toEqual([]);
  });

  it('a read-only place (sysfs refuses new files, even to root): one line, exit 2', () => {
    const r = run('/sys/rfs-replay-test/out.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rfs-replay: cannot write \/sys\/rfs-replay-test\/out\.json: (permission denied|read-only file system|no such directory)\n$/);
  });

  it('writeFileAtomic replaces a file whole, and on failure throws a UsageError and leaves the old file', () => {
    const target = join(dir, 'atomic.txt');
    writeFileAtomic(target, 'first');
    writeFileAtomic(target, 'second, longer');
    expect(readFileSync(target, 'utf8')).toBe('second, longer');
    expect(() => writeFileAtomic(join(target, 'x'), 'y')).toThrow(UsageError);
    expect(readFileSync(target, 'utf8')).toBe('second, longer');
    expect(readdirSync(dir).filter((f) => f.startsWith('.rfs-tmp-'))).toEqual([]);
  });
});

describe('big traces (read by the parse worker) report like small ones', () => {
  // Over 4 MiB the fast reader runs in a worker thread; its errors cross a thread boundary and must arrive intact.
  function withBadRow(bad: string): { path: string; line: number } {
    const src = readFileSync(bigTrace(40), 'latin1');
    const lines = src.split('\n');
    const at = lines.length - 100; // deep in the file, past the first batches
    lines.splice(at, 0, bad);
    const path = join(dir, `big-bad-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, lines.join('\n'));
    return { path, line: at + 1 };
  }

  it('a bad row deep in the file: the same line from both readers, exit 2', () => {
    // "9999999,recvmsg," is 16 characters: the cpu is at column 17.
    const { path, line } = withBadRow('9999999,recvmsg,5,0xffff888171501bc0,1,0x10,,');
    for (const reader of ['fast', 'csv-parse']) {
      const r = spawnSync(process.execPath, [CLI, 'replay', path, '--no-progress', '--reader', reader], { encoding: 'utf8' });
      expect(r.status, reader).toBe(2);
      expect(r.stderr, reader).toBe(`${path}:${line}:17: cpu 5 is out of range: nr_cpu_ids is 2\n`);
    }
  });

  it('--lenient: the same skipped count and first example from both readers', () => {
    const { path, line } = withBadRow('9999999,bogus,1,0xffff888171501bc0,1,0x10,,');
    const results = ['fast', 'csv-parse'].map((reader) => {
      const json = join(dir, `lenient-${reader}.json`);
      const r = spawnSync(process.execPath, [CLI, 'replay', path, '--no-progress', '--lenient', '--reader', reader, '--json', json], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`skipped 1 bad row (--lenient): unknown_event 1; first: ${path}:${line}:9:`);
      return JSON.parse(readFileSync(json, 'utf8')).trace.skipped;
    });
    expect(results[0]).toEqual(results[1]);
    expect(results[0].total).toBe(1);
  });
});
