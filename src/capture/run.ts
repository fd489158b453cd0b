/**
 * `rfs-replay capture`: snapshot the RFS configuration, record the socket
 * side with bpftrace and the packet side with perf, merge both by time and
 * write a v1 trace.
 *
 * Order: the bpftrace programs start first and stop last, so every packet
 * perf records falls inside the time the socket side was recorded.
 * Changes nothing on the host except mounting tracefs when it is missing
 * (unmounted again afterwards); sysctls and sysfs are only read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InterruptedError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { captureMsg, sampleCaptureMsg } from '../messages.js';
import { describeRule, ruleBits, type SamplingRule } from '../types/sampling.js';
import type { TextRow } from '../ingest/rows.js';
import type { AssembleStats } from '../ingest/importers/capture-output.js';
import { CaptureAssembler } from '../ingest/importers/capture-protocol.js';
import { COLUMN_NAMES } from '../ingest/v1/header.js';
import { BpftraceRun } from './bpftrace-run.js';
import { namesInOtherNamespaces, ownNetnsInum } from './namespaces.js';
import { decodePerfData, perfAvailable, perfRecordArgs, planPerfEvents, type PerfEvent } from './perf-packets.js';
import { PerfRun } from './perf-run.js';
import { generatePacketCheckProgram, generateProgram, generateSocketProgram, type ProgramOptions } from './program.js';
import { detectRxhashField, ensureTracefs, findBpftrace, netnsInum, snapshotConfigLines, takeSnapshot, TRACEFS, type SystemSnapshot } from './system.js';

export type DeliverProbe = 'auto' | 'perf' | 'bpftrace';

export interface CaptureOptions {
  output: string;
  durationS?: number;
  /** Namespace of the captured device(s); the capture's own when absent. */
  netns?: string;
  dev?: string;
  /** Only socket events of this namespace (a warning: every namespace shares the table). */
  socketNetns?: string;
  deliverProbe?: DeliverProbe;
  /** Flow sampling (`--sample 1/N`, `--sample-shift`): only flows whose hash has the rule's bits zero, filtered in the kernel. */
  sample?: SamplingRule;
  signal?: AbortSignal;
  /** Progress lines for the user (stderr in the CLI). */
  onStatus?: (line: string) => void;
}

export interface CaptureSummary {
  output: string;
  rows: number;
  events: Record<string, number>;
  stats: AssembleStats;
  rxhashField: string;
}

export const V1_COLUMNS = COLUMN_NAMES.join(',');

/** A v1 trace as text: magic, header comments, header row, rows. */
export function formatV1(comments: string[], rows: Iterable<{ row: TextRow }>): string {
  const out: string[] = ['# rfs-trace v1', ...comments, V1_COLUMNS];
  for (const { row: r } of rows) out.push(`${r.ts},${r.event},${r.cpu},${r.socket},${r.state},${r.rxhash},${r.queue},${r.skb}`);
  out.push('');
  return out.join('\n');
}

/** Devices whose packets carry the sender's flow hash into steering (skb_set_hash_from_sk()): perf alone sees every hash. */
const HASH_CARRYING_KINDS = new Set(['loopback', 'veth']);

export interface CapturePlan {
  snapshot: SystemSnapshot;
  rxhashField: string;
  program: ProgramOptions;
  /** Captured device names that other namespaces also use. */
  sharedNames: string[];
  deliversByBpf: boolean;
}

function programOptions(
  snapshot: SystemSnapshot,
  rxhashField: string,
  o: { netns?: string; dev?: string; socketNetns?: string; durationS?: number; sample?: SamplingRule },
  packetNetnsInum: number | undefined,
): ProgramOptions {
  const ifindexes = [...snapshot.ifnames].filter(([, n]) => snapshot.devices.includes(n)).map(([i]) => i);
  // The rule goes into the trace's header (sample_shift=, sample_bits=), so every later command knows it.
  const rule = o.sample ? [`sample_shift=${o.sample.shift} sample_bits=${o.sample.bits}`] : [];
  return {
    rxhashField,
    socketNetnsInum: o.socketNetns !== undefined ? netnsInum(o.socketNetns) : undefined,
    packetNetnsInum,
    ifindexes: o.dev !== undefined ? ifindexes : undefined,
    durationS: o.durationS,
    config: [...snapshotConfigLines(snapshot), ...rule],
    ifnames: snapshot.ifnames,
    sample: o.sample,
  };
}

