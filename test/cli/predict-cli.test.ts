/** `rfs-replay validate A --predict B`, run as a user runs it: mechanics, JSON shape, bad input. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import { header, rows, writeTrace } from '../helpers/trace.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const fixture = (p: string) => new URL(`../fixtures/kernel/${p}`, import.meta.url).pathname;
const RR = fixture('lo-rr-e128-f64.csv.gz');
const BULK = fixture('lo-bulk-e1024-f1024.csv.gz');
const VETH = fixture('veth/veth4q-e64.csv.gz');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rfs-replay validate --predict', () => {
  it("replays A at B's configuration and compares with B's kernel outcomes (text and JSON)", async () => {
    const json = writeTrace('', 'predict.json');
    const r = run('validate', RR, '--predict', BULK, '--json', json);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^input format: rfs-trace v1 \(detected from the content\)\n/);
    expect(r.out).toMatch(/replayed at .*lo-bulk-e1024-f1024\.csv\.gz's configuration \(E=1024 fc=1024 k=6\.16 cpus=2\)/);
    expect(r.out).toMatch(/locality +predicted +\d+\.\d\d% +kernel +\d+\.\d\d% +error +[-+]\d+\.\d\d pp/);
    const p = JSON.parse(readFileSync(json, 'utf8'));
    expect(p.schema).toBe('rfs-replay/predict');
    expect(p.formats).toEqual({ trace: 'rfs-trace v1', observed_trace: 'rfs-trace v1' });
    expect(p.configuration).toMatchObject({
      rps_sock_flow_entries: 1024,
      nr_cpu_ids: 2,
      kernel_profile: '6.16',
      queues: [{ name: 'lo:0', rps_cpus: [0, 1], rps_flow_cnt: 1024 }],
    });
    // Observed = B's own kernel outcomes; predicted = A replayed with B's table sizes.
    const b = await replayFile(BULK, { configs: [{ role: 'configured' }] });
    const a = await replayFile(RR, { configs: [{ entries: 1024, flowCnt: 1024 }] });
    expect(p.locality.observed).toBe(b.trace.kernel_locality);
    expect(p.cross_cpu_share.observed).toBe(b.trace.kernel_cross_cpu_share);
    expect(p.locality.predicted).toBe(a.configs[0].metrics.locality);
    expect(p.locality.error_pp).toBeCloseTo((p.locality.predicted - p.locality.observed) * 100, 9);
    expect(p.locality.margin_pp).toBeGreaterThan(0);
    expect(typeof p.locality_within_noise).toBe('boolean');
  });

  it('takes per-queue maps and flow tables from B: a trace predicting itself is its own-configuration replay', async () => {
    const json = writeTrace('', 'predict-veth.json');
    const r = run('validate', VETH, '--predict', VETH, '--json', json);
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(readFileSync(json, 'utf8'));
    expect(p.configuration.label).toBe('E=64 fc=16/0/4096/128 k=6.16 cpus=2');
    const own = await replayFile(VETH, { configs: [{ role: 'configured' }] });
    expect(p.locality.predicted).toBe(own.configs[0].metrics.locality);
    expect(p.locality.observed).toBe(own.trace.kernel_locality);
    expect(Math.abs(p.locality.error_pp)).toBeLessThan(1);
  });

  it('bad input: B without deliver rows, B without a configuration, different queues → one line, exit 2', () => {
    const noDeliver = writeTrace(header({ cpus: 2, entries: 64 }) + rows('packet,0,,,0xa,,0x1', 'recvmsg,1,0x1,1,0xa,,'), 'no-deliver.csv');
    let r = run('validate', RR, '--predict', noDeliver);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/no deliver rows: validate --predict/);

    const noConfig = writeTrace(
      '# rfs-trace v1\n# nr_cpu_ids=2 kernel=6.18\nts,event,cpu,socket,state,rxhash,queue,skb\n1000,packet,0,,,0xa,,0x1\n2000,deliver,1,,,0xa,,0x1\n',
      'no-config.csv',
    );
    r = run('validate', RR, '--predict', noConfig);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/has no rps_sock_flow_entries in its header: validate --predict/);

    r = run('validate', RR, '--predict', VETH);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/queue\(s\) lo:0 that .*veth4q-e64\.csv\.gz does not configure/);
  });
});
