/**
 * The bench's spellings (src/bench/spellings.ts) write the same rows every way
 * format v1 allows. Each must replay to exactly the counters of the canonical
 * spelling, through every reader path: in this thread, through the parse
 * worker (one configuration) and through the sweep's ring (five). A spelling
 * the fast readers misread (an id numbered apart, a column taken for another,
 * a queue or state name looked up wrong) changes a counter here.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spell, SPELLINGS, spelledPath } from '../../src/bench/spellings.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload } from '../../src/generate/workload.js';
import { readTrace } from '../../src/ingest/read.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayResult } from '../../src/types/result.js';
import { writeTrace } from '../helpers/trace.js';

// Deliver rows (skb ids), four queues, churn and 4-tuple reuse (state rows, closes), migration.
const w = finishWorkload(
  applyLayer(
    { ...DEFAULT_WORKLOAD },
    { rows: 120_000, deliver: true, connRequests: 30, migration: 0.05, queues: 4, cpus: 16, flows: 3_000, reuse: 0.3 },
    (k) => k,
  ),
);
const canonical = writeTrace(generateToBuffer(w).bytes, 'spelled.csv');

/** What a spelling must not change: every configuration's result, and the trace's counts (queues by their canonical names). */
function counted(r: ReplayResult) {
  const { path: _p, file: _f, bytes: _b, gzip: _g, sha256: _s, ...trace } = r.trace;
  return JSON.parse(JSON.stringify({ trace, configs: r.configs }).replaceAll('enp65s0f1np1-rx-queue-', 'eth0:'));
}

describe('every spelling of the same rows replays to the same counters', () => {
  const configs = [{}, { entries: 16 }, { kernel: '3.19' as const, flowCnt: 8 }, { entries: 0 }, { entries: 4096, timeline: true }];
  const expected = {
    inline: replayFile(canonical, { configs: configs.slice(0, 1), parallel: false }).then(counted),
    sweep: replayFile(canonical, { configs, parallel: false }).then(counted),
  };

  for (const s of SPELLINGS.filter((x) => x.name !== 'canonical')) {
    it(`${s.name}: ${s.what}`, { timeout: 120_000 }, async () => {
      const path = spelledPath(canonical, s);
      await spell(canonical, path, s);
      const text = s.gzip ? '' : readFileSync(path, 'latin1');
      if (!s.gzip) expect(text).not.toBe(readFileSync(canonical, 'latin1'));
      for (const parallel of [false, true]) {
        const one = counted(await replayFile(path, { configs: configs.slice(0, 1), parallel }));
        expect(one, `1 configuration, parallel ${parallel}`).toEqual(await expected.inline);
        const five = counted(await replayFile(path, { configs, parallel }));
        expect(five, `5 configurations, parallel ${parallel}`).toEqual(await expected.sweep);
      }
      const r = await replayFile(path, { configs: configs.slice(0, 1), parallel: false });
      expect(r.trace.rows).toBe(120_000);
      expect(r.configs[0].metrics.deliver_matched).toBeGreaterThan(10_000);
      // And fast: the SIMD reader takes every row but those a chunk's end cuts (a reader that
      // refused a spelling would pass the counts above, only slower).
      const read = await readTrace(path, { header() {}, batch() {} }, { chunkSize: 65536, deferIds: true });
      expect(read.rows - read.simdRows).toBeLessThanOrEqual(Math.ceil(statSync(path).size / 65536) * (s.gzip ? 8 : 1));
    });
  }
});
