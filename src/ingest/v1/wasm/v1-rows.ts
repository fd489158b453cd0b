/**
 * v1 rows, delimiters first, in any column order (AssemblyScript with
 * WebAssembly SIMD, compiled by `npm run build`; ../simd.ts copies chunks in
 * and columns out).
 *
 * Why not the JavaScript byte loop (../fast-row.ts): it branches on every
 * byte, and porting that loop to WebAssembly as it is was no faster
 * (bench/HISTORY.md). Here a row's commas and its line end are found first,
 * 64 bytes at a time (bit masks); the row then knows its field bounds, the
 * plan made once per file from the header row (C_ROLE) says which field is
 * which, and a field of digits or hex digits is checked and converted 16
 * bytes at a time. Identities are keyed by their bytes whatever they are
 * (../../id-keys.ts): `0x` hex, any other text of at most 8 bytes, and longer
 * decimal or bare hex numbers as 64-bit keys left to the replay (the key in
 * the side columns, DEFERRED_ID - its kind in the cell); any other text is
 * looked up in a hash table of the texts seen (T_SOCKETS, T_SKBS) and numbered
 * on first sight.
 * Queue names and state names are looked up by their bytes too (Q_TABLE, T_STATES).
 *
 * The contract with the JavaScript reader: a row is accepted only if the
 * general path (../row.ts) would accept it and read the same values (a
 * stricter subset: no quotes, no tab or other control byte, as many fields as
 * the header row or more empty ones, ids and rows within MAX_KEY and
 * MAX_ROW). The first row it does not accept stops the scan; the reader
 * reads that line by its own paths, which own every error message, and
 * resumes here after it. A text identity is numbered only once its row is
 * accepted, so a row the JavaScript paths reject leaves none behind.
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
const C_FIELDS: usize = layout.C_FIELDS;
const C_HEAP: usize = layout.C_HEAP;
const C_KEYS: usize = layout.C_KEYS;
const C_KEYS_END: usize = layout.C_KEYS_END;
const C_ROLE: usize = layout.C_ROLE;
const C_CANONICAL: usize = layout.C_CANONICAL;
const C_IGNORED: usize = layout.C_IGNORED;
const C_TABLES: usize = layout.C_TABLES;
const TABLE_BYTES: usize = layout.TABLE_BYTES;
const ENTRY_BYTES: usize = layout.ENTRY_BYTES;
const TABLE_START: i32 = layout.TABLE_START;
const MAX_KEY: i32 = layout.MAX_KEY;
const T_SOCKETS: i32 = layout.T_SOCKETS;
const T_SKBS: i32 = layout.T_SKBS;
const T_STATES: i32 = layout.T_STATES;
const TABLES: i32 = layout.TABLES;
const Q_TABLE: usize = layout.Q_TABLE;
const Q_SLOTS: usize = layout.Q_SLOTS;
const Q_NAMES: usize = layout.Q_NAMES;
const Q_LENS: usize = layout.Q_LENS;
const Q_REST: usize = layout.Q_REST;
const D_ROW: usize = layout.D_ROW;
const MAX_FIELDS: i32 = layout.MAX_FIELDS;
const ABSENT: i32 = layout.ABSENT;
const E_WORD: usize = layout.E_WORD;
const E_KIND: usize = layout.E_KIND;
const E_LEN: usize = layout.E_LEN;
const STATE_NAME: usize = layout.STATE_NAME;
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
const MAX_ROW: usize = layout.MAX_ROW;
const HEAP: usize = layout.HEAP;

// Trace values, written once in ../../trace-codes.ts (MAX_TS: ../../fields.ts), exported for the same test.
import { DEFERRED_ID, EV_STATE, ID_DECIMAL, ID_HEX, ID_HEX_LOWER, ID_HEX_UPPER, ID_TEXT, NONE } from '../../trace-codes';
export { DEFERRED_ID, EV_STATE, ID_DECIMAL, ID_HEX, ID_HEX_LOWER, ID_HEX_UPPER, ID_TEXT, NONE };
export const MAX_TS: i64 = 9007199254740991; // Number.MAX_SAFE_INTEGER
const COMMA: u8 = 0x2c;
const LF: u8 = 0x0a;
const CR: u8 = 0x0d;
const KEYS_CHUNK: usize = 1 << 16;
const PAGE: usize = 65536;

// Event names as little-endian words of their bytes (E_WORD), placed by a perfect hash:
// slot = (word * EVENT_HASH) >>> 61 (found by search; slot 3 is unused).
const EVENT_HASH: u64 = 0xe162c2724da869d3;

/** Lays out the event table and the empty id tables; called once, before anything else. */
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
  store<i32>(C_HEAP, <i32>HEAP);
  store<i32>(C_KEYS, 0);
  store<i32>(C_KEYS_END, 0);
  // State names: a small table, which stays in cache.
  for (let t = 0; t < TABLES; t++) newTable(t, t == T_STATES ? 64 : TABLE_START);
  memory.fill(Q_TABLE, 0, Q_SLOTS * 4);
  for (let k: usize = 0; k < <usize>(ABSENT + 2); k++) store<i32>(D_ROW + (k << 2), 0);
  store<i32>(D_ROW + (<usize>ABSENT << 2) + 4, 1); // the absent column: [1, 1), empty
}

