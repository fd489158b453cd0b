/**
 * The compiled reference (bench/reference/replay.c, src/bench/reference.ts)
 * must count exactly what `replay` counts for the trace's own configuration:
 * on the real kernel captures, the shipped trace and every scenario, under
 * every kernel profile, on a generated trace with deliver rows, several
 * queues, 16-bit hashes and a CPU count that is not a power of two, and in
 * every plain-text spelling. Its bench ratio (issue 20) means something only
 * if it does the same work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileReference, type ReferenceOutput, referenceDifferences, runReference } from '../../src/bench/reference.js';
import { SPELLINGS, spell, spelledPath } from '../../src/bench/spellings.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload } from '../../src/generate/workload.js';
import { replayFile } from '../../src/replay/engine.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'rfs-reference-'));
const compiled = compileReference(dir);
const binary = 'binary' in compiled ? compiled.binary : null;
if (!binary) process.stdout.write(`test/bench/reference.test.ts skipped: ${'skipped' in compiled ? compiled.skipped : ''}\n`);

/** A trace of the repository as plain text (the reference reads no gzip), optionally with its header's kernel release replaced. */
function plainCopy(path: string, name: string, kernel?: string): string {
  const raw = readFileSync(join(ROOT, path));
  let text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('latin1');
  if (kernel) {
    expect(text).toMatch(/ kernel=\S+/);
    text = text.replace(/ kernel=\S+/, ` kernel=${kernel}`);
  }
  const out = join(dir, `${name}.csv`);
  writeFileSync(out, text, 'latin1');
  return out;
}

/** The reference's counters, after asserting they equal replay's for the trace's own configuration. */
async function checkedAgainstReplay(trace: string): Promise<ReferenceOutput> {
  const ref = runReference(binary!, trace);
  const replay = await replayFile(trace, { configs: [{}], parallel: false });
  expect(referenceDifferences(ref, replay)).toEqual([]);
  return ref;
}

const CAPTURES: Record<string, string> = {
  'kernel-lo-rr': 'test/fixtures/kernel/lo-rr-e128-f64.csv.gz',
  'kernel-lo-bulk': 'test/fixtures/kernel/lo-bulk-e1024-f1024.csv.gz',
  'kernel-veth4q': 'test/fixtures/kernel/veth/veth4q-e64.csv.gz',
  'lo-rr-head3000': 'test/fixtures/lo-rr-head3000.csv',
  default: 'traces/default.csv.gz',
};
const SCENARIOS = ['web-short', 'bulk', 'keepalive-idle', 'threadpool', 'many-queues', 'small-table', 'bench'];

