/**
 * What a capture only knows in hindsight, once every event is in and sorted
 * by time: which deliver row belongs to which packet, which packets of a
 * device name shared by several namespaces were really the captured
 * device's, the hash steering computed, and the hash a TCP state change
 * cleared. Used by the capture assembler (capture-protocol.ts).
 */
import { keepsHash, sampleMask, type SamplingRule } from '../../types/sampling.js';
import type { TimedRow } from './types.js';

export const ZERO_HASH = '0x00000000';

export interface CaptureEvent extends TimedRow {
  /** Packet rows: where the skb was seen (protocol source letter). */
  src?: string;
  /** Packet ↔ deliver link, set by pairDelivers. */
  pair?: CaptureEvent;
  /** Recorded by perf from a device name that other namespaces also use: kept only if BPF saw it on the captured device. */
  confirm?: boolean;
  /** Packets: BPF saw this skb on the captured device (a "seen" line). Delivers: printed by BPF, which checked the device. */
  confirmed?: boolean;
  /** Deliver rows printed by BPF (with the hash steering used), as opposed to perf's. */
  fromBpf?: boolean;
  /** State rows from perf, which has no sk_rxhash: taken from the socket's record rows. */
  hashFromRecords?: boolean;
  dropped?: boolean;
}

/** A "seen" line: BPF saw this skb on the captured device, at this time and CPU. */
export interface Sighting {
  ts: number;
  cpu: string;
  skb: string;
}

/** How far apart perf's and BPF's time of one packet may be (the two probes run in the same call, microseconds apart). */
export const SIGHTING_WINDOW_NS = 10_000_000;

/**
 * Marks packets that need confirming and were seen by BPF, each sighting
 * used once, for the packet of the same skb and CPU nearest in time.
 * Both lists sorted by time.
 */
export function confirmPackets(events: CaptureEvent[], sightings: Sighting[]): void {
  const bySkb = new Map<string, { list: CaptureEvent[]; from: number }>();
  for (const e of events) {
    if (e.row.event !== 'packet' || !e.confirm) continue;
    const g = bySkb.get(e.row.skb);
    if (g) g.list.push(e);
    else bySkb.set(e.row.skb, { list: [e], from: 0 });
  }
  for (const s of sightings) {
    const g = bySkb.get(s.skb);
    if (!g) continue;
    while (g.from < g.list.length && g.list[g.from].ts < s.ts - SIGHTING_WINDOW_NS) g.from++;
    let best: CaptureEvent | null = null;
    for (let i = g.from; i < g.list.length && g.list[i].ts <= s.ts + SIGHTING_WINDOW_NS; i++) {
      const p = g.list[i];
      if (p.confirmed || p.row.cpu !== s.cpu) continue;
      if (!best || Math.abs(p.ts - s.ts) < Math.abs(best.ts - s.ts)) best = p;
    }
    if (best) best.confirmed = true;
  }
}

/**
 * Drops BPF deliver rows outside the time perf recorded packets: the BPF
 * programs start before perf and stop after it, and a delivery whose packet
 * perf could not see would count as a deliver row without a packet.
 */
export function dropBpfDeliversOutside(events: CaptureEvent[], startNs: number, endNs: number): void {
  for (const e of events) if (e.fromBpf && (e.ts < startNs || e.ts > endNs)) e.dropped = true;
}

/** Matches each deliver row to the most recent unmatched packet of the same skb (docs/format.md). */
export function pairDelivers(events: CaptureEvent[]): void {
  // Only packets whose skb a deliver row names can pair: the others are not held (most traces
  // have no deliver rows, or deliver rows for few of their packets).
  const delivered = new Set<string>();
  for (const e of events) if (e.row.event === 'deliver' && !e.dropped) delivered.add(e.row.skb);
  if (delivered.size === 0) return;
  const open = new Map<string, CaptureEvent[]>();
  for (const e of events) {
    if (e.dropped) continue;
    if (e.row.event === 'packet') {
      if (!delivered.has(e.row.skb)) continue;
      const list = open.get(e.row.skb);
      if (list) list.push(e);
      else open.set(e.row.skb, [e]);
    } else if (e.row.event === 'deliver') {
      const p = open.get(e.row.skb)?.pop();
      if (!p) continue;
      p.pair = e;
      e.pair = p;
    }
  }
}

/**
 * Drops events of a shared device name that nothing ties to the captured
 * device: a packet neither seen by BPF nor delivered in a BPF deliver row
 * nor of a flow (hash) whose other packets were, with its deliver row; and
 * deliver rows with no packet. A skipped BPF run thus costs a packet only
 * when none of its flow's packets was seen. Returns how many were dropped.
 */
export function dropUnconfirmed(events: CaptureEvent[]): number {
  const ownFlows = new Set<string>();
  for (const e of events) {
    if (e.row.event === 'packet' && e.confirm && (e.confirmed || e.pair?.confirmed) && e.row.rxhash !== ZERO_HASH) ownFlows.add(e.row.rxhash);
  }
  let dropped = 0;
  for (const e of events) {
    if (!e.confirm || e.dropped) continue;
    if (e.row.event === 'packet') {
      if (e.confirmed || e.pair?.confirmed || ownFlows.has(e.row.rxhash)) continue;
      e.dropped = true;
      dropped++;
      if (e.pair && !e.pair.dropped) {
        e.pair.dropped = true;
        dropped++;
      }
    } else if (e.row.event === 'deliver' && !e.pair && !e.confirmed) {
      e.dropped = true;
      dropped++;
    }
  }
  return dropped;
}

