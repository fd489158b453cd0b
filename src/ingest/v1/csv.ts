/**
 * The CSV of one v1 line, as the byte scanner reads it (RFC 4180 quoting
 * within a line: a quoted field cannot hold a line break, a stray quote is
 * damage, never data): where a line's quoting is broken, a quoted field's
 * text, the fields of a sound line, and the blank row.
 */
import { msg } from '../../messages.js';

const COMMA = 0x2c;
const QUOTE = 0x22;

/**
 * The first quoting error in a line, scanning left to right (error path only):
 * a quote inside an unquoted field, a quoted field not closed on its line, or
 * something other than a comma after a closing quote.
 */
export function csvSyntaxProblem(buf: Buffer, start: number, end: number): { column: number; detail: string } | null {
  let p = start;
  for (;;) {
    if (p < end && buf[p] === QUOTE) {
      const open = p;
      p++;
      for (;;) {
        if (p >= end) return { column: open - start + 1, detail: msg.unterminatedQuote() };
        if (buf[p] === QUOTE) {
          if (p + 1 < end && buf[p + 1] === QUOTE) {
            p += 2;
            continue;
          }
          p++;
          break;
        }
        p++;
      }
      if (p < end && buf[p] !== COMMA) return { column: p - start + 1, detail: msg.charAfterQuote(String.fromCharCode(buf[p])) };
    } else {
      while (p < end && buf[p] !== COMMA) {
        if (buf[p] === QUOTE) return { column: p - start + 1, detail: msg.quoteInField() };
        p++;
      }
    }
    if (p >= end) return null;
    p++;
  }
}

/** The text of a quoted field, given with its quotes ("" is an escaped quote). */
export function unquote(s: string): string {
  return s.slice(1, -1).replace(/""/g, '"');
}

/** The fields of a line whose quoting is sound (csvSyntaxProblem() found nothing), with their 1-based columns. */
export function splitFields(buf: Buffer, start: number, end: number): { fields: string[]; starts: number[] } {
  const fields: string[] = [];
  const starts: number[] = [];
  let p = start;
  for (;;) {
    let e = p;
    if (p < end && buf[p] === QUOTE) {
      e = p + 1;
      for (;;) {
        if (buf[e] === QUOTE) {
          if (e + 1 < end && buf[e + 1] === QUOTE) {
            e += 2;
            continue;
          }
          e++;
          break;
        }
        e++;
      }
      fields.push(unquote(buf.toString('latin1', p, e)));
    } else {
      while (e < end && buf[e] !== COMMA) e++;
      fields.push(buf.toString('latin1', p, e));
    }
    starts.push(p - start + 1);
    if (e >= end) break;
    p = e + 1;
  }
  return { fields, starts };
}

/** Only commas, spaces and tabs: an empty row a spreadsheet left behind. */
export function isBlankRow(buf: Buffer, start: number, end: number): boolean {
  const c = buf[start];
  if (c !== COMMA && c !== 0x20 && c !== 0x09) return false;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== COMMA && b !== 0x20 && b !== 0x09) return false;
  }
  return true;
}
