/**
 * The line protocol the generated bpftrace program prints (one printf per
 * line), and the assembler that turns those lines into v1 rows.
 *
 * The same code serves `rfs-replay capture` (which runs the program itself)
 * and the bpftrace importers (for users who ran the `--print-program` output
 * themselves, in text or `-f json` mode), so a trace means the same thing
 * however it was taken.
 *
 * Lines (space-separated, numbers decimal unless 0x-prefixed):
 *
 *   rfs-capture v1                              first line, from BEGIN
 *   cfg <v1 header pairs>                       configuration snapshot, e.g.
 *                                               "cfg nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18.44"
 *                                               "cfg queue=lo:0 rps_cpus=3 rps_flow_cnt=64"
 *   ifname <ifindex> <name>                     device names for the queue column
 *   rec <ts> <cpu> <r|s|a|p> <sk> <state> <hash>
 *                                               sock_rps_record_flow() caller: recvmsg, sendmsg, accept, splice
 *   st <ts> <cpu> <sk> <old> <new> <hash>       inet_sock_set_state
 *   pkt <ts> <cpu> <src> <skb> <hash> <qm> <ifindex>
 *                                               a packet before steering; src = x (netif_rx),
 *                                               e (netif_receive_skb_entry), l (…_list_entry),
 *                                               g (napi_gro_receive_entry), f (napi_gro_frags_entry)
 *   dlv <ts> <cpu> <skb> <hash> <qm> <ifindex>  net:netif_receive_skb, on the CPU that processed it
 *   seen <ts> <cpu> <skb>                       net:netif_rx saw this skb on the captured device
 *                                               (confirms a packet perf recorded by device name)
 *   tick <ts> <cpu>                             a per-CPU progress mark (ignored here)
 *   end                                         from END: the program stopped normally
 *
 * `qm` is skb->queue_mapping, which on receive is the RX queue + 1 (0 = not
 * recorded, and get_rps_cpu() then uses queue 0). veth passes the sender's
 * TX queue index there unchanged, and get_rps_cpu() reads it the same way.
 *
 * `capture` also feeds the packet side recorded by perf (packet, deliver and
 * state events, through `perfPacket` and friends), which has no socket hash
 * on state changes and names devices, not namespaces; see capture-fixups.ts.
 */
import { InputError } from '../../errors.js';
import { captureMsg } from '../../messages.js';
import { MAX_TS } from '../fields.js';
import type { TextRow } from '../rows.js';
import { EventKind, type TraceHeader } from '../trace.js';
import {
  CaptureEvents,
  CONFIRM,
  CONFIRMED,
  FROM_BPF,
  GRO_ENTRY,
  HASH_FROM_RECORDS,
  MAX_EVENTS,
  NO_HASH,
  type PrintedFields,
  Sightings,
} from './capture-events.js';
import { type AssembleStats, assembleCapture, captureTextRows, emitCapture, type HeldCapture } from './capture-output.js';
import { isWhitespace, LineTokens, numberAt, plainDecimal } from './capture-tokens.js';
import { wordCode } from './line-bytes.js';
import { isGroSource, P_DLV, P_PKT, P_REC, P_ST, PACKET_SOURCE, printed, RECORD_KIND, readPrinted } from './printed-lines.js';
import type { ImportContext } from './types.js';

/** No bytes between an event line's last field and its end. */
export const NO_TAIL = new Uint8Array(0);

export const CAPTURE_MAGIC = 'rfs-capture v1';

/**
 * The RX queue get_rps_cpu() uses: skb_rx_queue_recorded() is
 * queue_mapping != 0 and skb_get_rx_queue() is queue_mapping - 1
 * (include/linux/skbuff.h); when none is recorded it uses queue 0. A queue
 * number past the device's real_num_rx_queues is not steered at all
 * (net/core/dev.c get_rps_cpu(): "goto done"); capture-output.ts declares it
 * empty.
 */
export function queueOf(dev: string, queueMapping: number): string {
  return `${dev}:${queueMapping > 0 ? queueMapping - 1 : 0}`;
}

