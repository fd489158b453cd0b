/**
 * The proof of flow sampling's exactness (docs/model.md#flow-sampling): a
 * sampled trace — what `capture --sample` keeps: the rows whose hash has the
 * rule's bits zero — replayed alone gives, for every metric it labels exact,
 * the same number as the whole trace replayed with every row and counted for
 * the kept flows only (replay --keep-sample). Counter for counter, at several
 * global sizes at or above 2^(shift + bits), on both real kernel captures and
 * on generated traces. Below that size the two may differ, and the result
 * says so.
 *
 * The restricted replay is not the sampled one computed twice: it replays the
 * dropped flows' rows too, so the metrics that depend on them (placement
 * under deliver heads, shared per-queue entries) come out different, and the
 * test checks that they do.
 */
import { describe, expect, it } from 'vitest';
import { generateToBuffer } from '../../src/generate/output.js';
import { DEFAULT_WORKLOAD, type Workload } from '../../src/generate/workload.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import type { ConfigRequest } from '../../src/types/config-request.js';
import type { KernelProfileName, ReplayResult } from '../../src/types/result.js';
import { exactFromEntries, type SamplingRule } from '../../src/types/sampling.js';
import { writeTrace } from '../helpers/trace.js';
import { sampleTrace, traceText } from './sample-trace.js';

const KERNEL = new URL('../fixtures/kernel/', import.meta.url).pathname;

type Metric = number | number[] | null;

/** Replays the sampled trace alone and the whole one counted for the kept flows, at the same configurations. */
async function both(whole: string, rule: SamplingRule, configs: ConfigRequest[], extra: Partial<ReplayOptions> = {}) {
  const sampledPath = sampleTrace(traceText(whole), rule);
  const sampled = await replayFile(sampledPath, { configs, ...extra });
  const restricted = await replayFile(whole, { configs, keepSample: rule, ...extra });
  return { sampled, restricted };
}

/** Every metric the sampled replay labels exact, with both values where they differ. */
function exactDifferences(sampled: ReplayResult, restricted: ReplayResult): string[] {
  const out: string[] = [];
  sampled.configs.forEach((c, i) => {
    const r = restricted.configs[i];
    const m = c.metrics as unknown as Record<string, Metric>;
    const w = r.metrics as unknown as Record<string, Metric>;
    for (const name of c.sampling!.exact) {
      if (JSON.stringify(m[name]) !== JSON.stringify(w[name]))
        out.push(`${c.label} ${name}: sampled ${JSON.stringify(m[name])}, whole ${JSON.stringify(w[name])}`);
    }
  });
  return out;
}

function differs(sampled: ReplayResult, restricted: ReplayResult, i: number, names: string[]): string[] {
  const m = sampled.configs[i].metrics as unknown as Record<string, Metric>;
  const w = restricted.configs[i].metrics as unknown as Record<string, Metric>;
  return names.filter((n) => JSON.stringify(m[n]) !== JSON.stringify(w[n]));
}

/** Sizes 2^k × bound for k in `factors`, under each profile. */
function sizes(rule: SamplingRule, factors: number[], kernels: KernelProfileName[], more: Partial<ConfigRequest> = {}): ConfigRequest[] {
  const bound = exactFromEntries(rule);
  return kernels.flatMap((kernel) => factors.map((f) => ({ entries: bound * f, kernel, ...more })));
}

const PROFILES: KernelProfileName[] = ['6.16', '6.15', '4.10', '4.0'];
/** The default rule (1/16 above a 512-entry indirection table) and two with small bounds, where the kept flows collide among themselves. */
const RULES: SamplingRule[] = [
  { shift: 9, bits: 4 },
  { shift: 2, bits: 3 },
  { shift: 0, bits: 1 },
];

