/**
 * What a capture only knows in hindsight, once every event is in and sorted
 * by time: which deliver row belongs to which packet, which packets of a
 * device name shared by several namespaces were really the captured
 * device's, the hash steering computed, and the hash a TCP state change
 * cleared. Called by capture-output.ts assembleCapture(), once the
 * assembler (capture-protocol.ts) has every line, each only where the capture
 * has what it fixes, on the events' columns (capture-events.ts); `order`
 * lists their slots in time order (null: they arrived in it).
 */
import { EventKind } from '../trace.js';
import { keepsHash, sampleMask, type SamplingRule } from '../../types/sampling.js';
import {
  ABSENT,
  type CaptureEvents,
  CONFIRM,
  CONFIRMED,
  DROPPED,
  FROM_BPF,
  HASH_FROM_RECORDS,
  type IdNumbers,
  NO_HASH,
  type Sightings,
} from './capture-events.js';

/** How far apart perf's and BPF's time of one packet may be (the two probes run in the same call, microseconds apart). */
export const SIGHTING_WINDOW_NS = 10_000_000;

const { Packet, Deliver, State } = EventKind;

/** A record row: the sock_rps_record_flow() callers. */
const isRecord = (kind: number): boolean => kind <= EventKind.Splice;

/**
 * Marks packets that need confirming and were seen by BPF, each sighting
 * used once, for the packet of the same skb and CPU nearest in time.
 */
export function confirmPackets(ev: CaptureEvents, order: Int32Array | null, sightings: Sightings, numbers: () => IdNumbers): void {
  const { ids, skbs } = numbers();
  const bySkb = new Map<number, { list: number[]; from: number }>();
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (ev.kind[i] !== Packet || (ev.flags[i] & CONFIRM) === 0) continue;
    const g = bySkb.get(ids[i]);
    if (g) g.list.push(i);
    else bySkb.set(ids[i], { list: [i], from: 0 });
  }
  const ts = ev.ts;
  for (const k of sightings.timeOrder()) {
    const g = bySkb.get(sightings.skbNumber(k, skbs));
    if (!g) continue;
    const sTs = sightings.ts[k];
    while (g.from < g.list.length && ts[g.list[g.from]] < sTs - SIGHTING_WINDOW_NS) g.from++;
    let best = ABSENT;
    for (let j = g.from; j < g.list.length && ts[g.list[j]] <= sTs + SIGHTING_WINDOW_NS; j++) {
      const p = g.list[j];
      if (ev.flags[p] & CONFIRMED || ev.cpu[p] !== sightings.cpu[k]) continue;
      if (best === ABSENT || Math.abs(ts[p] - sTs) < Math.abs(ts[best] - sTs)) best = p;
    }
    if (best !== ABSENT) ev.flags[best] |= CONFIRMED;
  }
}

/**
 * Drops BPF deliver rows outside the time perf recorded packets: the BPF
 * programs start before perf and stop after it, and a delivery whose packet
 * perf could not see would count as a deliver row without a packet.
 */
export function dropBpfDeliversOutside(ev: CaptureEvents, startNs: number, endNs: number): void {
  for (let i = 0; i < ev.n; i++) if (ev.flags[i] & FROM_BPF && (ev.ts[i] < startNs || ev.ts[i] > endNs)) ev.flags[i] |= DROPPED;
}

/** Matches each deliver row to the most recent unmatched packet of the same skb (docs/format.md). */
export function pairDelivers(ev: CaptureEvents, order: Int32Array | null, numbers: () => IdNumbers): void {
  const { ids } = numbers();
  // Only packets whose skb a deliver row names can pair: the others are not held (most traces
  // have no deliver rows, or deliver rows for few of their packets).
  const delivered = new Set<number>();
  for (let i = 0; i < ev.n; i++) if (ev.kind[i] === Deliver && (ev.flags[i] & DROPPED) === 0) delivered.add(ids[i]);
  const open = new Map<number, number[]>();
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (ev.flags[i] & DROPPED) continue;
    const skb = ids[i];
    if (ev.kind[i] === Packet) {
      if (!delivered.has(skb)) continue;
      const list = open.get(skb);
      if (list) list.push(i);
      else open.set(skb, [i]);
    } else if (ev.kind[i] === Deliver) {
      const p = open.get(skb)?.pop();
      if (p === undefined) continue;
      const pair = ev.pairs();
      pair[p] = i;
      pair[i] = p;
    }
  }
}

/** The row's rxhash field is the text "0x00000000" (not empty). */
const zeroHash = (ev: CaptureEvents, i: number): boolean => ev.hash[i] === 0 && (ev.flags[i] & NO_HASH) === 0;

/**
 * Drops events of a shared device name that nothing ties to the captured
 * device: a packet neither seen by BPF nor delivered in a BPF deliver row
 * nor of a flow (hash) whose other packets were, with its deliver row; and
 * deliver rows with no packet. A skipped BPF run thus costs a packet only
 * when none of its flow's packets was seen. Returns how many were dropped.
 */
