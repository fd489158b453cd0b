/**
 * Dense ids for flow hashes (a "flow" is a non-zero 32-bit hash value, as in
 * the contract), in an open-addressing table of typed arrays.
 */
export class FlowIndex {
  private keys: Uint32Array;
  private ids: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 14) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.ids = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Id of hash `h` (non-zero), assigned on first sight. */
  id(h: number): number {
    const keys = this.keys;
    let i = Math.imul(h, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === h) return this.ids[i];
      if (k === 0) break;
      i = (i + 1) & this.mask;
    }
    const id = this.size++;
    keys[i] = h;
    this.ids[i] = id;
    if (this.size * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldIds = this.ids;
    const cap = oldKeys.length * 2;
    this.keys = new Uint32Array(cap);
    this.ids = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === 0) continue;
      let i = Math.imul(k, 0x9e3779b1) >>> 0 & this.mask;
      while (this.keys[i] !== 0) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.ids[i] = oldIds[j];
    }
  }
}
