/**
 * Interns opaque identities (socket and skb addresses) to dense ids without
 * creating a string per row: a `0x…` hex id of up to 16 digits is keyed by its
 * two 32-bit halves in an open-addressing table; anything else by its text.
 */
export class Interner {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private ids: Int32Array; // -1 = empty slot
  private mask: number;
  private used = 0;
  private readonly byText = new Map<string, number>();
  /** Dense id → text, built lazily only for ids whose text is asked for. */
  private readonly hexKeys: number[] = []; // pairs hi, lo for hex ids; NaN for text ids
  private readonly texts: (string | undefined)[] = [];
  private next = 0;

  constructor(initialCapacity = 1 << 12) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.next;
  }

  /** Id for the 64-bit value hi:lo (a hex identity). */
  internHex(hi: number, lo: number): number {
    let i = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) & this.mask;
    const ids = this.ids;
    for (;;) {
      const id = ids[i];
      if (id < 0) break;
      if (this.lo[i] === lo && this.hi[i] === hi) return id;
      i = (i + 1) & this.mask;
    }
    const id = this.next++;
    this.hi[i] = hi;
    this.lo[i] = lo;
    ids[i] = id;
    this.hexKeys.push(hi, lo);
    this.texts.push(undefined);
    if (++this.used * 2 > this.mask) this.grow();
    return id;
  }

  internText(text: string): number {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const id = this.next++;
    this.byText.set(text, id);
    this.hexKeys.push(NaN, NaN);
    this.texts.push(text);
    return id;
  }

  /**
   * Interns a field as written: `0x` + 1..16 hex digits goes the hex way (so
   * `0x0ab` and `0xab` are one identity, as they are one address), the rest by text.
   */
  intern(text: string): number {
    if (text.length > 2 && text.length <= 18 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X')) {
      let hi = 0;
      let lo = 0;
      let ok = true;
      for (let k = 2; k < text.length; k++) {
        const d = hexDigit(text.charCodeAt(k));
        if (d < 0) {
          ok = false;
          break;
        }
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
      }
      if (ok) return this.internHex(hi, lo);
    }
    return this.internText(text);
  }

  /** The identity as text (hex ids lose leading zeros). */
  text(id: number): string {
    const t = this.texts[id];
    if (t !== undefined) return t;
    const hi = this.hexKeys[2 * id];
    const lo = this.hexKeys[2 * id + 1];
    return hi === 0 ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const oldIds = this.ids;
    const cap = oldIds.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let j = 0; j < oldIds.length; j++) {
      const id = oldIds[j];
      if (id < 0) continue;
      let i = (Math.imul(oldLo[j] ^ Math.imul(oldHi[j], 0x9e3779b1), 0x85ebca6b) >>> 0) & this.mask;
      while (this.ids[i] >= 0) i = (i + 1) & this.mask;
      this.hi[i] = oldHi[j];
      this.lo[i] = oldLo[j];
      this.ids[i] = id;
    }
  }
}

export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
