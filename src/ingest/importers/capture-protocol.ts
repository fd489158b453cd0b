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
 *   rec <ts> <cpu> <r|s|a> <sk> <state> <hash>  sock_rps_record_flow() caller: recvmsg, sendmsg, accept
 *   st <ts> <cpu> <sk> <old> <new> <hash>       inet_sock_set_state
 *   pkt <ts> <cpu> <src> <skb> <hash> <qm> <ifindex>
 *                                               a packet before steering; src = x (netif_rx),
 *                                               e (netif_receive_skb_entry), l (…_list_entry),
 *                                               g (napi_gro_receive_entry), f (napi_gro_frags_entry)
 *   dlv <ts> <cpu> <skb> <hash> <qm> <ifindex>  net:netif_receive_skb, on the CPU that processed it
 *   end                                         from END: the program stopped normally
 *
 * `qm` is skb->queue_mapping, which on receive is the RX queue + 1 (0 = not
 * recorded, and get_rps_cpu() then uses queue 0).
 */
import { InputError } from '../../errors.js';
import { captureMsg } from '../../messages.js';
import { HeaderParser } from '../v1/header.js';
import type { TextColumns, TextRow } from '../rows.js';
import type { TraceHeader } from '../trace.js';
import { byTime, type TimedRow } from './types.js';

export const CAPTURE_MAGIC = 'rfs-capture v1';

/** Lines bpftrace prints itself when a per-CPU perf buffer overflowed ("Lost 12 events"). */
export function lostEventsIn(line: string): number | null {
  const m = /^Lost (\d+) events/.exec(line.trim());
  return m ? Number(m[1]) : null;
}

const RECORD_EVENT: Record<string, string> = { r: 'recvmsg', s: 'sendmsg', a: 'accept' };
const PACKET_SOURCES = new Set(['x', 'e', 'l', 'g', 'f']);
/** GRO entry points: an skb seen there may be merged into another one and never reach steering itself. */
const GRO_SOURCES = new Set(['g', 'f']);

interface Pending extends TimedRow {
  /** Packet rows only: where the skb was seen, and the deliver row that matched it. */
  src?: string;
  delivered?: boolean;
}

export interface AssembleStats {
  /** Events bpftrace reported as lost (perf buffer full). */
  lostEvents: number;
  /** Probe runs the kernel skipped (BPF recursion protection); null when unknown. */
  missedEvents: number | null;
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
}

/** Splits on single spaces, remembering each token's 1-based column (offset by `col0`). */
function tokens(text: string, col0: number): { t: string[]; c: number[] } {
  const t: string[] = [];
  const c: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    t.push(m[0]);
    c.push(col0 + m.index);
  }
  return { t, c };
}

