/**
 * The bench's importer spellings (src/bench/importer-spellings.ts): the same
 * generated rows as bpftrace, perf script and trace-cmd output. Each must
 * replay, through its importer, to exactly the counters of the v1 trace of
 * what its format carries (the "restricted" trace the bench times it
 * against), and that restricted trace must be the canonical one cut down as
 * the format's documented limits say (docs/format.md): a spelling the
 * importer misread, or a generator that wrote more than the format can
 * carry, changes a counter here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPORTER_SPELLINGS, importerSpelledPath, restrictedPath, writeImporterSpelling } from '../../src/bench/importer-spellings.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload } from '../../src/generate/workload.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayResult } from '../../src/types/result.js';
import { writeTrace } from '../helpers/trace.js';

// Deliver rows (skb ids), four queues, churn and 4-tuple reuse (state rows, closes), migration.
const w = finishWorkload(
  applyLayer(
    { ...DEFAULT_WORKLOAD },
    { rows: 60_000, deliver: true, connRequests: 30, migration: 0.05, queues: 4, cpus: 16, flows: 3_000, reuse: 0.3 },
    (k) => k,
  ),
);
const canonical = writeTrace(generateToBuffer(w).bytes, 'imported.csv');
const canonicalRows = readFileSync(canonical, 'latin1')
  .split('\n')
  .filter((l) => /^\d/.test(l))
  .map((l) => l.split(','));
const count = (rows: string[][], pred: (f: string[]) => boolean) => rows.filter(pred).length;

/** What the format must not change: every configuration's result, and the rows. */
const counted = (r: ReplayResult) => ({ rows: r.trace.rows, configs: JSON.parse(JSON.stringify(r.configs)) });

describe('every importer spelling replays to the counters of what its format carries', () => {
  // The tracepoint formats carry no rps_sock_flow_entries: each configuration names its size.
  const configs = [{ entries: 4096 }, { entries: 16 }, { kernel: '3.19' as const, entries: 256, flowCnt: 8 }, { entries: 0 }];

  for (const s of IMPORTER_SPELLINGS) {
    it(`${s.name}: ${s.what}`, { timeout: 120_000 }, async () => {
      const path = importerSpelledPath(canonical, s);
      const restricted = restrictedPath(canonical, s);
      await writeImporterSpelling(canonical, path, s);
      await writeImporterSpelling(canonical, restricted, s, true);
      const rows = readFileSync(restricted, 'latin1')
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(','));
      // The restricted trace is the canonical one less what the format cannot carry.
      const tracepoint = s.format === 'perf-script' || s.format === 'ftrace';
      const carried = (f: string[]) => !tracepoint || ['packet', 'deliver', 'recvmsg', 'sendmsg'].includes(f[1]) || (s.format === 'ftrace' && f[1] === 'state');
      expect(rows.length).toBe(count(canonicalRows, carried));
      expect(rows.map((f) => f[0])).toEqual(canonicalRows.filter(carried).map((f) => f[0]));
      if (tracepoint) {
        expect(count(rows, (f) => f[1] !== 'packet' && f[5] !== '0' && f[5] !== '')).toBe(0); // no socket hash
        expect(count(rows, (f) => f[6] !== '')).toBe(0); // no queue
      } else {
        expect(rows.map((f) => f.slice(0, 7).join())).toEqual(canonicalRows.map((f) => f.slice(0, 7).join()));
      }
      const expected = counted(await replayFile(restricted, { configs, parallel: false }));
      expect(expected.rows).toBe(rows.length);
      expect(expected.configs[0].metrics.deliver_matched).toBeGreaterThan(5_000);
      for (const parallel of [false, true]) {
        const got = counted(await replayFile(path, { configs, parallel }));
        expect(got, `parallel ${parallel}`).toEqual(expected);
      }
    });
  }
});
