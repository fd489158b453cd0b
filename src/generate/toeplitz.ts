/**
 * The Toeplitz hash that NICs compute for RSS (Microsoft's "RSS hashing"
 * specification), with the standard 40-byte key that most drivers install by
 * default. The generator uses it to give synthetic 5-tuples the flow hash a
 * real NIC would report as skb->hash.
 *
 * Input bytes, in order (network byte order): source address, destination
 * address, source port, destination port. The result is the 32-bit hash the
 * NIC writes into the receive descriptor; the RSS queue is chosen from its low
 * bits through the indirection table.
 */

/** Microsoft's verification key; also the default of many Linux drivers (e.g. ixgbe before netdev_rss_key). */
export const MS_RSS_KEY: readonly number[] = [
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb,
  0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
];

/**
 * Bit-serial definition: for every input bit set, from the most significant bit
 * of the first byte on, XOR in the 32-bit window of the key that starts at that
 * bit position. The key must be at least 4 bytes longer than the input.
 */
export function toeplitz(key: readonly number[], input: ArrayLike<number>): number {
  if (key.length < input.length + 4) throw new RangeError('Toeplitz key must be at least 4 bytes longer than the input');
  let result = 0;
  // The window starts as key bytes 0..3; each input bit shifts in the next key bit.
  let window = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] & 0xff;
    const next = key[i + 4];
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) result ^= window;
      window = ((window << 1) | ((next >>> bit) & 1)) >>> 0;
    }
  }
  return result >>> 0;
}

/** Parses dotted-quad IPv4 text into its 4 bytes; null when malformed. */
export function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return null;
    out.push(Number(p));
  }
  return out;
}

/** The 12 input bytes of an IPv4 TCP/UDP 4-tuple: addresses, then ports, big-endian. */
export function ipv4TupleBytes(src: number, dst: number, sport: number, dport: number): number[] {
  return [
    (src >>> 24) & 0xff,
    (src >>> 16) & 0xff,
    (src >>> 8) & 0xff,
    src & 0xff,
    (dst >>> 24) & 0xff,
    (dst >>> 16) & 0xff,
    (dst >>> 8) & 0xff,
    dst & 0xff,
    (sport >>> 8) & 0xff,
    sport & 0xff,
    (dport >>> 8) & 0xff,
    dport & 0xff,
  ];
}

/**
 * Table-driven Toeplitz for IPv4 4-tuples: the hash is linear over GF(2), so
 * it is the XOR of one precomputed 32-bit value per (input byte position, byte
 * value). 12 lookups per hash instead of 96 bit steps; same results as
 * {@link toeplitz} (the tests check both against the published vectors).
 */
export class Ipv4Toeplitz {
  private readonly table = new Uint32Array(12 * 256);

  constructor(key: readonly number[] = MS_RSS_KEY) {
    const input = new Array<number>(12).fill(0);
    for (let pos = 0; pos < 12; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        input[pos] = 1 << bit;
        const h = toeplitz(key, input);
        input[pos] = 0;
        // Every byte value is the XOR of its bits, so its entry is the XOR of the bit entries.
        for (let v = 0; v < 256; v++) if (v & (1 << bit)) this.table[pos * 256 + v] ^= h;
      }
    }
  }

  /** Addresses as unsigned 32-bit integers (a.b.c.d = a<<24|...), ports as 16-bit integers. */
  hash(src: number, dst: number, sport: number, dport: number): number {
    const t = this.table;
    return (
      (t[(src >>> 24) & 0xff] ^
        t[256 + ((src >>> 16) & 0xff)] ^
        t[512 + ((src >>> 8) & 0xff)] ^
        t[768 + (src & 0xff)] ^
        t[1024 + ((dst >>> 24) & 0xff)] ^
        t[1280 + ((dst >>> 16) & 0xff)] ^
        t[1536 + ((dst >>> 8) & 0xff)] ^
        t[1792 + (dst & 0xff)] ^
        t[2048 + ((sport >>> 8) & 0xff)] ^
        t[2304 + (sport & 0xff)] ^
        t[2560 + ((dport >>> 8) & 0xff)] ^
        t[2816 + (dport & 0xff)]) >>>
      0
    );
  }
}

/**
 * The default RSS indirection table of Linux drivers
 * (`ethtool_rxfh_indir_default(i, n) = i % n`), indexed by the hash's low bits.
 * 128 entries is the common size (ixgbe, i40e VFs, virtio and many others).
 */
export function defaultIndirection(queues: number, size = 128): Uint16Array {
  const t = new Uint16Array(size);
  for (let i = 0; i < size; i++) t[i] = i % queues;
  return t;
}
