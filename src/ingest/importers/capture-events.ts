/**
 * The events of a capture as columns of numbers. A capture is held whole
 * until its end (a blocking recvmsg is printed at its exit but stamped at its
 * entry, arbitrarily far back); millions of small objects of strings would
 * cost more in the garbage collector than reading the lines does, so each
 * event is one slot of typed arrays (growing-columns.ts) and each identity (socket, skb) its
 * 64-bit key. The assembler (capture-protocol.ts) fills the
 * columns, the fix-ups (capture-fixups.ts) work on them in time order.
 */
import { hexIdBytes, idKey, key, keyText } from '../id-keys.js';
import { Interner } from '../interner.js';
import { TimedColumns } from './growing-columns.js';
import { EventKind } from '../trace.js';
import { ID_HEX } from '../trace-codes.js';

// An event's flags (CaptureEvents.flags).
/** Recorded by perf from a device name that other namespaces also use: kept only if BPF saw it on the captured device. */
export const CONFIRM = 1;
/** Packets: BPF saw this skb on the captured device (a "seen" line). Delivers: printed by BPF, which checked the device. */
export const CONFIRMED = 2;
/** Deliver rows printed by BPF (with the hash steering used), as opposed to perf's. */
export const FROM_BPF = 4;
/** State rows from perf, which has no sk_rxhash: taken from the socket's record rows. */
export const HASH_FROM_RECORDS = 8;
export const DROPPED = 16;
/** The row's rxhash field is empty (perf's deliver rows), not 0. */
export const NO_HASH = 32;
/** Packet rows seen at a GRO entry point (napi_gro_receive, napi_gro_frags): the skb may be merged into another one and never reach steering itself. */
export const GRO_ENTRY = 64;

/** A column with no value (queue, pair). */
export const ABSENT = -1;

/** The key kind of an identity that is a text without a key (id-keys.ts); its text is CaptureEvents.idTexts[lo]. */
export const TEXT_ONLY = 255;

/** `0x` and lower-case hex digits without a leading zero: the spelling keyText() gives back. */
function plainHex(b: Uint8Array, s: number, e: number): boolean {
  if (b[s + 1] !== 0x78 || (b[s + 2] === 0x30 && e - s > 3)) return false;
  for (let i = s + 2; i < e; i++) if (b[i] >= 0x41 && b[i] <= 0x46) return false;
  return true;
}

/** Every slot's identity as a dense number (CaptureEvents.numberIds()). */
export interface IdNumbers {
  ids: Int32Array;
  /** How many sockets. */
  sockets: number;
  /** The skbs' numbering. */
  skbs: Interner;
}

/** Fields of an event kept as printed, where a number would not say the same to the reader (a ts not in plain decimal, a state beyond 12), and their columns. */
export interface PrintedFields {
  ts?: string;
  state?: string;
  tsCol: number;
  stateCol: number;
  /** The CPU field's column when beyond 65535 (CaptureEvents.cpuCol holds 0 then). */
  cpuCol: number;
}

/** Most events a capture holds: 2^27 (about 5 GB of memory). */
export const MAX_EVENTS = 2 ** 27;

/**
 * One slot per event, in arrival order (the slot number is the tie-breaker
 * for equal times). CPUs are numbers where the text was a plain decimal
 * (no leading zero), else the negative code of their text (cpuText()), so
 * that equal texts are equal codes.
 */
export class CaptureEvents extends TimedColumns {
  /** EventKind code. */
  readonly kind = this.column(Uint8Array);
  readonly cpu = this.column(Int32Array);
  /** 1-based column of the CPU field, for the reader's message about a CPU beyond nr_cpu_ids (0: in `printed`). */
  readonly cpuCol = this.column(Uint16Array);
  /** TCP state 1..12; 0 = none. */
  readonly state = this.column(Uint8Array);
  readonly hash = this.column(Uint32Array);
  /** Index of the queue name (CaptureAssembler's list), or ABSENT. */
  readonly queue = this.column(Int32Array);
  /** The identity (socket for socket rows, skb for packet and deliver rows) as its key (id-keys.ts): kind, then the 64 bits. */
  readonly idKind = this.column(Uint8Array);
  readonly idHi = this.column(Uint32Array);
  readonly idLo = this.column(Uint32Array);
  readonly flags = this.column(Uint8Array);
  /** Packet ↔ deliver links (pairDelivers()), by slot; null until a deliver row is paired. */
  pair: Int32Array | null = null;
  /** By slot. */
  readonly printed = new Map<number, PrintedFields>();
  /** Identities without a key, by number (idLo of a TEXT_ONLY identity). */
  readonly idTexts: string[] = [];
  private readonly idTextNumbers = new Map<string, number>();
  /** 0x hex identities not spelled as keyText() spells them, by slot (capture's text rows keep their spelling). */
  private readonly spelled = new Map<number, string>();
  private readonly cpuCodes = new Map<string, number>();
  private readonly cpuTexts: string[] = [];

  constructor() {
    super(MAX_EVENTS);
  }

  /** A new slot for an event at `ts`; every other column is the caller's to set (queue starts ABSENT, flags 0). False when MAX_EVENTS are held. */
  add(ts: number, line: number): number {
    const i = this.addTimed(ts, line);
    this.queue[i] = ABSENT;
    return i;
  }

