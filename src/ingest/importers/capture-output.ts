/**
 * What a capture becomes once every line is in (capture-protocol.ts reads
 * them): sorted by time, fixed where only hindsight knows
 * (capture-fixups.ts), a header that declares every queue the rows name,
 * and the rows, as text (`capture`'s own output) or straight into the
 * reader's batches (the importers).
 */
import { InputError } from '../../errors.js';
import { captureMsg } from '../../messages.js';
import { hex32 } from '../fields.js';
import type { TextColumns, TextRow } from '../rows.js';
import { EVENT_NAMES, EventKind, NONE, type TraceHeader } from '../trace.js';
import type { BatchWriter } from '../v1/batch-writer.js';
import { HeaderParser } from '../v1/header.js';
import {
  ABSENT,
  type CaptureEvents,
  CONFIRM,
  DROPPED,
  FROM_BPF,
  GRO_ENTRY,
  HASH_FROM_RECORDS,
  type IdNumbers,
  NO_HASH,
  type Sightings,
  TEXT_ONLY,
} from './capture-events.js';
import {
  confirmPackets,
  dropBpfDeliversOutside,
  dropStatesOfUnrecordedSockets,
  dropUnconfirmed,
  dropUnsampled,
  pairDelivers,
  shareHashes,
  stateHashesFromRecords,
} from './capture-fixups.js';
import type { ImportContext } from './types.js';

/** What a capture's assembly counted, for its header and `capture`'s summary. */
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

/** What the assembler (capture-protocol.ts) holds once every line is in. */
export interface HeldCapture {
  readonly file: string;
  /** Socket events were limited to one namespace, which perf's state events cannot be. */
  readonly socketsLimited: boolean;
  readonly sawMagic: boolean;
  /** The configuration snapshot's lines, as v1 header comments. */
  readonly cfgLines: readonly { text: string; line: number }[];
  readonly events: CaptureEvents;
  readonly sightings: Sightings;
  /** Queue names, by the index the events hold. */
  readonly queueNames: readonly string[];
  /** The time perf recorded packets, or null (bpftrace alone). */
  readonly window: { startNs: number; endNs: number } | null;
  readonly stats: AssembleStats;
}

/** The header, its comment lines, and the events' slots in time order (null: they arrived in it). */
export interface Assembled {
  header: TraceHeader;
  comments: string[];
  order: Int32Array | null;
}

/** Sorts, applies the fix-ups (marking the events that are no rows DROPPED), and declares the queues the snapshot lacks. */
export function assembleCapture(c: HeldCapture): Assembled {
  if (!c.sawMagic) throw new InputError(c.file, 1, 1, captureMsg.noCaptureMagic(), 'header');
  const parser = new HeaderParser(c.file);
  parser.magic('# rfs-trace v1');
  for (const l of c.cfgLines) parser.comment(l.text, l.line);
  const header = parser.finish();
  const s = c.stats;
  const ev = c.events;

  const order = ev.timeOrder();
  // Identities as dense numbers, made only if a fix-up matches events by identity (most traces need none).
  let numbered: IdNumbers | null = null;
  const numbers = (): IdNumbers => (numbered ??= ev.numberIds());
  // Each fix-up where the capture has what it fixes: perf's rows (capture) or BPF's deliver rows.
  const has = ev.present();
  if (c.window && has.flags & FROM_BPF) dropBpfDeliversOutside(ev, c.window.startNs, c.window.endNs);
  if (has.flags & CONFIRM) confirmPackets(ev, order, c.sightings, numbers);
  if (has.kinds & (1 << EventKind.Deliver)) pairDelivers(ev, order, numbers);
  if (has.flags & CONFIRM) s.unattributed = dropUnconfirmed(ev, order);
  if (ev.pair !== null) s.hashFromDeliver = shareHashes(ev);
  if (c.socketsLimited && has.flags & HASH_FROM_RECORDS) dropStatesOfUnrecordedSockets(ev, numbers);
  if (has.flags & HASH_FROM_RECORDS) {
    const st = stateHashesFromRecords(ev, order, numbers);
    s.stateHashFromRecords = st.filled;
    s.stateHashUnknown = st.unknown;
  }
  if (header.sampling) s.sampleFiltered = dropUnsampled(ev, header.sampling);

  // Queues of each device as declared (the device's real_num_rx_queues, one sysfs rx-N each).
  const declared = new Set(header.queues.map((q) => q.name));
  const declaredPerDev = new Set(header.queues.map((q) => q.name.slice(0, q.name.lastIndexOf(':'))));
  const steering = new Set(header.queues.filter((q) => q.rpsCpus.length > 0 || q.rpsFlowCnt > 0).map((q) => q.name));
  const names = c.queueNames;
  const steers = Uint8Array.from(names, (name) => (steering.has(name) ? 1 : 0));
  const used = new Uint8Array(names.length);
  const undeclared: string[] = [];
  const beyond: string[] = [];

  const { flags, kind, queue } = ev;
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (flags[i] & DROPPED) continue;
    if (flags[i] & GRO_ENTRY && ev.pairOf(i) === ABSENT) {
      flags[i] |= DROPPED;
      s.groMerged++;
      continue;
    }
    const q = queue[i];
    if (q !== ABSENT) {
      if (used[q] === 0) {
        used[q] = 1;
        const name = names[q];
        if (!declared.has(name)) (declaredPerDev.has(name.slice(0, name.lastIndexOf(':'))) ? beyond : undeclared).push(name);
      }
      if (kind[i] === EventKind.Packet && ev.hash[i] === 0 && steers[q]) s.hashUnknown++;
    }
  }
  const comments = c.cfgLines.map((l) => l.text);
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
  const known = counts.filter((count): count is [string, number] => count[1] !== null);
  for (const [key, v] of known) if (key !== 'capture_reordered') header.extra[key] = String(v);
  comments.push('# ' + known.map(([key, v]) => `${key}=${v}`).join(' '));
  header.format = 'rfs-capture';
  return { header, comments, order };
}

