/**
 * Canonical v1 rows, delimiters first (AssemblyScript with WebAssembly SIMD,
 * compiled by `npm run build`; ../simd.ts copies chunks in and columns out).
 *
 * Why not the JavaScript byte loop (../fast-row.ts): it branches on every
 * byte, and porting that loop to WebAssembly as it is was no faster
 * (bench/HISTORY.md). Here a row's commas and newline are found first, 64
 * bytes at a time (bit masks); the row then knows its eight field bounds, and
 * a field of digits or hex digits is checked and converted 16 bytes at a time.
 *
 * The contract with the JavaScript reader: a row is accepted only if the
 * fast row (../fast-row.ts) would accept it and read the same values (a
 * stricter subset: exactly eight fields, queue names of at most Q_NAME_BYTES).
 * The first row it does not accept stops the scan; the reader reads that
 * line by its own paths, which own every error message, and resumes here
 * after it.
 *
 * Memory (imported): laid out in layout.ts, which ../simd.ts imports too.
 */

import * as layout from './layout';

// The whole layout, exported for the test that holds it to ../simd.ts's view.
export * from './layout';

// Addresses in the layout, as usize (asc reads the plain constants both compilers share as i32).
const C_NR_CPU: usize = layout.C_NR_CPU;
const C_IN_LEN: usize = layout.C_IN_LEN;
const C_STOP: usize = layout.C_STOP;
const D_LONG: usize = layout.D_LONG;
const E_WORD: usize = layout.E_WORD;
const E_KIND: usize = layout.E_KIND;
const E_LEN: usize = layout.E_LEN;
const Q_TABLE: usize = layout.Q_TABLE;
const Q_NAMES: usize = layout.Q_NAMES;
const Q_LENS: usize = layout.Q_LENS;
const Q_SLOTS: usize = layout.Q_SLOTS;
const Q_NAME_BYTES: usize = layout.Q_NAME_BYTES;
const O_TS: usize = layout.O_TS;
const O_LINE: usize = layout.O_LINE;
const O_CPU: usize = layout.O_CPU;
const O_SOCKET: usize = layout.O_SOCKET;
const O_SOCK_HI: usize = layout.O_SOCK_HI;
const O_SOCK_LO: usize = layout.O_SOCK_LO;
const O_RXHASH: usize = layout.O_RXHASH;
const O_QUEUE: usize = layout.O_QUEUE;
const O_SKB: usize = layout.O_SKB;
const O_SKB_HI: usize = layout.O_SKB_HI;
const O_SKB_LO: usize = layout.O_SKB_LO;
const O_EVENT: usize = layout.O_EVENT;
const O_STATE: usize = layout.O_STATE;
const IN: usize = layout.IN;

// Trace values, written once in ../../trace-codes.ts (MAX_TS: ../../fields.ts), exported for the same test.
import { DEFERRED_ID, EV_STATE, NONE } from '../../trace-codes';
export { DEFERRED_ID, EV_STATE, NONE };
export const MAX_TS: i64 = 9007199254740991; // Number.MAX_SAFE_INTEGER
const COMMA: u8 = 0x2c;
const LF: u8 = 0x0a;
const CR: u8 = 0x0d;

// Event names as little-endian words of their bytes (E_WORD), placed by a perfect hash:
// slot = (word * EVENT_HASH) >>> 61 (found by search; slot 3 is unused).
const EVENT_HASH: u64 = 0xe162c2724da869d3;

/** Lays out the event table; called once. */
export function init(): void {
  // recvmsg 4, sendmsg 5, accept 1, splice 6, state 0, packet 7, deliver 2
  event(4, 0x67736d76636572, 0, 7);
  event(5, 0x67736d646e6573, 1, 7);
  event(1, 0x747065636361, 2, 6);
  event(6, 0x6563696c7073, 3, 6);
  event(0, 0x6574617473, 4, 5);
  event(7, 0x74656b636170, 5, 6);
  event(2, 0x726576696c6564, 6, 7);
  store<u64>(E_WORD + 3 * 8, 0xffffffffffffffff);
  store<u8>(E_LEN + 3, 0);
  for (let i: usize = 0; i < <usize>Q_SLOTS; i++) store<i32>(Q_TABLE + i * 4, 0);
}