  /** Slot i's packet or deliver row's partner, or ABSENT. */
  pairOf(i: number): number {
    return this.pair === null ? ABSENT : this.pair[i];
  }

  /** The pair column, made on first use. */
  pairs(): Int32Array {
    this.pair ??= new Int32Array(this.n).fill(ABSENT);
    return this.pair;
  }

  /** The code of a CPU field that is not a plain decimal. */
  cpuCode(text: string): number {
    let c = this.cpuCodes.get(text);
    if (c === undefined) {
      this.cpuTexts.push(text);
      c = -this.cpuTexts.length;
      this.cpuCodes.set(text, c);
    }
    return c;
  }

  /** A CPU column's value as the text the trace printed. */
  cpuText(cpu: number): string {
    return cpu >= 0 ? String(cpu) : this.cpuTexts[-1 - cpu];
  }

  /** Sets slot i's identity to the one in b[s, e). */
  setId(i: number, b: Buffer, s: number, e: number): void {
    if (hexIdBytes(b, s, e)) {
      this.idKind[i] = ID_HEX;
      this.idHi[i] = key.hi;
      this.idLo[i] = key.lo;
      if (!plainHex(b, s, e)) this.spelled.set(i, b.toString('latin1', s, e));
      return;
    }
    this.setIdText(i, b.toString('latin1', s, e));
  }

  /** Sets slot i's identity to a 0x hex one spelled as keyText() spells it. */
  setHexId(i: number, hi: number, lo: number): void {
    this.idKind[i] = ID_HEX;
    this.idHi[i] = hi;
    this.idLo[i] = lo;
  }

  /** Sets slot i's identity to one given as text. */
  setIdText(i: number, text: string): void {
    const kind = idKey(text);
    if (kind >= 0) {
      this.idKind[i] = kind;
      this.idHi[i] = key.hi;
      this.idLo[i] = key.lo;
      if (kind === ID_HEX && !plainHex(Buffer.from(text, 'latin1'), 0, text.length)) this.spelled.set(i, text);
      return;
    }
    let t = this.idTextNumbers.get(text);
    if (t === undefined) {
      t = this.idTexts.length;
      this.idTexts.push(text);
      this.idTextNumbers.set(text, t);
    }
    this.idKind[i] = TEXT_ONLY;
    this.idHi[i] = 0;
    this.idLo[i] = t;
  }

  /** Slot i's identity as first spelled. */
  idText(i: number): string {
    const kind = this.idKind[i];
    if (kind === TEXT_ONLY) return this.idTexts[this.idLo[i]];
    return this.spelled.get(i) ?? keyText(kind, this.idHi[i], this.idLo[i]);
  }

  /**
   * Every slot's identity as a dense number, sockets and skbs numbered apart
   * (the fix-ups that match events by identity use them); `skbs` numbers
   * the sightings' skbs the same way.
   */
  numberIds(): IdNumbers {
    const sockets = new Interner();
    const skbs = new Interner();
    const ids = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const by = this.kind[i] >= EventKind.Packet ? skbs : sockets;
      const kind = this.idKind[i];
      ids[i] = kind === TEXT_ONLY ? by.internText(this.idTexts[this.idLo[i]]) : by.internKey(kind, this.idHi[i], this.idLo[i]);
    }
    return { ids, sockets: sockets.size, skbs };
  }

  /** What the capture holds: every flag any event has, and every kind (bit 1 << EventKind). */
  present(): { flags: number; kinds: number } {
    let flags = 0;
    let kinds = 0;
    for (let i = 0; i < this.n; i++) {
      flags |= this.flags[i];
      kinds |= 1 << this.kind[i];
    }
    return { flags, kinds };
  }
}

/** "seen" lines: BPF saw this skb on the captured device, at this time and CPU (the CPU as CaptureEvents codes it). */
export class Sightings {
  readonly ts: number[] = [];
  readonly cpu: number[] = [];
  /** The skb's key (id-keys.ts), or TEXT_ONLY and its text. */
  readonly skbKind: number[] = [];
  readonly skbHi: number[] = [];
  readonly skbLo: number[] = [];
  readonly skbText: (string | null)[] = [];

  add(ts: number, cpu: number, b: Buffer, s: number, e: number): void {
    this.ts.push(ts);
    this.cpu.push(cpu);
    let kind = -1;
    if (hexIdBytes(b, s, e)) kind = ID_HEX;
    else kind = idKey(b.toString('latin1', s, e));
    this.skbKind.push(kind < 0 ? TEXT_ONLY : kind);
    this.skbHi.push(kind < 0 ? 0 : key.hi);
    this.skbLo.push(kind < 0 ? 0 : key.lo);
    this.skbText.push(kind < 0 ? b.toString('latin1', s, e) : null);
  }

  /** Sighting k's skb as `skbs` numbers it. */
  skbNumber(k: number, skbs: Interner): number {
    const kind = this.skbKind[k];
    return kind === TEXT_ONLY ? skbs.internText(this.skbText[k]!) : skbs.internKey(kind, this.skbHi[k], this.skbLo[k]);
  }

  /** Indices in time order, equal times in arrival order. */
  timeOrder(): number[] {
    const ts = this.ts;
    return ts.map((_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
  }
}
