/**
 * Rows from the printed form of the kernel's own net/sock tracepoints, as
 * `perf script`, `trace-cmd report` and the ftrace `trace` file show them.
 * The line prefix differs per tool (see perf-script.ts, ftrace.ts); the
 * event text after "name:" is the tracepoint's print format (or, with
 * `trace-cmd report -R`, its raw fields) and is read here.
 *
 * What these formats can carry, honestly:
 * - packets: net:netif_rx_entry, net:netif_receive_skb_entry,
 *   net:netif_receive_skb_list_entry, net:napi_gro_receive_entry and
 *   net:napi_gro_frags_entry print dev, queue_mapping (RX queue + 1,
 *   0 = not recorded) and skb->hash: complete `packet` rows. net:netif_rx
 *   prints no hash and is ignored (record netif_rx_entry instead).
 * - deliver: net:netif_receive_skb prints dev and skbaddr: complete.
 * - sockets: sock:sock_recv_length / sock:sock_send_length print the socket
 *   address but neither sk_rxhash nor the TCP state. Record rows therefore
 *   get rxhash 0 (the replay counts them as records_zero_hash: the socket
 *   side of RFS cannot be judged from these formats; use `rfs-replay
 *   capture`). The record CPU is taken from the thread's preceding
 *   syscalls:sys_enter_* event when the trace has one (where the kernel
 *   recorded the flow), else the CPU of the tracepoint itself.
 * - sock:inet_sock_set_state prints no socket address in its print format,
 *   so state rows exist only when the raw fields are printed
 *   (`trace-cmd report -R`: skaddr=, newstate= as numbers).
 * - the configuration: nr_cpu_ids from `cpus=N` (trace-cmd) or
 *   `# nrcpus avail : N` (perf script --header); nothing else. The trace
 *   gets the implicit queue (docs/format.md); pass --entries, --flow-cnt and
 *   --rps-cpus to replay it.
 */
import { InputError } from '../../errors.js';
import { importMsg } from '../../messages.js';
import { hex32 } from '../fields.js';
import { hexIdBytes, key, keyText } from '../id-keys.js';
import { ID_HEX } from '../trace-codes.js';
import type { TextColumns, TextRow } from '../rows.js';
import { EventKind, NONE, type TraceHeader } from '../trace.js';
import { TimedColumns } from './growing-columns.js';
import { isSpace, wordCode } from './line-bytes.js';
import type { ImportContext } from './types.js';

/** Most rows a tracepoint trace holds: 2^27 (about 5 GB of memory). */
const MAX_ROWS = 2 ** 27;

/** One event line, prefix already taken apart by the tool-specific parser. */
export interface TracepointEvent {
  /** Nanoseconds. */
  ts: number;
  cpu: number;
  tid: number;
  /** Event name without its system ("netif_receive_skb"). */
  name: string;
  /** The text after "name:". */
  body: string;
  /** 1-based column where `body` starts, for messages. */
  bodyColumn: number;
  tsColumn: number;
  cpuColumn: number;
}

const STATE_NUMBERS: Record<string, number> = {
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
  TCP_NEW_SYN_RECV: 12,
};

/** "1184.389296" (µs) or "1195.187051099" (ns) seconds → integer nanoseconds, exactly; null if not that shape. */
export function secondsToNs(text: string): number | null {
  const n = text.length;
  let i = 0;
  let sec = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    sec = sec * 10 + (c - 0x30);
    i++;
  }
  const digits = n - i - 1;
  if (i === 0 || i >= n || text.charCodeAt(i) !== 0x2e || digits < 1 || digits > 9) return null;
  let frac = 0;
  for (let k = i + 1; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return null;
    frac = frac * 10 + (c - 0x30);
  }
  for (let k = digits; k < 9; k++) frac *= 10;
  return sec * 1e9 + frac;
}

const isKeyStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isKeyChar = (c: number): boolean => isKeyStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x20;

