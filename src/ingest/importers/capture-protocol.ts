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
import { HeaderParser } from '../v1/header.js';
import type { TextColumns, TextRow } from '../rows.js';
import type { TraceHeader } from '../trace.js';
import {
  confirmPackets,
  dropBpfDeliversOutside,
  dropStatesOfUnrecordedSockets,
  dropUnconfirmed,
  dropUnsampled,
  pairDelivers,
  shareHashes,
  stateHashesFromRecords,
  ZERO_HASH,
  type CaptureEvent,
  type Sighting,
} from './capture-fixups.js';
import { byTime } from './types.js';

export const CAPTURE_MAGIC = 'rfs-capture v1';

/**
 * The RX queue get_rps_cpu() uses: skb_rx_queue_recorded() is
 * queue_mapping != 0 and skb_get_rx_queue() is queue_mapping - 1
 * (include/linux/skbuff.h); when none is recorded it uses queue 0. A queue
 * number past the device's real_num_rx_queues is not steered at all
 * (net/core/dev.c get_rps_cpu(): "goto done"); finish() declares it empty.
 */
export function queueOf(dev: string, queueMapping: number): string {
  return `${dev}:${queueMapping > 0 ? queueMapping - 1 : 0}`;
}

/** Perf events have no source line; messages about them point at the trace as a whole. */
const NO_COLUMNS: TextColumns = { ts: 1, event: 1, cpu: 1, socket: 1, state: 1, rxhash: 1, queue: 1, skb: 1 };

/** Lines bpftrace prints itself when a per-CPU perf buffer overflowed ("Lost 12 events"). */
export function lostEventsIn(line: string): number | null {
  // Most lines are protocol lines: their first character says so without trimming.
  const c = line.charCodeAt(0);
  if (c !== 0x4c && !isWhitespace(c)) return null;
  const m = /^Lost (\d+) events/.exec(line.trim());
  return m ? Number(m[1]) : null;
}

/** \s of a regular expression. */
function isWhitespace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    (c >= 0x1680 &&
      (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))
  );
}

const RECORD_EVENT: Record<string, string> = { r: 'recvmsg', s: 'sendmsg', a: 'accept', p: 'splice' };
const PACKET_SOURCES = new Set(['x', 'e', 'l', 'g', 'f']);
/** GRO entry points: an skb seen there may be merged into another one and never reach steering itself. */
const GRO_SOURCES = new Set(['g', 'f']);

export interface AssembleStats {
  /** Events bpftrace reported as lost (perf buffer full). */
  lostEvents: number;
  /** Probe runs the kernel skipped (BPF recursion protection); null when unknown. */
  missedEvents: number | null;
  /** Samples perf lost (ring buffer full); null when perf recorded nothing (bpftrace alone). */
  perfLost: number | null;
  /** The packet-checking bpftrace (capture-fixups.ts): events it lost and probe runs the kernel skipped; null when it did not run. */
  packetCheckLost: number | null;
  packetCheckMissed: number | null;
  /** Packet and deliver events of a device name shared with other namespaces that nothing tied to the captured device. */
  unattributed: number;
  /** Packets on queues that steer whose hash stayed 0: the kernel computed one the capture did not see. */
  hashUnknown: number;
  /** perf's state rows: hash taken from the socket's record rows, or unknown (the socket never recorded). */
  stateHashFromRecords: number;
  stateHashUnknown: number;
  /** Queue names past the device's RX queue count (get_rps_cpu() does not steer them), declared empty. */
  queuesBeyondDevice: string[];
  /** Packet rows from GRO entry points with no deliver row: merged into another skb, never steered. */
  groMerged: number;
  /** Packet rows whose hash was 0 before steering, taken from their deliver row. */
  hashFromDeliver: number;
  /** Rows whose timestamp is smaller than an earlier printed row's (per-CPU buffers). */
  reordered: number;
  /** Queue names seen in rows but absent from the snapshot (declared with an empty config). */
  undeclaredQueues: string[];
  /** True when the END line was seen. */
  ended: boolean;
  /** Sampled captures: rows the kernel could not filter by the rule, dropped afterwards (capture-fixups.ts dropUnsampled()); null when not sampled. */
  sampleFiltered: number | null;
}

/** A line's tokens and their 1-based columns: one pair of arrays, reused line after line (add() keeps no reference). */
const TOKENS: { t: string[]; c: number[] } = { t: [], c: [] };