export function dropUnconfirmed(ev: CaptureEvents, order: Int32Array | null): number {
  const { flags } = ev;
  const confirmed = (i: number): boolean => (flags[i] & CONFIRMED) !== 0 || (ev.pairOf(i) !== ABSENT && (flags[ev.pairOf(i)] & CONFIRMED) !== 0);
  const ownFlows = new Set<number>();
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (ev.kind[i] === Packet && flags[i] & CONFIRM && confirmed(i) && !zeroHash(ev, i)) ownFlows.add(ev.hash[i]);
  }
  let dropped = 0;
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if ((flags[i] & CONFIRM) === 0 || flags[i] & DROPPED) continue;
    if (ev.kind[i] === Packet) {
      if (confirmed(i) || ownFlows.has(ev.hash[i])) continue;
      flags[i] |= DROPPED;
      dropped++;
      const d = ev.pairOf(i);
      if (d !== ABSENT && (flags[d] & DROPPED) === 0) {
        flags[d] |= DROPPED;
        dropped++;
      }
    } else if (ev.kind[i] === Deliver && ev.pairOf(i) === ABSENT && (flags[i] & CONFIRMED) === 0) {
      flags[i] |= DROPPED;
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
export function shareHashes(ev: CaptureEvents): number {
  let fromDeliver = 0;
  const { hash, flags, pair } = ev;
  if (pair === null) return 0;
  for (let p = 0; p < ev.n; p++) {
    const d = pair[p];
    if (ev.kind[p] !== Packet || d === ABSENT) continue;
    const deliverHasNone = hash[d] === 0;
    if (zeroHash(ev, p) && !deliverHasNone) {
      hash[p] = hash[d];
      fromDeliver++;
    } else if (deliverHasNone) {
      hash[d] = hash[p];
      flags[d] = (flags[d] & ~NO_HASH) | (flags[p] & NO_HASH);
    }
    ev.queue[d] = ev.queue[p];
  }
  return fromDeliver;
}

const TCP_CLOSE = 7;

/**
 * Gives perf's state rows the socket's sk_rxhash from its record rows: the
 * latest before the change, else the first after it in the same socket's
 * life (a life ends at TCP_CLOSE; the address may then be reused). A socket
 * that never recorded keeps hash 0, so the model clears no slot for it.
 * Returns how many state rows got a hash and how many did not.
 */
export function stateHashesFromRecords(ev: CaptureEvents, order: Int32Array | null, numbers: () => IdNumbers): { filled: number; unknown: number } {
  const { ids, sockets } = numbers();
  const { hash, flags } = ev;
  const last = new Uint32Array(sockets);
  const hasLast = new Uint8Array(sockets);
  const waiting = new Map<number, number[]>();
  let filled = 0;
  let unknown = 0;
  for (let k = 0; k < ev.n; k++) {
    const i = order === null ? k : order[k];
    if (flags[i] & DROPPED) continue;
    const kind = ev.kind[i];
    const sk = ids[i];
    if (isRecord(kind)) {
      if (zeroHash(ev, i)) continue;
      last[sk] = hash[i];
      hasLast[sk] = 1;
      const w = waiting.get(sk);
      if (w) {
        for (const s of w) {
          hash[s] = hash[i];
          flags[s] &= ~NO_HASH;
        }
        filled += w.length;
        waiting.delete(sk);
      }
    } else if (kind === State && flags[i] & HASH_FROM_RECORDS) {
      if (hasLast[sk]) {
        hash[i] = last[sk];
        filled++;
      } else {
        const w = waiting.get(sk);
        if (w) w.push(i);
        else waiting.set(sk, [i]);
      }
      if (ev.state[i] === TCP_CLOSE) {
        hasLast[sk] = 0;
        unknown += waiting.get(sk)?.length ?? 0;
        waiting.delete(sk);
      }
    }
  }
  for (const w of waiting.values()) unknown += w.length;
  return { filled, unknown };
}

/** Drops state rows of sockets that never recorded (sockets were limited to one namespace or sampled, which perf cannot filter). */
export function dropStatesOfUnrecordedSockets(ev: CaptureEvents, numbers: () => IdNumbers): number {
  const { ids, sockets } = numbers();
  const recorded = new Uint8Array(sockets);
  for (let i = 0; i < ev.n; i++) if (isRecord(ev.kind[i])) recorded[ids[i]] = 1;
  let dropped = 0;
  for (let i = 0; i < ev.n; i++) {
    const f = ev.flags[i];
    if (ev.kind[i] === State && f & HASH_FROM_RECORDS && (f & DROPPED) === 0 && !recorded[ids[i]]) {
      ev.flags[i] |= DROPPED;
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
export function dropUnsampled(ev: CaptureEvents, rule: SamplingRule): number {
  let dropped = 0;
  const mask = sampleMask(rule);
  const { flags, kind } = ev;
  for (let i = 0; i < ev.n; i++) {
    if (flags[i] & DROPPED) continue;
    const unpairedPerfDeliver = kind[i] === Deliver && ev.pairOf(i) === ABSENT && (flags[i] & FROM_BPF) === 0;
    const stateWithoutHash = kind[i] === State && zeroHash(ev, i);
    if (unpairedPerfDeliver || stateWithoutHash || !keepsHash(mask, ev.hash[i])) {
      flags[i] |= DROPPED;
      dropped++;
    }
  }
  return dropped;
}
