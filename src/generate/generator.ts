/**
 * Synthetic v1 traces from a {@link Workload}: a seeded simulation of clients
 * sending requests to a server, written straight into byte buffers (no string
 * or object per row) and handed out in large chunks, so that traces of tens of
 * millions of rows stream to disk in bounded memory.
 *
 * The simulated server, per request of a connection:
 *   - the request's packets arrive on the IRQ CPU of the RX queue that RSS
 *     picks from the hash's low bits (`packet` rows);
 *   - one of the connection's consumer threads reads it (`recvmsg` on the
 *     thread's CPU) and usually answers (`sendmsg`);
 *   - the thread may then migrate to another CPU, and the connection may close.
 * New connections go through SYN_RECV and ESTABLISHED and are `accept`ed; a
 * close takes the server-first path (FIN_WAIT1, FIN_WAIT2, CLOSE: the socket
 * ends in TIME_WAIT, whose unhash skips the RFS delete) or the client-first
 * path (CLOSE_WAIT, LAST_ACK, CLOSE: 6.16+ deletes the hint). A reconnect may
 * reuse the previous 4-tuple, hence the same hash.
 *
 * Determinism: all randomness comes from one xoshiro128** stream seeded by
 * `seed`; the only floating-point operations are IEEE-754 basic arithmetic,
 * Math.floor, Math.log and Math.pow (V8 computes the last two with its own
 * fdlibm port, identical on every platform). Output bytes do not depend on
 * the chunk size.
 */
import { EventKind, TcpState } from '../ingest/trace.js';
import { COLUMN_NAMES } from '../ingest/v1/header.js';
import { Xoshiro128 } from './prng.js';
import { AliasTable, flowWeights } from './sampler.js';
import { defaultIndirection, Ipv4Toeplitz } from './toeplitz.js';
import { allCpusMask, effectiveDuration, normalizeWorkload, type Workload } from './workload.js';

/** Trace time starts here (ns): a plausible CLOCK_MONOTONIC value, 13 digits like real captures. */
export const START_TS = 1_000_000_000_000;
/** Longest row we ever write, with room to spare (ts 16 + event 8 + cpu 5 + socket 18 + hash 10 + queue + skb 18). */
const MAX_ROW = 256;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Server address and port of generated 5-tuples (rss=toeplitz); clients are 10.0.0.1, 10.0.0.2, ... */
export const SERVER_IP = (192 << 24) | (168 << 16) | (1 << 8) | 10;
export const SERVER_PORT = 443;
export const CLIENT_BASE_IP = (10 << 24) | 1;
/** Linux's default ip_local_port_range. */
export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_COUNT = 60999 - 32768 + 1;

export interface GenerateStats {
  rows: number;
  bytes: number;
  packets: number;
  records: number;
  states: number;
  delivers: number;
  /** Connections opened during the trace (not counting those open at the start). */
  opens: number;
  /** Opens that reused the slot's previous 4-tuple (same hash). */
  reuses: number;
  /** Of those, reuses whose previous connection closed client-first (CLOSE_WAIT/LAST_ACK: 6.16 deleted its hint). */
  reusesAfterPassiveClose: number;
  closes: number;
  /** Closes by the server first (FIN_WAIT path); the rest went through CLOSE_WAIT/LAST_ACK. */
  activeCloses: number;
  migrations: number;
  firstTs: number;
  lastTs: number;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const EV_TEXT: Uint8Array[] = ['recvmsg', 'sendmsg', 'accept', 'splice', 'state', 'packet', 'deliver'].map((e) => ascii(`,${e},`));
const HEX = ascii('0123456789abcdef');
/** "00".."99" as pairs of bytes, for fast fixed-width decimal. */
const DIGIT_PAIRS = ascii(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));
const SOCK_PREFIX = ascii('0xffff8881');
const SKB_PREFIX = ascii('0xffff8882');
/** skb addresses are recycled like slab objects: a ring of this many distinct values. */
const SKB_RING = 1 << 16;

export function queueName(q: number): string {
  return `eth0:${q}`;
}

