/**
 * The capture protocol's event lines (capture-protocol.ts) as the program
 * prints them, read in one pass over their bytes: each field where its kind
 * puts it, one space apart, numbers in plain decimal (no leading zero),
 * identities in `0x` and lower-case hex, the line ended by LF or CR LF (or,
 * in `bpftrace -f json`, by the JSON's `\n"}` first). Nearly every line of a
 * capture is one of these; the reader finds its end itself, so a chunk of
 * them is read without a search for each line's end. Any other line is
 * refused (readPrinted() returns -1, having changed nothing) and the
 * assembler's general path reads it, or says what is wrong with it. Both
 * paths take the same values from a line they both read.
 */

import { EventKind } from '../trace.js';

// The line kinds read here (and the assembler's general path), by their first token.
export const P_REC = 1,
  P_PKT = 2,
  P_DLV = 3,
  P_ST = 4;

/** A line readPrinted() read: the fields by name. */
export const printed = {
  kind: 0,
  ts: 0,
  cpu: 0,
  /** Offset of the CPU field from the protocol text's start. */
  cpuOffset: 0,
  /** Record kind or packet source letter (its code); 0 for the others. */
  letter: 0,
  /** The identity (socket or skb): its 64 bits. */
  idHi: 0,
  idLo: 0,
  /** rec: the socket's state (any number); st: the new state (1 to 12). */
  state: 0,
  hash: 0,
  queueMapping: 0,
  ifindex: 0,
};

const SPACE = 0x20,
  LF = 0x0a,
  CR = 0x0d;

// The reader's cursor, and how the last field ended.
let at = 0;
let endedLine = false;
let limit = 0;
/** Bytes between the last field and the newline (`\n"}` in JSON), and whether the line ends at `limit` itself instead of at a newline. */
let tail: Uint8Array = new Uint8Array(0);
let bounded = false;

/** First three bytes of the kinds, as one number. */
const REC = 0x726563,
  PKT = 0x706b74,
  DLV = 0x646c76,
  ST_ = 0x737420;

/** Record kinds by their letter's code (r, s, a, p: the sock_rps_record_flow() callers); -1 for any other letter. */
export const RECORD_KIND = new Int8Array(128).fill(-1);
RECORD_KIND[0x72] = EventKind.Recvmsg;
RECORD_KIND[0x73] = EventKind.Sendmsg;
RECORD_KIND[0x61] = EventKind.Accept;
RECORD_KIND[0x70] = EventKind.Splice;
/** Packet sources by their letter's code: x (netif_rx), e, l (netif_receive_skb, …_list), g, f (napi_gro_receive, napi_gro_frags). */
export const PACKET_SOURCE = new Uint8Array(128);
for (const c of 'xelgf') PACKET_SOURCE[c.charCodeAt(0)] = 1;
/** GRO entry points (g, f): an skb seen there may be merged into another one and never reach steering itself. */
export const isGroSource = (src: number): boolean => src === 0x67 || src === 0x66;

/**
 * Reads the event line starting at `s` in `b`. `end`: where the line ends
 * (the caller found it), or -1 to find it: a newline before `lim`, after
 * `lineTail`. Returns the offset after the line (after its newline), or -1
 * when the line is not one of these; the fields are in `printed`.
 */
export function readPrinted(b: Uint8Array, s: number, end: number, lim: number, lineTail: Uint8Array): number {
  bounded = end >= 0;
  limit = bounded ? end : lim;
  tail = lineTail;
  if (limit - s < 14) return -1;
  const w = (b[s] << 16) | (b[s + 1] << 8) | b[s + 2];
  const p = printed;
  if (w === ST_) {
    p.kind = P_ST;
    at = s + 3;
  } else {
    if (b[s + 3] !== SPACE) return -1;
    if (w === REC) p.kind = P_REC;
    else if (w === PKT) p.kind = P_PKT;
    else if (w === DLV) p.kind = P_DLV;
    else return -1;
    at = s + 4;
  }
  endedLine = false;
  p.ts = plain(b, 16);
  if (p.ts < 0 || p.ts > Number.MAX_SAFE_INTEGER) return -1;
  p.cpuOffset = at - s;
  p.cpu = plain(b, 9);
  if (p.cpu < 0) return -1;
  p.letter = 0;
  if (p.kind === P_REC || p.kind === P_PKT) {
    const c = b[at];
    if (at + 2 > limit || b[at + 1] !== SPACE || c >= 128 || (p.kind === P_REC ? RECORD_KIND[c] < 0 : PACKET_SOURCE[c] === 0)) return -1;
    p.letter = c;
    at += 2;
  }
  if (!hexId(b)) return -1;
  switch (p.kind) {
    case P_REC:
      p.state = plain(b, 15);
      p.hash = plain(b, 10);
      break;
    case P_ST:
      if (plain(b, 15) < 0) return -1; // the old state
      p.state = plain(b, 15);
      if (p.state < 1 || p.state > 12) return -1;
      p.hash = plain(b, 10);
      break;
    default:
      p.hash = plain(b, 10);
      p.queueMapping = plain(b, 15);
      p.ifindex = plain(b, 15);
      if (p.queueMapping < 0 || p.ifindex < 0) return -1;
  }
  if (p.state < 0 || p.hash < 0 || p.hash > 0xffffffff || !endedLine) return -1;
  return at;
}

/**
 * A field's end at b[q]: a space (another field follows), or the line's end
 * (the tail, then LF or CR LF, or `limit` when bounded). Moves `at` past it.
 */
function fieldEnd(b: Uint8Array, q: number): boolean {
  if (endedLine) return false;
  if (q < limit && b[q] === SPACE) {
    at = q + 1;
    return true;
  }
  const t = tail;
  for (let k = 0; k < t.length; k++) if (q + k >= limit || b[q + k] !== t[k]) return false;
  q += t.length;
  if (bounded) {
    if (q !== limit) return false;
    at = q;
  } else if (q < limit && b[q] === LF) at = q + 1;
  else if (q + 1 < limit && b[q] === CR && b[q + 1] === LF) at = q + 2;
  else return false;
  endedLine = true;
  return true;
}

/** A plain decimal of 1 to `digits` digits at `at`, and its end; -1 if there is none. */
function plain(b: Uint8Array, digits: number): number {
  const start = at;
  let q = start;
  let v = 0;
  while (q < limit) {
    const c = b[q];
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    q++;
  }
  const n = q - start;
  if (n === 0 || n > digits || (n > 1 && b[start] === 0x30) || !fieldEnd(b, q)) return -1;
  return v;
}

/** `0x` and 1 to 16 lower-case hex digits without a leading zero at `at`, and its end, into printed.idHi/idLo. */
function hexId(b: Uint8Array): boolean {
  let q = at;
  if (q + 3 > limit || b[q] !== 0x30 || b[q + 1] !== 0x78 || b[q + 2] === 0x30) return false;
  q += 2;
  const start = q;
  let hi = 0;
  let lo = 0;
  while (q < limit) {
    const c = b[q];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) break;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
    q++;
  }
  const n = q - start;
  if (n === 0 || n > 16 || !fieldEnd(b, q)) return false;
  printed.idHi = hi;
  printed.idLo = lo;
  return true;
}
