/**
 * A small, fast, seedable PRNG whose output depends only on the seed: every
 * step is 32-bit integer arithmetic (Math.imul, shifts, xor), so the same seed
 * gives the same sequence on every machine and every JS engine. Math.random is
 * never used by the generator.
 *
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32 so that nearby
 * seeds (1, 2, 3, ...) give unrelated streams and the state is never all zero.
 */

/** splitmix32 step: a well-mixed 32-bit value from a counter. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is taken modulo 2^32 (negative and fractional seeds are rejected by the caller). */
  constructor(seed: number, stream = 0) {
    const st = { s: (seed >>> 0) ^ Math.imul(stream, 0x632be5ab) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator in an exact state (for checking against the reference implementation). */
  static fromState(a: number, b: number, c: number, d: number): Xoshiro128 {
    const r = new Xoshiro128(0);
    r.a = a | 0;
    r.b = b | 0;
    r.c = c | 0;
    r.d = d | 0;
    return r;
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const b = this.b;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9);
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  float(): number {
    return this.u32() * 2.3283064365386963e-10; // 2^-32
  }

  /** Uniform integer in [0, n) for 0 < n <= 2^32 (multiply-shift: no modulo bias worth measuring). */
  below(n: number): number {
    return Math.floor(this.u32() * 2.3283064365386963e-10 * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() * 2.3283064365386963e-10 < p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