type ProgramRequest = { durationS?: number; netns?: string; dev?: string; socketNetns?: string; sample?: SamplingRule };

/**
 * The one-program form for users who run bpftrace themselves
 * (`--print-program`), from this machine's snapshot. See printedProgram().
 */
export function prepareProgram(o: ProgramRequest & { bpftrace: string | null }): { program: string; rxhashField: string; notes: string[] } {
  const snapshot = takeSnapshot({ netns: o.netns, dev: o.dev });
  // Without bpftrace (printing only) assume the layout of current kernels; the program says which it used.
  const rxhashField = o.bpftrace ? detectRxhashField(o.bpftrace) : '__sk_common.skc_rxhash';
  const packetNetns = o.netns !== undefined ? netnsInum(o.netns) : undefined;
  const socketNetns = o.socketNetns !== undefined ? netnsInum(o.socketNetns) : undefined;
  return { ...printedProgram(snapshot, rxhashField, o, packetNetns, socketNetns), rxhashField };
}

/**
 * The program is generated from one machine: its configuration is printed
 * by BEGIN as the trace header, its devices' ifindexes name the queues (and
 * filter packets with --dev), its namespaces' inode numbers filter with
 * --netns. So its header says so, with how to run it on the target and read
 * its output, and `notes` say it again for stderr, with a warning when RFS is
 * off there (issue 23 item 6).
 */
export function printedProgram(
  snapshot: SystemSnapshot,
  rxhashField: string,
  o: ProgramRequest,
  packetNetns: number | undefined,
  socketNetns: number | undefined,
): { program: string; notes: string[] } {
  const options = programOptions(snapshot, rxhashField, { ...o, socketNetns: undefined }, packetNetns);
  options.socketNetnsInum = socketNetns;
  const config = snapshotConfigLines(snapshot);
  const devices = [...snapshot.ifnames].map(([i, n]) => `${i} ${n}`).join(', ');
  const args = [
    ...(o.netns !== undefined ? ['--netns', o.netns] : []),
    ...(o.dev !== undefined ? ['--dev', o.dev] : []),
    ...(o.socketNetns !== undefined ? ['--socket-netns', o.socketNetns] : []),
    ...(o.durationS !== undefined ? ['--duration', String(o.durationS)] : []),
    ...(o.sample ? ['--sample', `1/${2 ** o.sample.bits}`, '--sample-shift', String(o.sample.shift)] : []),
  ];
  const filters = [
    o.dev !== undefined ? 'packets by ifindex' : '',
    packetNetns !== undefined ? 'packets by namespace' : '',
    socketNetns !== undefined ? 'sockets by namespace' : '',
  ]
    .filter((f) => f)
    .join(', ');
  options.preamble = [
    '',
    'Made from the machine it was printed on, and right for that machine only:',
    'BEGIN prints its configuration as the trace header,',
    ...config.map((c) => `  ${c}`),
    `and names queues by its devices' ifindexes (${devices})${filters ? `; it selects ${filters} of that machine` : ''}.`,
    ...(o.sample ? [`It prints only one flow in ${2 ** o.sample.bits}: those with ${ruleBits(o.sample)} zero (docs/model.md#flow-sampling).`] : []),
    ...(snapshot.rpsSockFlowEntries === 0 ? ['RFS is off there (net.core.rps_sock_flow_entries=0): the trace will show plain RPS.'] : []),
    'Generate it on the server you capture, run it there as root (bpftrace needs tracefs: mount -t tracefs nodev',
    '/sys/kernel/tracing when /sys/kernel/tracing/events is missing), and read its output as a trace:',
    `  rfs-replay capture --print-program${args.length > 0 ? ` ${args.join(' ')}` : ''} > rfs.bt`,
    `  sudo bpftrace rfs.bt > rfs.txt        (or: sudo bpftrace -f json rfs.bt > rfs.json; ${o.durationS !== undefined ? `it stops after ${o.durationS} s` : 'Ctrl-C stops it'})`,
    '  rfs-replay replay rfs.txt             (report and validate read it too)',
  ];
  const notes = [sampleCaptureMsg.programFitsThisMachine(config.join('; '), devices)];
  if (snapshot.rpsSockFlowEntries === 0) notes.push(sampleCaptureMsg.rfsOff());
  return { program: generateProgram(options), notes };
}

