/**
 * The packet side of a capture, recorded by `perf record`: packets before
 * steering, the kernel's deliveries, and TCP state changes.
 *
 * Why perf and not bpftrace: every BPF tracepoint program shares one per-CPU
 * guard (bpf_prog_active, kernel/trace/bpf_trace.c trace_call_bpf()). When
 * the receive softirq interrupts a socket-side probe, the kernel skips the
 * packet probe that would run inside it. perf's own tracepoint sampling has
 * no such guard, so its only losses are a full ring buffer, which it counts
 * (PERF_RECORD_LOST). The same guard is why no BPF program may be attached to
 * a tracepoint perf records: perf_trace_run_bpf_submit() drops the perf
 * sample when the BPF program is skipped.
 *
 * perf filters by device name only (a tracepoint filter on the `name`
 * field); the name's namespace is checked by the capture (namespaces.ts).
 */
import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { captureMsg } from '../messages.js';
import { sampleMask, type SamplingRule } from '../types/sampling.js';
import { readPerfData } from './perf-data.js';
import { fieldOf, hexField, intField, readTracepointFormat, stringField, uintField, type TracepointFormat } from './tracepoint-format.js';

/**
 * Packets before steering, with the protocol's source letter:
 * netif_rx_entry (loopback, veth, tunnels: netif_rx() and __netif_rx(), just
 * before netif_rx_internal() calls get_rps_cpu()) and the NAPI entry points.
 */
export const PERF_PACKET_EVENTS: { tracepoint: string; src: string }[] = [
  { tracepoint: 'net:netif_rx_entry', src: 'x' },
  { tracepoint: 'net:netif_receive_skb_entry', src: 'e' },
  { tracepoint: 'net:netif_receive_skb_list_entry', src: 'l' },
  { tracepoint: 'net:napi_gro_receive_entry', src: 'g' },
  { tracepoint: 'net:napi_gro_frags_entry', src: 'f' },
];
/** __netif_receive_skb_core(), on the CPU that processes the packet after steering. */
export const PERF_DELIVER_EVENT = 'net:netif_receive_skb';
export const PERF_STATE_EVENT = 'sock:inet_sock_set_state';

export interface PerfEvent {
  format: TracepointFormat;
  kind: 'packet' | 'deliver' | 'state';
  src: string;
  filter: string;
}

/** What the capture's assembler receives from perf. */
export interface PerfSink {
  packet(e: { ts: number; cpu: number; src: string; skb: string; hash: number; queueMapping: number; dev: string }): void;
  deliver(e: { ts: number; cpu: number; skb: string; dev: string }): void;
  state(e: { ts: number; cpu: number; socket: string; newState: number }): void;
}