// Character classes of a body's bytes, by table: the pattern's [A-Za-z_], [A-Za-z0-9_ ], \s, and [\s,].
const KEY_START = 1,
  KEY_CHAR = 2,
  SPACE = 4,
  VALUE_END = 8;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  CLASS[c] = (isKeyStart(c) ? KEY_START : 0) | (isKeyChar(c) ? KEY_CHAR : 0) | (isSpace(c) ? SPACE | VALUE_END : 0) | (c === 0x2c ? VALUE_END : 0);
}

/**
 * The `key=value` and `key = value,` pairs of a tracepoint body, found in
 * its bytes without a string per pair: the same pairs the pattern
 * /([A-Za-z_][A-Za-z0-9_ ]*?)\s*=\s*([^\s,]*)/g finds, as offsets from the
 * body's start. Values end at whitespace or a comma; the sock tracepoints
 * print "sk address = 0x…".
 */
export class BodyFields {
  private buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private start = 0;
  private n = 0;
  private keyStart = new Int32Array(64);
  private keyEnd = new Int32Array(64);
  private valStart = new Int32Array(64);
  private valEnd = new Int32Array(64);

  /** Takes the pairs of buf[start, end) apart. */
  read(buf: Buffer<ArrayBufferLike>, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    const cls = CLASS;
    let n = 0;
    let i = start;
    while (i < end) {
      if ((cls[buf[i]] & KEY_START) === 0) {
        i++;
        continue;
      }
      const ks = i;
      let j = i + 1;
      // The lazy key ends where whitespace then "=" follows; key characters include the space.
      let eq = -1;
      let ke = -1;
      while (j < end) {
        const c = buf[j];
        const k = cls[c];
        if (k & KEY_CHAR) {
          if (c === 0x20) {
            let w = j + 1;
            while (w < end && cls[buf[w]] & SPACE) w++;
            if (w < end && buf[w] === 0x3d) {
              eq = w;
              ke = j;
              break;
            }
          }
          j++;
          continue;
        }
        if (c === 0x3d) {
          eq = j;
          ke = j;
          break;
        }
        if (k & SPACE) {
          let w = j;
          while (w < end && cls[buf[w]] & SPACE) w++;
          if (w < end && buf[w] === 0x3d) {
            eq = w;
            ke = j;
          }
        }
        break;
      }
      if (eq < 0) {
        i = j > i ? j : i + 1;
        continue;
      }
      let v = eq + 1;
      while (v < end && cls[buf[v]] & SPACE) v++;
      let ve = v;
      while (ve < end && (cls[buf[ve]] & VALUE_END) === 0) ve++;
      if (n === this.keyStart.length) this.growTo(2 * n);
      this.keyStart[n] = ks;
      this.keyEnd[n] = ke;
      this.valStart[n] = v;
      this.valEnd[n] = ve;
      n++;
      i = ve > eq ? ve : eq + 1;
    }
    this.n = n;
  }

  private growTo(cap: number): void {
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.keyStart = g(this.keyStart);
    this.keyEnd = g(this.keyEnd);
    this.valStart = g(this.valStart);
    this.valEnd = g(this.valEnd);
  }

  /** Index of the last pair named `name` (as a Map of them would keep), or -1. */
  find(name: string): number {
    const buf = this.buf;
    const len = name.length;
    for (let p = this.n - 1; p >= 0; p--) {
      const ks = this.keyStart[p];
      // The pattern's key is trimmed: its trailing spaces (before a tab and "=") are not part of the name.
      let ke = this.keyEnd[p];
      while (ke > ks && buf[ke - 1] === 0x20) ke--;
      if (ke - ks !== len) continue;
      let k = 0;
      while (k < len && buf[ks + k] === name.charCodeAt(k)) k++;
      if (k === len) return p;
    }
    return -1;
  }

  value(p: number): string {
    return this.buf.toString('latin1', this.valStart[p], this.valEnd[p]);
  }

  /** Offset of the pair's value from the body's start. */
  at(p: number): number {
    return this.valStart[p] - this.start;
  }

