/**
 * `report` on a sampled trace: the advice judges only global sizes where the
 * kept flows' slots are their own, estimates are marked ~, totals are scaled
 * to the whole server with ≈, and the notes say all of it. A whole trace's
 * report is untouched by any of this.
 */
import { describe, expect, it } from 'vitest';
import { planReport } from '../../src/analyze/sweep.js';
import { replayFile } from '../../src/replay/engine.js';
import { replayForReport } from '../../src/report/run.js';
import { renderReportHtml } from '../../src/report/html.js';
import { renderReportText } from '../../src/report/text.js';
import { buildVerdict } from '../../src/report/verdict.js';
import { sampleTrace, traceText } from './sample-trace.js';

const BULK = new URL('../fixtures/kernel/lo-bulk-e1024-f1024.csv.gz', import.meta.url).pathname;

async function report(path: string) {
  const plan = planReport({});
  return (await replayForReport(path, plan, replayFile, { command: [] })).model;
}

describe('report of a sampled trace', () => {
  it('judges sizes from the bound up, marks estimates, scales totals and says so', async () => {
    const rule = { shift: 2, bits: 3 }; // bound 32: the sweep's 64.. are all judged
    const whole = await report(BULK);
    const sampled = await report(sampleTrace(traceText(BULK), rule));
    expect(whole.sampling).toBeNull();
    expect(sampled.sampling).toEqual({ shift: 2, bits: 3, one_in: 8, exact_from_entries: 32 });
    const v = buildVerdict(sampled);
    const line = (label: string) => v.lines.find((l) => l.label === label)!.values;
    expect(line('Locality')[0]).toMatch(/^~\d/); // deliver heads: placement is an estimate
    expect(line('Hit ratio')[0]).toMatch(/^\d/); // the global table at 1,024 ≥ 32: exact
    expect(line('Ordering holds')[0]).toMatch(/^≈/);
    const text = renderReportText(sampled);
    expect(text).toContain('note: sampled trace: only the flows with hash bits 2..4 zero, one in 8.');
    expect(renderReportText(whole)).not.toMatch(/sampled|≈|~\d/);
    const html = renderReportHtml(sampled);
    expect(html).toContain(`${(sampled.result.trace.events.packet * 8).toLocaleString('en-US')} packets`);
    expect(html).toContain('(sampled: one flow in 8, counts ≈ × 8)');
  }, 60_000);

  it('leaves sizes below the bound out of the advice, and flags a configured size below it', async () => {
    const rule = { shift: 9, bits: 4 }; // bound 8,192 above the trace's own 1,024
    const sampled = await report(sampleTrace(traceText(BULK), rule));
    const k = sampled.kernels[0];
    expect(k.globalAdvice.best === null || k.globalAdvice.best.entries_effective >= 8192).toBe(true);
    if (k.globalAdvice.row && k.globalAdvice.action !== 'keep') expect(k.globalAdvice.row.entries_effective).toBeGreaterThanOrEqual(8192);
    expect(sampled.notes).toContain(
      "the trace's own global table (1,024 slots) is below 8,192: its numbers are estimates, too good by the dropped flows' collisions; the advice compares it with sizes from 8,192 up only.",
    );
    expect(
      sampled.notes.some((n) => n.startsWith('global sizes below 8,192 slots (64, 128, 256, 512, 1,024, 2,048, 4,096) were replayed but not judged')),
    ).toBe(true);
    // The analytic collision curve counts the kept flows in their 1/16 of the slots, and has no point below the bound.
    expect(k.global.filter((r) => r.entries_effective < 8192).every((r) => r.expected_collision_rate === null)).toBe(true);
    expect(buildVerdict(sampled).lines.find((l) => l.label === 'Hit ratio')!.values[0]).toMatch(/^~/);
  }, 60_000);
});