/** Lines bpftrace prints itself when a per-CPU perf buffer overflowed ("Lost 12 events"). */
export function lostEventsIn(line: string): number | null {
  // Most lines are protocol lines: their first character says so without trimming.
  const c = line.charCodeAt(0);
  if (c !== 0x4c && !isWhitespace(c)) return null;
  const m = /^Lost (\d+) events/.exec(line.trim());
  return m ? Number(m[1]) : null;
}

/** lostEventsIn() of the line b[s, e). */
export function lostEventsInBytes(b: Buffer, s: number, e: number): number | null {
  if (s === e || (b[s] !== 0x4c && !isWhitespace(b[s]))) return null;
  return lostEventsIn(b.toString('latin1', s, e));
}

// The protocol's line kinds, by their first token: the event lines' as printed-lines.ts numbers them, then the others.
const W_OTHER = 0,
  W_REC = P_REC,
  W_PKT = P_PKT,
  W_DLV = P_DLV,
  W_ST = P_ST,
  W_SEEN = 5,
  W_TICK = 6,
  W_END = 7,
  W_CFG = 8,
  W_IFNAME = 9,
  W_MAGIC = 10;
const WORDS: [Buffer, number][] = (
  [
    ['rec', W_REC],
    ['pkt', W_PKT],
    ['dlv', W_DLV],
    ['st', W_ST],
    ['seen', W_SEEN],
    ['tick', W_TICK],
    ['end', W_END],
    ['cfg', W_CFG],
    ['ifname', W_IFNAME],
    ['rfs-capture', W_MAGIC],
  ] as const
).map(([w, code]) => [Buffer.from(w, 'latin1'), code]);

function lineKind(b: Buffer, s: number, e: number): number {
  return wordCode(WORDS, b, s, e, W_OTHER);
}

/**
 * Collects protocol lines into columns (capture-events.ts); once every line
 * is in, capture-output.ts sorts them by time, fixes what only hindsight
 * knows and produces rows: as text (finish(), for `capture`'s own output) or
 * straight into the reader's batches (emit(), for the importers).
 */
export class CaptureAssembler implements HeldCapture {
  readonly cfgLines: { text: string; line: number }[] = [];
  private readonly ifnames = new Map<number, string>();
  readonly events = new CaptureEvents();
  readonly sightings = new Sightings();
  /** Queue names in order of first use; events hold their index. */
  readonly queueNames: string[] = [];
  private readonly queueIndex = new Map<string, number>();
  /** Queue name indices by device and queue_mapping, so that a packet row finds its queue without building the name. */
  private readonly queueByMapping = new Map<string, Map<number, number>>();
  private readonly tokens = new LineTokens();
  window: { startNs: number; endNs: number } | null = null;
  sawMagic = false;
  private lastTs = 0;
  readonly stats: AssembleStats = {
    lostEvents: 0,
    missedEvents: null,
    perfLost: null,
    packetCheckLost: null,
    packetCheckMissed: null,
    unattributed: 0,
    hashUnknown: 0,
    stateHashFromRecords: 0,
    stateHashUnknown: 0,
    queuesBeyondDevice: [],
    groMerged: 0,
    hashFromDeliver: 0,
    reordered: 0,
    undeclaredQueues: [],
    ended: false,
    sampleFiltered: null,
  };

  /**
   * `socketsLimited`: socket events were limited to one namespace, which
   * perf's state events cannot be; those of sockets that never recorded are
   * then left out.
   */
  constructor(
    readonly file: string,
    readonly socketsLimited = false,
  ) {}

  get started(): boolean {
    return this.sawMagic;
  }

  lost(n: number): void {
    this.stats.lostEvents += n;
  }

  missed(n: number | null): void {
    this.stats.missedEvents = n;
  }

  /**
   * One printed line (no line ending). `col0` is the 1-based column where the
   * text starts in the source line (JSON wraps it). Returns false for lines
   * that are not part of the protocol (bpftrace's own messages).
   */
  add(text: string, line: number, col0 = 1): boolean {
    // The protocol is ASCII; a line with other characters keeps them as UTF-8 bytes, none of them a protocol token's.
    const bytes = /^[\0-\xff]*$/.test(text) ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
    return this.addBytes(bytes, 0, bytes.length, line, col0);
  }

