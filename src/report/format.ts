/** Number and text formatting shared by the HTML and text renderers. */
import { grouped } from '../messages.js';

/** A ratio as a percentage; null (empty denominator) shows as an em dash. */
export function pct(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

/** Integers with thousands separators, locale-independent (tests compare exact text). */
export function int(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return grouped(n);
}

/**
 * `text` broken at spaces into lines of at most `columns` characters, each
 * starting with `indent` and every line after the first with `hang` more; a
 * word longer than a line keeps a line of its own, whole. No `columns`: one line.
 */
export function wrapWords(text: string, columns: number | null | undefined, indent = '', hang = '  '): string[] {
  if (!columns) return [indent + text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    const lead = lines.length === 0 ? indent : indent + hang;
    if (line !== '' && lead.length + line.length + 1 + word.length > columns) {
      lines.push(lead + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push((lines.length === 0 ? indent : indent + hang) + line);
  return lines;
}

/** Bytes in binary units: 512 B, 4 KiB, 1.5 MiB. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const shown = u === 0 || Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `${shown} ${units[u]}`;
}

/** Percentage points between two ratios, signed: "+1.25 pp". */
export function pp(delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return '—';
  const v = delta * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} pp`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside a <script> element: `<` becomes \u003c so no
 * "</script>" or "<!--" in the data can end or alter the element, and the
 * JavaScript line separators U+2028/U+2029 are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Shell-style quoting of a command line for display. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Rows to CSV (RFC 4180): header from the union of keys in first-seen order, nulls empty. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