function event(slot: usize, word: u64, kind: u8, len: u8): void {
  store<u64>(E_WORD + slot * 8, word);
  store<u8>(E_KIND + slot, kind);
  store<u8>(E_LEN + slot, len);
}

// ---- The heap ----

/** `bytes` of fresh memory, 64-byte aligned, from the heap (the memory grows as needed). */
function alloc(bytes: usize): usize {
  const at = (<usize>load<i32>(C_HEAP) + 63) & ~(<usize>63);
  const end = at + bytes + 64;
  const have = <usize>memory.size() * PAGE;
  if (end > have) memory.grow(<i32>((end - have + PAGE - 1) / PAGE));
  store<i32>(C_HEAP, <i32>(at + bytes));
  return at;
}

// ---- Id tables: keys of any bytes, numbered ----

@inline function tableAt(t: i32): usize {
  return C_TABLES + <usize>t * TABLE_BYTES;
}

function newTable(t: i32, entries: i32): void {
  const at = alloc(<usize>entries * ENTRY_BYTES);
  memory.fill(at, 0, <usize>entries * ENTRY_BYTES);
  const c = tableAt(t);
  store<i32>(c, <i32>at);
  store<i32>(c, entries - 1, 4);
}

/** Bytes [s, s + len) with lanes len..15 zeroed (len <= 16). */
@inline function prefix(s: usize, len: i32): v128 {
  return v128.and(v128.load(s), i8x16.lt_s(IOTA(), i8x16.splat(<i8>len)));
}

@inline function mix(h: u64, v: v128): u64 {
  return ((h ^ i64x2.extract_lane(v, 0)) * 0x9e3779b97f4a7c15 ^ i64x2.extract_lane(v, 1)) * 0xff51afd7ed558ccd;
}

/** A key's hash: its bytes 16 at a time, and its length. */
@inline function hashKey(s: usize, len: i32): u32 {
  let h: u64 = <u64>len;
  let k = 0;
  for (; k + 16 < len; k += 16) h = mix(h, v128.load(s + <usize>k));
  h = mix(h, prefix(s + <usize>k, len - k));
  return <u32>(h >>> 32) ^ <u32>h;
}

/** True when the n bytes at a and b are equal. */
function bytesEqual(a: usize, b: usize, n: i32): bool {
  let k = 0;
  for (; k + 16 <= n; k += 16) if (!i8x16.all_true(i8x16.eq(v128.load(a + <usize>k), v128.load(b + <usize>k)))) return false;
  if (k == n) return true;
  return i8x16.all_true(i8x16.eq(prefix(a + <usize>k, n - k), prefix(b + <usize>k, n - k)));
}

// find()'s entry slot when the key is not there (where insert() puts it).
let freeSlot: usize = 0;