/** The `#` header of the trace, including the header row. */
export function traceHeader(w: Workload): string {
  const mask = w.rpsCpus !== '' ? w.rpsCpus : allCpusMask(w.cpus);
  const lines = ['# rfs-trace v1', `# nr_cpu_ids=${w.cpus} rps_sock_flow_entries=${w.entries} kernel=${w.kernel}`];
  for (let q = 0; q < w.queues; q++) lines.push(`# queue=${queueName(q)} rps_cpus=${mask} rps_flow_cnt=${w.flowCnt}`);
  // Provenance: every workload setting as gen.KEY=VALUE (kept by readers as extra header keys).
  lines.push(`# generator=rfs-replay seed=${w.seed} scenario=${w.scenario}`);
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(w)) {
    if (k === 'seed' || k === 'scenario' || k === 'description' || k === 'kernel' || v === '') continue;
    pairs.push(`gen.${k}=${v}`);
  }
  for (let i = 0; i < pairs.length; i += 8) lines.push('# ' + pairs.slice(i, i + 8).join(' '));
  lines.push(COLUMN_NAMES.join(','));
  return lines.join('\n') + '\n';
}

export class TraceGenerator {
  readonly stats: GenerateStats = {
    rows: 0,
    bytes: 0,
    packets: 0,
    records: 0,
    states: 0,
    delivers: 0,
    opens: 0,
    reuses: 0,
    reusesAfterPassiveClose: 0,
    closes: 0,
    activeCloses: 0,
    migrations: 0,
    firstTs: 0,
    lastTs: 0,
  };

  private readonly rng: Xoshiro128;
  private buf: Uint8Array;
  private pos = 0;
  private readonly rowLimit: number;

  // Configuration, precomputed.
  private readonly cpuText: Uint8Array[];
  private readonly queueText: Uint8Array[];
  private readonly irqCpu: Int32Array;
  private readonly indir: Uint16Array;
  private readonly indirMask: number;
  private readonly hashMask: number;
  private readonly sampler: AliasTable | null;
  private readonly toeplitz: Ipv4Toeplitz | null;
  private readonly meanGapNs: number;
  private readonly endT: number;
  private readonly burstLogQ: number;
  private readonly closeP: number;

  // Per flow slot.
  private readonly open: Uint8Array;
  private readonly hash: Uint32Array;
  private readonly prevHash: Uint32Array;
  /** 1 when the slot's previous connection closed client-first. */
  private readonly prevPassive: Uint8Array;
  private readonly queueOf: Uint16Array;
  private readonly sockOf: Int32Array;
  private readonly port: Uint16Array;
  private readonly consumerCpu: Uint16Array;
  private readonly openList: Int32Array;
  private readonly openPos: Int32Array;
  private openCount = 0;

  // Socket identities are recycled LIFO, as the slab allocator does.
  private readonly freeSockets: Int32Array;
  private freeCount: number;

  private t = START_TS;
  private ts = START_TS;
  private skbSeq = 0;
  private done = false;

  private readonly w: Workload;

  constructor(
    workload: Workload,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    const w = normalizeWorkload(workload);
    this.w = w;
    this.rng = new Xoshiro128(w.seed);
    this.buf = new Uint8Array(chunkBytes + MAX_ROW * 4);
    this.rowLimit = w.rows > 0 ? w.rows : Infinity;
    this.cpuText = Array.from({ length: w.cpus }, (_, c) => ascii(String(c)));
    this.queueText = Array.from({ length: w.queues }, (_, q) => ascii(queueName(q)));
    this.irqCpu = Int32Array.from({ length: w.queues }, (_, q) => q % w.cpus);
    // The indirection table must reach every queue: at least 128 entries, a power of two.
    let indirSize = 128;
    while (indirSize < w.queues) indirSize *= 2;
    this.indir = defaultIndirection(w.queues, indirSize);
    this.indirMask = indirSize - 1;
    this.hashMask = w.hashBits === 32 ? 0xffffffff : 2 ** w.hashBits - 1;
    this.sampler = w.rates === 'uniform' || w.zipf === 0 ? null : new AliasTable(flowWeights(w.flows, w.rates, w.zipf));
    this.toeplitz = w.rss === 'toeplitz' ? new Ipv4Toeplitz() : null;
    this.meanGapNs = 1e9 / w.rate;
    this.endT = START_TS + effectiveDuration(w) * 1e9;
    this.burstLogQ = w.burst > 1 ? Math.log(1 - 1 / w.burst) : 0;
    this.closeP = w.connRequests > 0 ? 1 / w.connRequests : 0;

    const n = w.flows;
    this.open = new Uint8Array(n);
    this.hash = new Uint32Array(n);
    this.prevHash = new Uint32Array(n);
    this.prevPassive = new Uint8Array(n);
    this.queueOf = new Uint16Array(n);
    this.sockOf = new Int32Array(n);
    this.port = new Uint16Array(n);
    this.consumerCpu = new Uint16Array(n * w.consumers);
    this.openList = new Int32Array(n);
    this.openPos = new Int32Array(n);
    this.freeSockets = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeSockets[i] = n - 1 - i;
    this.freeCount = n;

    // Connections already open when the capture starts: no handshake rows, their
    // record events say ESTABLISHED.
    for (let slot = 0; slot < w.active; slot++) this.connect(slot, false);
  }

