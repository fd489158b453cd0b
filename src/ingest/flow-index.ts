/**
 * Dense ids for flow hashes (a "flow" is a non-zero 32-bit hash value, as in
 * the contract), in an open-addressing table of [hash, id] pairs: a probe
 * touches one cache line.
 */
export class FlowIndex {
  private table: Uint32Array;
  private mask: number; // in entries
  size = 0;

  constructor(initialCapacity = 1 << 14) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.table = new Uint32Array(2 * cap);
    this.mask = cap - 1;
  }

  /** Id of hash `h` (non-zero), assigned on first sight. */
  id(h: number): number {
    const t = this.table;
    let i = (Math.imul(h, 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      const k = t[2 * i];
      if (k === h) return t[2 * i + 1];
      if (k === 0) break;
      i = (i + 1) & this.mask;
    }
    const id = this.size++;
    t[2 * i] = h;
    t[2 * i + 1] = id;
    if (this.size * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const old = this.table;
    const cap = old.length; // entries double: 2 words each
    const t = new Uint32Array(2 * cap);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const k = old[j];
      if (k === 0) continue;
      let i = (Math.imul(k, 0x9e3779b1) >>> 0) & mask;
      while (t[2 * i] !== 0) i = (i + 1) & mask;
      t[2 * i] = k;
      t[2 * i + 1] = old[j + 1];
    }
    this.table = t;
    this.mask = mask;
  }
}
