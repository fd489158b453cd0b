/**
 * A report of a sampled trace (docs/model.md#flow-sampling): which of its
 * numbers are exact for the kept flows and which are estimates, totals
 * scaled to the whole server, and which global sizes the advice may judge
 * (those at or above 2^(shift + bits), where kept and dropped flows never
 * share a slot). Nothing here applies to a whole trace.
 */
import { reportSampleMsg } from '../messages.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { ruleBits } from '../types/sampling.js';
import { int } from './format.js';

export interface ReportSampling {
  shift: number;
  bits: number;
  /** Totals of the kept flows × one_in estimate the whole server's. */
  one_in: number;
  /** Global sizes from this one up give kept and dropped flows separate slots: their global-table metrics are exact. */
  exact_from_entries: number;
}

/** The rule of a sampled trace (capture --sample), or null. */
export function reportSampling(result: ReplayResult): ReportSampling | null {
  const s = result.trace.sampling;
  if (s?.applied !== 'trace') return null;
  return { shift: s.sample_shift, bits: s.sample_bits, one_in: s.one_in, exact_from_entries: s.exact_from_entries };
}

/** A count of the kept flows as the report shows totals: × one_in, marked as an estimate. */
export function total(s: ReportSampling | null, n: number): string {
  return s ? `≈${int(n * s.one_in)}` : int(n);
}

/** A value of configuration `c` with "~" in front when the sampled replay labels `metric` an estimate. */
export function marked(s: ReportSampling | null, c: ConfigResult | undefined, metric: string, text: string): string {
  return s && c?.sampling?.estimated.includes(metric) && text !== '—' ? `~${text}` : text;
}

/** A global size the advice may judge on a sampled trace: at or above the bound, or no table. */
export function judgeable(s: ReportSampling | null, entriesEffective: number): boolean {
  return !s || entriesEffective === 0 || entriesEffective >= s.exact_from_entries;
}

/** What the reader must know about a sampled trace's report, for its notes. */
export function samplingNotes(s: ReportSampling | null, swept: number[], configured: number): string[] {
  if (!s) return [];
  const bound = int(s.exact_from_entries);
  const notes = [reportSampleMsg.sampled(ruleBits(s), s.one_in, bound)];
  const below = swept.filter((e) => !judgeable(s, e));
  if (below.length > 0) notes.push(reportSampleMsg.belowBoundSwept(below.map(int).join(', '), bound));
  if (!judgeable(s, configured)) notes.push(reportSampleMsg.configuredBelowBound(int(configured), bound));
  return notes;
}