  /** The whole trace as byte chunks (header first). Each chunk is a fresh buffer the caller may keep. */
  *chunks(): Generator<Uint8Array> {
    const head = ascii(traceHeader(this.w));
    this.stats.bytes += head.length;
    yield head;
    while (!this.done) {
      while (!this.done && this.pos < this.chunkBytes) this.step();
      if (this.pos > 0) {
        const out = this.buf.subarray(0, this.pos);
        this.stats.bytes += this.pos;
        this.buf = new Uint8Array(Math.max(this.chunkBytes + MAX_ROW * 4, this.buf.length));
        this.pos = 0;
        yield out;
      }
    }
  }

  // ---- simulation ----------------------------------------------------------

  /** One request (with its connection's open and close when they happen). */
  private step(): void {
    const rng = this.rng;
    // Poisson arrivals: exponential gaps. 1 - float() is in (0, 1], so log is finite.
    this.t += -Math.log(1 - rng.float()) * this.meanGapNs;
    if (this.t >= this.endT || this.stats.rows >= this.rowLimit) {
      this.done = true;
      return;
    }
    const start = Math.floor(this.t);
    if (start > this.ts) this.ts = start;

    let slot = this.pick();
    if (this.open[slot] === 0) {
      if (this.openCount >= this.w.active) {
        // At the concurrency cap: the client waits; a request on an open connection goes instead.
        for (let tries = 0; tries < 8 && this.open[slot] === 0; tries++) slot = this.pick();
        if (this.open[slot] === 0) slot = this.openList[rng.below(this.openCount)];
      } else {
        this.connect(slot, true);
      }
    }
    this.request(slot);
  }

  private pick(): number {
    return this.sampler ? this.sampler.draw(this.rng) : this.rng.below(this.w.flows);
  }

  private newHash(slot: number): number {
    const rng = this.rng;
    if (this.toeplitz) {
      for (;;) {
        const port = EPHEMERAL_LOW + rng.below(EPHEMERAL_COUNT);
        const h = this.toeplitz.hash((CLIENT_BASE_IP + slot) >>> 0, SERVER_IP >>> 0, port, SERVER_PORT);
        // A zero hash means "no hash" to RFS; a real client would just get this port, but we want a steerable flow.
        if (h !== 0) {
          this.port[slot] = port;
          return h;
        }
      }
    }
    for (;;) {
      const h = (rng.u32() & this.hashMask) >>> 0;
      if (h !== 0) return h;
    }
  }

  /** Opens a connection on `slot`; `handshake` writes its rows (false for connections open at the start). */
  private connect(slot: number, handshake: boolean): void {
    const w = this.w;
    const rng = this.rng;
    let h: number;
    const prev = this.prevHash[slot];
    if (handshake && prev !== 0 && w.reuse > 0 && rng.chance(w.reuse)) {
      h = prev; // same 4-tuple again (the port is unchanged too)
      this.stats.reuses++;
      this.stats.reusesAfterPassiveClose += this.prevPassive[slot];
    } else {
      h = this.newHash(slot);
    }
    this.hash[slot] = h;
    const q = this.indir[h & this.indirMask];
    this.queueOf[slot] = q;
    const sock = this.freeSockets[--this.freeCount];
    this.sockOf[slot] = sock;
    const base = slot * w.consumers;
    for (let k = 0; k < w.consumers; k++) this.consumerCpu[base + k] = rng.below(w.cpus);
    this.open[slot] = 1;
    this.openPos[slot] = this.openCount;
    this.openList[this.openCount++] = slot;
    if (!handshake) return;

    this.stats.opens++;
    const r = this.irqCpu[q];
    const c = this.consumerCpu[base];
    this.packet(h, q, r, c); // SYN
    this.stateRow(r, sock, TcpState.SynRecv, 0); // the child socket has no rxhash yet (as real captures show)
    this.packet(h, q, r, c); // ACK completing the handshake
    this.stateRow(r, sock, TcpState.Established, h);
    this.record(EventKind.Accept, c, sock, TcpState.Established, h);
  }

