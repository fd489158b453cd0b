/**
 * The trace's own row, CPU-count what-ifs and kernel releases, as a first-time
 * user meets them (issue 23, items 1 to 3). traces/default.csv.gz: nr_cpu_ids 2,
 * 128 global slots, one queue lo:0 (rps_cpus 3, rps_flow_cnt 64), kernel
 * 6.18.44-fc-v782 (profile 6.16), with deliver rows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, runCli, tableRow } from '../helpers/cli.js';
import { writeTrace } from '../helpers/trace.js';

const json = (name: string) => writeTrace('', name);
const roles = (path: string) => JSON.parse(readFileSync(path, 'utf8')).configs.map((c: { label: string; role: string }) => [c.label, c.role]);

describe("the trace's own row keeps its * however it is asked for (item 1)", () => {
  it('replay … --entries 128', () => {
    const out = json('own-entries.json');
    const r = runCli(['replay', DEFAULT_TRACE, '--entries', '128', '--json', out, '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(tableRow(r.out, 'E=128 fc=64 k=6.16 cpus=2 *')).toBeDefined();
    expect(roles(out)).toEqual([['E=128 fc=64 k=6.16 cpus=2', 'configured']]);
  });

  it('replay … --kernel 6.16,4.10,3.19: only the 6.16 row is the own one', () => {
    const out = json('own-kernels.json');
    const r = runCli(['replay', DEFAULT_TRACE, '--kernel', '6.16,4.10,3.19', '--json', out, '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(tableRow(r.out, 'E=128 fc=64 k=6.16 cpus=2 *')).toBeDefined();
    expect(tableRow(r.out, 'E=128 fc=64 k=4.10 cpus=2')).toBeDefined();
    expect(r.out).not.toMatch(/k=(4\.10|3\.19) cpus=2 \*/);
    expect(roles(out)).toEqual([
      ['E=128 fc=64 k=6.16 cpus=2', 'configured'],
      ['E=128 fc=64 k=4.10 cpus=2', 'what-if'],
      ['E=128 fc=64 k=3.19 cpus=2', 'what-if'],
    ]);
  });

  it('replay … --entries 100: the kernel makes a 128-slot table of it, so it is the own row, and the label says so', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--entries', '100,4096', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(tableRow(r.out, 'E=100→128 fc=64 k=6.16 cpus=2 *')).toBeDefined();
    expect(tableRow(r.out, 'E=4096 fc=64 k=6.16 cpus=2')).toBeDefined();
    expect(r.out).toContain('N→M: a table size as asked for (N), and as the kernel makes it (M, rounded up to a power of two).');
  });
});