  /** add() of the line b[s, e), read in place. */
  addBytes(b: Buffer, s: number, e: number, line: number, col0 = 1): boolean {
    if (this.addPrinted(b, s, e, e, line, col0, NO_TAIL) >= 0) return true;
    const tk = this.tokens;
    tk.read(b, s, e);
    const n = tk.n;
    if (n === 0) return false;
    this.lineBuf = b;
    this.lineNo = line;
    this.colOf = col0 - s;
    const { start, end } = tk;
    const ev = this.events;
    switch (lineKind(b, start[0], end[0])) {
      case W_REC: {
        this.need(7, col0);
        const letter = end[3] - start[3] === 1 ? b[start[3]] : 0;
        const kind = letter < 128 ? RECORD_KIND[letter] : -1;
        if (kind < 0) throw this.badField(3, 'record kind (r, s or a)');
        const state = this.num(5, 'state');
        const i = this.push(kind, this.hash(6));
        ev.state[i] = state >= 1 && state <= 12 ? state : 0;
        ev.setId(i, b, start[4], end[4]);
        return true;
      }
      case W_PKT: {
        this.need(8, col0);
        const letter = end[3] - start[3] === 1 ? b[start[3]] : 0;
        if (letter >= 128 || PACKET_SOURCE[letter] === 0) throw this.badField(3, 'packet source (x, e, l, g or f)');
        // pkt <ts> <cpu> <src> <skb> <hash> <qm> <ifindex>
        this.packetLine(EventKind.Packet, 4, isGroSource(letter) ? GRO_ENTRY : 0);
        return true;
      }
      case W_DLV:
        this.need(7, col0);
        // dlv <ts> <cpu> <skb> <hash> <qm> <ifindex>
        this.packetLine(EventKind.Deliver, 3, CONFIRMED | FROM_BPF);
        return true;
      case W_ST: {
        this.need(7, col0);
        this.num(4, 'old state');
        const state = this.num(5, 'new state');
        const i = this.push(EventKind.State, this.hash(6));
        ev.setId(i, b, start[3], end[3]);
        if (state >= 1 && state <= 12) ev.state[i] = state;
        else {
          // The reader refuses it, at its own position.
          const p = this.printedFields(i);
          p.state = String(state);
          p.stateCol = this.colOf + start[5];
        }
        return true;
      }
      case W_SEEN: {
        this.need(4, col0);
        const ts = this.num(1, 'timestamp');
        this.sightings.add(ts, this.cpuOf(b, start[2], end[2]), b, start[3], end[3]);
        return true;
      }
      case W_TICK:
        return true;
      case W_END:
        this.stats.ended = true;
        return true;
      case W_CFG: {
        const words: string[] = [];
        for (let k = 1; k < n; k++) words.push(this.text(k));
        this.cfgLines.push({ text: '# ' + words.join(' '), line });
        return true;
      }
      case W_IFNAME:
        this.need(3, col0);
        this.ifnames.set(this.num(1, 'ifindex'), this.text(2));
        return true;
      case W_MAGIC:
        if (n < 2 || this.text(1) !== 'v1')
          throw new InputError(this.file, line, n < 2 ? col0 : this.colOf + start[1], captureMsg.unknownCaptureVersion(n < 2 ? '' : this.text(1)), 'header');
        this.sawMagic = true;
        return true;
      default:
        return false;
    }
  }

  /**
   * An event line as the program prints it (printed-lines.ts), read in one
   * pass and stored: the line starts at b[s]; `end` is where it ends, or -1
   * for the reader to find its newline before `limit` (after `lineTail`, the
   * JSON's `\n"}`). Returns the offset after the line, or -1, having stored
   * nothing, for any other line (addBytes() reads those).
   */
  addPrinted(b: Buffer, s: number, end: number, limit: number, line: number, col0: number, lineTail: Uint8Array): number {
    const next = readPrinted(b, s, end, limit, lineTail);
    if (next < 0) return -1;
    const p = printed;
    const ev = this.events;
    const cpuCol = col0 + p.cpuOffset;
    if (ev.full || cpuCol > 0xffff) return -1;
    const ts = p.ts;
    if (ts < this.lastTs) this.stats.reordered++;
    else this.lastTs = ts;
    const i = ev.add(ts, line);
    ev.cpu[i] = p.cpu;
    ev.cpuCol[i] = cpuCol;
    ev.hash[i] = p.hash;
    ev.setHexId(i, p.idHi, p.idLo);
    switch (p.kind) {
      case P_REC:
        ev.kind[i] = RECORD_KIND[p.letter];
        ev.state[i] = p.state <= 12 ? p.state : 0;
        break;
      case P_ST:
        ev.kind[i] = EventKind.State;
        ev.state[i] = p.state;
        break;
      case P_PKT:
        ev.kind[i] = EventKind.Packet;
        ev.queue[i] = this.queueOfMapping(p.ifindex, p.queueMapping);
        if (isGroSource(p.letter)) ev.flags[i] = GRO_ENTRY;
        break;
      default:
        ev.kind[i] = EventKind.Deliver;
        ev.queue[i] = this.queueOfMapping(p.ifindex, p.queueMapping);
        ev.flags[i] = CONFIRMED | FROM_BPF;
    }
    return next;
  }