  private request(slot: number): void {
    const w = this.w;
    const rng = this.rng;
    const h = this.hash[slot];
    const q = this.queueOf[slot];
    const r = this.irqCpu[q];
    const sock = this.sockOf[slot];
    const ci = slot * w.consumers + (w.consumers > 1 ? rng.below(w.consumers) : 0);
    const c = this.consumerCpu[ci];

    let n = 1;
    if (this.burstLogQ !== 0) n += Math.floor(Math.log(1 - rng.float()) / this.burstLogQ);
    for (let i = 0; i < n; i++) this.packet(h, q, r, c);
    this.record(EventKind.Recvmsg, c, sock, TcpState.Established, h);
    if (w.reply > 0 && rng.chance(w.reply)) this.record(EventKind.Sendmsg, c, sock, TcpState.Established, h);

    if (w.migration > 0 && w.cpus > 1 && rng.chance(w.migration)) {
      // The scheduler moves the thread: any other CPU, uniformly.
      const to = rng.below(w.cpus - 1);
      this.consumerCpu[ci] = to >= c ? to + 1 : to;
      this.stats.migrations++;
    }
    if (this.closeP > 0 && rng.chance(this.closeP)) this.close(slot, c);
  }

  private close(slot: number, c: number): void {
    const h = this.hash[slot];
    const q = this.queueOf[slot];
    const r = this.irqCpu[q];
    const sock = this.sockOf[slot];
    const active = this.rng.chance(this.w.activeClose);
    this.prevPassive[slot] = active ? 0 : 1;
    if (active) {
      // Server closes first: close() on the thread's CPU, then the client's ACK and FIN.
      // The socket leaves through TIME_WAIT, so 6.16's delete-on-close does not apply.
      this.stateRow(c, sock, TcpState.FinWait1, h);
      this.packet(h, q, r, c);
      this.stateRow(r, sock, TcpState.FinWait2, h);
      this.packet(h, q, r, c);
      this.stateRow(r, sock, TcpState.Close, h);
      this.stats.activeCloses++;
    } else {
      // Client closes first: its FIN, the server's read() returning 0 (a record
      // event outside ESTABLISHED, which the model skips), close(), the last ACK.
      this.packet(h, q, r, c);
      this.stateRow(r, sock, TcpState.CloseWait, h);
      this.record(EventKind.Recvmsg, c, sock, TcpState.CloseWait, h);
      this.stateRow(c, sock, TcpState.LastAck, h);
      this.packet(h, q, r, c);
      this.stateRow(r, sock, TcpState.Close, h);
    }
    this.stats.closes++;
    this.freeSockets[this.freeCount++] = sock;
    this.open[slot] = 0;
    this.prevHash[slot] = h;
    // Remove from the open list by moving the last entry into its place.
    const at = this.openPos[slot];
    const last = this.openList[--this.openCount];
    this.openList[at] = last;
    this.openPos[last] = at;
  }

  // ---- rows ----------------------------------------------------------------

  /** Advances the row clock by a few hundred ns (rows of one request are close together). */
  private tick(): boolean {
    if (this.stats.rows >= this.rowLimit) return false;
    this.ts += 50 + (this.rng.u32() & 255);
    if (this.stats.rows === 0) this.stats.firstTs = this.ts;
    this.stats.lastTs = this.ts;
    this.stats.rows++;
    if (this.pos + MAX_ROW > this.buf.length) this.grow();
    return true;
  }