function num(file: string, line: number, col: number, text: string, what: string): number {
  if (!/^[0-9]+$/.test(text) && !/^0x[0-9a-fA-F]+$/.test(text)) {
    throw new InputError(file, line, col, captureMsg.badProtocolField(what, text), 'bad_capture_line');
  }
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
  private readonly events: Pending[] = [];
  private sawMagic = false;
  private seq = 0;
  private lastTs = 0;
  readonly stats: AssembleStats = { lostEvents: 0, missedEvents: null, groMerged: 0, hashFromDeliver: 0, reordered: 0, undeclaredQueues: [], ended: false };

  constructor(private readonly file: string) {}

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
      case 'rec': {
        need(7);
        const event = RECORD_EVENT[t[3]];
        if (!event) throw new InputError(f, line, c[3], captureMsg.badProtocolField('record kind (r, s or a)', t[3]), 'bad_capture_line');
        const state = num(f, line, c[5], t[5], 'state');
        this.push(t[1], c[1], line, {
          ts: t[1], event, cpu: t[2], socket: t[4], state: state >= 1 && state <= 12 ? String(state) : '', rxhash: hex32(num(f, line, c[6], t[6], 'hash')), queue: '', skb: '',
        }, { ts: c[1], event: c[3], cpu: c[2], socket: c[4], state: c[5], rxhash: c[6], queue: c[0], skb: c[0] });
        return true;
      }
      case 'st': {
        need(7);
        num(f, line, c[4], t[4], 'old state');
        this.push(t[1], c[1], line, {
          ts: t[1], event: 'state', cpu: t[2], socket: t[3], state: String(num(f, line, c[5], t[5], 'new state')), rxhash: hex32(num(f, line, c[6], t[6], 'hash')), queue: '', skb: '',
        }, { ts: c[1], event: c[0], cpu: c[2], socket: c[3], state: c[5], rxhash: c[6], queue: c[0], skb: c[0] });
        return true;
      }
      case 'pkt': {
        need(8);
        if (!PACKET_SOURCES.has(t[3])) throw new InputError(f, line, c[3], captureMsg.badProtocolField('packet source (x, e, l, g or f)', t[3]), 'bad_capture_line');
        const p = this.push(t[1], c[1], line, {
          ts: t[1], event: 'packet', cpu: t[2], socket: '', state: '', rxhash: hex32(num(f, line, c[5], t[5], 'hash')),
          queue: this.queueName(num(f, line, c[7], t[7], 'ifindex'), num(f, line, c[6], t[6], 'queue_mapping')), skb: t[4],
        }, { ts: c[1], event: c[0], cpu: c[2], socket: c[0], state: c[0], rxhash: c[5], queue: c[6], skb: c[4] });
        p.src = t[3];
        return true;
      }
      case 'dlv': {
        need(7);
        this.push(t[1], c[1], line, {
          ts: t[1], event: 'deliver', cpu: t[2], socket: '', state: '', rxhash: hex32(num(f, line, c[4], t[4], 'hash')),
          queue: this.queueName(num(f, line, c[6], t[6], 'ifindex'), num(f, line, c[5], t[5], 'queue_mapping')), skb: t[3],
        }, { ts: c[1], event: c[0], cpu: c[2], socket: c[0], state: c[0], rxhash: c[4], queue: c[5], skb: c[3] });
        return true;
      }
      default:
        return false;
    }
  }

  private queueName(ifindex: number, queueMapping: number): string {
    const dev = this.ifnames.get(ifindex) ?? `if${ifindex}`;
    // skb_get_rx_queue() is queue_mapping - 1; 0 means "not recorded" and get_rps_cpu() uses rx queue 0.
    return `${dev}:${queueMapping > 0 ? queueMapping - 1 : 0}`;
  }

  private push(tsText: string, tsCol: number, line: number, row: TextRow, cols: TextColumns): Pending {
    const ts = num(this.file, line, tsCol, tsText, 'timestamp');
    if (ts < this.lastTs) this.stats.reordered++;
    else this.lastTs = ts;
    const p: Pending = { ts, seq: this.seq++, row, line, cols };
    this.events.push(p);
    return p;
  }

  /** The configuration snapshot as v1 header comment lines (without the magic line). */
  headerComments(): string[] {
    const out = this.cfgLines.map((l) => l.text);
    return out;
  }

  /**
   * Sorts by time, fixes what only hindsight knows (hash computed during
   * steering, GRO-merged skbs), and returns the header and rows in order.
   */
  finish(): { header: TraceHeader; comments: string[]; rows: { row: TextRow; line: number; cols: TextColumns }[] } {
    if (!this.sawMagic) throw new InputError(this.file, 1, 1, captureMsg.noCaptureMagic(), 'header');
    const parser = new HeaderParser(this.file);
    parser.magic('# rfs-trace v1');
    for (const l of this.cfgLines) parser.comment(l.text, l.line);
    const header = parser.finish();
    const declared = new Set(header.queues.map((q) => q.name));

    this.events.sort(byTime);

    // Match deliver rows to the most recent unmatched packet of the same skb (docs/format.md).
    const open = new Map<string, Pending[]>();
    for (const e of this.events) {
      if (e.row.event === 'packet') {
        const list = open.get(e.row.skb);
        if (list) list.push(e);
        else open.set(e.row.skb, [e]);
      } else if (e.row.event === 'deliver') {
        const list = open.get(e.row.skb);
        const p = list?.pop();
        if (!p) continue;
        p.delivered = true;
        // skb->hash is computed by get_rps_cpu() itself (skb_get_hash) when the
        // driver set none, so the packet probe can see 0 where steering used a real hash.
        if (p.row.rxhash === '0x00000000' && e.row.rxhash !== '0x00000000') {
          p.row.rxhash = e.row.rxhash;
          this.stats.hashFromDeliver++;
        }
        e.row.queue = p.row.queue;
      }
    }

    const rows: { row: TextRow; line: number; cols: TextColumns }[] = [];
    const undeclared = new Set<string>();
    for (const e of this.events) {
      if (e.row.event === 'packet' && !e.delivered && e.src && GRO_SOURCES.has(e.src)) {
        this.stats.groMerged++;
        continue;
      }
      if (e.row.queue !== '' && !declared.has(e.row.queue)) undeclared.add(e.row.queue);
      rows.push({ row: e.row, line: e.line, cols: e.cols });
    }
    for (const name of undeclared) {
      // A device that appeared after the snapshot: its RPS settings are unknown, so none are claimed.
      header.queues.push({ name, rpsCpus: [], rpsCpusMask: '0', rpsFlowCnt: 0 });
      this.stats.undeclaredQueues.push(name);
    }
    const comments = this.headerComments();
    for (const name of undeclared) comments.push(`# queue=${name} rps_cpus=0 rps_flow_cnt=0`);
    const s = this.stats;
    header.extra.capture_lost_events = String(s.lostEvents);
    header.extra.capture_gro_merged = String(s.groMerged);
    const missed = s.missedEvents === null ? '' : ` capture_missed_events=${s.missedEvents}`;
    if (s.missedEvents !== null) header.extra.capture_missed_events = String(s.missedEvents);
    comments.push(`# capture_lost_events=${s.lostEvents}${missed} capture_gro_merged=${s.groMerged} capture_reordered=${s.reordered}`);
    header.format = 'rfs-capture';
    return { header, comments, rows };
  }
}