describe.skipIf(!binary)('the compiled reference counts what replay counts', () => {
  it.each(Object.entries(CAPTURES))('capture %s', { timeout: 60_000 }, async (name, path) => {
    const ref = await checkedAgainstReplay(plainCopy(path, name));
    // The model's work, not a parser's: hints written and found, stale and local packets, the kernel's rows matched.
    for (const k of ['writes', 'writes_avoided', 'hits', 'misses_collision', 'hits_stale', 'local', 'slot_switches', 'deliver_matched', 'agree']) {
      expect(ref.metrics[k], k).toBeGreaterThan(0);
    }
  });

  it.each(SCENARIOS)('scenario %s', { timeout: 60_000 }, async (name) => {
    await checkedAgainstReplay(plainCopy(`traces/scenarios/${name}.csv.gz`, name));
  });

  // The profile comes from the header's kernel release: the same rows under each one.
  it.each([
    ['6.15.0', '6.15'],
    ['5.10.0-23-amd64', '4.10'],
    ['4.9.0', '4.0'],
    ['3.19.8', '3.19'],
  ])('kernel=%s (profile %s), real captures', { timeout: 60_000 }, async (release, profile) => {
    for (const [name, path] of Object.entries(CAPTURES).slice(0, 3)) {
      const ref = await checkedAgainstReplay(plainCopy(path, `${name}-${profile}`, release));
      expect(ref.config.kernel).toBe(profile);
      if (profile === '3.19') {
        expect(ref.metrics.hits_aliased, name).toBeGreaterThan(0);
        expect(ref.metrics.deletes, name).toBeGreaterThan(0);
      }
    }
  });

  // Deliver rows on three queues, 16-bit hashes in a 256-slot table,
  // 6 CPUs, churn and migration; then every plain-text spelling of it.
  const generated = join(dir, 'generated.csv');
  writeFileSync(
    generated,
    generateToBuffer(
      finishWorkload(
        applyLayer(
          { ...DEFAULT_WORKLOAD },
          {
            rows: 120_000,
            deliver: true,
            cpus: 6,
            queues: 3,
            hashBits: 16,
            entries: 256,
            flowCnt: 64,
            flows: 3_000,
            connRequests: 30,
            migration: 0.05,
            reuse: 0.3,
          },
          (k) => k,
        ),
      ),
    ).bytes,
  );

  it('a generated trace: deliver rows, 3 queues, 16-bit hashes, 6 CPUs', { timeout: 60_000 }, async () => {
    const ref = await checkedAgainstReplay(generated);
    for (const k of ['deliver_matched', 'evictions', 'deletes', 'ooo_holds', 'slot_conflicts']) expect(ref.metrics[k], k).toBeGreaterThan(0);
  });

  it.each(SPELLINGS.filter((s) => s.name !== 'canonical' && !s.gzip))('spelling %s counts as the canonical one', { timeout: 60_000 }, async (s) => {
    const path = spelledPath(generated, s);
    await spell(generated, path, s);
    expect(runReference(binary!, path)).toEqual(runReference(binary!, generated));
  });

  // docs/model.md "Edge cases": the empty value 0xffff matching a hash and decoding to CPU 7 of 6, and a
  // global table smaller than rps_cpu_mask + 1 (4 slots, mask 7: hash bit 2 is neither index nor stored).
  it('edge cases: the empty value matches, an invalid CPU, a table smaller than the CPU mask', async () => {
    const edge = join(dir, 'edge.csv');
    writeFileSync(
      edge,
      [
        '# rfs-trace v1',
        '# nr_cpu_ids=6 rps_sock_flow_entries=4 kernel=6.16.0',
        '# queue=q0 rps_cpus=3f rps_flow_cnt=2',
        'ts,event,cpu,socket,state,rxhash,queue,skb',
        '1,packet,0,,,0x0000fffa,q0,0x1',
        '2,deliver,3,,,0x0000fffa,q0,0x1',
        '3,recvmsg,2,0x10,ESTABLISHED,0x12340001,,',
        '4,packet,1,,,0x12340005,q0,0x2',
        '5,deliver,2,,,0x12340005,q0,0x2',
        '6,recvmsg,4,0x20,1,0x12340005,,',
        '7,packet,1,,,0x12340005,q0,0x3',
        '8,sendmsg,4,0x20,,0x12340005,,',
        '',
      ].join('\n'),
    );
    const ref = await checkedAgainstReplay(edge);
    expect(ref.metrics).toMatchObject({ misses_invalid_cpu: 1, hits_aliased: 1, hits_own: 1, deliver_matched: 2 });
  });

  it('bad input: one line file:line:column, exit status 2', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      '# rfs-trace v1\n# nr_cpu_ids=2 rps_sock_flow_entries=64\nts,event,cpu,socket,state,rxhash,queue,skb\n1,packet,0,,,0x1,,\n2,packet,7,,,0x1,,\n',
    );
    const r = spawnSync(binary!, [bad], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${bad}:5:10: cpu 7 is out of range: nr_cpu_ids is 2\n`);
  });
});

describe.runIf(process.env.CI === 'true')('under CI', () => {
  it('has a C compiler, so the reference test ran', () => {
    expect(binary, 'skipped' in compiled ? compiled.skipped : '').not.toBeNull();
  });
});