/** Splits on whitespace (\S+ runs), remembering each token's 1-based column (offset by `col0`). */
function tokens(text: string, col0: number): { t: string[]; c: number[] } {
  const { t, c } = TOKENS;
  let n = 0;
  const len = text.length;
  let i = 0;
  while (i < len) {
    while (i < len && isWhitespace(text.charCodeAt(i))) i++;
    if (i >= len) break;
    const start = i;
    while (i < len && !isWhitespace(text.charCodeAt(i))) i++;
    t[n] = text.slice(start, i);
    c[n] = col0 + start;
    n++;
  }
  t.length = n;
  c.length = n;
  return TOKENS;
}

/** Decimal digits, or 0x and hex digits. */
function isNumber(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  if (n > 2 && text.charCodeAt(0) === 0x30 && text.charCodeAt(1) === 0x78) {
    for (let i = 2; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) return false;
    }
    return true;
  }
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function num(file: string, line: number, col: number, text: string, what: string): number {
  if (!isNumber(text)) throw new InputError(file, line, col, captureMsg.badProtocolField(what, text), 'bad_capture_line');
  return Number(text);
}

function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * Collects protocol lines, then sorts them by time and produces rows.
 * Memory is one small object per event: captures are held whole because a
 * blocking recvmsg is printed at its exit but stamped at its entry, which can
 * be arbitrarily far back.
 */
