/**
 * `rfs-replay capture`: snapshot the RFS configuration, run the generated
 * bpftrace program, sort its per-CPU output by time and write a v1 trace.
 * Changes nothing on the host except mounting tracefs when it is missing
 * (unmounted again afterwards); sysctls and sysfs are only read.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { captureMsg } from '../messages.js';
import type { TextRow } from '../ingest/rows.js';
import { generateProgram } from './program.js';
import { CaptureAssembler, lostEventsIn, type AssembleStats } from '../ingest/importers/capture-protocol.js';
import { detectRxhashField, ensureTracefs, findBpftrace, netnsInum, snapshotConfigLines, takeSnapshot, type SystemSnapshot } from './system.js';

export interface CaptureOptions {
  output: string;
  durationS?: number;
  netns?: string;
  dev?: string;
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

export const V1_COLUMNS = 'ts,event,cpu,socket,state,rxhash,queue,skb';

/** A v1 trace as text: magic, header comments, header row, rows. */
export function formatV1(comments: string[], rows: Iterable<{ row: TextRow }>): string {
  const out: string[] = ['# rfs-trace v1', ...comments, V1_COLUMNS];
  for (const { row: r } of rows) out.push(`${r.ts},${r.event},${r.cpu},${r.socket},${r.state},${r.rxhash},${r.queue},${r.skb}`);
  out.push('');
  return out.join('\n');
}

/**
 * Events the kernel skipped because another BPF program was running on the
 * same CPU (a softirq nested in a process-context probe): summed from the
 * `recursion_misses` of every BPF program the bpftrace process holds
 * (/proc/PID/fdinfo). bpftrace itself never reports these.
 */
export function recursionMisses(pid: number): number | null {
  let total = 0;
  let seen = false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /^recursion_misses:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) {
        total += Number(m[1]);
        seen = true;
      }
    } catch {
      // The fd closed while we looked: bpftrace is exiting.
    }
  }
  return seen ? total : null;
}

export { lostEventsIn };

export interface PreparedProgram {
  program: string;
  snapshot: SystemSnapshot;
  rxhashField: string;
}

/** Everything up to the program text; shared by `--print-program` and the real run. */
export function prepareProgram(o: { durationS?: number; netns?: string; dev?: string; bpftrace: string | null }): PreparedProgram {
  const snapshot = takeSnapshot({ netns: o.netns, dev: o.dev });
  // Without bpftrace (printing only) assume the layout of current kernels; the program says which it used.
  const rxhashField = o.bpftrace ? detectRxhashField(o.bpftrace) : '__sk_common.skc_rxhash';
  const inum = o.netns !== undefined ? netnsInum(o.netns) : undefined;
  let ifindex: number | undefined;
  if (o.dev !== undefined) ifindex = [...snapshot.ifnames].find(([, n]) => n === o.dev)?.[0];
  const program = generateProgram({
    rxhashField,
    netnsInum: inum,
    ifindex,
    durationS: o.durationS,
    config: snapshotConfigLines(snapshot),
    ifnames: snapshot.ifnames,
  });
  return { program, snapshot, rxhashField };
}

export async function runCapture(o: CaptureOptions): Promise<CaptureSummary> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new UsageError(captureMsg.needRoot());
  const bpftrace = findBpftrace();
  if (!bpftrace) throw new UsageError(captureMsg.noBpftrace());
  const status = o.onStatus ?? (() => {});
  const tracefs = ensureTracefs();
  const dir = mkdtempSync(join(tmpdir(), 'rfs-capture-'));
  try {
    const prepared = prepareProgram({ ...o, bpftrace });
    const programPath = join(dir, 'capture.bt');
    writeFileSync(programPath, prepared.program);
    const asm = new CaptureAssembler(o.output);
    const stderr: string[] = [];

    const child = spawn(bpftrace, [programPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Large per-CPU buffers: events are lost when bpftrace reads slower than packets arrive.
      env: { ...process.env, BPFTRACE_PERF_RB_PAGES: process.env.BPFTRACE_PERF_RB_PAGES ?? '4096' },
    });
    let interrupted = false;
    const onAbort = (): void => {
      interrupted = true;
      // SIGINT lets bpftrace run END and flush what it has; what was captured is still written.
      child.kill('SIGINT');
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });

    // Polled while bpftrace runs: its programs (and their counters) are gone once it exits.
    let missed: number | null = null;
    const poll = (): void => {
      const n = child.pid !== undefined ? recursionMisses(child.pid) : null;
      if (n !== null) missed = Math.max(missed ?? 0, n);
    };
    const poller = setInterval(poll, 200);
    let lineNo = 0;
    let parseError: unknown = null;
    const out = createInterface({ input: child.stdout, crlfDelay: Infinity });
    out.on('line', (line) => {
      lineNo++;
      if (parseError) return;
      const lost = lostEventsIn(line);
      if (lost !== null) {
        asm.lost(lost);
        return;
      }
      const wasStarted = asm.started;
      try {
        asm.add(line, lineNo);
      } catch (e) {
        parseError = e;
        child.kill('SIGINT');
      }
      if (line === 'end') poll();
      if (!wasStarted && asm.started) {
        status(o.durationS !== undefined ? captureMsg.capturing(o.durationS) : captureMsg.capturingUntilInterrupt());
      }
    });
    const err = createInterface({ input: child.stderr, crlfDelay: Infinity });
    err.on('line', (line) => {
      const lost = lostEventsIn(line);
      if (lost !== null) asm.lost(lost);
      else stderr.push(line);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    });
    clearInterval(poller);
    asm.missed(missed);
    o.signal?.removeEventListener('abort', onAbort);
    if (parseError) throw parseError;
    if (!asm.started || (code !== 0 && !asm.stats.ended)) {
      // bpftrace warns about RLIMIT_MEMLOCK on kernels that account BPF memory by cgroup; not a failure.
      const detail = stderr.filter((l) => !/RLIMIT_MEMLOCK/.test(l)).slice(-8).join('\n');
      throw new UsageError(captureMsg.bpftraceFailed(code, detail));
    }
    const done = asm.finish();
    const text = formatV1(done.comments, done.rows);
    writeFileAtomic(o.output, o.output.endsWith('.gz') ? gzipSync(text) : text);
    const events: Record<string, number> = {};
    for (const { row } of done.rows) events[row.event] = (events[row.event] ?? 0) + 1;
    // Interrupting an open-ended capture is the normal way to stop it; a timed one says it was cut short.
    if (interrupted && o.durationS !== undefined) status(captureMsg.stoppedEarly());
    return { output: o.output, rows: done.rows.length, events, stats: asm.stats, rxhashField: prepared.rxhashField };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tracefs.release();
  }
}

