/** The built CLI, run as a user runs it: real process, real files, exit codes. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { header, rows, writeTrace } from '../helpers/trace.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const DEFAULT = new URL('../../traces/default.csv.gz', import.meta.url).pathname;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rfs-replay replay', () => {
  it('prints one summary row per configuration and writes the JSON contract', () => {
    const json = writeTrace('', 'out.json');
    const r = run('replay', DEFAULT, '--entries', '64,128,4096', '--json', json, '--no-progress');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/E=64 fc=64 k=6\.16 cpus=2/);
    expect(r.out).toMatch(/E=4096 fc=64 k=6\.16 cpus=2/);
    const data = JSON.parse(readFileSync(json, 'utf8'));
    expect(data.schema).toBe('rfs-replay/result');
    expect(data.configs.map((c: { rps_sock_flow_entries: number }) => c.rps_sock_flow_entries)).toEqual([64, 128, 4096]);
    expect(data.trace.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(data.configs[0].metrics)).toEqual(
      expect.arrayContaining([
        'records',
        'records_state_skipped',
        'records_zero_hash',
        'writes',
        'writes_avoided',
        'evictions',
        'deletes',
        'packets',
        'lookups',
        'hits',
        'hits_own',
        'hits_aliased',
        'misses_empty',
        'misses_collision',
        'misses_invalid_cpu',
        'hits_stale',
        'hits_unresolved',
        'steered_rfs',
        'steered_rps',
        'not_steered',
        'cross_cpu',
        'slot_switches',
        'ooo_holds',
        'slot_conflicts',
        'local',
        'local_unresolved',
        'per_cpu',
        'deliver_matched',
        'deliver_unmatched',
        'agree',
        'agreement',
        'hit_ratio',
        'collision_rate',
        'alias_rate',
        'stale_rate',
        'locality',
      ]),
    );
  });

  it('prints the detected input format first, and agreement only for the configuration the kernel ran', () => {
    const json = writeTrace('', 'agree.json');
    const r = run('replay', DEFAULT, '--entries', '128,4096', '--cpus', '2', '--json', json, '--no-progress');
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toBe('input format: rfs-trace v1 (detected from the content)');
    // The trace's header: 128 slots, 64 per queue, nr_cpu_ids 2, kernel 6.18 (profile 6.16), deliver rows.
    const row = (label: string) =>
      r.out
        .split('\n')
        .find((l) => l.startsWith(label))!
        .trim()
        .split(/\s{2,}/);
    expect(row('E=128 fc=64 k=6.16 cpus=2').at(-1)).toMatch(/^\d+\.\d\d%$/);
    expect(row('E=4096 fc=64 k=6.16 cpus=2').at(-1)).toBe('—');
    expect(r.out).toContain("agreement is shown only for the trace's own configuration");
    const data = JSON.parse(readFileSync(json, 'utf8'));
    expect(data.configs.map((c: any) => c.metrics.agreement === null)).toEqual([false, true]);
    // The counters stay.
    expect(data.configs[1].metrics.deliver_matched).toBe(data.configs[0].metrics.deliver_matched);
    expect(data.configs[1].metrics.agree).toBeGreaterThan(0);
    // Another kernel profile or CPU count is not what the kernel ran either.
    const other = run('replay', DEFAULT, '--kernel', '3.19', '--no-progress');
    expect(
      other.out
        .split('\n')
        .find((l) => l.startsWith('E=128 '))!
        .trim()
        .split(/\s{2,}/)
        .at(-1),
    ).toBe('—');
  });

  it("names an importer's format, and so does validate", () => {
    const perf = new URL('../../test/fixtures/importers/perf-script.txt', import.meta.url).pathname;
    expect(run('replay', perf, '--no-progress').out.split('\n')[0]).toBe('input format: perf-script (detected from the content)');
    expect(run('validate', DEFAULT).out.split('\n')[0]).toBe('input format: rfs-trace v1 (detected from the content)');
  });

  it('crosses kernels, sizes and CPU counts in one run', () => {
    const r = run('replay', DEFAULT, '--kernel', '6.16,3.19', '--cpus', '2,4', '--no-progress');
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/^E=128 /gm)?.length).toBe(4);
  });

  it('rejects bad input with one line naming file:line:column and exit status 2', () => {
    // line 4 = magic, nr_cpu_ids, header row, then the row; "1000,recvmsg,1,0xs1,1," is 22 characters
    const bad = writeTrace(header({ cpus: 2, entries: 64 }) + rows('recvmsg,1,0xs1,1,0x1g,,'));
    const r = run('replay', bad, '--no-progress');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err.trim()).toBe(`${bad}:4:23: expected rxhash as an unsigned 32-bit integer (decimal or 0x hex), found "0x1g"`);
    expect(r.out).toBe('');
  });

  it('writes no JSON for a rejected trace', () => {
    const bad = writeTrace(header({ cpus: 2, entries: 64 }) + rows('recvmsg,7,0xs1,1,0x10,,'));
    const json = bad + '.json';
    const r = run('replay', bad, '--json', json);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`${bad}:4:14: cpu 7 is out of range: nr_cpu_ids is 2`);
    expect(existsSync(json)).toBe(false);
  });

  it('reports a missing file and bad options in one line, exit 2', () => {
    expect(run('replay', '/nonexistent/x.csv').err.trim()).toBe('rfs-replay: cannot read /nonexistent/x.csv: no such file');
    const r = run('replay', DEFAULT, '--kernel', '2.6.30');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('rfs-replay: --kernel expects kernel releases such as 6.18 or 5.10.0-23-amd64 (2.6.35 or later, when RFS began), got "2.6.30"');
    const u = run('replay', DEFAULT, '--bogus');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/Unknown argument: bogus/);
  });

  it('--reader csv-parse (the reference reader) replays like the fast one; the benchmark baseline is no option', () => {
    const fast = run('replay', DEFAULT, '--no-progress');
    const ref = run('replay', DEFAULT, '--no-progress', '--reader', 'csv-parse');
    expect(ref.code, ref.err).toBe(0);
    expect(ref.out).toBe(fast.out);
    const bad = writeTrace(header({ cpus: 2, entries: 64 }) + rows('recvmsg,1,0xs1,1,0x1g,,'));
    const r = run('replay', bad, '--no-progress', '--reader', 'csv-parse');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`${bad}:4:23: expected rxhash as an unsigned 32-bit integer (decimal or 0x hex), found "0x1g"`);
    expect(r.out).toBe('');
    const stream = run('replay', DEFAULT, '--no-progress', '--reader', 'csv-parse-stream');
    expect(stream.code).toBe(2);
    expect(stream.err).toMatch(/Invalid values:[\s\S]*csv-parse-stream/);
    const help = execFileSync(process.execPath, [CLI, 'replay', '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/--reader/);
    expect(help).not.toMatch(/csv-parse-stream/);
  });

  it('has --help and --version', () => {
    const help = execFileSync(process.execPath, [CLI, 'replay', '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/--entries/);
    expect(help).toMatch(/--kernel/);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });
});

describe('table sizes the kernel accepts but this machine cannot replay', () => {
  it('are refused up front in one line, exit 2', () => {
    const huge = writeTrace(
      header({ cpus: 2, entries: 536870912, queues: ['queue=a rps_cpus=3 rps_flow_cnt=1073741824', 'queue=b rps_cpus=3 rps_flow_cnt=1073741824'] }) +
        rows('packet,0,,,0x1,a,'),
    );
    const r = run('replay', huge, '--no-progress');
    expect(r.code).toBe(2);
    // 2^29 global slots × 8 B + 2 × 2^30 queue slots × 16 B = 4 GiB + 32 GiB
    expect(r.err.trim()).toMatch(/^rfs-replay: the replayed tables would need 36\.0 GiB of memory \(limit [0-9.]+ GiB\): replay fewer/);
  });
});

describe('--cpus below a CPU the trace uses', () => {
  // traces/default.csv.gz: nr_cpu_ids=2; its 5th line (the 2nd data row) is a recvmsg on CPU 1,
  // whose cpu field starts at column 21 (ts of 16 digits, "recvmsg", two commas). A one-CPU
  // machine has no CPU 1: that row is bad input for the what-if, as a CPU beyond the header's
  // nr_cpu_ids is for the trace itself.
  it('replay and report: one positioned line, exit 2', () => {
    for (const command of ['replay', 'report']) {
      const r = run(command, DEFAULT, '--cpus', '1', '--no-progress', ...(command === 'report' ? ['-o', writeTrace('', 'cpus1.html')] : []));
      expect(r.code, command).toBe(2);
      expect(r.err.trim().split('\n'), command).toEqual([
        `${DEFAULT}:5:21: cpu 1 does not exist with --cpus 1: the trace uses this CPU, so a what-if needs nr_cpu_ids of at least 2`,
      ]);
      expect(r.out, command).not.toMatch(/100\.00%/);
    }
  });

  it('with --lenient: refused up front, not skipped', () => {
    const r = run('replay', DEFAULT, '--cpus', '1', '--lenient', '--no-progress');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--cpus 1 is below the trace's nr_cpu_ids \(2\), and --lenient would skip/);
  });

  it('a what-if with at least the CPUs used still replays', () => {
    const r = run('replay', DEFAULT, '--cpus', '2,4', '--no-progress');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cpus=4/);
  });
});