function event(slot: usize, word: u64, kind: u8, len: u8): void {
  store<u64>(E_WORD + slot * 8, word);
  store<u8>(E_KIND + slot, kind);
  store<u8>(E_LEN + slot, len);
}

// ---- Queue names ----

@inline function queueHash(v: v128, len: i32): usize {
  const a = i64x2.extract_lane(v, 0);
  const b = i64x2.extract_lane(v, 1);
  const h = (a ^ (b * 0x9e3779b97f4a7c15) ^ <u64>len) * 0xff51afd7ed558ccd;
  return <usize>(h >>> 54); // 10 bits: Q_SLOTS
}

/** Bytes [s, s + len) with lanes len..15 zeroed (len <= 16). */
@inline function prefix(s: usize, len: i32): v128 {
  return v128.and(v128.load(s), i8x16.lt_s(IOTA(), i8x16.splat(<i8>len)));
}

/**
 * Declares queue `q`, its name at IN (len bytes, at most 16). A name given
 * twice keeps its first index, as the header's queue list does. Returns false
 * when the table is full (the reader then leaves rows naming it to its own paths).
 */
export function addQueue(q: i32, len: i32): bool {
  const v = prefix(IN, len);
  let slot = queueHash(v, len);
  for (let probes = 0; probes < <i32>Q_SLOTS; probes++) {
    const at = load<i32>(Q_TABLE + slot * 4);
    if (at == 0) {
      v128.store(Q_NAMES + slot * Q_NAME_BYTES, v);
      store<i32>(Q_LENS + slot * 4, len);
      store<i32>(Q_TABLE + slot * 4, q + 1);
      return true;
    }
    if (load<i32>(Q_LENS + slot * 4) == len && i8x16.all_true(i8x16.eq(v128.load(Q_NAMES + slot * Q_NAME_BYTES), v))) return true;
    slot = (slot + 1) & (Q_SLOTS - 1);
  }
  return false;
}

/** Index of the declared queue named [s, s + len), or -1. */
@inline function queueAt(s: usize, len: i32): i32 {
  if (<u32>(len - 1) > <u32>Q_NAME_BYTES - 1) return -1;
  const v = prefix(s, len);
  let slot = queueHash(v, len);
  for (;;) {
    const at = load<i32>(Q_TABLE + slot * 4);
    if (at == 0) return -1;
    if (load<i32>(Q_LENS + slot * 4) == len && i8x16.all_true(i8x16.eq(v128.load(Q_NAMES + slot * Q_NAME_BYTES), v))) return at - 1;
    slot = (slot + 1) & (Q_SLOTS - 1);
  }
  return -1;
}

// ---- Fields, 16 bytes at a time ----

