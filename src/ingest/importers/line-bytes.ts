/**
 * Byte tests the importers' line parsers share (perf-script.ts, ftrace.ts,
 * tracepoint-text.ts, the capture protocol's): the character classes of the
 * patterns they stand in for, read from a line's bytes.
 */

/** \s as a regular expression means it, for the characters a latin1 line can hold. */
export const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** The code of the word b[s, e) among `words` (each its bytes and its code), or `none`. */
export function wordCode(words: readonly (readonly [Uint8Array, number])[], b: Uint8Array, s: number, e: number, none: number): number {
  const len = e - s;
  for (const [w, code] of words) {
    if (w.length !== len) continue;
    let k = 0;
    while (k < len && b[s + k] === w[k]) k++;
    if (k === len) return code;
  }
  return none;
}

export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** \w */
export const isWord = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/** Decimal digits buf[start, end) as a number. */
export function digits(buf: Buffer, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (buf[i] - 0x30);
  return v;
}

/**
 * Seconds "1184.389296" (1 to 9 decimals) at buf[start…] followed by ":":
 * nanoseconds into `at.ns` and the position of the ":" into `at.end`; false
 * when the bytes there are not that.
 */
export function secondsAt(buf: Buffer, start: number, end: number, at: { ns: number; end: number }): boolean {
  let i = start;
  let sec = 0;
  while (i < end && isDigit(buf[i])) sec = sec * 10 + (buf[i++] - 0x30);
  if (i === start || i >= end || buf[i] !== 0x2e) return false;
  const f0 = ++i;
  let frac = 0;
  while (i < end && isDigit(buf[i])) frac = frac * 10 + (buf[i++] - 0x30);
  const n = i - f0;
  if (n < 1 || n > 9 || i >= end || buf[i] !== 0x3a) return false;
  for (let k = n; k < 9; k++) frac *= 10;
  at.ns = sec * 1e9 + frac;
  at.end = i;
  return true;
}

/** Where the next CR at or after `from` is in `buf` (buf.length if none), remembered per buffer: a line holding one goes the text way. */
export class CrFinder {
  private buf: Buffer | null = null;
  private next = -1;
  private last = 0;
  /** True when buf[start, end) holds a CR. Lines are asked in order; a start before the last one's is a new chunk. */
  within(buf: Buffer, start: number, end: number): boolean {
    const stale = buf !== this.buf || start < this.last || this.next < start;
    this.last = start;
    if (stale) {
      this.buf = buf;
      const i = buf.indexOf(0x0d, start);
      this.next = i < 0 ? buf.length : i;
    }
    return this.next < end;
  }
}