  // The line addBytes() is reading: its buffer, number, and what turns an offset in the buffer into a column.
  private lineBuf: Buffer = Buffer.alloc(0);
  private lineNo = 0;
  private colOf = 0;

  /** Token k of the line as text. */
  private text(k: number): string {
    return this.lineBuf.toString('latin1', this.tokens.start[k], this.tokens.end[k]);
  }

  private need(want: number, col0: number): void {
    const n = this.tokens.n;
    if (n !== want) throw new InputError(this.file, this.lineNo, col0, captureMsg.badProtocolArity(this.text(0), want - 1, n - 1), 'bad_capture_line');
  }

  private badField(k: number, what: string): InputError {
    return new InputError(this.file, this.lineNo, this.colOf + this.tokens.start[k], captureMsg.badProtocolField(what, this.text(k)), 'bad_capture_line');
  }

  /** Token k as a protocol number. */
  private num(k: number, what: string): number {
    const v = numberAt(this.lineBuf, this.tokens.start[k], this.tokens.end[k]);
    if (Number.isNaN(v)) throw this.badField(k, what);
    return v;
  }

  /** Token k as a hash: 32 bits. */
  private hash(k: number): number {
    const v = this.num(k, 'hash');
    if (v > 0xffffffff) throw this.badField(k, 'hash (32 bits)');
    return v;
  }

  /** A pkt or dlv line: the skb at token `skb`, then its hash, queue_mapping and ifindex. */
  private packetLine(kind: number, skb: number, flags: number): void {
    const h = this.hash(skb + 1);
    const ifindex = this.num(skb + 3, 'ifindex');
    const queue = this.queueOfMapping(ifindex, this.num(skb + 2, 'queue_mapping'));
    const i = this.push(kind, h);
    const ev = this.events;
    ev.setId(i, this.lineBuf, this.tokens.start[skb], this.tokens.end[skb]);
    ev.queue[i] = queue;
    ev.flags[i] = flags;
  }

  /** A protocol row's slot, its time and CPU read from tokens 1 and 2. */
  private push(kind: number, hash: number): number {
    const b = this.lineBuf;
    const { start, end } = this.tokens;
    const ts = this.num(1, 'timestamp');
    if (ts < this.lastTs) this.stats.reordered++;
    else this.lastTs = ts;
    const ev = this.events;
    if (ev.full) throw new InputError(this.file, this.lineNo, 1, captureMsg.tooManyEvents(MAX_EVENTS), 'bad_capture_line');
    const i = ev.add(ts, this.lineNo);
    const plain = plainDecimal(b, start[1], end[1], 16);
    if (plain < 0 || plain > MAX_TS) {
      // Kept as printed (0x hex, leading zeros, beyond 2^53): the reader says what it makes of it.
      const p = this.printedFields(i);
      p.ts = this.text(1);
      p.tsCol = this.colOf + start[1];
    }
    ev.cpu[i] = this.cpuOf(b, start[2], end[2]);
    const cpuCol = this.colOf + start[2];
    if (cpuCol <= 0xffff) ev.cpuCol[i] = cpuCol;
    else this.printedFields(i).cpuCol = cpuCol;
    ev.kind[i] = kind;
    ev.hash[i] = hash;
    return i;
  }