  private grow(): void {
    const bigger = new Uint8Array(this.buf.length * 2);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  private packet(h: number, q: number, cpu: number, consumer: number): void {
    if (!this.tick()) return;
    this.stats.packets++;
    this.putTs(this.ts);
    this.putBytes(EV_TEXT[EventKind.Packet]);
    this.putBytes(this.cpuText[cpu]);
    this.put3(44, 44, 44); // ",,,"
    this.putHash(h);
    this.buf[this.pos++] = 44;
    this.putBytes(this.queueText[q]);
    this.buf[this.pos++] = 44;
    // The skb only links a packet to its deliver row: without deliver rows the field stays empty
    // (the row ends ",eth0:N,", the 8-column layout the readers' fast path expects).
    if (!this.w.deliver) {
      this.buf[this.pos++] = 10;
      return;
    }
    const skb = (this.skbSeq++ & (SKB_RING - 1)) << 8;
    this.putBytes(SKB_PREFIX);
    this.putHex8(skb);
    this.buf[this.pos++] = 10;
    this.deliver(h, q, consumer, skb);
  }

  /** The packet seen where "ideal" RFS would process it: its consumer's CPU (the kernel's real choice is unknowable here). */
  private deliver(h: number, q: number, cpu: number, skb: number): void {
    if (!this.tick()) return;
    this.stats.delivers++;
    this.putTs(this.ts);
    this.putBytes(EV_TEXT[EventKind.Deliver]);
    this.putBytes(this.cpuText[cpu]);
    this.put3(44, 44, 44);
    this.putHash(h);
    this.buf[this.pos++] = 44;
    this.putBytes(this.queueText[q]);
    this.buf[this.pos++] = 44;
    this.putBytes(SKB_PREFIX);
    this.putHex8(skb);
    this.buf[this.pos++] = 10;
  }

  private record(kind: number, cpu: number, sock: number, state: number, h: number): void {
    if (!this.tick()) return;
    this.stats.records++;
    this.sockRow(kind, cpu, sock, state, h);
  }

  private stateRow(cpu: number, sock: number, state: number, h: number): void {
    if (!this.tick()) return;
    this.stats.states++;
    this.sockRow(EventKind.State, cpu, sock, state, h);
  }

  private sockRow(kind: number, cpu: number, sock: number, state: number, h: number): void {
    this.putTs(this.ts);
    this.putBytes(EV_TEXT[kind]);
    this.putBytes(this.cpuText[cpu]);
    this.buf[this.pos++] = 44;
    this.putBytes(SOCK_PREFIX);
    this.putHex8((0x00100000 + sock * 64) >>> 0);
    this.buf[this.pos++] = 44;
    if (state >= 10) {
      this.buf[this.pos++] = 49;
      this.buf[this.pos++] = 48 + state - 10;
    } else {
      this.buf[this.pos++] = 48 + state;
    }
    this.buf[this.pos++] = 44;
    this.putHash(h);
    this.put3(44, 44, 10); // ",,\n"
  }

  // ---- byte writers --------------------------------------------------------

  private putBytes(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i];
    this.pos = p;
  }

  private put3(a: number, b: number, c: number): void {
    const buf = this.buf;
    buf[this.pos] = a;
    buf[this.pos + 1] = b;
    buf[this.pos + 2] = c;
    this.pos += 3;
  }

  private putHash(h: number): void {
    this.buf[this.pos++] = 48; // '0'
    this.buf[this.pos++] = 120; // 'x'
    this.putHex8(h);
  }

  private putHex8(v: number): void {
    const buf = this.buf;
    const p = this.pos;
    buf[p] = HEX[(v >>> 28) & 15];
    buf[p + 1] = HEX[(v >>> 24) & 15];
    buf[p + 2] = HEX[(v >>> 20) & 15];
    buf[p + 3] = HEX[(v >>> 16) & 15];
    buf[p + 4] = HEX[(v >>> 12) & 15];
    buf[p + 5] = HEX[(v >>> 8) & 15];
    buf[p + 6] = HEX[(v >>> 4) & 15];
    buf[p + 7] = HEX[v & 15];
    this.pos = p + 8;
  }

  /** Decimal integer below 2^53: the top part with int arithmetic, the low 8 digits from the pair table. */
  private putTs(ts: number): void {
    const hi = Math.floor(ts / 1e8);
    const lo = ts - hi * 1e8;
    const buf = this.buf;
    if (hi > 0) {
      this.putUint(hi);
      const p = this.pos;
      let rest = lo;
      for (let k = 3; k >= 0; k--) {
        const pair = rest % 100;
        rest = (rest - pair) / 100;
        buf[p + 2 * k] = DIGIT_PAIRS[2 * pair];
        buf[p + 2 * k + 1] = DIGIT_PAIRS[2 * pair + 1];
      }
      this.pos = p + 8;
    } else {
      this.putUint(lo);
    }
  }

  private putUint(v: number): void {
    // v < 2^31 here.
    let n = v | 0;
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    const buf = this.buf;
    let p = this.pos + digits - 1;
    do {
      const d = n % 10;
      buf[p--] = 48 + d;
      n = (n / 10) | 0;
    } while (n > 0);
    this.pos += digits;
  }
}