@inline function IOTA(): v128 {
  return i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/**
 * Lanes 16 - n .. 15 set: the last n bytes of a 16-byte load that ends at a
 * field's end. n is clamped to 0..16 (a field too long is rejected by its
 * length check; an empty one reads as no digits).
 */
@inline function lastLanes(n: i32): v128 {
  const c = n < 0 ? 0 : n > 16 ? 16 : n;
  return i8x16.gt_s(IOTA(), i8x16.splat(<i8>(15 - c)));
}

// Results of the field readers below (WebAssembly has one return value).
let hexBad: i32 = 0;
let hexHi: u32 = 0;
let hexLo: u32 = 0;

/**
 * The decimal digits [e - n, e), n <= 16, as an i64, or -1 if one of them is
 * not a digit. Two digits, then four, then eight per lane: no multiply chain
 * from digit to digit.
 */
@inline function decimal(e: usize, n: i32): i64 {
  const m = lastLanes(n);
  const d = i8x16.sub(v128.load(e - 16), i8x16.splat(0x30));
  const notDigit = v128.any_true(v128.and(i8x16.gt_u(d, i8x16.splat(9)), m));
  const dm = v128.and(d, m);
  // i16 lane j holds digit 2j (the higher) in its low byte.
  const pairs = i16x8.add(i16x8.mul(v128.and(dm, i16x8.splat(0xff)), i16x8.splat(10)), i16x8.shr_u(dm, 8));
  const quads = i32x4.dot_i16x8_s(pairs, i16x8(100, 1, 100, 1, 100, 1, 100, 1));
  const hi = <i64>(i32x4.extract_lane(quads, 0) * 10000 + i32x4.extract_lane(quads, 1));
  const lo = <i64>(i32x4.extract_lane(quads, 2) * 10000 + i32x4.extract_lane(quads, 3));
  return notDigit ? -1 : hi * 100000000 + lo;
}

/**
 * The hex digits [e - n, e), n <= 16, into hexHi:hexLo (the last eight
 * digits in hexLo); hexBad is 1 if one of them is not a hex digit.
 */
@inline function hex(e: usize, n: i32): void {
  const m = lastLanes(n);
  const v = v128.load(e - 16);
  const dec = i8x16.sub(v, i8x16.splat(0x30));
  const isDec = i8x16.le_u(dec, i8x16.splat(9));
  const alpha = i8x16.sub(v128.or(v, i8x16.splat(0x20)), i8x16.splat(0x61));
  const isAlpha = i8x16.le_u(alpha, i8x16.splat(5));
  hexBad = <i32>v128.any_true(v128.andnot(m, v128.or(isDec, isAlpha)));
  const nib = v128.and(v128.bitselect(dec, i8x16.add(alpha, i8x16.splat(10)), isDec), m);
  // i16 lane j: byte value of digits 2j, 2j + 1; then bytes reversed into two u32.
  const bytes = v128.or(i16x8.shl(v128.and(nib, i16x8.splat(0xff)), 4), i16x8.shr_u(nib, 8));
  const words = i8x16.shuffle(bytes, bytes, 6, 4, 2, 0, 14, 12, 10, 8, 0, 0, 0, 0, 0, 0, 0, 0);
  hexHi = i32x4.extract_lane(words, 0);
  hexLo = i32x4.extract_lane(words, 1);
}

/** True when [s, s + 2) is 0x or 0X. */
@inline function hexPrefix(s: usize): bool {
  return (load<u16>(s) | 0x2000) == 0x7830;
}

// ---- Delimiters ----

/** Commas and LFs among the 64 bytes at p, one bit each. */
@inline function delimiters64(p: usize): u64 {
  const comma = i8x16.splat(COMMA);
  const lf = i8x16.splat(LF);
  const a = v128.load(p);
  const b = v128.load(p, 16);
  const c = v128.load(p, 32);
  const d = v128.load(p, 48);
  const ma = <u64>i8x16.bitmask(v128.or(i8x16.eq(a, comma), i8x16.eq(a, lf)));
  const mb = <u64>i8x16.bitmask(v128.or(i8x16.eq(b, comma), i8x16.eq(b, lf)));
  const mc = <u64>i8x16.bitmask(v128.or(i8x16.eq(c, comma), i8x16.eq(c, lf)));
  const md = <u64>i8x16.bitmask(v128.or(i8x16.eq(d, comma), i8x16.eq(d, lf)));
  return ma | (mb << 16) | (mc << 32) | (md << 48);
}

/**
 * The first eight delimiters in the 128 bytes at s0, as offsets from s0, into
 * D_LONG (a row longer than 64 bytes); fewer than eight leave -1 in the rest
 * (no row that long is accepted).
 */
function longRow(s0: usize): void {
  let m = delimiters64(s0);
  let base = 0;
  let n = 0;
  for (let w = 0; w < 2; w++) {
    while (m != 0 && n < 8) {
      store<i32>(D_LONG + (<usize>n << 2), base + <i32>ctz(m));
      n++;
      m &= m - 1;
    }
    base = 64;
    m = delimiters64(s0 + 64);
  }
  for (; n < 8; n++) store<i32>(D_LONG + (<usize>n << 2), -1);
}

// ---- Rows ----

/**
 * Reads up to `max` rows from input offset `start` (a line's start) into the
 * output columns, the first on line `line`. Stops at the end of the
 * input or before the first row it does not accept; C_STOP says where.
 * Returns the rows read.
 */
export function rows(start: i32, max: i32, line: f64): i32 {
  const len = load<i32>(C_IN_LEN);
  const nrCpu = load<i32>(C_NR_CPU);
  let p = start;
  let r = 0;
  for (; r < max; r++) {
    if (p >= len) break;
    const s0 = IN + <usize>p;
    // The row's eight delimiters from the 64 bytes at its start (two windows for a longer row).
    // Written out eight times on purpose: offsets stay in registers, with no loop branch
    // per delimiter; the longer row, rare, goes through memory (longRow()).
    let m = delimiters64(s0);
    let d0: usize, d1: usize, d2: usize, d3: usize, d4: usize, d5: usize, d6: usize, d7: usize;
    if (popcnt(m) >= 8) {
      d0 = s0 + <usize>ctz(m);
      m &= m - 1;
      d1 = s0 + <usize>ctz(m);
      m &= m - 1;
      d2 = s0 + <usize>ctz(m);
      m &= m - 1;
      d3 = s0 + <usize>ctz(m);
      m &= m - 1;
      d4 = s0 + <usize>ctz(m);
      m &= m - 1;
      d5 = s0 + <usize>ctz(m);
      m &= m - 1;
      d6 = s0 + <usize>ctz(m);
      m &= m - 1;
      d7 = s0 + <usize>ctz(m);
    } else {
      longRow(s0);
      if (load<i32>(D_LONG, 28) < 0) break;
      d0 = s0 + <usize>load<i32>(D_LONG);
      d1 = s0 + <usize>load<i32>(D_LONG, 4);
      d2 = s0 + <usize>load<i32>(D_LONG, 8);
      d3 = s0 + <usize>load<i32>(D_LONG, 12);
      d4 = s0 + <usize>load<i32>(D_LONG, 16);
      d5 = s0 + <usize>load<i32>(D_LONG, 20);
      d6 = s0 + <usize>load<i32>(D_LONG, 24);
      d7 = s0 + <usize>load<i32>(D_LONG, 28);
    }
    // Exactly eight fields: seven commas, then the LF.
    let bad = <i32>(load<u8>(d0) != COMMA) | <i32>(load<u8>(d1) != COMMA) | <i32>(load<u8>(d2) != COMMA) | <i32>(load<u8>(d3) != COMMA);
    bad |= <i32>(load<u8>(d4) != COMMA) | <i32>(load<u8>(d5) != COMMA) | <i32>(load<u8>(d6) != COMMA) | <i32>(load<u8>(d7) != LF);

    // ts: 1..16 digits, at most MAX_TS
    const tsLen = <i32>(d0 - s0);
    const ts = decimal(d0, tsLen);
    bad |= <i32>(<u32>(tsLen - 1) > 15) | <i32>(ts < 0) | <i32>(ts > MAX_TS);

    // event: a known name (its bytes as a word, looked up by perfect hash)
    const evS = d0 + 1;
    const evLen = <i32>(d1 - evS);
    const evWord = load<u64>(evS) & ((<u64>1 << (<u64>(evLen & 7) << 3)) - 1);
    const slot = <usize>((evWord * EVENT_HASH) >>> 61);
    bad |= <i32>(evLen > 7) | <i32>(load<u64>(E_WORD + slot * 8) != evWord) | <i32>(<i32>load<u8>(E_LEN + slot) != evLen);
    const ev = <i32>load<u8>(E_KIND + slot);

    // cpu: empty (state rows only) or 1..5 digits below nr_cpu_ids
    const cpuLen = <i32>(d2 - d1 - 1);
    const cpuVal = decimal(d2, cpuLen);
    bad |= cpuLen == 0 ? <i32>(ev != EV_STATE) : <i32>(cpuLen > 5) | <i32>(cpuVal < 0) | <i32>(cpuVal >= <i64>nrCpu);
    const cpu = cpuLen == 0 ? NONE : <i32>cpuVal;

    // socket: empty (packet and deliver rows only) or 0x + 1..16 hex digits
    const sockLen = <i32>(d3 - d2 - 1);
    let sockHi: u32 = 0;
    let sockLo: u32 = 0;
    if (sockLen != 0) {
      hex(d3, sockLen - 2);
      bad |= <i32>(<u32>(sockLen - 3) > 15) | <i32>!hexPrefix(d2 + 1) | hexBad;
      sockHi = hexHi;
      sockLo = hexLo;
    } else {
      bad |= <i32>(ev <= EV_STATE);
    }

    // state: empty (not on state rows) or 1..2 digits, 1..12
    const stateLen = <i32>(d4 - d3 - 1);
    const stateVal = decimal(d4, stateLen);
    bad |= stateLen == 0 ? <i32>(ev == EV_STATE) : <i32>(stateLen > 2) | <i32>(<u64>(stateVal - 1) > 11);

    // rxhash: empty (0), 0x + 1..8 hex digits, or 1..10 decimal digits below 2^32
    const hashLen = <i32>(d5 - d4 - 1);
    let rxhash: u32 = 0;
    if (hashLen > 2 && hexPrefix(d4 + 1)) {
      hex(d5, hashLen - 2);
      bad |= <i32>(hashLen - 2 > 8) | hexBad;
      rxhash = hexLo;
    } else if (hashLen != 0) {
      const v = decimal(d5, hashLen);
      bad |= <i32>(hashLen > 10) | <i32>(v < 0) | <i32>(v > 0xffffffff);
      rxhash = <u32>v;
    }

    // queue: empty (the first queue) or a declared name
    const qLen = <i32>(d6 - d5 - 1);
    const named = queueAt(d5 + 1, qLen);
    bad |= <i32>(qLen != 0) & (named >>> 31);
    const queue = qLen == 0 ? 0 : named;

    // skb: empty, or 0x + 1..16 hex digits; the row ends LF or CR LF
    const skbEnd = d7 - <usize>((load<u8>(d7 - 1) == CR) & (d7 - 1 > d6));
    const skbLen = <i32>(skbEnd - d6 - 1);
    let skbHi: u32 = 0;
    let skbLo: u32 = 0;
    if (skbLen != 0) {
      hex(skbEnd, skbLen - 2);
      bad |= <i32>(<u32>(skbLen - 3) > 15) | <i32>!hexPrefix(d6 + 1) | hexBad;
      skbHi = hexHi;
      skbLo = hexLo;
    }

    if (bad != 0) break;
    const o4 = <usize>r << 2;
    const o8 = <usize>r << 3;
    store<f64>(O_TS + o8, <f64>ts);
    store<f64>(O_LINE + o8, line + <f64>r);
    store<u8>(O_EVENT + <usize>r, <u8>ev);
    store<i32>(O_CPU + o4, cpu);
    store<i32>(O_SOCKET + o4, sockLen == 0 ? NONE : DEFERRED_ID);
    store<u32>(O_SOCK_HI + o4, sockHi);
    store<u32>(O_SOCK_LO + o4, sockLo);
    store<u8>(O_STATE + <usize>r, <u8>(stateLen == 0 ? 0 : stateVal));
    store<u32>(O_RXHASH + o4, rxhash);
    store<i32>(O_QUEUE + o4, queue);
    store<i32>(O_SKB + o4, skbLen == 0 ? NONE : DEFERRED_ID);
    store<u32>(O_SKB_HI + o4, skbHi);
    store<u32>(O_SKB_LO + o4, skbLo);
    p = <i32>(d7 + 1 - IN);
  }
  store<i32>(C_STOP, p);
  return r;
}