  /**
   * A packet perf recorded before steering. `confirm`: its device name also
   * exists in another namespace, so it is kept only if BPF saw it (a "seen"
   * line or a BPF deliver row).
   */
  perfPacket(e: { ts: number; cpu: number; src: string; skb: string; hash: number; queueMapping: number; dev: string }, confirm: boolean): void {
    const i = this.pushPerf(e.ts, e.cpu, EventKind.Packet, 0, e.hash >>> 0, e.skb);
    this.events.queue[i] = this.queueNamed(queueOf(e.dev, e.queueMapping));
    this.events.flags[i] = (isGroSource(e.src.charCodeAt(0)) ? GRO_ENTRY : 0) | (confirm ? CONFIRM : 0);
  }

  /** The kernel's delivery as perf recorded it: no hash, no queue (both come from the packet). */
  perfDeliver(e: { ts: number; cpu: number; skb: string; dev: string }, confirm: boolean): void {
    const i = this.pushPerf(e.ts, e.cpu, EventKind.Deliver, 0, 0, e.skb);
    this.events.flags[i] = NO_HASH | (confirm ? CONFIRM : 0);
  }

  /** A TCP state change as perf recorded it: no sk_rxhash, taken later from the socket's record rows. */
  perfState(e: { ts: number; cpu: number; socket: string; newState: number }): void {
    if (e.newState < 1 || e.newState > 12) return;
    const i = this.pushPerf(e.ts, e.cpu, EventKind.State, e.newState, 0, e.socket);
    this.events.flags[i] = HASH_FROM_RECORDS;
  }

  /** The time perf recorded packets (CLOCK_MONOTONIC ns); BPF deliver rows outside it are left out. */
  perfWindow(startNs: number, endNs: number): void {
    this.window = { startNs, endNs };
  }

  private pushPerf(ts: number, cpu: number, kind: number, state: number, hash: number, id: string): number {
    const ev = this.events;
    if (ev.full) throw new InputError(this.file, 1, 1, captureMsg.tooManyEvents(MAX_EVENTS), 'bad_capture_line');
    const i = ev.add(ts, 0);
    ev.cpu[i] = cpu;
    ev.cpuCol[i] = 1;
    ev.kind[i] = kind;
    ev.state[i] = state;
    ev.hash[i] = hash;
    ev.setIdText(i, id);
    return i;
  }

  private printedFields(i: number): PrintedFields {
    let p = this.events.printed.get(i);
    if (p === undefined) this.events.printed.set(i, (p = { tsCol: 1, stateCol: 1, cpuCol: 1 }));
    return p;
  }

  /** A CPU field: its number when plain decimal, else the code of its text (capture-events.ts). */
  private cpuOf(b: Buffer, s: number, e: number): number {
    const v = plainDecimal(b, s, e, 9);
    return v >= 0 ? v : this.events.cpuCode(b.toString('latin1', s, e));
  }

  private queueNamed(name: string): number {
    let q = this.queueIndex.get(name);
    if (q === undefined) {
      q = this.queueNames.length;
      this.queueNames.push(name);
      this.queueIndex.set(name, q);
    }
    return q;
  }

  /** The queue of a device (by ifindex, as named by an "ifname" line) and queue_mapping. */
  private queueOfMapping(ifindex: number, queueMapping: number): number {
    const dev = this.ifnames.get(ifindex) ?? `if${ifindex}`;
    let byMapping = this.queueByMapping.get(dev);
    if (byMapping === undefined) this.queueByMapping.set(dev, (byMapping = new Map()));
    let q = byMapping.get(queueMapping);
    if (q === undefined) byMapping.set(queueMapping, (q = this.queueNamed(queueOf(dev, queueMapping))));
    return q;
  }

  /** The configuration snapshot as v1 header comment lines (without the magic line). */
  headerComments(): string[] {
    return this.cfgLines.map((l) => l.text);
  }

  /** Sorts by time, fixes what only hindsight knows, and returns the header and the rows as text, in order. */
  finish(): { header: TraceHeader; comments: string[]; rows: { row: TextRow; line: number }[] } {
    const assembled = assembleCapture(this);
    return { header: assembled.header, comments: assembled.comments, rows: captureTextRows(this, assembled.order) };
  }

  /**
   * What finish() does, handing the header and the rows to an importer's
   * context (capture-output.ts emitCapture()).
   */
  emit(ctx: ImportContext): void {
    emitCapture(this, assembleCapture(this), ctx);
  }
}