/**
 * Copies between a packet and its deliver row what one of them lacks:
 * the hash steering computed (skb_get_hash() in get_rps_cpu() when the
 * driver set none; only a BPF deliver row has it), and the packet's queue and
 * hash onto a deliver row (perf's has neither). Returns how many packets
 * took their hash from the deliver row.
 */
export function shareHashes(events: CaptureEvent[]): number {
  let fromDeliver = 0;
  for (const e of events) {
    if (e.row.event !== 'packet' || !e.pair) continue;
    const d = e.pair.row;
    if (e.row.rxhash === ZERO_HASH && d.rxhash !== ZERO_HASH && d.rxhash !== '') {
      e.row.rxhash = d.rxhash;
      fromDeliver++;
    } else if (d.rxhash === ZERO_HASH || d.rxhash === '') {
      d.rxhash = e.row.rxhash;
    }
    d.queue = e.row.queue;
  }
  return fromDeliver;
}

const TCP_CLOSE = '7';

/**
 * Gives perf's state rows the socket's sk_rxhash from its record rows: the
 * latest before the change, else the first after it in the same socket's
 * life (a life ends at TCP_CLOSE; the address may then be reused). A socket
 * that never recorded keeps hash 0, so the model clears no slot for it.
 * Returns how many state rows got a hash and how many did not.
 */
export function stateHashesFromRecords(events: CaptureEvent[]): { filled: number; unknown: number } {
  // Only perf's state rows take a hash from records: without them there is nothing to fill.
  if (!events.some((e) => e.hashFromRecords)) return { filled: 0, unknown: 0 };
  const last = new Map<string, string>();
  const waiting = new Map<string, CaptureEvent[]>();
  let filled = 0;
  let unknown = 0;
  for (const e of events) {
    if (e.dropped) continue;
    const ev = e.row.event;
    const sk = e.row.socket;
    if (ev === 'recvmsg' || ev === 'sendmsg' || ev === 'accept' || ev === 'splice') {
      if (e.row.rxhash === ZERO_HASH) continue;
      last.set(sk, e.row.rxhash);
      const w = waiting.get(sk);
      if (w) {
        for (const s of w) s.row.rxhash = e.row.rxhash;
        filled += w.length;
        waiting.delete(sk);
      }
    } else if (ev === 'state' && e.hashFromRecords) {
      const h = last.get(sk);
      if (h !== undefined) {
        e.row.rxhash = h;
        filled++;
      } else {
        const w = waiting.get(sk);
        if (w) w.push(e);
        else waiting.set(sk, [e]);
      }
      if (e.row.state === TCP_CLOSE) {
        last.delete(sk);
        unknown += waiting.get(sk)?.length ?? 0;
        waiting.delete(sk);
      }
    }
  }
  for (const w of waiting.values()) unknown += w.length;
  return { filled, unknown };
}

/** Drops state rows of sockets that never recorded (sockets were limited to one namespace or sampled, which perf cannot filter). */
export function dropStatesOfUnrecordedSockets(events: CaptureEvent[]): number {
  const recorded = new Set<string>();
  for (const e of events) {
    const ev = e.row.event;
    if (ev === 'recvmsg' || ev === 'sendmsg' || ev === 'accept' || ev === 'splice') recorded.add(e.row.socket);
  }
  let dropped = 0;
  for (const e of events) {
    if (e.row.event === 'state' && e.hashFromRecords && !e.dropped && !recorded.has(e.row.socket)) {
      e.dropped = true;
      dropped++;
    }
  }
  return dropped;
}

/**
 * A sampled capture (docs/model.md#flow-sampling): the kernel kept every
 * event whose hash had the rule's bits zero, including those whose hash was
 * still 0 there (a packet before steering computed it, a socket before its
 * first packet) and those it could not filter at all (perf's state changes
 * and deliveries carry no hash). Now that every row has its flow's hash,
 * drops the rows the rule does not keep: state rows without a hash (their
 * socket never recorded one: its flow is unknown, mostly a dropped one whose
 * socket address a kept one also used), deliver rows without a packet of a
 * kept flow, and every row whose hash the rule drops. A state row without a
 * hash changes no table (a close clears the slot of the row's hash), so
 * leaving it out changes no counter (docs/model.md#flow-sampling). Returns
 * how many were dropped.
 */
export function dropUnsampled(events: CaptureEvent[], rule: SamplingRule): number {
  let dropped = 0;
  const mask = sampleMask(rule);
  for (const e of events) {
    if (e.dropped) continue;
    const unpairedPerfDeliver = e.row.event === 'deliver' && !e.pair && !e.fromBpf;
    const stateWithoutHash = e.row.event === 'state' && e.row.rxhash === ZERO_HASH;
    if (unpairedPerfDeliver || stateWithoutHash || !keepsHash(mask, Number(e.row.rxhash || 0))) {
      e.dropped = true;
      dropped++;
    }
  }
  return dropped;
}
