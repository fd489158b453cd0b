/**
 * One running bpftrace program of a capture: its protocol lines go to a
 * handler as they come, its "Lost N events" lines are counted, and the
 * probe runs the kernel skipped (BPF recursion protection) are read from its
 * programs while they are loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { lostEventsIn } from '../ingest/importers/capture-protocol.js';

/**
 * Runs the kernel skipped because another BPF program was running on the
 * same CPU: summed from the `recursion_misses` of every BPF program the
 * process holds (/proc/PID/fdinfo). bpftrace itself never reports these.
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

export class BpftraceRun {
  private readonly child: ChildProcess;
  private readonly poller: NodeJS.Timeout;
  private readonly stderr: string[] = [];
  /** Resolves when the program printed its first line (BEGIN runs once its probes are attached). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code when bpftrace has exited and its output is read. */
  readonly exited: Promise<number | null>;
  lost = 0;
  missed: number | null = null;
  ended = false;

  /** `onLine` gets every protocol line and its number; throwing stops bpftrace and fails `exited`. */
  constructor(bpftrace: string, programPath: string, onLine: (line: string, lineNo: number) => void) {
    this.child = spawn(bpftrace, [programPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Large per-CPU buffers: events are lost when bpftrace reads slower than they come.
      env: { ...process.env, BPFTRACE_PERF_RB_PAGES: process.env.BPFTRACE_PERF_RB_PAGES ?? '4096' },
    });
    let lineNo = 0;
    let failure: unknown = null;
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    const out = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    out.on('line', (line) => {
      lineNo++;
      if (failure) return;
      const lost = lostEventsIn(line);
      if (lost !== null) {
        this.lost += lost;
        return;
      }
      if (/^Attaching \d+ probes?/.test(line)) return;
      markReady();
      if (line === 'end') {
        this.ended = true;
        this.poll();
      }
      try {
        onLine(line, lineNo);
      } catch (e) {
        failure = e;
        this.child.kill('SIGINT');
      }
    });
    const err = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    err.on('line', (line) => {
      const lost = lostEventsIn(line);
      if (lost !== null) this.lost += lost;
      else this.stderr.push(line);
    });
    // Polled while bpftrace runs: its programs (and their counters) are gone once it exits.
    this.poller = setInterval(() => this.poll(), 200);
    const outClosed = new Promise<void>((resolve) => out.on('close', resolve));
    this.exited = new Promise<number | null>((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        clearInterval(this.poller);
        void outClosed.then(() => (failure ? reject(failure) : resolve(code)));
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines bpftrace wrote to stderr, without its RLIMIT_MEMLOCK warning (not a failure on cgroup-accounted kernels). */
  errorTail(): string {
    return this.stderr.filter((l) => !/RLIMIT_MEMLOCK/.test(l)).slice(-8).join('\n');
  }

  poll(): void {
    const n = this.child.pid !== undefined ? recursionMisses(this.child.pid) : null;
    if (n !== null) this.missed = Math.max(this.missed ?? 0, n);
  }

  /** SIGINT lets bpftrace run END and flush what it has. */
  stop(): void {
    this.poll();
    if (this.running) this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