  /** The value as a number (0x hex or decimal), or null; parsed in place. */
  number(p: number): number | null {
    const b = this.buf;
    let i = this.valStart[p];
    const e = this.valEnd[p];
    if (e - i > 2 && b[i] === 0x30 && b[i + 1] === 0x78) {
      let v = 0;
      for (i += 2; i < e; i++) {
        const c = b[i];
        const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (d < 0) return null;
        v = v * 16 + d;
      }
      return v;
    }
    if (e === i) return null;
    let v = 0;
    for (; i < e; i++) {
      const c = b[i];
      if (c < 0x30 || c > 0x39) return null;
      v = v * 10 + (c - 0x30);
    }
    return v;
  }

  /** The value as a 0x hex identity (id-keys.ts: 1 to 16 digits) into `key`; false if it is not one. */
  hexId(p: number): boolean {
    return hexIdBytes(this.buf, this.valStart[p], this.valEnd[p]);
  }
}

/** `key=value` pairs of a body as a map (tests; the importers use BodyFields). */
export function fieldsOf(body: string, bodyColumn: number): Map<string, { value: string; column: number }> {
  const out = new Map<string, { value: string; column: number }>();
  const re = /([A-Za-z_][A-Za-z0-9_ ]*?)\s*=\s*([^\s,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    out.set(m[1].trim(), { value: m[2], column: bodyColumn + m.index + m[0].length - m[2].length });
  }
  return out;
}

// Row kinds as stored (the event names the reader parses back).
const K_PACKET = 0,
  K_DELIVER = 1,
  K_RECVMSG = 2,
  K_SENDMSG = 3,
  K_STATE = 4;
const KIND_EVENT = ['packet', 'deliver', 'recvmsg', 'sendmsg', 'state'];
const K_IGNORED = 255;
const KIND_CODE = [EventKind.Packet, EventKind.Deliver, EventKind.Recvmsg, EventKind.Sendmsg, EventKind.State];

/** Event names the rows come from, by their bytes. */
const EVENT_KINDS: [Buffer, number][] = [
  ...['netif_rx_entry', 'netif_receive_skb_entry', 'netif_receive_skb_list_entry', 'napi_gro_receive_entry', 'napi_gro_frags_entry'].map(
    (n): [Buffer, number] => [Buffer.from(n, 'latin1'), K_PACKET],
  ),
  [Buffer.from('netif_receive_skb', 'latin1'), K_DELIVER],
  [Buffer.from('sock_recv_length', 'latin1'), K_RECVMSG],
  [Buffer.from('sock_send_length', 'latin1'), K_SENDMSG],
  [Buffer.from('inet_sock_set_state', 'latin1'), K_STATE],
];

function eventKind(buf: Buffer, start: number, end: number): number {
  return wordCode(EVENT_KINDS, buf, start, end, K_IGNORED);
}

function isInetFamily(family: string): boolean {
  return family === 'AF_INET' || family === 'AF_INET6' || family === '2' || family === '10';
}

/**
 * Turns tracepoint events into rows; collects them, then emits in time
 * order. Rows are held as columns of numbers (identities by their 64-bit
 * value), not as objects (growing-columns.ts): a trace is held whole until
 * its last line (per-CPU buffers print out of order), and millions of small
 * objects cost more in the collector than the parsing. A row whose text would not survive that
 * (an identity that is not 0x hex, a hash beyond 32 bits) is kept as text.
 */
export class TracepointRows extends TimedColumns {
  private readonly lastEntryTs = new Map<number, number>();
  private readonly lastEntryCpu = new Map<number, number>();
  private readonly fields = new BodyFields();
  /** The event line being added: set by the line parsers, read by addEvent(). */
  readonly ev = {
    buf: Buffer.alloc(0) as Buffer<ArrayBufferLike>,
    nameStart: 0,
    nameEnd: 0,
    bodyStart: 0,
    bodyEnd: 0,
    ts: 0,
    cpu: 0,
    tid: 0,
    bodyColumn: 0,
    tsColumn: 0,
    cpuColumn: 0,
  };
  nrCpuIds: number | undefined;
  readonly ignored: Record<string, number> = {};

  private readonly kind = this.column(Uint8Array);
  private readonly cpu = this.column(Int32Array);
  private readonly cpuCol = this.column(Int32Array);
  private readonly state = this.column(Uint8Array);
  /** rxhash; -1: empty. */
  private readonly hash = this.column(Float64Array);
  private readonly idHi = this.column(Uint32Array);
  private readonly idLo = this.column(Uint32Array);
  /** Rows kept as text, by index. */
  private readonly textRows = new Map<number, { row: TextRow; cols: TextColumns }>();

  constructor(
    private readonly file: string,
    private readonly format: string,
  ) {
    super(MAX_ROWS);
  }

  /** A thread entered a syscall: a following socket call recorded its flow on this CPU. */
  syscallEntry(tid: number, ts: number, cpu: number): void {
    this.lastEntryTs.set(tid, ts);
    this.lastEntryCpu.set(tid, cpu);
  }

  /** One event line, prefix taken apart as text (the string path; the byte parsers call addEvent()). */
  add(e: TracepointEvent, line: number): void {
    const v = this.ev;
    const name = Buffer.from(e.name, 'latin1');
    const body = Buffer.from(e.body, 'latin1');
    v.buf = Buffer.concat([name, body]);
    v.nameStart = 0;
    v.nameEnd = name.length;
    v.bodyStart = name.length;
    v.bodyEnd = v.buf.length;
    v.ts = e.ts;
    v.cpu = e.cpu;
    v.tid = e.tid;
    v.bodyColumn = e.bodyColumn;
    v.tsColumn = e.tsColumn;
    v.cpuColumn = e.cpuColumn;
    this.addEvent(line);
  }

  /**
   * An event line a byte parser took apart: the line starts at `s` in `buf`;
   * the name, the body and the timestamp's and CPU's first bytes are offsets
   * in `buf`.
   */
  addEventBytes(
    line: number,
    buf: Buffer,
    s: number,
    nameStart: number,
    nameEnd: number,
    bodyStart: number,
    bodyEnd: number,
    ts: number,
    cpu: number,
    tid: number,
    tsStart: number,
    cpuStart: number,
  ): void {
    const ev = this.ev;
    ev.buf = buf;
    ev.nameStart = nameStart;
    ev.nameEnd = nameEnd;
    ev.bodyStart = bodyStart;
    ev.bodyEnd = bodyEnd;
    ev.ts = ts;
    ev.cpu = cpu;
    ev.tid = tid;
    ev.bodyColumn = bodyStart - s + 1;
    ev.tsColumn = tsStart - s + 1;
    ev.cpuColumn = cpuStart - s + 1;
    this.addEvent(line);
  }

  /** The event in `ev` (set by a line parser). */
  addEvent(line: number): void {
    const e = this.ev;
    const f = this.fields;
    const kind = eventKind(e.buf, e.nameStart, e.nameEnd);
    if (kind === K_IGNORED) {
      this.ignore(e.buf.toString('latin1', e.nameStart, e.nameEnd));
      return;
    }
    f.read(e.buf, e.bodyStart, e.bodyEnd);
    const get = (k: string): number => {
      const p = f.find(k);
      if (p < 0)
        throw new InputError(this.file, line, e.bodyColumn, importMsg.missingField(e.buf.toString('latin1', e.nameStart, e.nameEnd), k), 'bad_import_line');
      return p;
    };
    if (kind <= K_DELIVER) {
      const skb = get('skbaddr');
      let hash = -1;
      let hashCol = e.bodyColumn;
      if (kind === K_PACKET) {
        const h = get('hash');
        const hv = f.number(h);
        hashCol = e.bodyColumn + f.at(h);
        if (hv === null) throw new InputError(this.file, line, hashCol, importMsg.badFieldValue('hash', f.value(h)), 'bad_import_line');
        const qm = get('queue_mapping');
        if (f.number(qm) === null)
          throw new InputError(this.file, line, e.bodyColumn + f.at(qm), importMsg.badFieldValue('queue_mapping', f.value(qm)), 'bad_import_line');
        hash = hv;
        if (hv > 0xffffffff) {
          // Kept as printed: the reader's check names it.
          this.pushText(line, kind, String(e.cpu), '', f.value(h), f.value(skb), hashCol, e.bodyColumn + f.at(skb), e.bodyColumn, e.ts);
          return;
        }
      }
      this.pushRow(line, kind, e.cpu, 0, hash, skb, hashCol, e.bodyColumn, e.ts);
      return;
    }
    if (kind === K_RECVMSG || kind === K_SENDMSG) {
      const fam = f.find('family');
      // AF_INET is printed symbolically, other families as a number (0x1 = AF_UNIX); raw output prints 2 and 10.
      if (fam < 0 || !isInetFamily(f.value(fam))) return this.ignore('non-inet socket');
      const fl = f.find('flags');
      const flags = fl < 0 ? 0 : (f.number(fl) ?? 0);
      if (kind === K_RECVMSG && flags & 0x2000) return this.ignore('MSG_ERRQUEUE'); // inet_recvmsg records no flow for the error queue
      let sk = f.find('sk address');
      if (sk < 0) sk = get('sk');
      const tsAt = this.lastEntryTs.get(e.tid);
      let ts = e.ts;
      let cpu = e.cpu;
      if (tsAt !== undefined) {
        if (tsAt <= e.ts) {
          ts = tsAt;
          cpu = this.lastEntryCpu.get(e.tid)!;
        }
        this.lastEntryTs.delete(e.tid);
      }
      this.pushRow(line, kind, cpu, 0, 0, sk, e.bodyColumn, e.bodyColumn, ts);
      return;
    }
    // inet_sock_set_state
    const sk = f.find('skaddr');
    if (sk < 0) return this.ignore('inet_sock_set_state without skaddr');
    const pr = f.find('protocol');
    if (pr >= 0) {
      const protocol = f.value(pr);
      if (protocol !== '6' && protocol !== 'IPPROTO_TCP') return this.ignore('non-TCP state');
    }
    const ns = get('newstate');
    const nsText = f.value(ns);
    const state = STATE_NUMBERS[nsText] ?? f.number(ns);
    if (state === null || state < 1 || state > 12)
      throw new InputError(this.file, line, e.bodyColumn + f.at(ns), importMsg.badFieldValue('newstate', nsText), 'bad_import_line');
    this.pushRow(line, K_STATE, e.cpu, state, 0, sk, e.bodyColumn, e.bodyColumn + f.at(ns), e.ts);
  }

  private ignore(reason: string): void {
    this.ignored[reason] = (this.ignored[reason] ?? 0) + 1;
  }

  /** One row; its identity (skb or socket) is pair `id` of the body. */
  private pushRow(line: number, kind: number, cpu: number, state: number, hash: number, id: number, hashCol: number, stateCol: number, ts: number): void {
    const e = this.ev;
    const f = this.fields;
    if (!f.hexId(id) || ts > Number.MAX_SAFE_INTEGER) {
      this.pushText(
        line,
        kind,
        String(cpu),
        state === 0 ? '' : String(state),
        hash < 0 ? '' : String(hash),
        f.value(id),
        hashCol,
        e.bodyColumn + f.at(id),
        stateCol,
        ts,
      );
      return;
    }
    const i = this.slot(ts, line);
    this.kind[i] = kind;
    this.cpu[i] = cpu;
    this.cpuCol[i] = e.cpuColumn;
    this.state[i] = state;
    this.hash[i] = hash;
    this.idHi[i] = key.hi;
    this.idLo[i] = key.lo;
  }

  /** A row kept as its text. */
  private pushText(
    line: number,
    kind: number,
    cpu: string,
    state: string,
    hash: string,
    id: string,
    hashCol: number,
    idCol: number,
    stateCol: number,
    ts: number,
  ): void {
    const e = this.ev;
    const i = this.slot(ts, line);
    this.kind[i] = kind;
    const isPacket = kind <= K_DELIVER;
    const b = e.bodyColumn;
    this.textRows.set(i, {
      row: {
        ts: String(ts),
        event: KIND_EVENT[kind],
        cpu,
        socket: isPacket ? '' : id,
        state,
        rxhash: isPacket ? hash : '0',
        queue: '',
        skb: isPacket ? id : '',
      },
      cols: { ts: e.tsColumn, event: b, cpu: e.cpuColumn, socket: isPacket ? b : idCol, state: stateCol, rxhash: hashCol, queue: b, skb: isPacket ? idCol : b },
    });
  }

  private slot(ts: number, line: number): number {
    if (this.full) throw new InputError(this.file, line, 1, importMsg.tooManyRows(MAX_ROWS), 'bad_import_line');
    return this.addTimed(ts, line);
  }

  /** Header, then rows sorted by time (perf script prints per-CPU buffers unmerged); equal times keep their printed order. */
  emit(ctx: ImportContext): void {
    const header: TraceHeader = { format: this.format, nrCpuIds: this.nrCpuIds, queues: [], implicitQueue: true, extra: {} };
    // The contract's implicit queue: named "0", every CPU in its map, rps_flow_cnt = global size (unknown here).
    header.queues.push({ name: '0', rpsCpus: [], rpsCpusMask: '', rpsFlowCnt: 0 });
    header.extra.socket_rxhash = 'absent';
    ctx.header(header);
    const n = this.n;
    const order = this.timeOrder();
    // One row object for every row: the reader copies what it keeps.
    const row: TextRow = { ts: '', event: '', cpu: '', socket: '', state: '', rxhash: '', queue: '', skb: '' };
    const cols: TextColumns = { ts: 1, event: 1, cpu: 1, socket: 1, state: 1, rxhash: 1, queue: 1, skb: 1 };
    const text = this.textRows;
    const out = ctx.parsed?.out ?? null;
    const cpuBound = ctx.parsed?.cpuBound ?? 0;
    for (let k = 0; k < n; k++) {
      const i = order === null ? k : order[k];
      const t = text.size > 0 ? text.get(i) : undefined;
      if (t !== undefined) {
        ctx.row(t.row, this.line[i], t.cols);
        continue;
      }
      const kind = this.kind[i];
      if (out !== null && this.cpu[i] < cpuBound) {
        // Every field was checked when read: straight into the batch.
        const packet = kind <= K_DELIVER;
        const socket = packet ? NONE : out.socketHex(this.idHi[i], this.idLo[i]);
        const skb = packet ? out.skbHex(this.idHi[i], this.idLo[i]) : NONE;
        const h = this.hash[i];
        out.append(this.ts[i], KIND_CODE[kind], this.cpu[i], socket, this.state[i], h < 0 ? 0 : h, 0, skb, this.line[i]);
        continue;
      }
      // Only the CPU can still be refused (beyond nr_cpu_ids); every other field was checked when read.
      const c = this.cpuCol[i];
      cols.ts = cols.event = cols.cpu = cols.socket = cols.state = cols.rxhash = cols.queue = cols.skb = c;
      const id = keyText(ID_HEX, this.idHi[i], this.idLo[i]);
      const h = this.hash[i];
      row.ts = String(this.ts[i]);
      row.event = KIND_EVENT[kind];
      row.cpu = String(this.cpu[i]);
      row.state = kind === K_STATE ? String(this.state[i]) : '';
      row.rxhash = h < 0 ? '' : kind <= K_DELIVER ? hex32(h) : '0';
      if (kind <= K_DELIVER) {
        row.socket = '';
        row.skb = id;
      } else {
        row.socket = id;
        row.skb = '';
      }
      ctx.row(row, this.line[i], cols);
    }
  }
}