describe('a sampled real capture replays exactly as the whole capture counted for its kept flows', () => {
  it.each(['lo-rr-e128-f64', 'lo-bulk-e1024-f1024'])(
    '%s',
    async (name) => {
      const whole = `${KERNEL}${name}.csv.gz`;
      for (const rule of RULES) {
        const configs = sizes(rule, [1, 2, 8], PROFILES);
        const { sampled, restricted } = await both(whole, rule, configs);
        expect(sampled.trace.sampling).toMatchObject({ sample_shift: rule.shift, sample_bits: rule.bits, applied: 'trace' });
        expect(restricted.trace.sampling).toMatchObject({ sample_shift: rule.shift, sample_bits: rule.bits, applied: 'replay' });
        for (const c of sampled.configs) {
          expect(c.sampling!.global_table_exact).toBe(true);
          expect(c.metrics.lookups).toBeGreaterThan(1000);
          // The capture's deliver rows move the backlog heads: placement is an estimate.
          expect(c.sampling!.estimated).toContain('locality');
        }
        expect(exactDifferences(sampled, restricted)).toEqual([]);
        // The whole trace was replayed: the dropped flows' packets changed what the kept flows' entries and backlogs saw.
        expect(sampled.configs.some((_, i) => differs(sampled, restricted, i, ['slot_conflicts', 'agree', 'local', 'deliver_matched']).length > 0)).toBe(true);
      }
    },
    120_000,
  );

  it('with collisions among the kept flows themselves at the bound (so exactness is not only empty tables)', async () => {
    const rule = { shift: 2, bits: 3 };
    const { sampled } = await both(`${KERNEL}lo-rr-e128-f64.csv.gz`, rule, sizes(rule, [1], ['6.16']));
    const m = sampled.configs[0].metrics;
    expect(m.misses_collision + m.evictions).toBeGreaterThan(100);
  });

  it('in a size sweep replayed on two threads (the lanes then run on the reading thread)', async () => {
    const rule = { shift: 2, bits: 3 };
    const configs = sizes(rule, [1, 2, 4, 8, 16, 32], ['6.16']);
    const { sampled, restricted } = await both(`${KERNEL}lo-bulk-e1024-f1024.csv.gz`, rule, configs, { parallel: true, sweepRing: { slots: 4, rows: 512 } });
    expect(exactDifferences(sampled, restricted)).toEqual([]);
  });

  it('below the bound the global table is shared with dropped flows: counters differ, and the result says they are estimates', async () => {
    const rule = { shift: 9, bits: 4 };
    const configs = [128, 512, 2048].map((entries) => ({ entries, kernel: '6.16' as const }));
    const { sampled, restricted } = await both(`${KERNEL}lo-rr-e128-f64.csv.gz`, rule, configs);
    for (const [i, c] of sampled.configs.entries()) {
      expect(c.sampling!.global_table_exact).toBe(false);
      expect(c.sampling!.estimated).toEqual(expect.arrayContaining(['hit_ratio', 'collision_rate', 'evictions', 'hits']));
      expect(differs(sampled, restricted, i, ['evictions', 'misses_collision', 'hits'])).not.toEqual([]);
    }
  });

  it('3.19 resets a socket’s old slot when its hash changes: its global-table metrics are labelled estimates', async () => {
    const rule = { shift: 2, bits: 3 };
    const { sampled, restricted } = await both(`${KERNEL}lo-rr-e128-f64.csv.gz`, rule, sizes(rule, [4], ['3.19']));
    expect(sampled.configs[0].sampling!.estimated).toContain('hits');
    expect(differs(sampled, restricted, 0, ['rehash_clears'])).toEqual(['rehash_clears']);
    expect(exactDifferences(sampled, restricted)).toEqual([]);
  });
});

function generated(over: Partial<Workload>): string {
  const w: Workload = { ...DEFAULT_WORKLOAD, cpus: 4, flows: 3000, rate: 200_000, rows: 120_000, connRequests: 20, reuse: 0.3, migration: 0.05, ...over };
  return writeTrace(generateToBuffer(w).bytes);
}

describe('a sampled generated trace replays exactly as the whole trace counted for its kept flows', () => {
  it('instant heads (no deliver rows): placement is exact too', async () => {
    const whole = generated({ seed: 7, rss: 'toeplitz', queues: 4 });
    for (const rule of RULES) {
      const configs = sizes(rule, [1, 4, 16], PROFILES, { flowCnt: 64 });
      const { sampled, restricted } = await both(whole, rule, configs);
      for (const c of sampled.configs) {
        expect(c.head_model).toBe('instant');
        expect(c.sampling!.exact).toEqual(expect.arrayContaining(['locality', 'cross_cpu_share', 'per_cpu', 'hit_ratio']));
      }
      expect(exactDifferences(sampled, restricted)).toEqual([]);
    }
  }, 120_000);

  it('per-queue slots of their own (h & (F − 1), F at the bound or above): the per-queue entries are exact as well', async () => {
    const whole = generated({ seed: 11 });
    const rule = { shift: 2, bits: 3 };
    const configs = sizes(rule, [1, 8], ['4.10', '4.0'], { flowCnt: exactFromEntries(rule) });
    const { sampled, restricted } = await both(whole, rule, configs);
    for (const c of sampled.configs) expect(c.sampling!.exact).toEqual(expect.arrayContaining(['slot_conflicts', 'slot_switches']));
    expect(sampled.configs.some((c) => c.metrics.slot_conflicts > 0)).toBe(true);
    expect(exactDifferences(sampled, restricted)).toEqual([]);
  });

  it('deliver rows and FIFO heads: the global table stays exact, placement becomes an estimate', async () => {
    const whole = generated({ seed: 5, deliver: true });
    const rule = { shift: 9, bits: 4 };
    for (const extra of [{}, { fifoNs: 3000 }]) {
      const { sampled, restricted } = await both(whole, rule, sizes(rule, [1, 2], ['6.16', '4.10']), extra);
      for (const c of sampled.configs) expect(c.sampling!.estimated).toContain('locality');
      expect(exactDifferences(sampled, restricted)).toEqual([]);
    }
  });
});
