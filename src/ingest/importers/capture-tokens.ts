/**
 * The capture protocol's tokens (capture-protocol.ts), read in place from a
 * line's bytes: whitespace as a regular expression's \s means it, numbers
 * as the protocol writes them (decimal, or 0x and hex digits).
 */
import { isDigit, isSpace } from './line-bytes.js';

/** \s of a regular expression. */
export function isWhitespace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    (c >= 0x1680 &&
      (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))
  );
}

/** A line's tokens (\S+ runs) as offsets into its buffer, reused line after line. */
export class LineTokens {
  n = 0;
  start = new Int32Array(16);
  end = new Int32Array(16);

  read(b: Buffer, s: number, e: number): void {
    let n = 0;
    let i = s;
    while (i < e) {
      while (i < e && isSpace(b[i])) i++;
      if (i >= e) break;
      if (n === this.start.length) {
        const grow = (a: Int32Array) => {
          const g = new Int32Array(2 * a.length);
          g.set(a);
          return g;
        };
        this.start = grow(this.start);
        this.end = grow(this.end);
      }
      this.start[n] = i;
      while (i < e && !isSpace(b[i])) i++;
      this.end[n] = i;
      n++;
    }
    this.n = n;
  }
}

/**
 * The value of a protocol number in b[s, e): decimal digits, or 0x and hex
 * digits (as Number() reads them); NaN when it is not one.
 */
export function numberAt(b: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0) return Number.NaN;
  if (n > 15) return isNumberText(b, s, e) ? Number(b.toString('latin1', s, e)) : Number.NaN;
  let v = 0;
  if (n > 2 && b[s] === 0x30 && b[s + 1] === 0x78) {
    for (let i = s + 2; i < e; i++) {
      const c = b[i];
      const d = isDigit(c) ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (d < 0) return Number.NaN;
      v = v * 16 + d;
    }
    return v;
  }
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (!isDigit(c)) return Number.NaN;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

function isNumberText(b: Buffer, s: number, e: number): boolean {
  const hex = e - s > 2 && b[s] === 0x30 && b[s + 1] === 0x78;
  for (let i = hex ? s + 2 : s; i < e; i++) {
    const c = b[i];
    if (!(isDigit(c) || (hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))) return false;
  }
  return true;
}

/** The value of a plain decimal (no leading zero) of at most `digits` digits in b[s, e), else -1: the texts a number gives back unchanged. */
export function plainDecimal(b: Buffer, s: number, e: number, digits: number): number {
  const n = e - s;
  if (n === 0 || n > digits || (b[s] === 0x30 && n > 1)) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}