export function planCapture(o: CaptureOptions, bpftrace: string): CapturePlan {
  const snapshot = takeSnapshot({ netns: o.netns, dev: o.dev });
  const rxhashField = detectRxhashField(bpftrace);
  const packetNetns = o.netns !== undefined ? netnsInum(o.netns) : ownNetnsInum();
  const program = programOptions(snapshot, rxhashField, { ...o, durationS: undefined }, packetNetns);
  const sharedNames = namesInOtherNamespaces(snapshot.devices, packetNetns);
  const mode = o.deliverProbe ?? 'auto';
  // Sampled: BPF reads deliveries so it can filter them by hash in the kernel (perf's net:netif_receive_skb has no hash field).
  const deliversByBpf =
    mode === 'bpftrace' ||
    (mode === 'auto' && (o.sample !== undefined || !snapshot.devices.every((d) => HASH_CARRYING_KINDS.has(snapshot.kinds.get(d) ?? ''))));
  return { snapshot, rxhashField, program, sharedNames, deliversByBpf };
}

/** Waits for `p`, or fails when the process exits first or `ms` pass. */
async function startedOrFailed(
  p: Promise<void>,
  exited: Promise<number | null>,
  what: string,
  fail: (code: number | null) => Error,
  ms = 60_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      exited.then((code) => {
        throw fail(code);
      }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UsageError(captureMsg.startingTimedOut(what))), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Online CPU ids (/sys/devices/system/cpu/online, e.g. "0-3,6"). */
export function onlineCpus(text = readFileSync('/sys/devices/system/cpu/online', 'utf8')): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

function until(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = ms !== undefined ? setTimeout(done, ms) : undefined;
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runCapture(o: CaptureOptions): Promise<CaptureSummary> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new UsageError(captureMsg.needRoot());
  const bpftrace = findBpftrace();
  if (!bpftrace) throw new UsageError(captureMsg.noBpftrace());
  if (!perfAvailable()) throw new UsageError(captureMsg.noPerf());
  const status = o.onStatus ?? (() => {});
  const tracefs = ensureTracefs();
  const dir = mkdtempSync(join(tmpdir(), 'rfs-capture-'));
  const runs: { kill(): void }[] = [];
  try {
    const plan = planCapture(o, bpftrace);
    if (o.socketNetns !== undefined) status(captureMsg.socketNetnsLimited(o.socketNetns));
    if (plan.sharedNames.length > 0) status(captureMsg.sharedDeviceNames(plan.sharedNames));
    if (plan.deliversByBpf && o.deliverProbe !== 'bpftrace' && !o.sample)
      status(captureMsg.deliversByBpf(plan.snapshot.devices.filter((d) => !HASH_CARRYING_KINDS.has(plan.snapshot.kinds.get(d) ?? ''))));
    if (o.sample) status(sampleCaptureMsg.sampling(describeRule(o.sample), plan.deliversByBpf));
    if (plan.snapshot.rpsSockFlowEntries === 0) status(sampleCaptureMsg.rfsOff());
    const asm = new CaptureAssembler(o.output, o.socketNetns !== undefined);
    const perfEvents: PerfEvent[] = planPerfEvents(TRACEFS, plan.snapshot.devices, !plan.deliversByBpf, o.sample);

    const socketPath = join(dir, 'sockets.bt');
    writeFileSync(socketPath, generateSocketProgram(plan.program));
    const sockets = new BpftraceRun(bpftrace, socketPath, (line, n) => asm.add(line, n));
    runs.push(sockets);
    let check: BpftraceRun | null = null;
    // Sampled: the check program also reads state changes (perf's have no hash to filter by).
    if (plan.sharedNames.length > 0 || plan.deliversByBpf || o.sample) {
      const checkPath = join(dir, 'packets.bt');
      const states = o.sample !== undefined;
      // Sampled, BPF's deliver rows tie packets to the captured device (capture-fixups.ts dropUnconfirmed()): no "seen" probe on every packet.
      const confirmPackets = plan.sharedNames.length > 0 && !(o.sample && plan.deliversByBpf);
      writeFileSync(checkPath, generatePacketCheckProgram(plan.program, { confirmPackets, delivers: plan.deliversByBpf, states }));
      check = new BpftraceRun(bpftrace, checkPath, (line, n) => asm.add(line, n));
      runs.push(check);
    }
    const bpfFailed = (run: BpftraceRun) => (code: number | null) => new UsageError(captureMsg.bpftraceFailed(code, run.errorTail()));
    await startedOrFailed(sockets.ready, sockets.exited, 'bpftrace', bpfFailed(sockets));
    if (check) await startedOrFailed(check.ready, check.exited, 'bpftrace', bpfFailed(check));
    if (o.signal?.aborted) throw new InterruptedError();

    const dataPath = join(dir, 'packets.data');
    const perf = new PerfRun(perfRecordArgs(perfEvents, dataPath, Number(process.env.RFS_CAPTURE_PERF_PAGES ?? 4096), 1));
    runs.push(perf);
    await startedOrFailed(perf.enabled, perf.exited, 'perf record', (code) => new UsageError(captureMsg.perfFailed(code, perf.errorTail())));
    // process.hrtime is CLOCK_MONOTONIC, the clock of both perf (-k) and bpf_ktime_get_ns().
    const perfStart = Number(process.hrtime.bigint());

    status(o.durationS !== undefined ? captureMsg.capturing(o.durationS) : captureMsg.capturingUntilInterrupt());
    await until(o.durationS !== undefined ? o.durationS * 1000 : undefined, o.signal);
    const interrupted = o.signal?.aborted ?? false;

    const perfEnd = Number(process.hrtime.bigint());
    perf.stop();
    const perfCode = await perf.exited;
    // bpftrace prints what it read from the per-CPU buffers; stopping it earlier would lose the rest.
    const cpus = onlineCpus();
    for (const r of [sockets, check]) if (r && !(await r.caughtUp(perfEnd, cpus))) status(captureMsg.bpftraceBehind());
    for (const r of [sockets, check]) r?.stop();
    await sockets.exited;
    if (check) await check.exited;
    if (!perf.finished) throw new UsageError(captureMsg.perfStopFailed(perfCode, perf.errorTail()));

    const confirm = new Set(plan.sharedNames);
    const { lost } = decodePerfData(dataPath, perfEvents, {
      packet: (e) => asm.perfPacket(e, confirm.has(e.dev)),
      deliver: (e) => asm.perfDeliver(e, confirm.has(e.dev)),
      state: (e) => asm.perfState(e),
    });
    asm.perfWindow(perfStart, perfEnd);
    asm.stats.lostEvents = sockets.lost;
    asm.stats.missedEvents = sockets.missed;
    asm.stats.perfLost = lost;
    if (check) {
      asm.stats.packetCheckLost = check.lost;
      asm.stats.packetCheckMissed = check.missed;
    }
    const done = asm.finish();
    const text = formatV1(done.comments, done.rows);
    writeFileAtomic(o.output, o.output.endsWith('.gz') ? gzipSync(text) : text);
    const events: Record<string, number> = {};
    for (const { row } of done.rows) events[row.event] = (events[row.event] ?? 0) + 1;
    // Interrupting an open-ended capture is the normal way to stop it; a timed one says it was cut short.
    if (interrupted && o.durationS !== undefined) status(captureMsg.stoppedEarly());
    return { output: o.output, rows: done.rows.length, events, stats: asm.stats, rxhashField: plan.rxhashField };
  } finally {
    for (const r of runs) r.kill();
    rmSync(dir, { recursive: true, force: true });
    tracefs.release();
  }
}