/** The tracepoint filter selecting these device names (tracefs filter syntax). */
export function deviceFilter(devices: string[]): string {
  for (const d of devices) if (/["\\]/.test(d)) throw new UsageError(captureMsg.devNameUnfilterable(d));
  return devices.map((d) => `name == "${d}"`).join(' || ');
}

/**
 * The packet events' filter under a sampling rule: their `hash` field
 * (skb->hash) with the rule's bits zero, in the kernel (the filter's `&` is
 * true when any bit is set: kernel/trace/trace_events_filter.c). A hash still
 * 0 passes; the capture drops such a packet later if steering gave it a hash
 * the rule drops.
 */
export function sampledPacketFilter(devices: string[], rule: SamplingRule): string {
  return `(${deviceFilter(devices)}) && !(hash & 0x${sampleMask(rule).toString(16)})`;
}

/**
 * The events to record: those of this kernel's tracepoints that exist (older
 * kernels lack some NAPI entries). With a sampling rule, packets are filtered
 * by hash in the kernel; deliveries (net:netif_receive_skb has no hash field)
 * and state changes (sock:inet_sock_set_state has none either) cannot be, so
 * a sampled capture reads both with BPF instead (run.ts) and perf records
 * packets only.
 */
export function planPerfEvents(tracefs: string, devices: string[], withDeliver: boolean, sample?: SamplingRule): PerfEvent[] {
  const filter = deviceFilter(devices);
  const packetFilter = sample ? sampledPacketFilter(devices, sample) : filter;
  const events: PerfEvent[] = [];
  for (const p of PERF_PACKET_EVENTS) {
    const format = readTracepointFormat(tracefs, p.tracepoint);
    if (format) events.push({ format, kind: 'packet', src: p.src, filter: packetFilter });
  }
  if (!events.some((e) => e.src === 'x')) throw new UsageError(captureMsg.noTracepoint('net:netif_rx_entry', tracefs));
  if (withDeliver) {
    const format = readTracepointFormat(tracefs, PERF_DELIVER_EVENT);
    if (!format) throw new UsageError(captureMsg.noTracepoint(PERF_DELIVER_EVENT, tracefs));
    events.push({ format, kind: 'deliver', src: '', filter });
  }
  if (sample) return events;
  const state = readTracepointFormat(tracefs, PERF_STATE_EVENT);
  if (!state) throw new UsageError(captureMsg.noTracepoint(PERF_STATE_EVENT, tracefs));
  events.push({ format: state, kind: 'state', src: '', filter: 'protocol == 6' });
  return events;
}

/**
 * `perf record` arguments: every CPU, the monotonic clock (the clock of
 * bpf_ktime_get_ns(), so both sides' times compare), events enabled after
 * `delayMs` (perf then prints "Events enabled"), no build ids, no synthesized
 * task history, large per-CPU buffers.
 */
export function perfRecordArgs(events: PerfEvent[], dataPath: string, mmapPages: number, delayMs: number): string[] {
  const args = [
    'record',
    '-a',
    '-k',
    'CLOCK_MONOTONIC',
    '-D',
    String(delayMs),
    '-m',
    String(mmapPages),
    '-B',
    '-N',
    '--no-bpf-event',
    '--synth',
    'no',
    '-o',
    dataPath,
  ];
  for (const e of events) args.push('-e', e.format.name, '--filter', e.filter);
  return args;
}

/** Finds perf on PATH. */
export function perfAvailable(path: string | undefined = process.env.PATH): boolean {
  return (path ?? '').split(':').some((d) => d.length > 0 && existsSync(`${d}/perf`));
}

type Decoder = (raw: Buffer, ts: number, cpu: number) => void;

/** One decoder per event, with its field positions looked up once rather than once per sample. */
function decoderOf(e: PerfEvent, sink: PerfSink): Decoder {
  const f = e.format;
  const skb = fieldOf(f, e.kind === 'state' ? 'skaddr' : 'skbaddr');
  if (e.kind === 'state') {
    const newstate = fieldOf(f, 'newstate');
    return (raw, ts, cpu) => sink.state({ ts, cpu, socket: hexField(raw, skb), newState: intField(raw, newstate) });
  }
  const name = fieldOf(f, 'name');
  if (e.kind === 'deliver') return (raw, ts, cpu) => sink.deliver({ ts, cpu, skb: hexField(raw, skb), dev: stringField(raw, name) });
  const hash = fieldOf(f, 'hash');
  const qm = fieldOf(f, 'queue_mapping');
  const src = e.src;
  return (raw, ts, cpu) =>
    sink.packet({ ts, cpu, src, skb: hexField(raw, skb), hash: uintField(raw, hash), queueMapping: uintField(raw, qm), dev: stringField(raw, name) });
}

const PERF_TYPE_TRACEPOINT = 2;

/** Feeds every recorded sample of these events to the sink; returns the sample and lost counts. */
export function decodePerfData(path: string, events: PerfEvent[], sink: PerfSink): { samples: number; lost: number } {
  const decoders = new Map<number, Decoder>(events.map((e) => [e.format.id, decoderOf(e, sink)]));
  const summary = readPerfData(path, (s) => {
    if (s.type !== PERF_TYPE_TRACEPOINT) return;
    decoders.get(s.config)?.(s.raw, s.time, s.cpu);
  });
  return { samples: summary.samples, lost: summary.lost };
}
