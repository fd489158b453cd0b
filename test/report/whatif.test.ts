/**
 * CPU-count and kernel what-ifs through the real engine, on a trace small
 * enough to work every lookup out by hand from the kernel rules
 * (contract §3): slot = hash & (E-1), stored value (hash & ~M) | cpu with
 * M = roundup_pow_of_two(nr_cpu_ids) - 1, a lookup matches when
 * ((ident ^ hash) & ~M) == 0; 3.19 stores only the CPU.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import { runReport } from '../../src/report/run.js';

// h1 and h2 share global slot 0x13 (E = 256) and differ only in hash bits 8 and 9.
const H1 = 0x12340113;
const H2 = 0x12340213;
// hA and hB have their own global slots but the same low 4 bits (per-queue slot 5 under hash & 15).
const HA = 0x11110005;
const HB = 0x22220025;
const hex = (h: number) => `0x${h.toString(16)}`;

const TRACE = [
  '# rfs-trace v1',
  '# nr_cpu_ids=2 rps_sock_flow_entries=256 kernel=6.16.0-test',
  '# queue=q0 rps_cpus=3 rps_flow_cnt=16',
  'ts,event,cpu,socket,state,rxhash,queue,skb',
  `1000,recvmsg,1,0xa,1,${hex(H1)},,`,
  `1100,recvmsg,0,0xb,1,${hex(HA)},,`,
  `1200,recvmsg,1,0xc,1,${hex(HB)},,`,
  `2000,packet,0,,,${hex(H2)},,0x1`,
  `2100,packet,0,,,${hex(H1)},,0x2`,
  `2200,packet,1,,,${hex(HA)},,0x3`,
  `2300,packet,0,,,${hex(HB)},,0x4`,
  '',
].join('\n');

/** hash_32(h, bits) as the contract defines it: multiply by 0x61C88647, keep the top bits. */
const hash32 = (h: number, bits: number) => Math.imul(h, 0x61c88647) >>> (32 - bits);

async function report(extra: Parameters<typeof runReport>[0] extends infer O ? Partial<O> : never) {
  const dir = mkdtempSync(join(tmpdir(), 'rfs-whatif-'));
  const trace = join(dir, 'hand.csv');
  writeFileSync(trace, TRACE);
  const out = await runReport({
    inputs: [trace],
    output: join(dir, 'hand.html'),
    entries: [256],
    flowCnt: [16],
    command: ['rfs-replay', 'report', trace],
    replay: replayFile,
    ...extra,
  });
  const json = JSON.parse(readFileSync(out.traces[0].json, 'utf8'));
  const html = readFileSync(out.traces[0].html, 'utf8');
  return { json, html };
}

describe('CPU-count what-if (report --cpus 512,1024)', () => {
  it('h2 after h1: a collision miss at nr_cpu_ids 2 and 512 (bit 9 still compared), an aliased hit at 1024 (bits 8–9 hidden by the mask)', async () => {
    const { json, html } = await report({ cpuWhatIf: [512, 1024], kernels: ['6.16'] });
    const rows = json.analysis.kernels[0].cpu_whatif as any[];
    expect(rows.map((r) => r.nr_cpu_ids)).toEqual([2, 512, 1024]);
    expect(rows.map((r) => r.trace_own)).toEqual([true, false, false]);
    // M = roundup_pow_of_two(n) - 1: 2 → 0x1, 512 → 0x1ff, 1024 → 0x3ff.
    expect(rows.map((r) => r.cpu_mask)).toEqual([0x1, 0x1ff, 0x3ff]);
    // Index bits log2(256) = 8; compared bits max(8, log2(M+1))..31; unchecked = CPU bits beyond the index.
    expect(rows.map((r) => r.bits_compared)).toEqual([24, 23, 22]);
    expect(rows.map((r) => r.bits_unchecked)).toEqual([0, 1, 2]);
    // 4 lookups each: h1, hA, hB find their own hint; h2 finds h1's.
    expect(rows.map((r) => [r.lookups, r.hits_own, r.hits_aliased, r.misses_collision])).toEqual([
      [4, 3, 0, 1],
      [4, 3, 0, 1],
      [4, 3, 1, 0],
    ]);
    expect(rows.map((r) => r.alias_rate)).toEqual([0, 0, 1 / 4]);
    // The sweeps stay at the trace's own nr_cpu_ids.
    for (const c of json.result.configs) if (c.role !== 'what-if') expect(c.nr_cpu_ids).toBe(2);
    expect(json.result.configs.filter((c: any) => c.role === 'what-if').map((c: any) => c.nr_cpu_ids)).toEqual([512, 1024]);

    expect(html).toContain('<section id="cpus">');
    expect(html).toContain('0x3ff (10 bits)');
    expect(html).toContain('id="chart-cpus-whatif"');
    expect(html).toContain('roundup_pow_of_two(nr_cpu_ids) − 1');
  });

  it("a what-if count equal to the trace's own is one row, the trace's", async () => {
    const { json } = await report({ cpuWhatIf: [2, 1024] });
    expect(json.analysis.kernels[0].cpu_whatif.map((r: any) => [r.nr_cpu_ids, r.trace_own])).toEqual([
      [2, true],
      [1024, false],
    ]);
  });

  it('--cpus N alone still sets nr_cpu_ids for every configuration, with no what-if section', async () => {
    const { json, html } = await report({ cpus: 1024 });
    expect(new Set(json.result.configs.map((c: any) => c.nr_cpu_ids))).toEqual(new Set([1024]));
    expect(json.analysis.kernels[0].cpu_whatif).toEqual([]);
    expect(html).not.toContain('<section id="cpus">');
    // At 1024 CPUs the configured replay itself aliases h2 onto h1.
    expect(json.analysis.kernels[0].configured.hits_aliased).toBe(1);
  });
});