/** The rows as text, in time order. */
export function captureTextRows(c: HeldCapture, order: Int32Array | null): { row: TextRow; line: number }[] {
  const ev = c.events;
  const rows: { row: TextRow; line: number }[] = [];
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if ((ev.flags[i] & DROPPED) === 0) rows.push({ row: textRow(c, i, emptyRow()), line: ev.line[i] });
  }
  return rows;
}

/**
 * The header and the rows, handed to an importer's context: rows the reader would take as they are go straight into its
 * batches as numbers, the others (a CPU beyond its bound, a field kept as
 * printed) as text, for the reader to say what is wrong at their position.
 */
export function emitCapture(c: HeldCapture, { header, order }: Assembled, ctx: ImportContext): void {
  ctx.header(header);
  const ev = c.events;
  const byName = new Map(header.queues.map((q, i) => [q.name, i]));
  const queueInHeader = Int32Array.from(c.queueNames, (name) => byName.get(name)!);
  const out = ctx.parsed?.out ?? null;
  const cpuBound = ctx.parsed?.cpuBound ?? 0;
  const printed = ev.printed;
  const row = emptyRow();
  const cols: TextColumns = { ts: 1, event: 1, cpu: 1, socket: 1, state: 1, rxhash: 1, queue: 1, skb: 1 };
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (ev.flags[i] & DROPPED) continue;
    const cpu = ev.cpu[i];
    if (out !== null && cpu >= 0 && cpu < cpuBound && (printed.size === 0 || !printed.has(i))) {
      const kind = ev.kind[i];
      const packet = kind >= EventKind.Packet;
      const socket = packet ? NONE : idFor(ev, out, i, false);
      const skb = packet ? idFor(ev, out, i, true) : NONE;
      const q = ev.queue[i];
      out.append(ev.ts[i], kind, cpu, socket, ev.state[i], ev.hash[i], q === ABSENT ? 0 : queueInHeader[q], skb, ev.line[i]);
      continue;
    }
    const p = printed.get(i);
    const cpuCol = ev.cpuCol[i] === 0 ? p!.cpuCol : ev.cpuCol[i];
    cols.ts = p?.ts !== undefined ? p.tsCol : cpuCol;
    cols.state = p?.state !== undefined ? p.stateCol : cpuCol;
    cols.event = cols.cpu = cols.socket = cols.rxhash = cols.queue = cols.skb = cpuCol;
    ctx.row(textRow(c, i, row), ev.line[i], cols);
  }
}

/** The batch writer's number for slot i's identity. */
function idFor(ev: CaptureEvents, out: BatchWriter, i: number, skb: boolean): number {
  const kind = ev.idKind[i];
  if (kind === TEXT_ONLY) return skb ? out.skbText(ev.idText(i)) : out.socketText(ev.idText(i));
  return skb ? out.skbKey(kind, ev.idHi[i], ev.idLo[i]) : out.socketKey(kind, ev.idHi[i], ev.idLo[i]);
}

/** Event `i` as the v1 row it stands for, written into `row`. */
function textRow(c: HeldCapture, i: number, row: TextRow): TextRow {
  const ev = c.events;
  const kind = ev.kind[i];
  const p = ev.printed.size > 0 ? ev.printed.get(i) : undefined;
  const packet = kind >= EventKind.Packet;
  const q = ev.queue[i];
  row.ts = p?.ts ?? String(ev.ts[i]);
  row.event = EVENT_NAMES[kind];
  row.cpu = ev.cpuText(ev.cpu[i]);
  row.socket = packet ? '' : ev.idText(i);
  row.state = p?.state ?? (ev.state[i] === 0 ? '' : String(ev.state[i]));
  row.rxhash = ev.flags[i] & NO_HASH ? '' : hex32(ev.hash[i]);
  row.queue = q === ABSENT ? '' : c.queueNames[q];
  row.skb = packet ? ev.idText(i) : '';
  return row;
}

function emptyRow(): TextRow {
  return { ts: '', event: '', cpu: '', socket: '', state: '', rxhash: '', queue: '', skb: '' };
}
