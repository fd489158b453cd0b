/**
 * The folder comparison answers "which one size for the fleet?" (issue 23,
 * item 7): `rfs-replay report test/fixtures/kernel`, two real captures.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonDocument } from '../../src/report/comparison.js';
import { ROOT, runCli } from '../helpers/cli.js';

describe('report <folder>: the comparison report', () => {
  let out = '';
  let doc: ComparisonDocument;
  let html = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'rfs-fleet-'));
    const r = runCli(['report', join(ROOT, 'test/fixtures/kernel')], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    out = r.out;
    doc = JSON.parse(readFileSync(join(dir, 'reports', 'kernel-comparison.json'), 'utf8'));
    html = readFileSync(join(dir, 'reports', 'kernel-comparison.html'), 'utf8');
  });

  it('gives the one global size for every trace: the packet-weighted locality at its best, each trace’s loss there', () => {
    const f = doc.fleet!;
    const packets = doc.rows.map((r) => r.packets);
    expect(f.traces.map((t) => t.weight)).toEqual(packets.map((p) => p / (packets[0] + packets[1])));
    // Recomputed from the rows' own sweeps.
    const at = (size: number) => doc.rows.reduce((a, r, i) => a + f.traces[i].weight * r.global_sweep.find((p) => p.entries === size)!.locality!, 0);
    for (const s of f.sizes) expect(s.locality).toBeCloseTo(at(s.entries), 12);
    expect(f.best_locality).toBe(Math.max(...f.sizes.map((s) => s.locality)));
    // The smallest size within the tie tolerance of the best.
    expect(f.entries).toBe(f.sizes.find((s) => s.locality >= f.best_locality - f.tie_tolerance - 1e-12)!.entries);
    for (const [i, t] of f.traces.entries()) {
      const sweep = doc.rows[i].global_sweep.filter((p) => f.sizes.some((s) => s.entries === p.entries));
      const best = Math.max(...sweep.map((p) => p.locality!));
      expect(t.best_locality).toBe(best);
      expect(t.loss).toBeCloseTo(best - sweep.find((p) => p.entries === f.entries)!.locality!, 12);
    }
    const line = out.split('\n').find((l) => l.startsWith('One global size for every trace: '));
    expect(line).toContain(`${f.entries.toLocaleString('en-US')} slots, where the locality of the 2 traces together (each weighted by its packets) is`);
  });

  it('shows the configured per-queue size, the memory at the recommended sizes, and each trace’s locality at the fleet size', () => {
    const head = [...html.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(head).toEqual(
      expect.arrayContaining(['configured global', 'configured per-queue', `locality at ${doc.fleet!.entries.toLocaleString('en-US')}`, 'vs its best size']),
    );
    // lo-bulk-e1024-f1024 and lo-rr-e128-f64: one RX queue each, 1024 and 64 slots per queue configured.
    expect(doc.rows.map((r) => [r.name, r.configured_flow_cnt])).toEqual([
      ['lo-bulk-e1024-f1024', 1024],
      ['lo-rr-e128-f64', 64],
    ]);
    for (const r of doc.rows) expect(r.recommended_memory_bytes).toBe(4 * r.recommended_entries! + 8 * r.recommended_flow_cnt!);
    expect(html).toContain('configured per-queue');
    expect(html).toContain('One global size for every trace:');
  });
});
