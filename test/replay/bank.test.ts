/**
 * One pass replays every configuration as lanes of one FlowTableBank, which
 * share the trace-derived socket state and lane-interleaved tables (pending
 * packets per flow, per-queue flow table entries, the deliver window). Each
 * lane must end exactly as if its configuration had been replayed alone: any
 * leak between lanes (a wrong stride, a shared counter, a lane reading its
 * neighbour's entry) shows up as a difference here.
 */
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import type { ConfigRequest } from '../../src/replay/options.js';

const SHARED = new URL('../../../shared/traces/', import.meta.url).pathname;
const SCENARIOS = new URL('../../traces/scenarios/', import.meta.url).pathname;

// Different kernels, table sizes (so different per-lane strides into the shared
// per-queue tables), CPU counts (folding), RPS maps, and the explain/timeline extras.
const LANES: ConfigRequest[] = [
  { explain: true, timeline: true },
  { entries: 16 },
  { kernel: '3.19' },
  { entries: 0 },
  { entries: 4096, kernel: '4.10', flowCnt: 8 },
  { cpus: 3, kernel: '6.15' },
  { flowCnt: 1 },
  { entries: 65536, flowCnt: 32768, kernel: '4.0' },
  { rpsCpus: '1', timeline: true },
];

describe('a bank of lanes = each configuration replayed alone', () => {
  const traces = [
    SHARED + 'lo-rr-e128-f64.csv.gz', // deliver rows: the shared deliver window
    SHARED + 'lo-bulk-e1024-f1024.csv.gz',
    SCENARIOS + 'web-short.csv.gz', // connection churn: state rows, deletes, 3.19 rehash
    SCENARIOS + 'many-queues.csv.gz',
  ];
  for (const path of traces) {
    it(path.split('/').pop()!, async () => {
      const together = await replayFile(path, { configs: LANES, parallel: false });
      expect(together.configs).toHaveLength(LANES.length);
      for (let i = 0; i < LANES.length; i++) {
        const alone = await replayFile(path, { configs: [LANES[i]], parallel: false });
        expect(together.configs[i], `lane ${i}: ${JSON.stringify(LANES[i])}`).toEqual(alone.configs[0]);
      }
      // The lanes did differ, so equality above is not the trivial kind.
      const hits = new Set(together.configs.map((c) => c.metrics.hits));
      expect(hits.size).toBeGreaterThan(3);
    });
  }
});
