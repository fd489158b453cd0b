/** The text renderer: the verdict and its table, for the terminal. */
import { ratio } from '../types/metrics.js';
import { formatMsg } from '../messages.js';
import { unchangedCpuWhatIfNotes } from './cpu-whatif-notes.js';
import { int, pct, wrapWords } from './format.js';
import { profilesLine } from './profiles.js';
import { adviceText, buildVerdict } from './verdict.js';
import type { ReportData } from './report-data.js';
import { queueTextLines } from './queue-section.js';
import { total } from './sampling.js';

function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map(
    (r) =>
      '  ' +
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
  );
}

/**
 * The report for the terminal. Sentences are broken at spaces to fit
 * `columns` (the terminal's width; none: one line each, for files and pipes);
 * tables keep their rows whole.
 */
export function renderReportText(model: ReportData, columns: number | null = null): string {
  const v = buildVerdict(model);
  const t = model.result.trace;
  const say = (text: string, indent = '  ') => wrapWords(text, columns, indent);
  const out: string[] = [`${t.file}:`, `  ${formatMsg.detected(t.format)}`];
  out.push(
    ...say(
      profilesLine(
        model.kernels.map((k) => k.kernel),
        t.header.kernel,
      ),
    ),
  );
  for (const s of v.sentences) out.push(...say(s));
  if (model.alert) out.push('', ...say(`NOTE: ${model.alert}`));
  if (v.lines.length) {
    out.push('');
    out.push(
      ...table(
        ['', ...v.columns],
        v.lines.map((l) => [l.label, ...l.values]),
      ),
    );
  }
  if (model.kernels.length > 1) {
    out.push('', '  Kernel profiles at the configured sizes (counts are packets):');
    out.push(
      ...table(
        [
          'profile',
          'locality',
          'advice (global / per-queue)',
          'hit ratio',
          'own-hint hits',
          'aliased hits',
          'collision misses',
          'stale hits',
          'per-queue slots used',
        ],
        model.kernels.map((k) => {
          const c = k.configured;
          const q = k.configuredResult.queue_occupancy;
          const slots = q.reduce((a, x) => a + x.slots, 0);
          const used = q.reduce((a, x) => a + x.used, 0);
          return [
            k.kernel,
            pct(c.locality),
            adviceText(k),
            pct(c.hit_ratio),
            pct(ratio(c.hits_own, c.lookups)),
            total(model.sampling, c.hits_aliased),
            total(model.sampling, c.misses_collision),
            total(model.sampling, c.hits_stale),
            slots > 0 ? `${int(used)} / ${int(slots)}` : '—',
          ];
        }),
      ),
    );
  }
  out.push(...queueTextLines(model, table));
  const withCpus = model.kernels.filter((k) => k.cpus.length > 1);
  if (withCpus.length) {
    out.push('', '  CPU count what-if at the configured sizes (rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1):');
    out.push(
      ...table(
        ['profile', 'nr_cpu_ids', 'rps_cpu_mask', 'bits unchecked', 'hit ratio', 'alias rate', 'collision rate', 'invalid-CPU misses'],
        withCpus.flatMap((k) =>
          k.cpus.map((r) => [
            k.kernel,
            `${r.nr_cpu_ids}${r.trace_own ? ' (trace)' : ''}`,
            `0x${r.cpu_mask.toString(16)}`,
            String(r.bits_unchecked),
            pct(r.hit_ratio),
            pct(r.alias_rate),
            pct(r.collision_rate),
            int(r.misses_invalid_cpu),
          ]),
        ),
      ),
    );
  }
  if (withCpus.length) for (const n of unchangedCpuWhatIfNotes(model.result)) out.push(...say(`note: ${n}`));
  for (const n of model.notes) if (n !== model.alert) out.push(...say(`note: ${n}`));
  return out.join('\n') + '\n';
}
