/** The text renderer: the verdict and its table, for the terminal. */
import { buildVerdict } from './verdict.js';
import type { ReportModel } from './model.js';

export function renderReportText(model: ReportModel): string {
  const v = buildVerdict(model);
  const out: string[] = [`${model.result.trace.file}:`];
  for (const s of v.sentences) out.push(`  ${s}`);
  if (v.lines.length) {
    const header = ['', ...v.columns];
    const table = [header, ...v.lines.map((l) => [l.label, ...l.values])];
    const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    out.push('');
    for (const r of table) out.push('  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  }
  for (const n of model.notes) out.push(`  note: ${n}`);
  return out.join('\n') + '\n';
}