/** Id of the key [s, s + len) with hash h in table t, or -1 (freeSlot: where it would go). */
@inline function find(t: i32, s: usize, len: i32, h: u32): i32 {
  const c = tableAt(t);
  const entries = <usize>load<i32>(c);
  const mask = <u32>load<i32>(c, 4);
  const v = prefix(s, len);
  let i = h & mask;
  for (;;) {
    const e = entries + <usize>i * ENTRY_BYTES;
    const idPlus1 = load<i32>(e, 24);
    if (idPlus1 == 0) {
      freeSlot = e;
      return -1;
    }
    if (load<u32>(e, 20) == h && load<i32>(e, 16) == len && i8x16.all_true(i8x16.eq(v128.load(e), v))) {
      if (len <= 16 || bytesEqual(<usize>load<i32>(e, 28), s + 16, len - 16)) return idPlus1 - 1;
    }
    i = (i + 1) & mask;
  }
  return -1;
}

/** Stores key [s, s + len) with hash h and `id` at `slot` (find()'s freeSlot) in table t; grows the table past half full. */
function insert(t: i32, s: usize, len: i32, h: u32, id: i32, slot: usize): void {
  v128.store(slot, prefix(s, len));
  store<i32>(slot, len, 16);
  store<u32>(slot, h, 20);
  store<i32>(slot, id + 1, 24);
  store<i32>(slot, len > 16 ? <i32>keepBytes(s + 16, len - 16) : 0, 28);
  const c = tableAt(t);
  const count = load<i32>(c, 8) + 1;
  store<i32>(c, count, 8);
  if (count * 2 > load<i32>(c, 4)) grow(t);
}

/** A copy of the n bytes at s in the keys' chunk (a new chunk when it is full), with 16 bytes of slack. */
function keepBytes(s: usize, n: i32): usize {
  let at = <usize>load<i32>(C_KEYS);
  if (at + <usize>n + 16 > <usize>load<i32>(C_KEYS_END)) {
    const size = <usize>n + 16 > KEYS_CHUNK ? <usize>n + 16 : KEYS_CHUNK;
    at = alloc(size);
    store<i32>(C_KEYS_END, <i32>(at + size));
  }
  memory.copy(at, s, <usize>n);
  store<i32>(C_KEYS, <i32>(at + <usize>n + 16));
  return at;
}

/** Table t at twice its entries, rehashed by the hashes it stores. */
function grow(t: i32): void {
  const c = tableAt(t);
  const old = <usize>load<i32>(c);
  const oldEntries = <usize>load<i32>(c, 4) + 1;
  newTable(t, <i32>(oldEntries * 2));
  const entries = <usize>load<i32>(c);
  const mask = <u32>load<i32>(c, 4);
  for (let k: usize = 0; k < oldEntries; k++) {
    const e = old + k * ENTRY_BYTES;
    if (load<i32>(e, 24) == 0) continue;
    let i = load<u32>(e, 20) & mask;
    while (load<i32>(entries + <usize>i * ENTRY_BYTES, 24) != 0) i = (i + 1) & mask;
    memory.copy(entries + <usize>i * ENTRY_BYTES, e, ENTRY_BYTES);
  }
}

/** Id of the key [s, s + len) in table t, numbered (the table's count) on first sight. */
function internKey(t: i32, s: usize, len: i32): i32 {
  const h = hashKey(s, len);
  const id = find(t, s, len, h);
  if (id >= 0) return id;
  const next = load<i32>(tableAt(t), 8);
  insert(t, s, len, h, next, freeSlot);
  return next;
}

/** Id of the key of `len` bytes JavaScript wrote at KEY, in table t (T_SOCKETS, T_SKBS), numbered on first sight. */
export function intern(t: i32, len: i32): i32 {
  return internKey(t, <usize>layout.KEY, len);
}

/** A number in table t's numbering that no key has (JavaScript's id for a key longer than MAX_KEY). */
export function reserveId(t: i32): i32 {
  const c = tableAt(t);
  const id = load<i32>(c, 8);
  store<i32>(c, id + 1, 8);
  if ((id + 1) * 2 > load<i32>(c, 4)) grow(t);
  return id;
}