export class CaptureAssembler {
  private readonly cfgLines: { text: string; line: number }[] = [];
  private readonly ifnames = new Map<number, string>();
  private readonly events: CaptureEvent[] = [];
  private readonly sightings: Sighting[] = [];
  private window: { startNs: number; endNs: number } | null = null;
  private sawMagic = false;
  private seq = 0;
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
    private readonly file: string,
    private readonly socketsLimited = false,
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
    const { t, c } = tokens(text, col0);
    if (t.length === 0) return false;
    const f = this.file;
    const need = (n: number): void => {
      if (t.length !== n) throw new InputError(f, line, col0, captureMsg.badProtocolArity(t[0], n - 1, t.length - 1), 'bad_capture_line');
    };
    switch (t[0]) {
      case 'rfs-capture':
        if (t[1] !== 'v1') throw new InputError(f, line, c[1] ?? col0, captureMsg.unknownCaptureVersion(t[1] ?? ''), 'header');
        this.sawMagic = true;
        return true;
      case 'cfg':
        this.cfgLines.push({ text: '# ' + t.slice(1).join(' '), line });
        return true;
      case 'ifname':
        need(3);
        this.ifnames.set(num(f, line, c[1], t[1], 'ifindex'), t[2]);
        return true;
      case 'end':
        this.stats.ended = true;
        return true;
      case 'tick':
        return true;
      case 'rec': {
        need(7);
        const event = RECORD_EVENT[t[3]];
        if (!event) throw new InputError(f, line, c[3], captureMsg.badProtocolField('record kind (r, s or a)', t[3]), 'bad_capture_line');
        const state = num(f, line, c[5], t[5], 'state');
        this.push(
          t[1],
          c[1],
          line,
          {
            ts: t[1],
            event,
            cpu: t[2],
            socket: t[4],
            state: state >= 1 && state <= 12 ? String(state) : '',
            rxhash: hex32(num(f, line, c[6], t[6], 'hash')),
            queue: '',
            skb: '',
          },
          { ts: c[1], event: c[3], cpu: c[2], socket: c[4], state: c[5], rxhash: c[6], queue: c[0], skb: c[0] },
        );
        return true;
      }
      case 'st': {
        need(7);
        num(f, line, c[4], t[4], 'old state');
        this.push(
          t[1],
          c[1],
          line,
          {
            ts: t[1],
            event: 'state',
            cpu: t[2],
            socket: t[3],
            state: String(num(f, line, c[5], t[5], 'new state')),
            rxhash: hex32(num(f, line, c[6], t[6], 'hash')),
            queue: '',
            skb: '',
          },
          { ts: c[1], event: c[0], cpu: c[2], socket: c[3], state: c[5], rxhash: c[6], queue: c[0], skb: c[0] },
        );
        return true;
      }
      case 'pkt': {
        need(8);
        if (!PACKET_SOURCES.has(t[3]))
          throw new InputError(f, line, c[3], captureMsg.badProtocolField('packet source (x, e, l, g or f)', t[3]), 'bad_capture_line');
        const p = this.push(
          t[1],
          c[1],
          line,
          {
            ts: t[1],
            event: 'packet',
            cpu: t[2],
            socket: '',
            state: '',
            rxhash: hex32(num(f, line, c[5], t[5], 'hash')),
            queue: this.queueName(num(f, line, c[7], t[7], 'ifindex'), num(f, line, c[6], t[6], 'queue_mapping')),
            skb: t[4],
          },
          { ts: c[1], event: c[0], cpu: c[2], socket: c[0], state: c[0], rxhash: c[5], queue: c[6], skb: c[4] },
        );
        p.src = t[3];
        return true;
      }
      case 'dlv': {
        need(7);
        const d = this.push(
          t[1],
          c[1],
          line,
          {
            ts: t[1],
            event: 'deliver',
            cpu: t[2],
            socket: '',
            state: '',
            rxhash: hex32(num(f, line, c[4], t[4], 'hash')),
            queue: this.queueName(num(f, line, c[6], t[6], 'ifindex'), num(f, line, c[5], t[5], 'queue_mapping')),
            skb: t[3],
          },
          { ts: c[1], event: c[0], cpu: c[2], socket: c[0], state: c[0], rxhash: c[4], queue: c[5], skb: c[3] },
        );
        d.confirmed = true;
        d.fromBpf = true;
        return true;
      }
      case 'seen': {
        need(4);
        this.sightings.push({ ts: num(f, line, c[1], t[1], 'timestamp'), cpu: t[2], skb: t[3] });
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * A packet perf recorded before steering. `confirm`: its device name also
   * exists in another namespace, so it is kept only if BPF saw it (a "seen"
   * line or a BPF deliver row).
   */
  perfPacket(e: { ts: number; cpu: number; src: string; skb: string; hash: number; queueMapping: number; dev: string }, confirm: boolean): void {
    const p = this.pushPerf(e.ts, {
      ts: String(e.ts),
      event: 'packet',
      cpu: String(e.cpu),
      socket: '',
      state: '',
      rxhash: hex32(e.hash),
      queue: queueOf(e.dev, e.queueMapping),
      skb: e.skb,
    });
    p.src = e.src;
    p.confirm = confirm;
  }

  /** The kernel's delivery as perf recorded it: no hash, no queue (both come from the packet). */
  perfDeliver(e: { ts: number; cpu: number; skb: string; dev: string }, confirm: boolean): void {
    this.pushPerf(e.ts, { ts: String(e.ts), event: 'deliver', cpu: String(e.cpu), socket: '', state: '', rxhash: '', queue: '', skb: e.skb }).confirm = confirm;
  }

  /** A TCP state change as perf recorded it: no sk_rxhash, taken later from the socket's record rows. */
  perfState(e: { ts: number; cpu: number; socket: string; newState: number }): void {
    if (e.newState < 1 || e.newState > 12) return;
    this.pushPerf(e.ts, {
      ts: String(e.ts),
      event: 'state',
      cpu: String(e.cpu),
      socket: e.socket,
      state: String(e.newState),
      rxhash: ZERO_HASH,
      queue: '',
      skb: '',
    }).hashFromRecords = true;
  }

  /** The time perf recorded packets (CLOCK_MONOTONIC ns); BPF deliver rows outside it are left out. */
  perfWindow(startNs: number, endNs: number): void {
    this.window = { startNs, endNs };
  }

  private pushPerf(ts: number, row: TextRow): CaptureEvent {
    const p: CaptureEvent = { ts, seq: this.seq++, row, line: 0, cols: NO_COLUMNS };
    this.events.push(p);
    return p;
  }

  /** Queue names by ifindex and queue_mapping, so that a packet row shares its queue's name instead of building one. */
  private readonly queueNames = new Map<string, Map<number, string>>();

  private queueName(ifindex: number, queueMapping: number): string {
    const dev = this.ifnames.get(ifindex) ?? `if${ifindex}`;
    let byMapping = this.queueNames.get(dev);
    if (byMapping === undefined) this.queueNames.set(dev, (byMapping = new Map()));
    let name = byMapping.get(queueMapping);
    if (name === undefined) byMapping.set(queueMapping, (name = queueOf(dev, queueMapping)));
    return name;
  }

  private push(tsText: string, tsCol: number, line: number, row: TextRow, cols: TextColumns): CaptureEvent {
    const ts = num(this.file, line, tsCol, tsText, 'timestamp');
    if (ts < this.lastTs) this.stats.reordered++;
    else this.lastTs = ts;
    const p: CaptureEvent = { ts, seq: this.seq++, row, line, cols };
    this.events.push(p);
    return p;
  }

  /** The configuration snapshot as v1 header comment lines (without the magic line). */
  headerComments(): string[] {
    const out = this.cfgLines.map((l) => l.text);
    return out;
  }

  /**
   * Sorts by time, fixes what only hindsight knows (capture-fixups.ts), and
   * returns the header and rows in order.
   */
  finish(): { header: TraceHeader; comments: string[]; rows: { row: TextRow; line: number; cols: TextColumns }[] } {
    if (!this.sawMagic) throw new InputError(this.file, 1, 1, captureMsg.noCaptureMagic(), 'header');
    const parser = new HeaderParser(this.file);
    parser.magic('# rfs-trace v1');
    for (const l of this.cfgLines) parser.comment(l.text, l.line);
    const header = parser.finish();
    const declared = new Set(header.queues.map((q) => q.name));
    const s = this.stats;

    const events = this.events.sort(byTime);
    if (this.window) dropBpfDeliversOutside(events, this.window.startNs, this.window.endNs);
    confirmPackets(
      events,
      this.sightings.sort((a, b) => a.ts - b.ts),
    );
    pairDelivers(events);
    s.unattributed = dropUnconfirmed(events);
    s.hashFromDeliver = shareHashes(events);
    if (this.socketsLimited) dropStatesOfUnrecordedSockets(events);
    const st = stateHashesFromRecords(events);
    s.stateHashFromRecords = st.filled;
    s.stateHashUnknown = st.unknown;
    if (header.sampling) s.sampleFiltered = dropUnsampled(events, header.sampling);

    // Queues of each device as declared (the device's real_num_rx_queues, one sysfs rx-N each).
    const declaredPerDev = new Map<string, number>();
    for (const q of header.queues) {
      const dev = q.name.slice(0, q.name.lastIndexOf(':'));
      declaredPerDev.set(dev, (declaredPerDev.get(dev) ?? 0) + 1);
    }
    const steers = new Set(header.queues.filter((q) => q.rpsCpus.length > 0 || q.rpsFlowCnt > 0).map((q) => q.name));

    const rows: { row: TextRow; line: number; cols: TextColumns }[] = [];
    const undeclared = new Set<string>();
    const beyond = new Set<string>();
    for (const e of events) {
      if (e.dropped) continue;
      if (e.row.event === 'packet' && !e.pair && e.src && GRO_SOURCES.has(e.src)) {
        s.groMerged++;
        continue;
      }
      const q = e.row.queue;
      if (q !== '' && !declared.has(q)) {
        const dev = q.slice(0, q.lastIndexOf(':'));
        if (declaredPerDev.has(dev)) beyond.add(q);
        else undeclared.add(q);
      }
      if (e.row.event === 'packet' && e.row.rxhash === ZERO_HASH && steers.has(q)) s.hashUnknown++;
      rows.push(e); // an event is a row with its line and columns: no object more per row
    }
    const comments = this.headerComments();
    for (const name of [...beyond, ...undeclared]) {
      // A queue get_rps_cpu() does not steer, or a device that appeared after the snapshot (settings unknown): declared empty.
      header.queues.push({ name, rpsCpus: [], rpsCpusMask: '0', rpsFlowCnt: 0 });
      comments.push(`# queue=${name} rps_cpus=0 rps_flow_cnt=0`);
    }
    s.queuesBeyondDevice.push(...beyond);
    s.undeclaredQueues.push(...undeclared);

    const counts: [string, number | null][] = [
      ['capture_lost_events', s.lostEvents],
      ['capture_missed_events', s.missedEvents],
      ['capture_perf_lost', s.perfLost],
      ['capture_packet_check_lost', s.packetCheckLost],
      ['capture_packet_check_missed', s.packetCheckMissed],
    ];
    if (s.perfLost !== null) {
      counts.push(['capture_unattributed', s.unattributed], ['capture_hash_unknown', s.hashUnknown], ['capture_state_hash_unknown', s.stateHashUnknown]);
    }
    counts.push(['capture_gro_merged', s.groMerged], ['capture_reordered', s.reordered]);
    if (s.sampleFiltered !== null) counts.push(['capture_sample_filtered', s.sampleFiltered]);
    const known = counts.filter((c): c is [string, number] => c[1] !== null);
    for (const [k, v] of known) if (k !== 'capture_reordered') header.extra[k] = String(v);
    comments.push('# ' + known.map(([k, v]) => `${k}=${v}`).join(' '));
    header.format = 'rfs-capture';
    return { header, comments, rows };
  }
}
