/**
 * Field conversions from text, shared by every reader that sees strings
 * (csv-parse reader, importers). The byte scanner has its own byte-level
 * versions; the test suite checks both agree. Each returns a sentinel on bad
 * input and `fieldError` says why, so callers can attach the position.
 */
import { EVENT_NAMES, TCP_STATE_NAMES } from './trace.js';
import { msg } from '../messages.js';

export const BAD = -1;

/** A 32-bit hash as the kernel's tracepoints print it (0x%08x). */
export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Unsigned 32-bit integer, decimal or 0x hex; BAD if not one (never silently 0). */
export function parseU32(text: string): number {
  const n = text.length;
  if (n === 0) return BAD;
  if (n > 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X')) {
    let v = 0;
    for (let i = 2; i < n; i++) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) d = (c | 0x20) - 87;
      else return BAD;
      v = v * 16 + d;
      if (v > 0xffffffff) return BAD;
    }
    return v;
  }
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return BAD;
    v = v * 10 + (c - 48);
    if (v > 0xffffffff) return BAD;
  }
  return v;
}

/** Why `parseU32` rejected an rxhash: too large, or not a number at all. */
export function rxhashError(text: string): string {
  const hex = /^0[xX][0-9a-fA-F]+$/.test(text);
  const dec = /^[0-9]+$/.test(text);
  return hex || dec ? msg.rxhashTooLarge(text) : msg.badRxhash(text);
}

/**
 * Non-negative decimal of any length (leading zeros are harmless: a
 * spreadsheet may pad), BAD if a non-digit appears, and `max + 1` when the
 * value is above `max` — so the caller can tell "not a number" from "too large".
 * The byte scanner's `decimal()` follows the same rule byte by byte.
 */
export function parseDecimal(text: string, max: number): number {
  const n = text.length;
  if (n === 0) return BAD;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return BAD;
    if (v <= max) v = v * 10 + (c - 48);
  }
  return v > max ? max + 1 : v;
}

/** Timestamps: a float64 holds integers exactly only up to 2^53 - 1. */
export const MAX_TS = Number.MAX_SAFE_INTEGER;

/** Non-negative integer up to 2^53-1 (timestamps), BAD otherwise (see tsError for why). */
export function parseUint53(text: string): number {
  const v = parseDecimal(text, MAX_TS);
  return v > MAX_TS ? BAD : v;
}

/** Why a ts was rejected: too large, or not a non-negative integer at all. */
export function tsError(text: string): string {
  return /^[0-9]+$/.test(text) ? msg.tsTooLarge(text) : msg.badTs(text);
}

/** CPU ids are u16 in the kernel's maps; anything larger is reported as out of range. */
export const MAX_CPU = 65535;

/** Decimal CPU id; BAD if not a non-negative integer, MAX_CPU + 1 if larger than any CPU id. */
export function parseCpu(text: string): number {
  return parseDecimal(text, MAX_CPU);
}

const EVENT_BY_NAME = new Map<string, number>(EVENT_NAMES.map((n, i) => [n, i]));
/** Event kind index, BAD if unknown. Names are lower-case as in the contract. */
export function parseEvent(text: string): number {
  return EVENT_BY_NAME.get(text) ?? BAD;
}

const STATE_BY_NAME = new Map<string, number>();
TCP_STATE_NAMES.forEach((name, i) => {
  if (i > 0) {
    STATE_BY_NAME.set(name, i);
    STATE_BY_NAME.set(`TCP_${name}`, i);
  }
});
/** TCP state: number 1..12 or name, case-insensitive, with or without TCP_; BAD if neither. */
export function parseState(text: string): number {
  if (text.length === 0) return BAD;
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const v = parseDecimal(text, 255);
    return v >= 1 && v <= 12 ? v : BAD;
  }
  return STATE_BY_NAME.get(text.toUpperCase()) ?? BAD;
}