/** Names `id` by the `len` bytes JavaScript wrote at KEY in table t (T_STATES: a state name, upper case). */
export function addName(t: i32, len: i32, id: i32): void {
  const s = <usize>layout.KEY;
  const h = hashKey(s, len);
  if (find(t, s, len, h) < 0) insert(t, s, len, h, id, freeSlot);
}

// ---- Queue names ----

/** A queue name's first slot: the top bits of its hash (its first 16 bytes in one step, as most names are that short). */
@inline function queueSlot(s: usize, len: i32): usize {
  if (len > 16) return <usize>(hashKey(s, len) >>> 22);
  const v = prefix(s, len);
  const h = (i64x2.extract_lane(v, 0) ^ (i64x2.extract_lane(v, 1) * 0x9e3779b97f4a7c15) ^ <u64>len) * 0xff51afd7ed558ccd;
  return <usize>(h >>> 54); // 10 bits: Q_SLOTS
}

/**
 * Declares queue `q`, its name the `len` bytes JavaScript wrote at KEY (at
 * most MAX_KEY). A name given twice keeps its first index, as the header's
 * queue list does. Returns false when the table is full (the reader then
 * leaves rows naming it to its own paths).
 */
export function addQueue(q: i32, len: i32): bool {
  const s = <usize>layout.KEY;
  if (queueAt(s, len) >= 0) return true;
  let slot = queueSlot(s, len);
  for (let probes: usize = 0; probes < Q_SLOTS; probes++) {
    if (load<i32>(Q_TABLE + slot * 4) == 0) {
      v128.store(Q_NAMES + slot * 16, prefix(s, len));
      store<i32>(Q_LENS + slot * 4, len);
      store<i32>(Q_REST + slot * 4, len > 16 ? <i32>keepBytes(s + 16, len - 16) : 0);
      store<i32>(Q_TABLE + slot * 4, q + 1);
      return true;
    }
    slot = (slot + 1) & (Q_SLOTS - 1);
  }
  return false;
}