describe('--cpus means one thing in replay and report: what-ifs next to the own count (item 2)', () => {
  const why = (n: number) =>
    `--cpus ${n} changes nothing here: it replays exactly as the trace's own nr_cpu_ids 2, because every CPU in the rps_cpus maps and every CPU the trace uses is below 2, and the CPU masks (0x1 and 0x${(n - 1).toString(16)}) take only hash bits that the 128-slot table's index already fixes, so both compare the same bits.`;

  it('replay --cpus 4,8: the row at the trace’s own 2 CPUs stays, and each identical what-if is explained in one line', () => {
    const out = json('cpus.json');
    const r = runCli(['replay', DEFAULT_TRACE, '--cpus', '4,8', '--json', out, '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(roles(out)).toEqual([
      ['E=128 fc=64 k=6.16 cpus=2', 'configured'],
      ['E=128 fc=64 k=6.16 cpus=4', 'what-if'],
      ['E=128 fc=64 k=6.16 cpus=8', 'what-if'],
    ]);
    // The three rows are identical, as the notes say.
    const cells = (label: string) => tableRow(r.out, label)!.slice(1, -1);
    expect(cells('E=128 fc=64 k=6.16 cpus=4')).toEqual(cells('E=128 fc=64 k=6.16 cpus=2 *'));
    const lines = r.out.split('\n');
    expect(lines).toContain(why(4));
    expect(lines).toContain(why(8));
  });

  it('a what-if that changes something gets no such line', () => {
    // small-table: 256 slots for 4,096 flows with 16-bit hashes; 4096 CPUs take 12 hash bits, 4 beyond the index.
    const r = runCli(['replay', 'traces/scenarios/small-table.csv.gz', '--cpus', '4096', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(tableRow(r.out, 'E=256 fc=256 k=6.16 cpus=8 *')).toBeDefined();
    expect(tableRow(r.out, 'E=256 fc=256 k=6.16 cpus=4096')![2]).not.toBe(tableRow(r.out, 'E=256 fc=256 k=6.16 cpus=8 *')![2]);
    expect(r.out).not.toContain('changes nothing');
  });

  it("report --cpus 4,8 and --cpus 4: the CPU table has the trace's own 2 and the what-ifs, with the same notes", () => {
    for (const [cpus, counts] of [
      ['4,8', [4, 8]],
      ['4', [4]],
    ] as const) {
      const r = runCli(['report', DEFAULT_TRACE, '--cpus', cpus, '--entries', '128', '--flow-cnt', '64', '-o', writeTrace('', `cpus-${cpus}.html`)]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^\s+6\.16\s+2 \(trace\)\s+0x1\s/m);
      for (const n of counts) {
        expect(r.out).toMatch(new RegExp(`^\\s+6\\.16\\s+${n}\\s+0x${(n - 1).toString(16)}\\s`, 'm'));
        expect(r.out.replace(/\n\s+/g, ' ')).toContain(`note: ${why(n)}`);
      }
    }
  });
});

describe('--kernel takes real kernel releases, and says which profile models each (item 3)', () => {
  it('replay … --kernel 6.18 (the trace’s own kernel): profile 6.16, the own row', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--kernel', '6.18', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('--kernel: 6.18 is modelled by profile 6.16');
    expect(r.out).toContain("kernel profile: 6.16 (the trace's kernel 6.18.44-fc-v782)");
    expect(tableRow(r.out, 'E=128 fc=64 k=6.16 cpus=2 *')).toBeDefined();
  });

  it('replay … --kernel 5.10: profile 4.10; and 7.1, 5.10.0-23-amd64 and the old profile names too', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--kernel', '5.10', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('--kernel: 5.10 is modelled by profile 4.10');
    expect(r.out).toContain('kernel profile: 4.10\n');
    expect(tableRow(r.out, 'E=128 fc=64 k=4.10 cpus=2')).toBeDefined();
    const more = runCli(['replay', DEFAULT_TRACE, '--kernel', '7.1,5.10.0-23-amd64,3.19', '--no-progress']);
    expect(more.code, more.err).toBe(0);
    expect(more.out).toContain('--kernel: 7.1 is modelled by profile 6.16, 5.10.0-23-amd64 is modelled by profile 4.10\n');
    expect(more.out.match(/^E=128 fc=64 k=(\S+) cpus=2/gm)).toEqual(['E=128 fc=64 k=6.16 cpus=2', 'E=128 fc=64 k=4.10 cpus=2', 'E=128 fc=64 k=3.19 cpus=2']);
  });

  it("without --kernel, replay and report use the profile of the trace's kernel= header", () => {
    const trace = writeTrace(
      [
        '# rfs-trace v1',
        '# nr_cpu_ids=2 rps_sock_flow_entries=64 kernel=5.10.0-23-amd64',
        '# queue=q0 rps_cpus=3 rps_flow_cnt=16',
        'ts,event,cpu,socket,state,rxhash,queue,skb',
        '1000,recvmsg,1,0xa,1,0x1234,,',
        '2000,packet,0,,,0x1234,q0,',
        '3000,recvmsg,1,0xa,1,0x1234,,',
        '',
      ].join('\n'),
      'kernel-5.10.csv',
    );
    const r = runCli(['replay', trace, '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("kernel profile: 4.10 (the trace's kernel 5.10.0-23-amd64)");
    expect(tableRow(r.out, 'E=64 fc=16 k=4.10 cpus=2 *')).toBeDefined();
    const report = runCli(['report', trace, '-o', writeTrace('', 'kernel-5.10.html')]);
    expect(report.code, report.err).toBe(0);
    expect(report.out.split('\n')[2]).toBe("  kernel profile: 4.10 (the trace's kernel 5.10.0-23-amd64)");
  });

  it('a string that is no release is refused in one line', () => {
    const r = runCli(['replay', DEFAULT_TRACE, '--kernel', '6.18,linux']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('rfs-replay: --kernel expects kernel releases such as 6.18 or 5.10.0-23-amd64 (2.6.35 or later, when RFS began), got "linux"\n');
  });
});