describe('kernel profiles side by side on the hand trace', () => {
  it("3.19 turns 6.16's collision miss into an aliased hit; 4.10 puts hA and hB in one per-queue slot", async () => {
    const { json, html } = await report({ kernels: ['6.16', '4.10', '3.19'] });
    const k = Object.fromEntries((json.analysis.kernels as any[]).map((x) => [x.kernel, x]));
    expect([k['6.16'].configured.misses_collision, k['6.16'].configured.hits_aliased]).toEqual([1, 0]);
    expect([k['3.19'].configured.misses_collision, k['3.19'].configured.hits_aliased]).toEqual([0, 1]);
    expect(html).toContain('3.19 has no collision detection: it counted 1 aliased hits (25.00% of lookups');
    expect(html).toContain('where 6.16 detected 1 collision misses (25.00%)');
    // Per-queue slots consulted by matching lookups: 4.10 uses hash & 15 → {3 (h1), 5 (hA, hB)};
    // 6.16 uses hash_32(h, 4) of h1, hA, hB (h2 misses, so it never reaches the per-queue table).
    const hashed = new Set([H1, HA, HB].map((h) => hash32(h, 4))).size;
    expect(hashed, 'the hand trace must tell the two slot functions apart').toBe(3);
    const occ = (kernel: string) => json.result.configs[k[kernel].configured.config_index].queue_occupancy[0];
    expect(occ('4.10')).toEqual({ queue: 'q0', slots: 16, used: 2 });
    expect(occ('6.16')).toEqual({ queue: 'q0', slots: 16, used: hashed });
    expect(html).toContain('id="chart-kernel-outcomes"');
    expect(html).toContain('id="chart-queue-occupancy"');
  });
});

describe('report --fifo-ns', () => {
  it('reaches the engine (queue heads fifo:1000ns) and the provenance says what it means', async () => {
    const { json, html } = await report({ fifoNs: 1000 });
    expect(new Set(json.result.configs.map((c: any) => c.head_model))).toEqual(new Set(['fifo:1000ns']));
    expect(html).toContain('--fifo-ns 1000: each CPU is modelled as a FIFO that processes one packet every 1000 ns of trace time');
    // Sizes are judged by locality whatever the heads: here no packet is followed by a socket call of its flow,
    // so locality cannot be measured and both actions are unknown (the ordering holds that would explain them are still given).
    const rec = json.analysis.kernels[0].recommendation;
    expect(rec.global).toMatchObject({ objective: 'locality', action: 'unknown', reason: 'no_locality' });
    expect(rec.queue).toMatchObject({ objective: 'locality', action: 'unknown' });
    expect(rec.queue.ooo_hold_share.configured).toBe(0);
    expect(html).not.toContain('queue heads move at once in this replay');
  });
});
