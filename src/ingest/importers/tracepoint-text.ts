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
import type { TextColumns, TextRow } from '../rows.js';
import type { TraceHeader } from '../trace.js';
import { byTime, type ImportContext, type TimedRow } from './types.js';

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

const PACKET_EVENTS = new Set(['netif_rx_entry', 'netif_receive_skb_entry', 'netif_receive_skb_list_entry', 'napi_gro_receive_entry', 'napi_gro_frags_entry']);
const RECORD_EVENTS: Record<string, string> = { sock_recv_length: 'recvmsg', sock_send_length: 'sendmsg' };
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

/** "1184.389296" (µs) or "1195.187051099" (ns) seconds → integer nanoseconds, exactly. */
export function secondsToNs(text: string): number | null {
  const m = /^(\d+)\.(\d{1,9})$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 1e9 + Number(m[2].padEnd(9, '0'));
}

/**
 * `key=value` and `key = value,` pairs of a tracepoint body. Values end at
 * whitespace or a comma; the sock tracepoints print "sk address = 0x…".
 */
export function fieldsOf(body: string, bodyColumn: number): Map<string, { value: string; column: number }> {
  const out = new Map<string, { value: string; column: number }>();
  const re = /([A-Za-z_][A-Za-z0-9_ ]*?)\s*=\s*([^\s,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    out.set(m[1].trim(), { value: m[2], column: bodyColumn + m.index + m[0].length - m[2].length });
  }
  return out;
}

function hexOrDec(text: string): number | null {
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[0-9]+$/.test(text)) return Number(text);
  return null;
}

type Pending = TimedRow;

/** Turns tracepoint events into rows; collects them, then emits in time order. */
export class TracepointRows {
  private readonly pending: Pending[] = [];
  private readonly lastEntry = new Map<number, { ts: number; cpu: number }>();
  private seq = 0;
  nrCpuIds: number | undefined;
  readonly ignored: Record<string, number> = {};

  constructor(
    private readonly file: string,
    private readonly format: string,
  ) {}

  /** A thread entered a syscall: a following socket call recorded its flow on this CPU. */
  syscallEntry(tid: number, ts: number, cpu: number): void {
    this.lastEntry.set(tid, { ts, cpu });
  }

  add(e: TracepointEvent, line: number): void {
    const f = fieldsOf(e.body, e.bodyColumn);
    const get = (k: string): { value: string; column: number } => {
      const v = f.get(k);
      if (!v) throw new InputError(this.file, line, e.bodyColumn, importMsg.missingField(e.name, k), 'bad_import_line');
      return v;
    };
    const base = {
      ts: e.tsColumn,
      event: e.bodyColumn,
      cpu: e.cpuColumn,
      socket: e.bodyColumn,
      state: e.bodyColumn,
      rxhash: e.bodyColumn,
      queue: e.bodyColumn,
      skb: e.bodyColumn,
    };
    if (PACKET_EVENTS.has(e.name) || e.name === 'netif_receive_skb') {
      const skb = get('skbaddr');
      const deliver = e.name === 'netif_receive_skb';
      let rxhash = '';
      let hashCol = e.bodyColumn;
      if (!deliver) {
        const h = get('hash');
        if (hexOrDec(h.value) === null) throw new InputError(this.file, line, h.column, importMsg.badFieldValue('hash', h.value), 'bad_import_line');
        rxhash = h.value;
        hashCol = h.column;
        const qm = get('queue_mapping');
        if (hexOrDec(qm.value) === null)
          throw new InputError(this.file, line, qm.column, importMsg.badFieldValue('queue_mapping', qm.value), 'bad_import_line');
      }
      this.push(
        e,
        line,
        { ts: '', event: deliver ? 'deliver' : 'packet', cpu: String(e.cpu), socket: '', state: '', rxhash, queue: '', skb: skb.value },
        { ...base, rxhash: hashCol, skb: skb.column },
      );
      return;
    }
    const record = RECORD_EVENTS[e.name];
    if (record) {
      const family = f.get('family')?.value;
      // AF_INET is printed symbolically, other families as a number (0x1 = AF_UNIX); raw output prints 2 and 10.
      if (family !== 'AF_INET' && family !== 'AF_INET6' && family !== '2' && family !== '10') return this.ignore('non-inet socket');
      const flags = hexOrDec(f.get('flags')?.value ?? '0') ?? 0;
      if (record === 'recvmsg' && flags & 0x2000) return this.ignore('MSG_ERRQUEUE'); // inet_recvmsg records no flow for the error queue
      const sk = f.get('sk address') ?? get('sk');
      const entry = this.lastEntry.get(e.tid);
      this.lastEntry.delete(e.tid);
      const at = entry && entry.ts <= e.ts ? entry : { ts: e.ts, cpu: e.cpu };
      this.push(
        { ...e, ts: at.ts },
        line,
        { ts: '', event: record, cpu: String(at.cpu), socket: sk.value, state: '', rxhash: '0', queue: '', skb: '' },
        { ...base, socket: sk.column },
      );
      return;
    }
    if (e.name === 'inet_sock_set_state') {
      const sk = f.get('skaddr');
      if (!sk) return this.ignore('inet_sock_set_state without skaddr');
      const protocol = f.get('protocol')?.value;
      if (protocol !== undefined && protocol !== '6' && protocol !== 'IPPROTO_TCP') return this.ignore('non-TCP state');
      const ns = get('newstate');
      const state = STATE_NUMBERS[ns.value] ?? hexOrDec(ns.value);
      if (state === null || state < 1 || state > 12)
        throw new InputError(this.file, line, ns.column, importMsg.badFieldValue('newstate', ns.value), 'bad_import_line');
      this.push(
        e,
        line,
        { ts: '', event: 'state', cpu: String(e.cpu), socket: sk.value, state: String(state), rxhash: '0', queue: '', skb: '' },
        { ...base, socket: sk.column, state: ns.column },
      );
      return;
    }
    this.ignore(e.name);
  }

  private ignore(reason: string): void {
    this.ignored[reason] = (this.ignored[reason] ?? 0) + 1;
  }

  private push(e: TracepointEvent, line: number, row: TextRow, cols: TextColumns): void {
    row.ts = String(e.ts);
    this.pending.push({ ts: e.ts, seq: this.seq++, row, line, cols });
  }

  /** Header, then rows sorted by time (perf script prints per-CPU buffers unmerged). */
  emit(ctx: ImportContext): void {
    const header: TraceHeader = { format: this.format, nrCpuIds: this.nrCpuIds, queues: [], implicitQueue: true, extra: {} };
    // The contract's implicit queue: named "0", every CPU in its map, rps_flow_cnt = global size (unknown here).
    header.queues.push({ name: '0', rpsCpus: [], rpsCpusMask: '', rpsFlowCnt: 0 });
    header.extra.socket_rxhash = 'absent';
    ctx.header(header);
    this.pending.sort(byTime);
    for (const p of this.pending) ctx.row(p.row, p.line, p.cols);
  }
}