/** Index of the declared queue named [s, s + len), or -1. */
@inline function queueAt(s: usize, len: i32): i32 {
  if (len > MAX_KEY) return -1;
  const v = prefix(s, len);
  let slot = queueSlot(s, len);
  for (;;) {
    const at = load<i32>(Q_TABLE + slot * 4);
    if (at == 0) return -1;
    if (load<i32>(Q_LENS + slot * 4) == len && i8x16.all_true(i8x16.eq(v128.load(Q_NAMES + slot * 16), v))) {
      if (len <= 16 || bytesEqual(<usize>load<i32>(Q_REST + slot * 4), s + 16, len - 16)) return at - 1;
    }
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

/**
 * For an identity [s, e) that is neither 0x hex nor junk: its key's kind
 * (../../id-keys.ts: ID_TEXT, ID_DECIMAL, ID_HEX_LOWER, ID_HEX_UPPER), the key
 * in hexHi:hexLo; -1 for a text numbered by its bytes.
 */
function idKey(s: usize, e: usize): i32 {
  const len = <i32>(e - s);
  if (len <= 8) {
    const w = len == 8 ? load<u64>(s) : load<u64>(s) & ((<u64>1 << (<u64>len << 3)) - 1);
    hexHi = <u32>(w >>> 32);
    hexLo = <u32>w;
    return ID_TEXT;
  }
  if (load<u8>(s) == 0x30) return -1;
  if (len <= 20) {
    let v: u64 = 0;
    let ok = false;
    if (len <= 16) {
      const d = decimal(e, len);
      ok = d >= 0;
      v = <u64>d;
    } else {
      // 17 to 20 digits: below 2^64 = 1844 6744073709551616.
      const top = decimal(e - 16, len - 16);
      const rest = decimal(e, 16);
      ok = top >= 0 && rest >= 0 && (top < 1844 || (top == 1844 && rest < 6744073709551616));
      v = <u64>top * 10000000000000000 + <u64>rest;
    }
    if (ok) {
      hexHi = <u32>(v >>> 32);
      hexLo = <u32>v;
      return ID_DECIMAL;
    }
  }
  if (len <= 16) {
    const m = lastLanes(len);
    const v = v128.load(e - 16);
    const digit = i8x16.le_u(i8x16.sub(v, i8x16.splat(0x30)), i8x16.splat(9));
    const notLower = v128.any_true(v128.andnot(m, v128.or(digit, i8x16.le_u(i8x16.sub(v, i8x16.splat(0x61)), i8x16.splat(5)))));
    const notUpper = v128.any_true(v128.andnot(m, v128.or(digit, i8x16.le_u(i8x16.sub(v, i8x16.splat(0x41)), i8x16.splat(5)))));
    if (!notLower || !notUpper) {
      hex(e, len);
      return notLower ? ID_HEX_UPPER : ID_HEX_LOWER;
    }
  }
  return -1;
}

/** True when [s, s + 2) is 0x or 0X. */
@inline function hexPrefix(s: usize): bool {
  return (load<u16>(s) | 0x2000) == 0x7830;
}

/**
 * The TCP state named by [s, s + len) (a name in any letter case, with or
 * without TCP_, as fields.parseState() reads it), or -1.
 */
function stateByName(s: usize, len: i32): i32 {
  if (len > 16) return -1;
  const v = prefix(s, len);
  // Lower-case letters to upper case; every other byte as it is.
  const lower = i8x16.le_u(i8x16.sub(v, i8x16.splat(0x61)), i8x16.splat(25));
  v128.store(STATE_NAME, i8x16.sub(v, v128.and(lower, i8x16.splat(0x20))));
  v128.store(STATE_NAME + 16, i64x2.splat(0));
  const tcp = len > 4 && load<u32>(STATE_NAME) == 0x5f504354; // "TCP_"
  const n = tcp ? STATE_NAME + 4 : STATE_NAME;
  const nlen = tcp ? len - 4 : len;
  return find(T_STATES, n, nlen, hashKey(n, nlen));
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
 * The first `nf` delimiters (commas and LFs) of the row at s0 into D_ROW
 * words 1..nf (word 0: the byte before the row); false when the row has
 * fewer within MAX_ROW bytes. A row of nf fields has nf - 1 commas, then its LF.
 */
function rowDelimiters(s0: usize, nf: i32): bool {
  store<i32>(D_ROW, <i32>s0 - 1);
  let n = 0;
  let base = s0;
  for (;;) {
    let m = delimiters64(base);
    // The last window's delimiters beyond the nf-th are left out.
    let take = <i32>popcnt(m);
    if (n + take > nf) take = nf - n;
    for (let k = 0; k < take; k++) {
      n++;
      store<i32>(D_ROW + (<usize>n << 2), <i32>(base + <usize>ctz(m)));
      m &= m - 1;
    }
    if (n == nf) return true;
    base += 64;
    if (base - s0 >= MAX_ROW) return false;
  }
  return false;
}

/** True when every delimiter of D_ROW words 1..nf - 1 is a comma (the nf-th is checked apart). */
function allCommas(nf: i32): bool {
  for (let k = 1; k < nf; k++) if (load<u8>(<usize>load<i32>(D_ROW + (<usize>k << 2))) != COMMA) return false;
  return true;
}

/**
 * True when [s, e) holds a byte no field read here may hold: a control byte
 * (a tab included: a rare row, left to the JavaScript paths), a quote or DEL.
 */
function junk(s: usize, e: usize): bool {
  const hi3 = i8x16.splat(<i8>0xe0);
  for (let p = s; p < e; p += 16) {
    const v = v128.load(p);
    const stop = v128.or(i8x16.eq(v128.and(v, hi3), i8x16.splat(0)), v128.or(i8x16.eq(v, i8x16.splat(0x22)), i8x16.eq(v, i8x16.splat(0x7f))));
    const n = <i32>(e - p);
    if (v128.any_true(v128.and(stop, i8x16.lt_s(IOTA(), i8x16.splat(<i8>(n < 16 ? n : 16)))))) return true;
  }
  return false;
}

@inline function fieldStart(k: i32): usize {
  return <usize>load<i32>(D_ROW + (<usize>k << 2)) + 1;
}
@inline function fieldEnd(k: i32): usize {
  return <usize>load<i32>(D_ROW + (<usize>k << 2), 4);
}

// ---- Rows ----


/**
 * Reads up to `max` rows from input offset `start` (a line's start) into the
 * output columns, the first on line `line`. Stops at the end of the
 * input or before the first row it does not accept; C_STOP says where.
 * Returns the rows read.
 */
export function rows(start: i32, max: i32, line: f64): i32 {
  return load<i32>(C_CANONICAL) != 0 ? rowsOf(start, max, line, true) : rowsOf(start, max, line, false);
}

/**
 * rows(), compiled twice: for the canonical layout (`canonical`: the eight
 * delimiters of a row of at most 64 bytes stay in registers, written out
 * eight times, with no loop branch per delimiter) and for any other (the
 * bounds in D_ROW, each field found by the plan, C_ROLE).
 */
@inline function rowsOf(start: i32, max: i32, line: f64, canonical: bool): i32 {
  const len = load<i32>(C_IN_LEN);
  const nrCpu = load<i32>(C_NR_CPU);
  const nf = canonical ? 8 : load<i32>(C_FIELDS);
  const ignored = !canonical && load<i32>(C_IGNORED) != 0;
  // The plan: which field holds what (ABSENT: an empty field).
  const kTs = canonical ? 0 : load<i32>(C_ROLE);
  const kEv = canonical ? 1 : load<i32>(C_ROLE, 4);
  const kCpu = canonical ? 2 : load<i32>(C_ROLE, 8);
  const kSock = canonical ? 3 : load<i32>(C_ROLE, 12);
  const kState = canonical ? 4 : load<i32>(C_ROLE, 16);
  const kHash = canonical ? 5 : load<i32>(C_ROLE, 20);
  const kQueue = canonical ? 6 : load<i32>(C_ROLE, 24);
  const kSkb = canonical ? 7 : load<i32>(C_ROLE, 28);
  let p = start;
  let r = 0;
  for (; r < max; r++) {
    if (p >= len) break;
    const s0 = IN + <usize>p;
    // Field bounds: [tsS, tsE) ... [skbS, rowEnd), rowEnd the row's LF.
    let tsS: usize, tsE: usize, evS: usize, evE: usize, cpuS: usize, cpuE: usize, sockS: usize, sockE: usize;
    let stS: usize, stE: usize, hS: usize, hE: usize, qS: usize, qE: usize, skbS: usize, rowEnd: usize;
    let bad = 0;
    let m = canonical ? delimiters64(s0) : 0;
    if (canonical && popcnt(m) >= 8) {
      tsS = s0;
      tsE = s0 + <usize>ctz(m);
      m &= m - 1;
      evS = tsE + 1;
      evE = s0 + <usize>ctz(m);
      m &= m - 1;
      cpuS = evE + 1;
      cpuE = s0 + <usize>ctz(m);
      m &= m - 1;
      sockS = cpuE + 1;
      sockE = s0 + <usize>ctz(m);
      m &= m - 1;
      stS = sockE + 1;
      stE = s0 + <usize>ctz(m);
      m &= m - 1;
      hS = stE + 1;
      hE = s0 + <usize>ctz(m);
      m &= m - 1;
      qS = hE + 1;
      qE = s0 + <usize>ctz(m);
      m &= m - 1;
      skbS = qE + 1;
      rowEnd = s0 + <usize>ctz(m);
      // Exactly eight fields: seven commas, then the LF.
      bad = <i32>(load<u8>(tsE) != COMMA) | <i32>(load<u8>(evE) != COMMA) | <i32>(load<u8>(cpuE) != COMMA) | <i32>(load<u8>(sockE) != COMMA);
      bad |= <i32>(load<u8>(stE) != COMMA) | <i32>(load<u8>(hE) != COMMA) | <i32>(load<u8>(qE) != COMMA) | <i32>(load<u8>(rowEnd) != LF);
    } else {
      // As many fields as the header row has columns: nf - 1 commas, then the LF.
      if (!rowDelimiters(s0, nf)) break;
      rowEnd = <usize>load<i32>(D_ROW + (<usize>nf << 2));
      if (load<u8>(rowEnd) != LF || !allCommas(nf)) break;
      tsS = fieldStart(kTs);
      tsE = fieldEnd(kTs);
      evS = fieldStart(kEv);
      evE = fieldEnd(kEv);
      cpuS = fieldStart(kCpu);
      cpuE = fieldEnd(kCpu);
      sockS = fieldStart(kSock);
      sockE = fieldEnd(kSock);
      stS = fieldStart(kState);
      stE = fieldEnd(kState);
      hS = fieldStart(kHash);
      hE = fieldEnd(kHash);
      qS = fieldStart(kQueue);
      qE = fieldEnd(kQueue);
      skbS = fieldStart(kSkb);
    }
    // The line ends LF or CR LF: a CR before the LF belongs to the line's end, not to the last field.
    const crlf = load<u8>(rowEnd - 1) == CR && rowEnd - 1 >= s0;
    const lineEnd = rowEnd - <usize>crlf;
    // The last field ends at the line's end, the others at their comma.
    const skbE = canonical || kSkb == nf - 1 ? lineEnd : fieldEnd(kSkb);
    if (!canonical) {
      if (kTs == nf - 1) tsE = lineEnd;
      if (kEv == nf - 1) evE = lineEnd;
      if (kCpu == nf - 1) cpuE = lineEnd;
      if (kSock == nf - 1) sockE = lineEnd;
      if (kState == nf - 1) stE = lineEnd;
      if (kHash == nf - 1) hE = lineEnd;
      if (kQueue == nf - 1) qE = lineEnd;
      // Columns the model does not read may hold any text, but not junk.
      if (ignored && junk(s0, lineEnd)) break;
    }

    // ts: 1..16 digits, at most MAX_TS
    const tsLen = <i32>(tsE - tsS);
    const ts = decimal(tsE, tsLen);
    bad |= <i32>(<u32>(tsLen - 1) > 15) | <i32>(ts < 0) | <i32>(ts > MAX_TS);

    // event: a known name (its bytes as a word, looked up by perfect hash)
    const evLen = <i32>(evE - evS);
    const evWord = load<u64>(evS) & ((<u64>1 << (<u64>(evLen & 7) << 3)) - 1);
    const slot = <usize>((evWord * EVENT_HASH) >>> 61);
    bad |= <i32>(evLen > 7) | <i32>(load<u64>(E_WORD + slot * 8) != evWord) | <i32>(<i32>load<u8>(E_LEN + slot) != evLen);
    const ev = <i32>load<u8>(E_KIND + slot);

    // cpu: empty (state rows only) or 1..5 digits below nr_cpu_ids
    const cpuLen = <i32>(cpuE - cpuS);
    const cpuVal = decimal(cpuE, cpuLen);
    bad |= cpuLen == 0 ? <i32>(ev != EV_STATE) : <i32>(cpuLen > 5) | <i32>(cpuVal < 0) | <i32>(cpuVal >= <i64>nrCpu);
    const cpu = cpuLen == 0 ? NONE : <i32>cpuVal;

    // socket: empty (packet and deliver rows only), 0x + 1..16 hex digits (a 64-bit value), or any other text
    const sockLen = <i32>(sockE - sockS);
    let sockHi: u32 = 0;
    let sockLo: u32 = 0;
    let sock = NONE;
    let sockHash: u32 = 0;
    let sockSlot: usize = 0;
    if (sockLen == 0) {
      bad |= <i32>(ev <= EV_STATE);
    } else {
      hex(sockE, sockLen - 2);
      if (<u32>(sockLen - 3) <= 15 && hexPrefix(sockS) && hexBad == 0) {
        sock = DEFERRED_ID - ID_HEX;
        sockHi = hexHi;
        sockLo = hexLo;
      } else if (sockLen > MAX_KEY || junk(sockS, sockE)) {
        bad = 1;
      } else {
        const kind = idKey(sockS, sockE);
        if (kind >= 0) {
          sock = DEFERRED_ID - kind;
          sockHi = hexHi;
          sockLo = hexLo;
        } else {
          sockHash = hashKey(sockS, sockLen);
          sock = find(T_SOCKETS, sockS, sockLen, sockHash);
          sockSlot = freeSlot;
        }
      }
    }

    // state: empty (not on state rows), 1..2 digits 1..12, or a name
    const stateLen = <i32>(stE - stS);
    let state: i32 = 0;
    if (stateLen == 0) {
      bad |= <i32>(ev == EV_STATE);
    } else if (<u32>(<i32>load<u8>(stS) - 0x30) <= 9) {
      const v = decimal(stE, stateLen);
      bad |= <i32>(stateLen > 2) | <i32>(<u64>(v - 1) > 11);
      state = <i32>v;
    } else {
      state = stateByName(stS, stateLen);
      bad |= state >>> 31;
    }

    // rxhash: empty (0), 0x + 1..8 hex digits, or 1..10 decimal digits below 2^32
    const hashLen = <i32>(hE - hS);
    let rxhash: u32 = 0;
    if (hashLen > 2 && hexPrefix(hS)) {
      hex(hE, hashLen - 2);
      bad |= <i32>(hashLen - 2 > 8) | hexBad;
      rxhash = hexLo;
    } else if (hashLen != 0) {
      const v = decimal(hE, hashLen);
      bad |= <i32>(hashLen > 10) | <i32>(v < 0) | <i32>(v > 0xffffffff);
      rxhash = <u32>v;
    }

    // queue: empty (the first queue) or a declared name
    const qLen = <i32>(qE - qS);
    let queue = 0;
    if (qLen != 0) {
      queue = queueAt(qS, qLen);
      bad |= queue >>> 31;
    }

    // skb: empty, 0x + 1..16 hex digits, or any other text
    const skbLen = <i32>(skbE - skbS);
    let skbHi: u32 = 0;
    let skbLo: u32 = 0;
    let skb = NONE;
    let skbHash: u32 = 0;
    let skbSlot: usize = 0;
    if (skbLen != 0) {
      hex(skbE, skbLen - 2);
      if (<u32>(skbLen - 3) <= 15 && hexPrefix(skbS) && hexBad == 0) {
        skb = DEFERRED_ID - ID_HEX;
        skbHi = hexHi;
        skbLo = hexLo;
      } else if (skbLen > MAX_KEY || junk(skbS, skbE)) {
        bad = 1;
      } else {
        const kind = idKey(skbS, skbE);
        if (kind >= 0) {
          skb = DEFERRED_ID - kind;
          skbHi = hexHi;
          skbLo = hexLo;
        } else {
          skbHash = hashKey(skbS, skbLen);
          skb = find(T_SKBS, skbS, skbLen, skbHash);
          skbSlot = freeSlot;
        }
      }
    }

    if (bad != 0) break;
    // The row is accepted: texts seen for the first time get their numbers now.
    if (sock == -1 && sockLen != 0) {
      sock = load<i32>(tableAt(T_SOCKETS), 8);
      insert(T_SOCKETS, sockS, sockLen, sockHash, sock, sockSlot);
    }
    if (skb == -1 && skbLen != 0) {
      skb = load<i32>(tableAt(T_SKBS), 8);
      insert(T_SKBS, skbS, skbLen, skbHash, skb, skbSlot);
    }
    const o4 = <usize>r << 2;
    const o8 = <usize>r << 3;
    store<f64>(O_TS + o8, <f64>ts);
    store<f64>(O_LINE + o8, line + <f64>r);
    store<u8>(O_EVENT + <usize>r, <u8>ev);
    store<i32>(O_CPU + o4, cpu);
    store<i32>(O_SOCKET + o4, sock);
    store<u32>(O_SOCK_HI + o4, sockHi);
    store<u32>(O_SOCK_LO + o4, sockLo);
    store<u8>(O_STATE + <usize>r, <u8>state);
    store<u32>(O_RXHASH + o4, rxhash);
    store<i32>(O_QUEUE + o4, queue);
    store<i32>(O_SKB + o4, skb);
    store<u32>(O_SKB_HI + o4, skbHi);
    store<u32>(O_SKB_LO + o4, skbLo);
    p = <i32>(rowEnd + 1 - IN);
  }
  store<i32>(C_STOP, p);
  return r;
}
