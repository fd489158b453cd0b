/**
 * Interns opaque identities (socket and skb addresses) to dense ids without
 * creating a string per row: an identity with a 64-bit key (id-keys.ts: `0x`
 * hex, short texts, long numbers) by its kind and key in an open-addressing
 * table; any other by its text, or by the number another table gave its text
 * (ofTextId(): the SIMD reader's tables, which number texts by their bytes).
 */
import { idKey, key } from './id-keys.js';
import { ID_HEX } from './trace-codes.js';

export class Interner {
  // Open addressing, one entry per 4 words [hi, lo, id + 1 (0 = empty), kind]:
  // a probe touches one cache line.
  private table: Uint32Array;
  private mask: number; // in entries
  private readonly byText = new Map<string, number>();
  /** Number given by another table → id + 1 (0: not seen yet). */
  private byTextId: Int32Array = new Int32Array(1024);
  private next = 0;
  private hexCount = 0;

  constructor(initialCapacity = 1 << 12) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.table = new Uint32Array(4 * cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.next;
  }

  /** Id for the 64-bit value hi:lo (a 0x hex identity). */
  internHex(hi: number, lo: number): number {
    return this.internKey(ID_HEX, hi, lo);
  }

  /** Id for the identity of this kind and 64-bit key hi:lo (id-keys.ts). */
  internKey(kind: number, hi: number, lo: number): number {
    const t = this.table;
    let i = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1) ^ kind, 0x85ebca6b) >>> 0) & this.mask;
    for (;;) {
      const o = 4 * i;
      const idPlus1 = t[o + 2];
      if (idPlus1 === 0) break;
      if (t[o + 1] === lo && t[o] === hi && t[o + 3] === kind) return idPlus1 - 1;
      i = (i + 1) & this.mask;
    }
    const id = this.next++;
    const o = 4 * i;
    t[o] = hi;
    t[o + 1] = lo;
    t[o + 2] = id + 1;
    t[o + 3] = kind;
    if (++this.hexCount * 2 > this.mask) this.grow();
    return id;
  }

  internText(text: string): number {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const id = this.next++;
    this.byText.set(text, id);
    return id;
  }

  /** Id for the text another table numbered `n` (numbers from 0 up, one per text). */
  ofTextId(n: number): number {
    let t = this.byTextId;
    if (n >= t.length) {
      let cap = t.length;
      while (cap <= n) cap *= 2;
      const grown = new Int32Array(cap);
      grown.set(t);
      this.byTextId = t = grown;
    }
    const known = t[n];
    if (known !== 0) return known - 1;
    const id = this.next++;
    t[n] = id + 1;
    return id;
  }

  /**
   * Interns a field as written: by its key when it has one (so `0x0ab` and
   * `0xab` are one identity, as they are one address), else by its text.
   */
  intern(text: string): number {
    const kind = idKey(text);
    return kind >= 0 ? this.internKey(kind, key.hi, key.lo) : this.internText(text);
  }

  private grow(): void {
    const old = this.table;
    const cap = (old.length / 4) * 2;
    const t = new Uint32Array(4 * cap);
    const mask = cap - 1;
    for (let o = 0; o < old.length; o += 4) {
      if (old[o + 2] === 0) continue;
      let i = (Math.imul(old[o + 1] ^ Math.imul(old[o], 0x9e3779b1) ^ old[o + 3], 0x85ebca6b) >>> 0) & mask;
      while (t[4 * i + 2] !== 0) i = (i + 1) & mask;
      const n = 4 * i;
      t[n] = old[o];
      t[n + 1] = old[o + 1];
      t[n + 2] = old[o + 2];
      t[n + 3] = old[o + 3];
    }
    this.table = t;
    this.mask = mask;
  }
}

export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
