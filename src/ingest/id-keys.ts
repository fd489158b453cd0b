/**
 * Identities (socket and skb fields) as 64-bit keys, so that the replay
 * numbers them without a string or a table of texts: `0x` and 1 to 16 hex
 * digits by its value, as an address; any other text of at most 8 bytes by its
 * bytes; a longer decimal or bare hex number by its value. Each kind is read
 * from the text alone and is one-to-one within itself (no leading zeros for
 * the numbers, one letter case for bare hex), and the kind goes with the key,
 * so two texts share a key only if they are the same identity (for 0x hex:
 * the same address, whatever its leading zeros). Any other identity is a
 * text, numbered by its bytes (the SIMD reader's tables, or the interner's).
 * The WebAssembly reader (v1/wasm/v1-rows.ts) keys the identities it reads
 * the same way; tests hold the two to each other.
 */
import { ID_DECIMAL, ID_HEX, ID_HEX_LOWER, ID_HEX_UPPER, ID_TEXT } from './trace-codes.js';

/** idKey()'s key, when it returns a kind. */
export const key = { hi: 0, lo: 0 };

/** The kind of `text`'s key, with the key in `key`; -1 when the identity is a text numbered by its bytes. */
export function idKey(text: string): number {
  const n = text.length;
  if (n === 0) return -1;
  if (n > 2 && n <= 18 && text.charCodeAt(0) === 0x30 && (text.charCodeAt(1) | 0x20) === 0x78 && hexValue(text, 2)) return ID_HEX;
  if (n <= 8) {
    let hi = 0;
    let lo = 0;
    for (let i = n - 1; i >= 0; i--) {
      hi = ((hi << 8) | (lo >>> 24)) >>> 0;
      lo = ((lo << 8) | text.charCodeAt(i)) >>> 0;
    }
    key.hi = hi;
    key.lo = lo;
    return ID_TEXT;
  }
  if (text.charCodeAt(0) === 0x30) return -1;
  if (n <= 20 && /^[0-9]+$/.test(text)) {
    const v = BigInt(text);
    if (v >= 1n << 64n) return -1;
    key.hi = Number(v >> 32n);
    key.lo = Number(v & 0xffffffffn);
    return ID_DECIMAL;
  }
  if (n <= 16 && /^[0-9a-f]+$/.test(text) && hexValue(text, 0)) return ID_HEX_LOWER;
  if (n <= 16 && /^[0-9A-F]+$/.test(text) && hexValue(text, 0)) return ID_HEX_UPPER;
  return -1;
}

/** A hex digit's value from its character code; -1 when it is not one. */
function hexDigit(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
}

/** The hex digits of text from `from` into `key`; false if one is not a hex digit. */
function hexValue(text: string, from: number): boolean {
  let hi = 0;
  let lo = 0;
  for (let i = from; i < text.length; i++) {
    const d = hexDigit(text.charCodeAt(i));
    if (d < 0) return false;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  key.hi = hi;
  key.lo = lo;
  return true;
}

/** idKey()'s ID_HEX for the bytes b[s, e) (an importer's field, not yet a string) into `key`: `0x` and 1 to 16 hex digits; false otherwise. */
export function hexIdBytes(b: Uint8Array, s: number, e: number): boolean {
  if (e - s <= 2 || e - s > 18 || b[s] !== 0x30 || (b[s + 1] | 0x20) !== 0x78) return false;
  let hi = 0;
  let lo = 0;
  for (let i = s + 2; i < e; i++) {
    const d = hexDigit(b[i]);
    if (d < 0) return false;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  key.hi = hi;
  key.lo = lo;
  return true;
}

/** The text of an identity from its kind and key: idKey()'s inverse (0x hex in lower case without leading zeros, as bpftrace prints it). */
export function keyText(kind: number, hi: number, lo: number): string {
  switch (kind) {
    case ID_HEX:
      return '0x' + hexDigits(hi, lo);
    case ID_TEXT: {
      let s = '';
      for (let i = 0; i < 8; i++) {
        const c = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s;
    }
    case ID_DECIMAL:
      return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
    case ID_HEX_LOWER:
      return hexDigits(hi, lo);
    default:
      return hexDigits(hi, lo).toUpperCase();
  }
}

function hexDigits(hi: number, lo: number): string {
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
}
